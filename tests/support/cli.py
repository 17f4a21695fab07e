"""Running the real `zeues-migrate` CLI as a subprocess against the emulator, its `--json` document parsed,
and observing a workbook completely (for "nothing changed" assertions)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.emulator import Emulator
from orchestrator.engine.state import META_KEYS
from tests.support.live import Live

OFFLINE = Path(__file__).resolve().parent / "offline"  # its sitecustomize keeps the subprocess off the network
_VENV_CLI = Path(sys.executable).with_name("zeues-migrate")
ZEUES = str(_VENV_CLI) if _VENV_CLI.exists() else (shutil.which("zeues-migrate") or "zeues-migrate")


@dataclass
class Run:
    code: int
    doc: dict[str, Any] | None  # the --json document (None when the process died before printing it)
    stdout: str
    stderr: str

    @property
    def error(self) -> dict[str, Any]:
        assert self.doc is not None, self.stderr[-2000:]
        error = self.doc["error"]
        assert isinstance(error, dict), self.doc
        return error

    @property
    def message(self) -> str:
        return str(self.error["message"])

    @property
    def result(self) -> Any:
        assert self.doc is not None, self.stderr[-2000:]
        return self.doc["result"]


@dataclass
class Cli:
    """`zeues-migrate VERB ARGS --endpoint URL --deployment-id ID --spreadsheet-id SID --reads-per-minute 0
    --checkpoint-dir DIR --json`; every flag can be overridden per call."""

    emulator: Emulator
    checkpoints: Path
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)

    def __call__(self, verb: str, *args: str, sid: str | None = None, deployment_id: str | None = None,
                 credentials: str | None = None, failpoints: str = "", connect: bool = True, as_json: bool = True,
                 timeout: float = 300) -> Run:
        """`connect=False` leaves out the emulator flags (for verbs such as `rehearse` that start their own)."""
        cmd, env = self._command(verb, args, sid, deployment_id, credentials, failpoints, connect, as_json)
        done = subprocess.run(cmd, cwd=self.cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout)
        return _run(done.returncode, done.stdout, done.stderr, as_json)

    def spawn(self, verb: str, *args: str, sid: str | None = None) -> subprocess.Popen[str]:
        """Start the command without waiting for it (to kill it mid-run); `finish()` collects it."""
        cmd, env = self._command(verb, args, sid, None, None, "", True, True)
        return subprocess.Popen(cmd, cwd=self.cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    @staticmethod
    def finish(process: subprocess.Popen[str], timeout: float = 300) -> Run:
        stdout, stderr = process.communicate(timeout=timeout)
        return _run(process.returncode, stdout, stderr, True)

    def _command(self, verb: str, args: tuple[str, ...], sid: str | None, deployment_id: str | None,
                 credentials: str | None, failpoints: str, connect: bool,
                 as_json: bool) -> tuple[list[str], dict[str, str]]:
        cmd = [ZEUES, verb, *args]
        if connect:
            cmd += ["--endpoint", self.emulator.url, "--deployment-id", deployment_id or self.emulator.deployment_id,
                    "--reads-per-minute", "0", "--checkpoint-dir", str(self.checkpoints)]
            if sid is not None:
                cmd += ["--spreadsheet-id", sid]
        if as_json:
            cmd.append("--json")
        if credentials is None and connect:
            credentials = str(self.emulator.credentials_file())  # a token with the scopes the tool asks for
        if credentials is not None:
            cmd += ["--credentials", credentials]
        # Only what the test says: no ZEUES_* from the developer's shell, no terminal on stdin.
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZEUES_")} | self.env
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(OFFLINE), env.get("PYTHONPATH", "")) if p)
        if failpoints:
            env["ZEUES_FAILPOINTS"] = failpoints
        return cmd, env


def _run(code: int, stdout: str, stderr: str, as_json: bool) -> Run:
    doc = json.loads(stdout) if as_json and stdout.strip() else None
    if doc is not None:
        assert doc["exitCode"] == code, doc
    return Run(code, doc, stdout, stderr)


def fingerprint(live: Live, emulator: Emulator, sid: str) -> dict[str, Any]:
    """Everything observable about a workbook: every sheet with its grid data (values, formulas, formats,
    validation, merges, filters, frozen rows, column metadata), the developer metadata found by every zeues
    key, and the spreadsheets that exist (a backup made by a refused run would show there)."""
    metadata = sorted(json.dumps(md, sort_keys=True) for key in META_KEYS for md in live.metadata(sid, key))
    return {"workbook": live.snapshot(sid), "metadata": metadata,
            "spreadsheets": sorted(emulator.state()["spreadsheets"])}
