"""`dump -o FILE` keeps an existing FILE unless `--force`: a second dump never silently replaces the first."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from orchestrator.exit_codes import ExitCode
from tests.e2e.conftest import Cli


def test_dump_refuses_to_overwrite_without_force(cli: Cli, new_sheet: Callable[..., str], tmp_path: Path) -> None:
    sid = new_sheet(20)
    out = tmp_path / "prod.json"
    out.write_text("an earlier dump\n", encoding="utf-8")

    refused = cli("dump", "-o", str(out), sid=sid)
    assert refused.code == ExitCode.USAGE, refused.stderr
    assert "--force" in refused.message and str(out) in refused.message
    assert out.read_text(encoding="utf-8") == "an earlier dump\n", "nothing written"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".prod.json")) == [], "no partial file"

    as_text = cli("dump", "-o", str(out), sid=sid, as_json=False)
    assert as_text.code == ExitCode.USAGE and "--force" in as_text.stderr and as_text.stdout == ""

    forced = cli("dump", "-o", str(out), "--force", sid=sid)
    assert forced.code == 0, forced.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["sheets"], "replaced by the new dump"
    assert out.stat().st_mode & 0o777 == 0o600


def test_a_new_dump_file_needs_no_force(cli: Cli, new_sheet: Callable[..., str], tmp_path: Path) -> None:
    out = tmp_path / "new.json"
    done = cli("dump", "-o", str(out), sid=new_sheet(20))
    assert done.code == 0, done.stderr
    assert out.stat().st_mode & 0o777 == 0o600 and json.loads(out.read_text(encoding="utf-8"))["sheets"]
