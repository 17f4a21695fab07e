"""The documentation tells the truth about the code: every `zeues-migrate` command and flag shown exists, the
exit-code table is the CLI's, the settings are the configuration's, the deploy workflow runs what the operator
guide says, every error code is explained, and every link leads somewhere."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from orchestrator.cli import main
from orchestrator.config import SETTINGS
from orchestrator.emulator import argument_parser
from orchestrator.exit_codes import DESCRIPTIONS, ExitCode
from orchestrator.contract.errors import ErrorCode
from tests.docs.markdown import DOCS, ROOT, anchors, commands, links, shell_lines, snippets, tables

OPERATOR = ROOT / "docs" / "operator.md"
TROUBLESHOOTING = ROOT / "docs" / "troubleshooting.md"
WORKFLOWS = ROOT / ".github" / "workflows"
CLASP_COMMANDS = ROOT / "node_modules" / "@google" / "clasp" / "build" / "src" / "commands"


def shown_commands(program: str, min_words: int = 2) -> list[tuple[Path, list[str]]]:
    """Every command line `program ...` shown in the docs (code blocks and inline code), from `program` on."""
    found = []
    for path in DOCS:
        for snippet in snippets(path):
            for line in shell_lines(snippet):
                for command in commands(line):
                    for i, word in enumerate(command):
                        if Path(word).name == program or (program.startswith("python -m ") and
                                                          command[i:i + 3] == program.split()):
                            words = command[i:] if Path(word).name == program else command[i + 2:]
                            if len(words) >= min_words:
                                found.append((path, words))
                            break
    return found


def options_of(command: click.Command) -> set[str]:
    names = {"--help", "-h"}
    for param in command.params:
        if isinstance(param, click.Option):
            names.update(param.opts)
            names.update(param.secondary_opts)
    return names


ZEUES_COMMANDS = shown_commands("zeues-migrate")


def test_the_docs_show_commands_at_all() -> None:
    verbs = {words[1] for _, words in ZEUES_COMMANDS if not words[1].startswith("-")}
    for verb in ("doctor", "dump", "rehearse", "plan", "apply", "rollback", "restore", "status", "workbook"):
        assert verb in verbs, f"no `zeues-migrate {verb}` example in the docs"


@pytest.mark.parametrize("path,words", ZEUES_COMMANDS,
                         ids=[f"{p.relative_to(ROOT)}:{' '.join(w)[:60]}" for p, w in ZEUES_COMMANDS])
def test_every_zeues_migrate_command_shown_exists(path: Path, words: list[str]) -> None:
    verb = words[1].removesuffix(":")  # `zeues-migrate apply: message` is how errors are printed
    if verb.startswith("-"):
        assert verb in options_of(main), f"{path}: `zeues-migrate {verb}` is not an option of zeues-migrate"
        return
    assert verb in main.commands, f"{path}: `zeues-migrate {verb}` — no such verb ({', '.join(main.commands)})"
    known = options_of(main.commands[verb])
    for word in words[2:]:
        if word.startswith("-") and word not in ("-", "--"):
            flag = word.split("=", 1)[0]
            assert flag in known, f"{path}: `zeues-migrate {verb} {flag}` — no such option ({sorted(known)})"


def test_every_emulator_helper_command_shown_exists() -> None:
    shown = shown_commands("python -m orchestrator.emulator", min_words=1)
    assert shown, "the operator guide shows how to start the emulator with a workbook"
    known = {o for action in argument_parser()._actions for o in action.option_strings}
    for path, words in shown:
        for word in words:
            if word.startswith("-"):
                assert word.split("=", 1)[0] in known, f"{path}: python -m orchestrator.emulator {word}"


def _clasp_commands() -> dict[str, set[str]]:
    """clasp's commands (names and aliases) and their options, from the installed @google/clasp."""
    out: dict[str, set[str]] = {}
    program = (CLASP_COMMANDS / "program.js").read_text(encoding="utf-8")
    global_opts = set(re.findall(r"(--[\w-]+)", " ".join(re.findall(r"(?:Option|option)\('([^']*)'", program))))
    for js in CLASP_COMMANDS.glob("*.js"):
        text = js.read_text(encoding="utf-8")
        names = re.findall(r"new Command\('([\w-]+)'\)", text) + re.findall(r"\.alias\('([\w-]+)'\)", text)
        opts = set(re.findall(r"(--[\w-]+)", " ".join(re.findall(r"\.option\('([^']*)'", text))))
        for name in names:
            out[name] = opts | global_opts | {"--help"}
    return out


def test_every_clasp_command_shown_exists() -> None:
    if not CLASP_COMMANDS.is_dir():
        pytest.skip("node_modules not installed")
    clasp = _clasp_commands()
    shown = [(p, w) for p, w in shown_commands("clasp") if not w[1].startswith("<")]
    assert {w[1] for _, w in shown} >= {"login", "push", "create-deployment", "update-deployment", "list-deployments"}
    for path, words in shown:
        assert words[1] in clasp, f"{path}: `clasp {words[1]}` is not a clasp command"
        for word in words[2:]:
            if word.startswith("--"):
                assert word.split("=", 1)[0] in clasp[words[1]], f"{path}: `clasp {words[1]} {word}`"


# -- exit codes -------------------------------------------------------------------------------------------------

def _returnable_exit_codes() -> set[ExitCode]:
    """The codes some code path of the CLI returns: every `ExitCode.X` the CLI modules name, the exit code of
    every error code (the common wrapper exits with its code's), plus success and the internal-error fallback."""
    found = {ExitCode.OK, ExitCode.INTERNAL} | {c.exit_code for c in ErrorCode}
    for path in (ROOT / "orchestrator" / "cli").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ExitCode":
                found.add(ExitCode[node.attr])
    return found


def test_the_operator_guides_exit_code_table_is_exactly_the_clis() -> None:
    table = next((t for t in tables(OPERATOR) if t[0] == ["code", "name", "meaning"]), None)
    assert table is not None, "docs/operator.md has an exit-code table | code | name | meaning |"
    rows = [(int(code), name, meaning) for code, name, meaning in table[1:]]
    assert rows == [(int(c), c.name, DESCRIPTIONS[c]) for c in ExitCode]


def test_every_exit_code_in_a_docs_table_is_one_the_cli_can_return() -> None:
    returnable = {int(c) for c in _returnable_exit_codes()}
    assert returnable == {int(c) for c in ExitCode}, "an ExitCode no CLI path returns"
    seen = 0
    for path in DOCS:
        for table in tables(path):
            header = [c.lower() for c in table[0]]
            if header[0] in ("exit", "exit code") or header[:2] == ["code", "name"]:
                for row in table[1:]:
                    assert row[0].isdigit() and int(row[0]) in returnable, f"{path}: exit code {row[0]!r}"
                    seen += 1
    assert seen >= len(ExitCode)


# -- configuration ---------------------------------------------------------------------------------------------

def test_toml_examples_use_only_real_keys() -> None:
    keys_seen: set[str] = set()
    for path in DOCS:
        for snippet in snippets(path):
            if snippet.lang == "toml":
                for line in snippet.text.splitlines():
                    match = re.match(r"^#?\s*([a-z_]+)\s*=", line)
                    if match:
                        assert match.group(1) in SETTINGS, f"{path}: toml key {match.group(1)!r}"
                        keys_seen.add(match.group(1))
    assert keys_seen == set(SETTINGS), "the operator guide's example shows every key"


def test_the_settings_table_matches_the_configuration() -> None:
    table = next(t for t in tables(OPERATOR) if t[0] == ["key", "flag", "environment variable"])
    rows = [tuple(c.strip("`") for c in row) for row in table[1:]]
    assert rows == [(name, s.flag, s.env) for name, s in SETTINGS.items()]


# -- the deploy workflow and the operator guide ----------------------------------------------------------------

def _workflow(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _normalized(line: str) -> str:
    return " ".join(line.replace(".venv/bin/zeues-migrate", "zeues-migrate").split())


def test_the_deploy_workflow_runs_the_commands_the_operator_guide_documents() -> None:
    documented = {_normalized(line) for s in snippets(OPERATOR) for line in shell_lines(s)}
    ran = []
    for step in _workflow("deploy.yml")["jobs"]["deploy"]["steps"]:
        for line in str(step.get("run", "")).splitlines():
            first = line.split()[0] if line.split() else ""
            if first in ("npx", "python3", "sed", ".venv/bin/zeues-migrate", "zeues-migrate"):
                ran.append(_normalized(line))
                assert _normalized(line) in documented, f"deploy.yml runs `{line}`, not shown in docs/operator.md"
    for needed in ("npx clasp push --force", "zeues-migrate doctor --json", "zeues-migrate verify --json",
                   "python3 tasks.py setup"):
        assert needed in ran
    assert any(r.startswith('npx clasp update-deployment "$ZEUES_DEPLOYMENT_ID"') for r in ran)


def test_every_secret_and_variable_of_the_workflows_is_documented() -> None:
    guide = OPERATOR.read_text(encoding="utf-8")
    for name in ("deploy.yml", "ci.yml"):
        text = (WORKFLOWS / name).read_text(encoding="utf-8")
        comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
        used = set(re.findall(r"\b(?:secrets|vars)\.([A-Z_][A-Z0-9_]*)", text)) - {"GITHUB_TOKEN"}
        for item in used:
            assert item in comments, f"{name} uses {item} but its comment block does not document it"
            assert f"`{item}`" in guide, f"{name} uses {item} but docs/operator.md does not document it"


def test_ci_runs_the_readmes_test_command_on_python_3_11_and_node_20() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "python3 tasks.py test" in readme
    ci = _workflow("ci.yml")
    assert set(ci[True]) >= {"push", "pull_request"}  # YAML 1.1 reads the key `on` as True
    steps = ci["jobs"]["test"]["steps"]
    assert [s["run"] for s in steps if "run" in s] == ["python3 tasks.py test"]
    uses = {s["uses"].split("@")[0]: s.get("with", {}) for s in steps if "uses" in s}
    assert uses["actions/setup-python"]["python-version"] == "3.11" and uses["actions/setup-python"]["cache"] == "pip"
    assert uses["actions/setup-node"]["node-version"] == "20" and uses["actions/setup-node"]["cache"] == "npm"
    deploy = _workflow("deploy.yml")[True]
    assert deploy["workflow_run"] == {"workflows": ["ci"], "types": ["completed"], "branches": ["main"]}
    assert "workflow_dispatch" in deploy


# -- errors and links ------------------------------------------------------------------------------------------

def test_every_error_code_is_explained_in_troubleshooting() -> None:
    """Every code the operator can see (orchestrator/contract/errors.py): the bridge's as it throws them, the
    orchestrator's as `CODE`."""
    text = TROUBLESHOOTING.read_text(encoding="utf-8")
    for code in ErrorCode:
        shown = code.thrown if code.bridge_throws else f"`{code.value}`"
        assert shown in text, f"troubleshooting.md does not explain {shown}"
    for name in ExitCode.__members__:
        if name not in ("OK", "INTERNAL", "PENDING"):
            assert f"exit {int(ExitCode[name])}" in text, f"troubleshooting.md: nothing exits {name}?"


@pytest.mark.parametrize("path", DOCS, ids=[str(p.relative_to(ROOT)) for p in DOCS])
def test_relative_links_and_anchors_resolve(path: Path) -> None:
    for link in links(path):
        if re.match(r"^[a-z]+:", link):
            continue
        target, _, anchor = link.partition("#")
        file = (path.parent / target).resolve() if target else path
        assert file.exists(), f"{path.name}: link to {link} — no such file"
        if anchor and file.suffix == ".md":
            assert anchor in anchors(file), f"{path.name}: link to {link} — no heading with that anchor"
