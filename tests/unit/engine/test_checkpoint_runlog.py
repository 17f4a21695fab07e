"""The checkpoint store's run logs (which file a run's log is, which log a run is attached to, the latest one,
the log of each run in flight), its folders' modes, and its error paths: a local failure is a `LocalIOError`
naming the right path, and what was on disk stays usable. Companion of test_checkpoint.py and
test_private_files.py; these tests kill the mutants mutmut found surviving there (docs/testing.md)."""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from orchestrator.engine import checkpoint, runlog
from orchestrator.engine.checkpoint import CheckpointStore, RunCheckpoint, atomic_write
from orchestrator.engine.private_files import LocalIOError
from orchestrator.engine.runlog import RunLog


@pytest.fixture(autouse=True)
def no_active_log() -> Iterator[None]:
    """Each test starts and ends in a process without an active run log (a store may activate one)."""
    runlog.activate(None)
    yield
    log = runlog.active()
    if log is not None:
        log.close()
    runlog.activate(None)


def _events(path: Path) -> list[dict[str, Any]]:
    return [{k: v for k, v in json.loads(line).items() if k != "at"}
            for line in path.read_text(encoding="utf-8").splitlines()]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _wide(folder: Path) -> Path:
    """A folder made by an earlier version (or another umask): readable by others."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    return folder


# -- which log a run is attached to ----------------------------------------------------------------------------

def test_a_run_logs_to_its_own_file_and_a_resumed_run_goes_on_in_it(tmp_path: Path) -> None:
    log = RunLog("zeues-migrate apply 3.0")
    store = CheckpointStore(tmp_path / "ck", log)
    run = store.start("sheet1", "apply", "3.0", "sha256:x", ["backup", "apply"])
    path = tmp_path / "ck" / "sheet1" / "logs" / f"{run.run_id}.jsonl"
    assert store.log_path(run) == path and log.path == path
    assert store.runlog is log and runlog.active() is None  # the store's own log: none started, none activated
    store.record(run, "backup", {"backupId": "b1"})
    log.close()

    resumed_log = RunLog("zeues-migrate apply 3.0 (again)")
    runlog.activate(resumed_log)  # a store made without a log uses the process's active one
    resumed = CheckpointStore(tmp_path / "ck")
    found = resumed.load("sheet1", "apply", "3.0")
    assert found is not None and resumed.runlog is resumed_log and resumed_log.path == path
    resumed_log.close()

    events = _events(path)
    assert [e["event"] for e in events] == ["start", "checkpoint", "start", "checkpoint"]
    assert events[1] == {"event": "checkpoint", "phase": "started", "run_id": run.run_id, "action": "apply",
                         "key": "3.0", "steps_done": []}
    assert events[3] == {"event": "checkpoint", "phase": "found", "run_id": run.run_id, "action": "apply",
                         "key": "3.0", "steps_done": ["backup"]}
    assert events[2]["command"] == "zeues-migrate apply 3.0 (again)"


def test_a_run_started_without_any_log_starts_one_named_by_its_command(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["/opt/bin/zeues-migrate", "hold", "--sheet", "Hoja 1"])
    store = CheckpointStore(tmp_path)
    run = store.start("sheet1", "hold", "hold", "sha256:x", ["hold"])
    started = runlog.active()
    assert started is not None and store.runlog is started  # every run leaves a log
    assert started.command == "zeues-migrate hold --sheet 'Hoja 1'" and started.path == store.log_path(run)
    events = _events(store.log_path(run))
    assert events[0]["event"] == "start" and events[0]["command"] == "zeues-migrate hold --sheet 'Hoja 1'"
    assert events[1]["phase"] == "started"


def test_loading_a_run_without_any_log_starts_none(tmp_path: Path) -> None:
    """Only a start makes a log: a load (a listing, a dry run reading the run it would resume) writes nothing."""
    log = RunLog("zeues-migrate apply")
    CheckpointStore(tmp_path, log).start("sheet1", "apply", "3.0", "sha256:x", [])
    log.close()
    before = sorted(p.name for p in (tmp_path / "sheet1" / "logs").iterdir())
    store = CheckpointStore(tmp_path)
    assert store.load("sheet1", "apply", "3.0") is not None
    assert runlog.active() is None and store.runlog is None
    assert sorted(p.name for p in (tmp_path / "sheet1" / "logs").iterdir()) == before


def test_the_dry_run_placeholder_never_names_a_log(tmp_path: Path) -> None:
    """`dry-run` is the run id of every dry run that has no run to resume: it must not become a shared log."""
    store = CheckpointStore(tmp_path)
    store.save(RunCheckpoint(run_id="dry-run", action="apply", spreadsheet_id="sheet1", migration_id="3.0",
                             migration_checksum="sha256:x", created_at=datetime.now(timezone.utc), op_ids={}))
    log = RunLog("zeues-migrate apply --dry-run")
    runlog.activate(log)
    assert store.load("sheet1", "apply", "3.0") is not None
    assert log.path is None and not (tmp_path / "sheet1" / "logs").exists()


# -- the latest log, and the log of each run in flight ---------------------------------------------------------

def test_the_latest_log_is_the_one_written_last_whatever_its_name(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    assert store.latest_log("sheet1") is None  # no run has written one
    logs = tmp_path / "sheet1" / "logs"
    logs.mkdir(parents=True)
    names = ["c0ffee.jsonl", "0aa.jsonl", "ffff.jsonl", "7b.jsonl"]
    for name in names:
        (logs / name).write_text("{}\n", encoding="utf-8")
    (logs / "notes.txt").write_text("not a log", encoding="utf-8")
    for newest in names:  # each in turn written last: neither the name's order nor the listing's decides
        for i, name in enumerate(names):
            os.utime(logs / name, (1_700_000_000 + i, 1_700_000_000 + i))
        os.utime(logs / newest, (1_800_000_000, 1_800_000_000))
        assert store.latest_log("sheet1") == logs / newest
    os.utime(logs / "notes.txt", (1_900_000_000, 1_900_000_000))
    assert store.latest_log("sheet1") == logs / names[-1]  # only `.jsonl` files are logs
    assert store.latest_log("sheet2") is None


def test_each_run_in_flight_names_its_log_and_an_unreadable_one_none(tmp_path: Path) -> None:
    log = RunLog("zeues-migrate")
    store = CheckpointStore(tmp_path, log)
    apply = store.start("sheet1", "apply", "3.0", "sha256:x", ["apply"])
    hold = store.start("sheet2", "hold", "hold", "sha256:x", ["hold"])
    log.close()
    store.path("sheet2", "rollback", "3.0").write_text("{torn", encoding="utf-8")
    found = {(f.spreadsheet_id, f.action): f.log for f in store.in_flight()}
    assert found == {("sheet1", "apply"): store.log_path(apply), ("sheet2", "hold"): store.log_path(hold),
                     ("sheet2", "rollback"): None}


# -- the folders are private, the operator's root is left as it is ---------------------------------------------

def test_every_folder_the_store_writes_in_is_narrowed_to_0700_below_the_root(tmp_path: Path) -> None:
    root = _wide(tmp_path / "ck")
    sheet = _wide(root / "sheet1")
    log = RunLog("zeues-migrate")
    store = CheckpointStore(root, log)
    run = store.start("sheet1", "apply", "3.0", "sha256:x", ["apply"])  # save
    assert (_mode(root), _mode(sheet)) == (0o755, 0o700)
    spill = _wide(root / "sheet1" / run.run_id)
    assert store.run_dir(run) == spill and _mode(spill) == 0o700
    finished = _wide(root / "sheet1" / "finished")
    assert store.finish(run).parent == finished and _mode(finished) == 0o700
    other = _wide(root / "sheet2")
    store.record_verify("sheet2", "passed", 1, 1, 0)
    assert _mode(other) == 0o700
    direct = _wide(root / "dump")
    atomic_write(direct / "file.json", "{}", inside=root)
    assert (_mode(direct), _mode(root)) == (0o700, 0o755)
    log.close()


# -- atomic_write's error paths --------------------------------------------------------------------------------

def test_a_temp_file_that_cannot_be_made_names_the_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "apply-3.0.json"
    refused = OSError(errno.EMFILE, "Too many open files")

    def mkstemp(**_: Any) -> tuple[int, str]:
        raise refused

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    with pytest.raises(LocalIOError) as caught:
        atomic_write(target, "{}")
    assert caught.value.path == str(target) and caught.value.cause is refused
    assert caught.value.errno == errno.EMFILE and "Too many open files" in str(caught.value)


def test_a_folder_fsync_failing_after_the_rename_names_the_target(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The temp file is renamed already (nothing left to remove): still a LocalIOError, and the new text stands."""
    target = tmp_path / "apply-3.0.json"
    atomic_write(target, "old")
    real_open = os.open

    def failing_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path) == tmp_path and flags == os.O_RDONLY:
            raise OSError(errno.EIO, "Input/output error")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", failing_open)
    with pytest.raises(LocalIOError) as caught:
        atomic_write(target, "new")
    monkeypatch.undo()
    assert caught.value.path == str(target) and caught.value.errno == errno.EIO
    assert target.read_text(encoding="utf-8") == "new" and [p.name for p in tmp_path.iterdir()] == [target.name]


def test_an_interrupt_during_the_write_is_not_turned_into_a_local_failure(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "apply-3.0.json"
    atomic_write(target, "old")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C stays Ctrl-C (exit 130), the old file stays whole
        atomic_write(target, "new")
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "old" and [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_local_failure_raised_inside_the_write_is_not_wrapped_twice(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "apply-3.0.json"
    inner = LocalIOError(tmp_path / "elsewhere", OSError(errno.ENOSPC, "No space left on device"))

    def failing_replace(src: str, dst: Path) -> None:
        raise inner

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(LocalIOError) as caught:
        atomic_write(target, "new")
    assert caught.value is inner


# -- finish and discard when the file system refuses -----------------------------------------------------------

def test_a_finished_run_that_cannot_be_moved_names_where_it_was_going(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    log = RunLog("zeues-migrate")
    store = CheckpointStore(tmp_path, log)
    run = store.start("sheet1", "apply", "3.0", "sha256:x", ["apply"])
    log.close()
    refused = OSError(errno.EACCES, "Permission denied")

    def failing_replace(src: Path, dst: Path) -> None:
        raise refused

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(LocalIOError) as caught:
        store.finish(run)
    monkeypatch.undo()
    done = tmp_path / "sheet1" / "finished" / f"{run.run_id}.json"
    assert caught.value.path == str(done) and caught.value.cause is refused
    assert str(caught.value).startswith(f"cannot move the finished checkpoint to {done}: Permission denied.")
    assert [f.path for f in store.in_flight()] == [store.path("sheet1", "apply", "3.0")]  # still there to resume


def _started(tmp_path: Path) -> tuple[CheckpointStore, Path, str]:
    log = RunLog("zeues-migrate")
    store = CheckpointStore(tmp_path, log)
    store.start("sheet1", "apply", "3.0", "sha256:x", ["apply"])
    log.close()
    path = store.path("sheet1", "apply", "3.0")
    return store, path, path.read_text(encoding="utf-8")


def test_without_hard_links_a_discard_renames_the_checkpoint_aside(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    store, path, text = _started(tmp_path)

    def no_links(src: Path, dst: Path) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    aside = store.discard("sheet1", "apply", "3.0")
    assert aside is not None and aside.parent == path.parent and ".discarded-" in aside.name
    assert not path.exists() and aside.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("link_errno", [errno.EACCES, errno.EPERM])
def test_a_discard_the_file_system_refuses_keeps_the_checkpoint_and_names_the_aside_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, link_errno: int) -> None:
    """EACCES on the link is a refusal (a rename would have worked: it is not tried); EPERM (no hard links here)
    falls back to a rename, refused as well."""
    store, path, text = _started(tmp_path)
    refused = OSError(errno.EACCES, "Permission denied")
    tried: list[Path] = []

    def failing_link(src: Path, dst: Path) -> None:
        tried.append(Path(dst))
        raise OSError(link_errno, os.strerror(link_errno))

    def failing_replace(src: Path, dst: Path) -> None:
        raise refused

    monkeypatch.setattr(os, "link", failing_link)
    if link_errno == errno.EPERM:
        monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(LocalIOError) as caught:
        store.discard("sheet1", "apply", "3.0")
    monkeypatch.undo()
    assert len(tried) == 1 and caught.value.path == str(tried[0]) and ".discarded-" in tried[0].name
    assert caught.value.errno == errno.EACCES and (caught.value.cause is refused) == (link_errno == errno.EPERM)
    assert str(caught.value).startswith(f"cannot move the checkpoint aside to {tried[0]}: Permission denied")
    assert path.read_text(encoding="utf-8") == text  # still where a rerun finds it


def test_a_discard_gives_up_after_eight_names_that_all_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store, path, text = _started(tmp_path)
    instant = datetime(2026, 12, 2, 8, 0, 0, 0, tzinfo=timezone.utc)
    same = uuid.UUID("aaaaaaaa-0000-4000-8000-000000000000")
    monkeypatch.setattr(checkpoint, "_now", lambda: instant)
    monkeypatch.setattr(uuid, "uuid4", lambda: same)
    (path.parent / "apply-3.0.discarded-20261202T080000.000000Z-aaaaaaaa.json").write_text("{}", encoding="utf-8")
    real_link = os.link
    tried: list[Path] = []

    def counting_link(src: Path, dst: Path) -> None:
        tried.append(Path(dst))
        real_link(src, dst)

    monkeypatch.setattr(os, "link", counting_link)
    with pytest.raises(LocalIOError) as caught:
        store.discard("sheet1", "apply", "3.0")
    monkeypatch.undo()
    assert len(tried) == 8
    assert caught.value.path == str(path) and caught.value.errno == errno.EEXIST
    assert isinstance(caught.value.cause, FileExistsError) and caught.value.cause.errno == errno.EEXIST
    assert str(caught.value).startswith(f"cannot move the checkpoint aside {path}: every name tried for it exists.")
    assert path.read_text(encoding="utf-8") == text
