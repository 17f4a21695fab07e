"""`python3 tasks.py mutate`: mutation testing in a scratch copy of the tree (the work tree is never touched).

1. mutmut over the unit-tested modules ([tool.mutmut] in pyproject.toml) against tests/unit: the score per module
   counts every mutant but the message-only ones (classify.py), which are listed apart;
2. every hand-written mutant of the guarantee code (mutants.py), one at a time: applied, the bridge's build hash
   regenerated when it is a bridge file, its tests run, the original restored;
3. the report: bench-results/mutation.md and mutation.json.

Usage: python -m tests.mutation.run [--skip-mutmut] [--skip-hand] [--only NAME_PART] [--max-children N]
       [--leave-out TEST]... (repeatable)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tests.mutation.classify import read_mutants
from tests.mutation.mutants import MUTANTS, Mutant

ROOT = Path(__file__).resolve().parents[2]
SCRATCH = ROOT / "build" / "mutation" / "tree"
REPORT = ROOT / "bench-results" / "mutation"
# Not copied: environments, caches, generated output, and the scratch tree itself.
SKIP = {".venv", "node_modules", ".git", "build", "bench-results", "mutants", "zeues_migrate.egg-info",
        ".mypy_cache", ".pytest_cache", "__pycache__", ".zeues-migrate"}


def make_scratch() -> Path:
    """A fresh copy of the tree; node_modules linked, not copied."""
    if SCRATCH.exists():
        shutil.rmtree(SCRATCH)
    shutil.copytree(ROOT, SCRATCH, ignore=lambda _d, names: [n for n in names if n in SKIP])
    if (ROOT / "node_modules").exists():
        (SCRATCH / "node_modules").symlink_to(ROOT / "node_modules")
    return SCRATCH


def scratch_env() -> dict[str, str]:
    # The scratch copy's package first (the editable install points at the work tree); CLI subprocesses inherit it.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEUES_")}
    env["PYTHONPATH"] = str(SCRATCH)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _python(*args: str, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=SCRATCH, env=scratch_env(), capture_output=True, text=True,
                          timeout=timeout)


# -- mutmut ----------------------------------------------------------------------------------------------------

@dataclass
class ModuleScore:
    module: str
    mutants: int
    message_only: int
    counted: int
    killed: int
    survived: list[dict[str, Any]]
    message_survived: int

    @property
    def score(self) -> float:
        return 100.0 * self.killed / self.counted if self.counted else 100.0


def leave_out(tests: list[str]) -> None:
    """Deselect `tests` from mutmut's run in the scratch copy only: a unit test that fails on the unmutated tree
    for a reason none of the mutated modules has (someone's work in progress) would stop mutmut before it starts."""
    config = SCRATCH / "pyproject.toml"
    text = config.read_text(encoding="utf-8")
    marker = "pytest_add_cli_args_test_selection = ["
    if text.count(marker) != 1:
        sys.exit(f"cannot leave tests out: {marker!r} is not in pyproject.toml once")
    config.write_text(text.replace(marker, marker + "".join(f'"--deselect={t}", ' for t in tests)), encoding="utf-8")


def run_mutmut(max_children: int) -> tuple[list[ModuleScore], float]:
    started = time.monotonic()
    mutmut = Path(sys.executable).with_name("mutmut")
    # No PYTHONPATH: mutmut puts its own mutated copy (scratch/mutants) first on the path.
    env = {k: v for k, v in scratch_env().items() if k != "PYTHONPATH"}
    done = subprocess.run([str(mutmut), "run", "--max-children", str(max_children)], cwd=SCRATCH, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"mutmut failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return mutmut_scores(), time.monotonic() - started


def mutmut_scores() -> list[ModuleScore]:
    """The scores of the last mutmut run in the scratch copy."""
    config = tomllib.loads((SCRATCH / "pyproject.toml").read_text())["tool"]["mutmut"]
    scores = []
    for module in config["only_mutate"]:
        found = read_mutants(SCRATCH / "mutants", module, SCRATCH / module)
        counted = [m for m in found if not m.message_only]
        killed = [m for m in counted if m.status in ("killed", "timeout")]
        survivors = [{"key": m.key, "function": m.function, "line": m.line, "change": m.diff}
                     for m in counted if m.status != "killed" and m.status != "timeout"]
        scores.append(ModuleScore(module, len(found), len(found) - len(counted), len(counted), len(killed), survivors,
                                  sum(1 for m in found if m.message_only and m.status == "survived")))
    return scores


# -- hand-written mutants --------------------------------------------------------------------------------------

@dataclass
class HandResult:
    name: str
    file: str
    status: str  # killed | survived | stale | error | equivalent
    failed_tests: list[str]
    seconds: float
    detail: str = ""


def _regen() -> None:
    done = _python("-m", "orchestrator.codegen")
    if done.returncode != 0:
        raise RuntimeError(f"codegen failed: {done.stderr[-2000:]}")


def run_hand(mutant: Mutant) -> HandResult:
    started = time.monotonic()
    if mutant.equivalent:
        return HandResult(mutant.name, mutant.file, "equivalent", [], 0.0, mutant.equivalent)
    path = SCRATCH / mutant.file
    source = path.read_text(encoding="utf-8")
    if source.count(mutant.original) != 1:
        return HandResult(mutant.name, mutant.file, "stale", [], 0.0,
                          f"the original snippet occurs {source.count(mutant.original)} times (must be once)")
    bridge = mutant.file.startswith("appsscript/")
    try:
        path.write_text(source.replace(mutant.original, mutant.mutated), encoding="utf-8")
        if bridge:
            _regen()  # else every test would fail on a stale build hash, not on the mutant
        done = _python("-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", *mutant.tests)
    finally:
        path.write_text(source, encoding="utf-8")
        if bridge:
            _regen()
    failed = re.findall(r"^FAILED (.+?)(?: - .*)?$", done.stdout, re.M)
    # pytest: 1 = tests failed (the mutant is killed); 0 = all passed (it survived); anything else is not a verdict.
    status = {0: "survived", 1: "killed"}.get(done.returncode, "error")
    detail = "" if status != "error" else (done.stdout[-1500:] + done.stderr[-1500:])
    return HandResult(mutant.name, mutant.file, status, failed, time.monotonic() - started, detail)


def baseline_passes(mutants: list[Mutant]) -> None:
    """The named tests pass on the unmutated copy: otherwise a 'kill' proves nothing."""
    tests = sorted({t for m in mutants for t in m.tests})
    done = _python("-m", "pytest", "-q", "-p", "no:cacheprovider", *tests)
    if done.returncode != 0:
        sys.exit(f"the mutants' tests fail without any mutant:\n{done.stdout[-4000:]}")


# -- the report ------------------------------------------------------------------------------------------------

def write_report(scores: list[ModuleScore] | None, mutmut_seconds: float, hand: list[HandResult] | None,
                 mutmut_at: str = "", left_out: list[str] | None = None) -> None:
    """`mutmut_at`: when the mutmut scores were measured, if not now (a run with --skip-mutmut keeps the last);
    `left_out`: the unit tests that mutmut did not run (--leave-out)."""
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {"generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    lines = ["# Mutation testing", "", f"Generated {data['generated']} by `python3 tasks.py mutate` "
             "(docs/testing.md explains how to read it).", ""]
    if scores is not None:
        measured = mutmut_at or data["generated"]
        data["mutmut"] = {"generated": measured, "seconds": round(mutmut_seconds), "left_out": left_out or [],
                          "modules": [{**asdict(s), "score": round(s.score, 1)} for s in scores]}
        lines += ["## mutmut over the unit-tested modules (tests/unit)", "",
                  f"Measured {measured}: {sum(s.mutants for s in scores)} mutants in {mutmut_seconds / 60:.1f} min. Score = killed ÷ "
                  "counted; message-only mutants (the text of a message changed) are not counted.", "",
                  "| module | mutants | message-only | counted | killed | score |", "|---|---:|---:|---:|---:|---:|"]
        lines += [f"| `{s.module}` | {s.mutants} | {s.message_only} | {s.counted} | {s.killed} | {s.score:.1f}% |"
                  for s in scores]
        if left_out:
            lines += ["", "Left out of this run (failing without any mutant): " +
                      ", ".join(f"`{t}`" for t in left_out) + "."]
        lines += ["", "### Survivors (counted)", ""]
        for s in scores:
            lines += [f"- `{s.module}` line {m['line']} `{m['function']}`: `{m['change'][:180]}`" for m in s.survived]
        lines += ["", f"Message-only survivors, not counted: {sum(s.message_survived for s in scores)}.", ""]
    if hand is not None:
        data["hand"] = [asdict(r) for r in hand]
        counted = [r for r in hand if r.status != "equivalent"]
        lines += ["## Hand-written mutants of the guarantee code (tests/mutation/mutants.py)", "",
                  f"{sum(r.status == 'killed' for r in counted)} of {len(counted)} killed"
                  f"{'; ' + str(len(hand) - len(counted)) + ' equivalent (listed, not counted)' if len(hand) > len(counted) else ''}.",
                  "", "| mutant | file | result | tests that failed |", "|---|---|---|---|"]
        for r in hand:
            shown = ", ".join(f"`{t.split('::')[-1]}`" for t in r.failed_tests[:4]) + (
                f" (+{len(r.failed_tests) - 4})" if len(r.failed_tests) > 4 else "")
            detail = " ".join(r.detail.split())[-200:].replace("|", "\\|")  # one table cell
            lines.append(f"| {r.name} | `{r.file}` | **{r.status}** | {shown or detail} |")
        lines.append("")
    REPORT.with_suffix(".json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    REPORT.with_suffix(".md").write_text("\n".join(lines), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-mutmut", action="store_true")
    parser.add_argument("--skip-hand", action="store_true")
    parser.add_argument("--only", default="", help="hand-written mutants whose name contains this")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--leave-out", action="append", default=[], metavar="TEST",
                        help="a unit test mutmut does not run (it fails without any mutant); named in the report")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the report from the last run (scratch copy and mutation.json), running nothing")
    args = parser.parse_args()
    if args.report_only:
        last = json.loads(REPORT.with_suffix(".json").read_text(encoding="utf-8"))
        write_report(mutmut_scores(), last.get("mutmut", {}).get("seconds", 0),
                     [HandResult(**r) for r in last["hand"]] if "hand" in last else None,
                     last.get("mutmut", {}).get("generated", last.get("generated", "")),
                     last.get("mutmut", {}).get("left_out", []))
        return 0
    previous = json.loads(REPORT.with_suffix(".json").read_text(encoding="utf-8")) if (
        REPORT.with_suffix(".json").exists()) else {}
    make_scratch()
    if args.leave_out:
        leave_out(args.leave_out)
    scores, seconds = run_mutmut(args.max_children) if not args.skip_mutmut else (None, 0.0)
    mutmut_at, left_out = "", list(args.leave_out)
    if scores is None and "mutmut" in previous:  # --skip-mutmut: the last run's mutmut scores stay in the report
        seconds = previous["mutmut"].get("seconds", 0)
        mutmut_at = previous["mutmut"].get("generated", previous["generated"])
        left_out = previous["mutmut"].get("left_out", [])
        scores = [ModuleScore(**{k: v for k, v in m.items() if k != "score"}) for m in previous["mutmut"]["modules"]]
    hand = None
    if not args.skip_hand:
        chosen = [m for m in MUTANTS if args.only in m.name]
        baseline_passes(chosen)
        hand = []
        for mutant in chosen:
            result = run_hand(mutant)
            print(f"{result.status:>10}  {mutant.name}  ({result.seconds:.0f} s)", file=sys.stderr, flush=True)
            hand.append(result)
    ran = hand
    if "hand" in previous:  # --skip-hand or --only: the last run's results of the mutants not run stay
        fresh = {r.name: r for r in hand or []}
        kept = {r["name"]: HandResult(**r) for r in previous["hand"] if r["name"] not in fresh}
        hand = [fresh.get(m.name) or kept[m.name] for m in MUTANTS if m.name in fresh or m.name in kept]
    write_report(scores, seconds, hand, mutmut_at, left_out)
    print(f"report: {REPORT.with_suffix('.md')}", file=sys.stderr)
    bad = [r for r in (hand if ran is None else ran) or [] if r.status in ("survived", "stale", "error")]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
