"""A new column's name with an invisible or non-ASCII space character is refused before anything changes: by
the spec model (so `plan` and `apply` stop before any backup) and by the bridge when called directly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from orchestrator.migrations import MIGRATIONS_DIR, MigrationSpecError, load_migrations
from tests.bridge.conftest import v30
from tests.bridge.helpers import apply
from tests.support.live import BridgeError, Live

BAD_NAMES = [("TAG_SPOOL\u200b", "U+200B"), ("Fecha\u00a0Armado", "U+00A0")]


@pytest.mark.parametrize(("name", "code_point"), BAD_NAMES)
def test_the_spec_model_refuses_the_name(tmp_path: Path, name: str, code_point: str) -> None:
    for source in MIGRATIONS_DIR.glob("*.json"):
        (tmp_path / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    spec = json.loads((tmp_path / "3.0.json").read_text(encoding="utf-8"))
    spec["operations"][0]["columns"][0]["name"] = name
    (tmp_path / "3.0.json").write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(MigrationSpecError, match=code_point.replace("+", r"\+")):
        load_migrations(tmp_path)


@pytest.mark.parametrize(("name", "code_point"), BAD_NAMES)
def test_the_bridge_refuses_the_name_and_changes_nothing(live: Live, new_sheet: Callable[..., str], name: str,
                                                         code_point: str) -> None:
    sid = new_sheet(spools=10)
    migration: dict[str, Any] = v30()
    migration["operations"][0]["columns"][0]["name"] = name
    before = live.snapshot(sid)
    with pytest.raises(BridgeError) as refused:
        apply(live, sid, migration)
    assert refused.value.code == "ZEUES_INVALID_REQUEST" and f"has {code_point} at position" in refused.value.message
    assert live.snapshot(sid) == before
