"""The CLI starts light: `--help`, `--version` and a verb's `--help` import no Google client (googleapiclient,
google.auth, the OAuth flow), no `requests` and none of the engine (which brings them), so the commands that only
print start in a fraction of a second (issue 13; the timing itself is `python3 tasks.py bench --suite cli-start`,
never a timed test). A verb imports what it uses when it runs.

Each command runs in a fresh interpreter, which then lists the modules it holds: what the command imported is
what a user's shell pays for."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestrator.engine import verify as verify_engine

# What must not be imported by a command that only prints: the Google clients and their transports, the engine
# and the Google layer of this package (both import the clients), and rich (the progress bars).
HEAVY = ("googleapiclient", "google.auth", "google.oauth2", "google_auth_oauthlib", "oauthlib", "requests",
         "httplib2", "urllib3", "rich", "orchestrator.google", "orchestrator.emulator", "orchestrator.engine.runs",
         "orchestrator.engine.state", "orchestrator.engine.operations", "orchestrator.engine.progress")

PROBE = """
import json, sys
from orchestrator.cli import main
try:
    main(sys.argv[2:], prog_name="zeues-migrate")
except SystemExit as exc:
    code = exc.code
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def _imported(tmp_path: Path, *args: str) -> tuple[int, list[str], str]:
    """Run `zeues-migrate ARGS` in a fresh interpreter: its exit code, the modules it imported, its stdout."""
    found = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEUES_")}
    done = subprocess.run([sys.executable, "-c", PROBE, str(found), *args], env=env, cwd=tmp_path,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(found.read_text(encoding="utf-8"))
    return int(report["code"] or 0), list(report["modules"]), done.stdout


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["--version", "--json"], ["status", "--help"],
                                  ["apply", "--help"], ["doctor", "--help"], ["login", "--help"]],
                         ids=lambda a: " ".join(a))
def test_printing_commands_import_no_google_client(tmp_path: Path, args: list[str]) -> None:
    code, modules, stdout = _imported(tmp_path, *args)
    assert code == 0 and stdout.strip()
    assert "click" in modules and "orchestrator.cli" in modules  # the probe really ran the CLI
    assert _heavy(modules) == []


def test_the_probe_sees_a_verb_import_the_clients(tmp_path: Path) -> None:
    """The probe can fail: a verb that runs (here `status`, refused for want of configuration after the clients'
    package is imported) does import the Google clients."""
    code, modules, _ = _imported(tmp_path, "status", "--spreadsheet-id", "x", "--deployment-id", "y",
                                 "--credentials", str(tmp_path / "missing.json"))
    assert code != 0
    assert "googleapiclient" in modules and "orchestrator.google" in modules


def test_the_help_lists_every_verb(tmp_path: Path) -> None:
    """The lighter start changed no command: `--help` still lists every verb the group holds."""
    from orchestrator.cli import main

    _, _, stdout = _imported(tmp_path, "--help")
    assert main.commands and all(f"  {name} " in stdout for name in main.commands)


def test_the_verify_default_is_the_engines() -> None:
    """`verify --max-violations` defaults to the engine's limit (both read it from contract/limits.py)."""
    verb = importlib.import_module("orchestrator.cli.verify")  # not `orchestrator.cli.verify`: that is the command
    option = next(p for p in verb.verify.params if p.name == "max_violations")
    assert option.default == verify_engine.MAX_LISTED
