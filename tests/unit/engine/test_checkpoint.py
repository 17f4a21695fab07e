import json
from pathlib import Path

import pytest

from orchestrator.engine.checkpoint import CheckpointError, CheckpointStore, atomic_write


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
