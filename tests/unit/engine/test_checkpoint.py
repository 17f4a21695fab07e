import json
import os
import re
from pathlib import Path

import pytest

from orchestrator.engine.checkpoint import VERIFY_RECORD, CheckpointError, CheckpointStore, _first_line, atomic_write


def test_a_run_is_recorded_step_by_step_and_resumes_with_the_same_op_ids(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    run = store.start("sheet1", "apply", "3.0", "sha256:x", ["backup", "apply"])
    store.record(run, "preflight")
    store.record(run, "backup", {"backupId": "b1"})
    resumed = store.load("sheet1", "apply", "3.0")
    assert resumed is not None and resumed.run_id == run.run_id
    assert resumed.op_ids == run.op_ids and set(resumed.op_ids) == {"backup", "apply"}
    assert resumed.done("backup") and resumed.data("backup") == {"backupId": "b1"} and not resumed.done("apply")
    finished = store.finish(resumed)
    assert finished.exists() and store.load("sheet1", "apply", "3.0") is None
    assert store.in_flight() == []


def test_corrupted_and_foreign_checkpoints_are_refused_with_the_fix(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    path = store.path("sheet1", "apply", "3.0")
    path.parent.mkdir(parents=True)
    path.write_text('{"format": "zeues-migrate/checkpoint/1", "run_id": ')  # torn by hand
    with pytest.raises(CheckpointError, match="corrupted.*--discard-checkpoint"):
        store.load("sheet1", "apply", "3.0")
    other = store.start("sheet2", "apply", "3.0", "sha256:x", [])
    path.write_text(store.path("sheet2", "apply", "3.0").read_text())
    with pytest.raises(CheckpointError, match="belongs to apply 3.0 on sheet2"):
        store.load("sheet1", "apply", "3.0")
    path.write_text(json.dumps({"format": "something-else/1"}))
    with pytest.raises(CheckpointError):
        store.load("sheet1", "apply", "3.0")
    aside = store.discard("sheet1", "apply", "3.0")
    assert aside is not None and aside.exists() and not path.exists()
    assert other.run_id


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "a" / "file.json"
    atomic_write(target, "one")
    atomic_write(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]


def test_in_flight_lists_every_unfinished_run_and_nothing_else(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path / "root")
    apply = store.start("sheet-a", "apply", "3.0", "sha256:x", ["backup", "apply"])
    store.start("sheet-a", "rollback", "3.0-rc.1", "sha256:y", ["backup", "rollback"])  # a key with a dash
    store.start("sheet-b", "restore", "backup-id-1", "sha256:z", ["backup", "restore"])
    done = store.start("sheet-b", "apply", "3.0", "sha256:x", ["backup", "apply"])
    store.finish(done)
    store.start("sheet-c", "apply", "3.0", "sha256:x", ["backup", "apply"])
    assert store.discard("sheet-c", "apply", "3.0") is not None
    (tmp_path / "root" / "sheet-a" / "notes.json").write_text("{}")  # not a run's file name
    listed = {(f.spreadsheet_id, f.action, f.key) for f in store.in_flight()}
    assert listed == {("sheet-a", "apply", "3.0"), ("sheet-a", "rollback", "3.0-rc.1"),
                      ("sheet-b", "restore", "backup-id-1")}
    assert {(f.action, f.key) for f in store.in_flight("sheet-a")} == {("apply", "3.0"), ("rollback", "3.0-rc.1")}
    assert [f.path for f in store.in_flight("sheet-b")] == [store.path("sheet-b", "restore", "backup-id-1")]
    assert store.in_flight("sheet-z") == []
    assert store.load("sheet-a", "apply", "3.0") == apply


def test_a_checkpoint_is_written_readably_and_in_utf8(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path / "new" / "root")  # folders made as needed
    run = store.start("sheet1", "apply", "3.0", "sha256:x", ["backup", "apply"])
    store.record(run, "snapshot", {"header": ["Fecha_Ocupación"]})
    text = store.path("sheet1", "apply", "3.0").read_bytes().decode("utf-8")
    assert "Fecha_Ocupación" in text and text.endswith("}\n") and '\n  "run_id"' in text
    finished = store.finish(run)
    assert finished == tmp_path / "new" / "root" / "sheet1" / "finished" / f"{run.run_id}.json"
    second = store.start("sheet1", "apply", "3.0", "sha256:x", ["backup", "apply"])
    assert store.finish(second).parent == finished.parent  # the finished folder exists already: fine


def test_a_corrupted_checkpoint_names_the_first_line_of_the_parse_error(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    path = store.path("sheet1", "apply", "3.0")
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CheckpointError) as info:
        store.load("sheet1", "apply", "3.0")
    assert "(Expecting property name enclosed in double quotes: line 1 column 2 (char 1))" in str(info.value)


def test_two_discards_keep_both_files(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    for _ in range(2):
        store.start("sheet1", "apply", "3.0", "sha256:x", ["backup", "apply"])
        aside = store.discard("sheet1", "apply", "3.0")
        assert aside is not None and re.fullmatch(r"apply-3\.0\.discarded-\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{8}\.json",
                                                  aside.name)
    assert len(list((tmp_path / "sheet1").glob("*.discarded-*.json"))) == 2


def test_atomic_write_puts_its_temp_file_beside_the_target_and_cleans_up_on_failure(tmp_path: Path,
                                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a" / "state.json"
    seen: list[str] = []
    real_replace = os.replace

    def failing_replace(src: str, dst: Path) -> None:
        seen.append(src)
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        atomic_write(target, "{}")
    monkeypatch.setattr(os, "replace", real_replace)
    assert Path(seen[0]).parent == target.parent and Path(seen[0]).name.startswith(".state.json.")
    assert list(target.parent.iterdir()) == []  # the temp file is gone


def test_an_error_is_named_by_its_first_line() -> None:
    assert _first_line(ValueError("  first\nsecond  ")) == "first"
    assert _first_line(ValueError("   ")) == "ValueError"  # nothing to show: the type says what it was


def test_checkpoint_times_are_aware_utc(tmp_path: Path) -> None:
    created = CheckpointStore(tmp_path).start("sheet1", "apply", "3.0", "sha256:x", ["apply"]).created_at
    assert created.utcoffset() is not None and created.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_the_last_verify_is_recorded_and_remembers_when_it_last_passed(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    assert store.last_verify("sheet1") is None
    passed = store.record_verify("sheet1", "passed", 10, 100, 0)
    assert passed.last_passed_at == passed.at and passed.at.utcoffset() is not None
    failed = store.record_verify("sheet1", "violations", 11, 110, 3)
    assert (failed.status, failed.rows_checked, failed.cells_checked, failed.violations_total) == (
        "violations", 11, 110, 3)
    assert failed.last_passed_at == passed.at  # kept from the last pass
    assert store.last_verify("sheet1") == failed
    text = (tmp_path / "sheet1" / VERIFY_RECORD).read_text(encoding="utf-8")
    assert text.endswith("}\n") and '\n  "status": "violations"' in text
    (tmp_path / "sheet1" / VERIFY_RECORD).write_text("{broken", encoding="utf-8")
    assert store.last_verify("sheet1") is None  # only informative: never fails a status
    assert store.record_verify("sheet1", "failed", 0, 0, 0).last_passed_at is None
    assert store.in_flight() == []  # the record is not a run in flight
