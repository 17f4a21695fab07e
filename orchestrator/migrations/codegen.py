"""Generates `appsscript/Migrations.js`: the migration specs for the in-sheet menu, which has no orchestrator
to send them. Run `python3 tasks.py regen`; a test fails while the file is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from orchestrator.migrations import MIGRATIONS_DIR, bridge_payload, load_baseline, load_migrations

MIGRATIONS_JS = Path(__file__).resolve().parents[2] / "appsscript" / "Migrations.js"


def render_migrations_js(directory: Path = MIGRATIONS_DIR) -> str:
    data = {
        "baseline": load_baseline(directory).model_dump(mode="json"),
        "migrations": [bridge_payload(m) for m in load_migrations(directory)],
    }
    body = json.dumps(data, indent=2, ensure_ascii=False)
    return (
        "// @ts-check\n"
        "// GENERATED from orchestrator/migrations/*.json by `python3 tasks.py regen`. Do not edit:\n"
        "// a test fails when this file differs from the specs.\n"
        "\n"
        "/** @type {MigrationSet} */\n"
        f"var ZEUES_MIGRATIONS = {body};\n"
    )


def main() -> int:
    text = render_migrations_js()
    if MIGRATIONS_JS.exists() and MIGRATIONS_JS.read_text(encoding="utf-8") == text:
        print(f"{MIGRATIONS_JS} is current", file=sys.stderr)
        return 0
    MIGRATIONS_JS.write_text(text, encoding="utf-8")
    print(f"wrote {MIGRATIONS_JS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
