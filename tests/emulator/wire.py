"""Which discovery schema a response must match: by method id (google-api-python-client requests carry it)
or by HTTP method and path (for gspread's raw requests), from the bundled discovery documents."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import requests

from tests.support.discovery import DOCUMENTS, API_FILES, validate

# Where each API's paths start on the emulator (its rootUrl + servicePath on Google).
PREFIX = {"sheets": "/", "drive": "/drive/v3/", "script": "/"}


@cache
def _methods(api: str) -> list[tuple[str, str, re.Pattern[str], str | None]]:
    doc = json.loads((DOCUMENTS / API_FILES[api]).read_text(encoding="utf-8"))
    out: list[tuple[str, str, re.Pattern[str], str | None]] = []

    def walk(resource: dict[str, Any]) -> None:
        for m in resource.get("methods", {}).values():
            template = m.get("flatPath", m["path"])
            parts = re.split(r"\{\+?[A-Za-z]+\}", PREFIX[api] + template)
            pattern = "(.+?)".join(re.escape(part) for part in parts)
            response = m.get("response", {}).get("$ref")
            out.append((m["id"], m["httpMethod"], re.compile("^" + pattern + "$"), response))
        for sub in resource.get("resources", {}).values():
            walk(sub)

    walk(doc)
    # Longer templates first, so `files/{id}/copy` wins over `files/{id}`.
    out.sort(key=lambda x: -len(x[2].pattern))
    return out


def schema_for_method(api: str, method_id: str) -> str | None:
    for mid, _, _, response in _methods(api):
        if mid == method_id:
            return response
    raise KeyError(method_id)


def schema_for_request(http_method: str, path: str) -> tuple[str, str | None]:
    """(api, response schema) for a request path on the emulator."""
    api = "drive" if path.startswith("/drive/") else "script" if path.startswith("/v1/scripts") else "sheets"
    for _, method, pattern, response in _methods(api):
        if method == http_method and pattern.match(path):
            return api, response
    raise KeyError(f"{http_method} {path}")


def validate_method_result(api: str, method_id: str, result: Any) -> None:
    schema = schema_for_method(api, method_id)
    if schema:
        validate(api, schema, result)


class RewritingSession(requests.Session):
    """A requests session that sends Google-host URLs to the emulator and records every JSON response,
    so an unchanged gspread talks to the emulator and each response can be checked against the schemas."""

    HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")

    def __init__(self, base_url: str, token: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        # What gspread's authorized session adds on Google: the emulator refuses a call without a token too.
        self.headers["Authorization"] = f"Bearer {token}"
        self.recorded: list[tuple[str, str, int, Any]] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = url.decode() if isinstance(url, bytes) else url
        method = method.decode() if isinstance(method, bytes) else method
        for host in self.HOSTS:
            if url.startswith(host):
                url = self.base_url + url[len(host):]
        response = super().request(method, url, *args, **kwargs)
        body: Any = None
        if response.content and response.headers.get("Content-Type", "").startswith("application/json"):
            body = response.json()
        self.recorded.append((method.upper(), urlsplit(url).path, response.status_code, body))
        return response

    def validate_all(self) -> int:
        """Validate every successful JSON response; returns how many were checked."""
        checked = 0
        for method, path, status, body in self.recorded:
            if status >= 300 or body is None:
                continue
            api, schema = schema_for_request(method, path)
            if schema:
                validate(api, schema, body)
                checked += 1
        return checked
