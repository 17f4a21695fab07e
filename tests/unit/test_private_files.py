"""Files holding sheet data are 0600 in 0700 folders, and a local write that fails is a LocalIOError naming its
path (exit 12), never a raw OSError (exit 1): orchestrator/engine/private_files.py and its use by checkpoints."""

from __future__ import annotations

import errno
import os
import stat
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from orchestrator.cli.common import classify
from orchestrator.engine import checkpoint
from orchestrator.engine.checkpoint import CheckpointStore, atomic_write
from orchestrator.engine.private_files import LocalIOError, open_private, private_dir
from orchestrator.exit_codes import ExitCode


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_folders_are_0700_and_only_the_tools_own_are_tightened(tmp_path: Path) -> None:
    operator = tmp_path / "runs"
    operator.mkdir(mode=0o755)
    os.chmod(operator, 0o755)
    old = operator / "sheet1"
    old.mkdir()
    os.chmod(old, 0o755)  # made by an earlier version
    private_dir(old / "run1" / "deep", inside=operator)
    assert [mode(p) for p in (operator, old, old / "run1", old / "run1" / "deep")] == [0o755, 0o700, 0o700, 0o700]


def test_without_inside_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o755)
    private_dir(tmp_path / "new")
    assert (mode(tmp_path), mode(tmp_path / "new")) == (0o755, 0o700)


def test_the_umask_does_not_widen_or_narrow_the_modes(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with open_private(tmp_path / "a" / "spill.jsonl") as out:
            out.write("[2]\n")
    finally:
        os.umask(old)
    assert (mode(tmp_path / "a"), mode(tmp_path / "a" / "spill.jsonl")) == (0o700, 0o600)


def test_a_file_that_existed_world_readable_is_rewritten_private(tmp_path: Path) -> None:
    path = tmp_path / "spill.jsonl"
    path.write_text("old", encoding="utf-8")
    os.chmod(path, 0o644)
    with open_private(path) as out:
        out.write("new")
    assert (path.read_text(encoding="utf-8"), mode(path)) == ("new", 0o600)


def test_a_checkpoint_is_0600_in_0700_folders(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path / "ck")
    run = store.start("sheet1", "apply", "3.0", "sha256:x", ["backup"])
    path = store.path("sheet1", "apply", "3.0")
    assert (mode(tmp_path / "ck"), mode(path.parent), mode(path)) == (0o700, 0o700, 0o600)
    assert mode(store.run_dir(run)) == 0o700
    finished = store.finish(run)
    assert (mode(finished.parent), mode(finished)) == (0o700, 0o600)


def test_a_folder_under_a_file_names_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(LocalIOError) as caught:
        atomic_write(blocker / "ck" / "apply-3.0.json", "{}")
    assert caught.value.path == str(blocker / "ck") and str(blocker) in str(caught.value)
    assert classify(caught.value)[:2] == (ExitCode.LOCAL_IO, "LOCAL_IO")


def test_a_full_disk_at_fsync_keeps_the_old_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "apply-3.0.json"
    atomic_write(path, '{"old": true}')

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(LocalIOError) as caught:
        atomic_write(path, '{"new": true}')
    monkeypatch.undo()
    message = str(caught.value)
    assert str(path) in message and "No space left on device" in message and "Free space" in message
    assert path.read_text(encoding="utf-8") == '{"old": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["apply-3.0.json"]  # no temp file left
    assert classify(caught.value)[0] == ExitCode.LOCAL_IO


def test_a_write_failing_inside_open_private_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "spill.jsonl"
    with pytest.raises(LocalIOError) as caught:
        with open_private(path) as out:
            out.write("x")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert caught.value.path == str(path) and caught.value.errno == errno.ENOSPC


def test_a_real_enospc_from_dev_full_is_local_io_even_unwrapped() -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    with pytest.raises(OSError) as caught:
        with open("/dev/full", "w", encoding="utf-8") as out:
            out.write("x")
            out.flush()
    assert caught.value.errno == errno.ENOSPC
    code, machine, message = classify(caught.value)
    assert (code, machine) == (ExitCode.LOCAL_IO, "LOCAL_IO") and "No space left" in message


def test_network_errors_are_not_local_io() -> None:
    assert classify(ConnectionRefusedError(errno.ECONNREFUSED, "refused"))[0] == ExitCode.INTERNAL
    assert classify(TimeoutError(errno.ETIMEDOUT, "timed out"))[0] == ExitCode.INTERNAL


def test_two_discards_in_the_same_instant_keep_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding 11: the second discard in one second (here: one microsecond) overwrote the first."""
    instant = datetime(2026, 12, 2, 8, 0, 0, 123456, tzinfo=timezone.utc)
    monkeypatch.setattr(checkpoint, "_now", lambda: instant)
    store = CheckpointStore(tmp_path)
    runs = []
    for _ in range(2):
        runs.append(store.start("sheet1", "apply", "3.0", "sha256:x", ["backup"]).run_id)
        assert store.discard("sheet1", "apply", "3.0") is not None
    kept = sorted((tmp_path / "sheet1").glob("apply-3.0.discarded-*.json"))
    assert len(kept) == 2
    assert sorted(checkpoint.RunCheckpoint.model_validate_json(p.read_text()).run_id for p in kept) == sorted(runs)
    assert store.in_flight("sheet1") == []  # discarded files are never taken for a run in flight


def test_a_discard_never_overwrites_a_name_that_exists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    instant = datetime(2026, 12, 2, 8, 0, 0, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(checkpoint, "_now", lambda: instant)
    same, other = uuid.UUID("aaaaaaaa-0000-4000-8000-000000000000"), uuid.UUID("bbbbbbbb-0000-4000-8000-000000000000")
    ids = iter([same, same, other])  # the second discard draws the first one's name, then a new one
    store = CheckpointStore(tmp_path)
    store.start("sheet1", "apply", "3.0", "sha256:x", [])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(ids))
    first = store.discard("sheet1", "apply", "3.0")
    monkeypatch.undo()
    monkeypatch.setattr(checkpoint, "_now", lambda: instant)
    store.start("sheet1", "apply", "3.0", "sha256:x", [])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(ids))
    second = store.discard("sheet1", "apply", "3.0")
    assert first is not None and second is not None and first != second
    assert first.exists() and second.exists() and "bbbbbbbb" in second.name
