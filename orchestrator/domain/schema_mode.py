"""Which ZEUES schema a reader or writer works against: `v2.1` (before the migration) or `v3.0`.

Resolved from an explicit argument, else `ZEUES_SCHEMA_MODE`, else `v2.1` (what production runs until the
migration is applied).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum

SCHEMA_MODE_ENV = "ZEUES_SCHEMA_MODE"


class SchemaMode(StrEnum):
    V2_1 = "v2.1"
    V3_0 = "v3.0"


def resolve_schema_mode(value: str | None = None, env: Mapping[str, str] | None = None) -> SchemaMode:
    env = os.environ if env is None else env
    raw = value if value is not None else env.get(SCHEMA_MODE_ENV, SchemaMode.V2_1.value)
    text = raw.strip().lower()
    if not text.startswith("v"):
        text = "v" + text
    try:
        return SchemaMode(text)
    except ValueError:
        source = "argument" if value is not None else SCHEMA_MODE_ENV
        allowed = ", ".join(m.value for m in SchemaMode)
        raise ValueError(f"unknown schema mode {raw!r} (from {source}); use one of: {allowed}") from None
