"""Every conformance check, against the emulator: the same functions `python3 tasks.py conformance --live` runs
against Google. A failure here is the emulator not doing what Google does (or what the check says Google does)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from orchestrator.conformance import (CHECKS, Check, CheckFailed, NotScratch, Target, TokenLeak, emulator_target,
                                      require_scratch)
from orchestrator.conformance.runner import execute, run_check
from orchestrator.emulator import Emulator
from tests.conformance.conftest import make_target


@pytest.mark.parametrize("check", CHECKS, ids=[c.name for c in CHECKS])
def test_check_passes_on_the_emulator(check: Check, target: Target) -> None:
    result = run_check(target, check)
    assert result.status == "PASS", result.line()


def _sheet_titles(t: Target) -> list[str]:
    body = t.get({"fields": "sheets.properties.title"}).body
    return [s["properties"]["title"] for s in body["sheets"]]


def test_checks_leave_the_scratch_spreadsheet_as_they_found_it(emulator: Emulator) -> None:
    t = make_target(emulator)
    before = _sheet_titles(t)
    for chosen in CHECKS:
        run_check(t, chosen)
    assert _sheet_titles(t) == before
    found = t.metadata_search([{"developerMetadataLookup": {"locationType": "COLUMN"}}]).body
    assert not found.get("matchedDeveloperMetadata")
    t.close()


def test_every_check_has_a_stable_name_a_summary_and_a_source() -> None:
    names = [c.name for c in CHECKS]
    assert len(names) == len(set(names))
    for chosen in CHECKS:
        assert re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", chosen.name)
        assert chosen.summary and chosen.sources, chosen.name
        assert all(re.match(r"https://\S+", source) for source in chosen.sources), chosen.sources
    for name in ("values.read_starting_past_grid_is_refused", "values.read_ending_past_grid_is_clipped",
                 "spreadsheets.get_range_starting_past_grid_is_refused", "values.cell_over_50000_characters_is_refused",
                 "batch_update.is_all_or_nothing", "developer_metadata.column_metadata_moves_with_move_dimension",
                 "script.run_error_is_http_200_with_execution_error",
                 "script.run_with_token_missing_a_manifest_scope_is_refused"):
        assert name in names


def test_a_spreadsheet_whose_title_does_not_say_scratch_is_refused(emulator: Emulator) -> None:
    t = make_target(emulator, "ZEUES producción")
    with pytest.raises(NotScratch, match="neither 'scratch' nor 'conformance'.*never on production"):
        require_scratch(t)
    out, report = io.StringIO(), Path(emulator.data_dir) / "refused.json"
    assert execute(t, CHECKS, report, out) == 2
    assert not report.exists() and out.getvalue() == ""
    assert _sheet_titles(t) == ["Sheet1"]
    t.close()


def test_a_failing_check_fails_the_run_by_name(target: Target, tmp_report: Path) -> None:
    def always_differs(t: Target) -> None:
        """Google says yes, this target says no.

        Source: https://example.invalid/
        """
        raise CheckFailed("expected yes, got no")

    out = io.StringIO()
    assert execute(target, [Check("demo.always_differs", always_differs, False), CHECKS[0]], tmp_report, out) == 6
    lines = out.getvalue().splitlines()
    assert "FAIL  demo.always_differs: expected yes, got no" in lines
    assert f"PASS  {CHECKS[0].name}" in lines
    report = json.loads(tmp_report.read_text(encoding="utf-8"))
    assert report["target"] == "emulator" and report["summary"] == {"pass": 1, "fail": 1, "skip": 0}
    assert report["checks"][0] == {"name": "demo.always_differs", "status": "FAIL", "detail": "expected yes, got no",
                                   "seconds": report["checks"][0]["seconds"], "sources": ["https://example.invalid/"]}


def test_without_a_deployment_the_script_checks_are_skipped(emulator: Emulator, target: Target,
                                                            tmp_report: Path) -> None:
    bare = emulator_target(target.sheets_url, target.spreadsheet_id, None, emulator.authorized_user())
    needing = [c for c in CHECKS if c.needs_deployment]
    assert needing
    out = io.StringIO()
    assert execute(bare, needing, tmp_report, out) == 0
    assert all(f"SKIP  {c.name}: needs --deployment-id" in out.getvalue() for c in needing)
    bare.close()


def test_the_targets_session_reaches_nothing_but_its_hosts(target: Target) -> None:
    for url in ("https://sheets.googleapis.com/v4/spreadsheets/x", "http://192.168.1.1/", "http://evil.example/"):
        with pytest.raises(TokenLeak):
            target.session.request("GET", url)
    with pytest.raises(TokenLeak):
        emulator_target("https://sheets.googleapis.com", "x", None)
    with pytest.raises(TokenLeak):
        emulator_target("http://10.0.0.1:8080", "x", None)
    minted = {"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r",
              "token_uri": "https://token.example/token"}
    with pytest.raises(TokenLeak, match="token endpoint"):
        emulator_target(target.sheets_url, "x", None, minted)
