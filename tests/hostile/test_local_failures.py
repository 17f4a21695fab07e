"""What a user's machine and configuration can do to a run (issue 12, finding 11): a full disk, a checkpoint folder
that cannot be created or written, configuration values out of range. Each has its code — LOCAL_IO (exit 12)
naming the path, CONFIG_INVALID (exit 2) naming the key, where it came from and the accepted range — never exit
1 ("a bug"), and the sheet is left as it was.

The full disk is the process's file-size limit (RLIMIT_FSIZE, set in the child only): a write past it fails with
EFBIG as a full disk fails with ENOSPC, without root and without filling a real disk (CPython ignores SIGXFSZ,
so the write fails instead of killing the process). /dev/full and a patched `os.fsync` cover ENOSPC itself in
tests/unit/test_private_files.py.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from orchestrator.exit_codes import ExitCode
from tests.hostile.conftest import Fingerprint, refused, workbook
from tests.support.cli import Cli, Run, _run


def _limited(cli: Cli, limit: int, verb: str, *args: str, sid: str) -> Run:
    """The CLI with every file it writes limited to `limit` bytes."""
    cmd, env = cli._command(verb, args, sid, None, None, "", True, True)

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(cmd, cwd=cli.cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=300, preexec_fn=limit_files)
    return _run(done.returncode, done.stdout, done.stderr, True)


def test_a_full_disk_during_the_snapshot_is_local_io_and_the_rerun_resumes(
        cli: Cli, new_sheet: Callable[..., str], observe: Fingerprint) -> None:
    sid = new_sheet(workbook(spools=120))
    before = observe(sid)
    # Room for the checkpoint (a few KB), not for the snapshot's spill file of every cell.
    run = _limited(cli, 16_384, "apply", "--execute", "--yes", sid=sid)
    message = refused(run, ExitCode.LOCAL_IO, "LOCAL_IO", "cannot write", str(cli.checkpoints), ".jsonl",
                      "File too large", "rerun")
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    assert observe(sid) == before, "nothing may change before the snapshot is safe on disk"
    assert message.count("\n") == 0
    rerun = cli("apply", "--execute", "--yes", sid=sid)
    assert rerun.code == 0, (rerun.code, rerun.stderr[-2000:])
    assert rerun.result["runs"][0]["status"] == "applied"


def test_a_checkpoint_folder_under_a_file_is_local_io(cli: Cli, new_sheet: Callable[..., str],
                                                      observe: Fingerprint, tmp_path: Path) -> None:
    """ENOTDIR: works as root too (permissions do not stop root; a file where a folder must be does)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    sid = new_sheet()
    before = observe(sid)
    cli.checkpoints = blocker / "checkpoints"
    for verb in (["apply", "--execute", "--yes"], ["rollback", "3.0", "--execute", "--yes"], ["verify"]):
        run = cli(*verb, sid=sid)
        if run.code == ExitCode.REFUSED:  # rollback with nothing applied: refused before any checkpoint
            continue
        refused(run, ExitCode.LOCAL_IO, "LOCAL_IO", str(blocker), "file stands where a folder must be")
    assert observe(sid) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a 0500 folder: the ENOTDIR test covers root")
def test_an_unwritable_checkpoint_folder_is_local_io(cli: Cli, new_sheet: Callable[..., str],
                                                     observe: Fingerprint, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o500)
    try:
        sid = new_sheet()
        before = observe(sid)
        cli.checkpoints = locked / "checkpoints"
        run = cli("apply", "--execute", "--yes", sid=sid)
        refused(run, ExitCode.LOCAL_IO, "LOCAL_IO", str(locked / "checkpoints"), "Permission denied", "writable")
        assert observe(sid) == before
    finally:
        os.chmod(locked, 0o700)


@pytest.mark.parametrize(("where", "key", "value", "said"), [
    ("toml", "reads_per_minute", "inf", "zeues-migrate.toml: reads_per_minute"),
    ("env", "read_timeout", "1e308", "env ZEUES_READ_TIMEOUT"),
    ("flag", "script_timeout", "nan", "flag --script-timeout"),
    ("flag", "lock_wait", "-1", "flag --lock-wait"),
    ("env", "read_attempts", "1e3", "env ZEUES_READ_ATTEMPTS"),
])
def test_a_configuration_value_out_of_range_is_config_invalid(cli: Cli, new_sheet: Callable[..., str],
                                                              observe: Fingerprint, where: str, key: str,
                                                              value: str, said: str) -> None:
    sid = new_sheet()
    before = observe(sid)
    # The settings the suite's Cli adds, but for --reads-per-minute, which would hide the toml's value.
    args = ["--endpoint", cli.emulator.url, "--deployment-id", cli.emulator.deployment_id, "--spreadsheet-id", sid,
            "--checkpoint-dir", str(cli.checkpoints), "--credentials", str(cli.emulator.credentials_file())]
    if where == "flag":
        args += ["--" + key.replace("_", "-"), value]
    elif where == "env":
        cli.env["ZEUES_" + key.upper()] = value
    else:
        (cli.cwd / "zeues-migrate.toml").write_text(f"{key} = {value}\n", encoding="utf-8")
    for verb in (["status"], ["apply", "--execute", "--yes"]):
        run = cli(*verb, *args, connect=False)
        refused(run, ExitCode.USAGE, "CONFIG_INVALID", key, said, "accepted:")
    assert observe(sid) == before


def test_a_full_disk_during_a_dump_is_local_io_naming_the_file(cli: Cli, new_sheet: Callable[..., str],
                                                               tmp_path: Path) -> None:
    output = tmp_path / "dumps" / "prod.json"
    run = _limited(cli, 16_384, "dump", "-o", str(output), sid=new_sheet(workbook(spools=120)))
    refused(run, ExitCode.LOCAL_IO, "LOCAL_IO", f"cannot write {output}", "File too large")
    assert list(output.parent.iterdir()) == []  # neither a partial file nor a torn dump is left
