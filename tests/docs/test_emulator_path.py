"""The operator guide's emulator path, followed literally: the commands of docs/operator.md part 1, in order,
as a newcomer types them (with `--yes` added where the guide says a terminal would ask), against the emulator
the guide's own helper starts. It must reach a migrated and rolled-back workbook, and a restored one."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.docs.markdown import ROOT, Snippet, commands, shell_lines

OPERATOR = ROOT / "docs" / "operator.md"
BIN = Path(sys.executable).parent


def _part_1() -> str:
    text = OPERATOR.read_text(encoding="utf-8")
    return text[text.index("## 1. Try it with no Google"):text.index("## 2. Set up Google once")]


def _block_after(marker: str) -> list[list[str]]:
    """The commands of the first ```sh block after `marker` in part 1."""
    part = _part_1()
    after = part[part.index(marker):]
    match = re.search(r"^```sh\n(.*?)^```", after, re.MULTILINE | re.DOTALL)
    assert match, f"no ```sh block after {marker!r} in part 1 of operator.md"
    block = Snippet(OPERATOR, "sh", match.group(1))
    return [c for line in shell_lines(block) for c in commands(line)]


def _run(words: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    if words[0] == "zeues-migrate":
        words = [str(BIN / "zeues-migrate"), *words[1:]]
        if "--execute" in words or "--force" in words:
            words.append("--yes")  # the guide: "Without a terminal ... add --yes"
    elif words[0] == "python":
        words = [sys.executable, *words[1:]]
    return subprocess.run(words, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=300)


def test_the_emulator_path_of_the_operator_guide(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEUES_")}

    terminal_1 = _block_after("**Terminal 1**")
    assert [c[0] for c in terminal_1] == ["zeues-migrate", "python"]
    made = _run(terminal_1[0], tmp_path, env)
    assert made.returncode == 0, made.stderr
    start = [sys.executable, *terminal_1[1][1:]]
    emulator = subprocess.Popen(start, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    try:
        assert emulator.stdout is not None and emulator.stderr is not None
        ready = json.loads(emulator.stdout.readline())
        assert set(ready) == {"url", "deploymentId", "spreadsheetIds"} and len(ready["spreadsheetIds"]) == 1
        exports = {}
        for line in iter(emulator.stderr.readline, ""):
            match = re.match(r"^\s+export (ZEUES_\w+)=(\S+)", line)
            if match:
                exports[match.group(1)] = match.group(2)
            if line.startswith("Ctrl-C"):
                break
        credentials = tmp_path / "emulator-data" / "credentials.json"
        assert exports == {"ZEUES_GOOGLE_ENDPOINT": ready["url"], "ZEUES_DEPLOYMENT_ID": ready["deploymentId"],
                           "ZEUES_CREDENTIALS": str(credentials), "ZEUES_READS_PER_MINUTE": "0",
                           "ZEUES_SPREADSHEET_ID": ready["spreadsheetIds"][0]}
        assert credentials.stat().st_mode & 0o077 == 0, "the minted token file is private"
        env.update(exports)  # "paste the five export lines"

        terminal_2 = _block_after("**Terminal 2**")
        verbs = [c[1] for c in terminal_2]
        assert verbs.index("apply") < verbs.index("rollback")
        for words in terminal_2:
            done = _run(words, tmp_path, env)
            expected = 8 if words[1:3] == ["status", "--check"] else 0
            assert done.returncode == expected, f"{' '.join(words)} exited {done.returncode}:\n{done.stderr[-3000:]}"
            if words[1:3] == ["apply", "--execute"]:
                assert "apply 3.0: applied" in done.stdout and "verification: passed" in done.stdout
            if words[1:3] == ["rollback", "3.0"] and "--execute" in words:
                assert "rollback 3.0: rolled_back" in done.stdout and "archive: _zeues_archive_3.0_" in done.stdout
            if words[1:] == ["status"]:
                assert "schema version: 2.1" in done.stdout and "pending: 3.0" in done.stdout

        backups = _run(["zeues-migrate", "backups", "--json"], tmp_path, env)
        oldest = json.loads(backups.stdout)["result"][-1]
        assert "before 3.0" in oldest["name"]  # "the last line is the oldest: the copy made before 3.0"
        for words in _block_after("`restore` puts a whole backup"):
            words = [oldest["id"] if w == "BACKUP_ID" else w for w in words]
            done = _run(words, tmp_path, env)
            assert done.returncode == 0, done.stderr[-3000:]
        status = _run(["zeues-migrate", "status"], tmp_path, env)
        assert "schema version: 2.1" in status.stdout
    finally:
        emulator.send_signal(signal.SIGINT)  # "press Ctrl-C in terminal 1"
        assert emulator.wait(timeout=60) == 0
    assert any((tmp_path / "emulator-data").glob("wb-*.jsonl")), "the data is kept in --data"
