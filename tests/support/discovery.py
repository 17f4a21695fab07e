"""Validate JSON against a schema of the discovery documents bundled with google-api-python-client.

Shared by the emulator tests (every response) and the generator tests (the Spreadsheet resource). Discovery
schemas are converted to JSON Schema with `additionalProperties: false` on every object that lists its
properties, so a field Google does not define is caught, not ignored.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import googleapiclient
from jsonschema import Draft7Validator

DOCUMENTS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
API_FILES = {"sheets": "sheets.v4.json", "drive": "drive.v3.json", "script": "script.v1.json"}


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(n) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": f"#/definitions/{node['$ref']}"}
    out: dict[str, Any] = {}
    kind = node.get("type")
    if kind == "any" or kind is None:
        pass  # any JSON value
    elif kind == "string" and node.get("format") in ("int64", "uint64"):
        out["type"] = ["string", "integer"]  # int64 travels as a string; clients may send numbers
    else:
        out["type"] = kind
    if "enum" in node:
        out["enum"] = node["enum"]
    if "items" in node:
        out["items"] = _convert(node["items"])
    if "properties" in node:
        out["properties"] = {k: _convert(v) for k, v in node["properties"].items()}
        out["additionalProperties"] = False
    if "additionalProperties" in node:
        out["additionalProperties"] = _convert(node["additionalProperties"])
    return out


@cache
def _definitions(api: str) -> dict[str, Any]:
    document = json.loads((DOCUMENTS / API_FILES[api]).read_text(encoding="utf-8"))
    return {name: _convert(schema) for name, schema in document["schemas"].items()}


@cache
def _validator(api: str, schema_name: str) -> Draft7Validator:
    definitions = _definitions(api)
    if schema_name not in definitions:
        raise KeyError(f"{api} has no schema {schema_name!r}")
    return Draft7Validator({"$ref": f"#/definitions/{schema_name}", "definitions": definitions})


def validate(api: str, schema_name: str, instance: Any) -> None:
    """Raise AssertionError listing (up to 10) places where `instance` breaks the schema."""
    errors = sorted(_validator(api, schema_name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10]]
        raise AssertionError(f"{api} {schema_name}: {len(errors)} schema error(s):\n" + "\n".join(lines))
