"""`python3 tasks.py bench`: measured figures, printed and written to `bench-results/<suite>.json`.

Each measurement runs in a child process so its wall time and peak RSS are its own. Suites: `workbook`
(generating workbooks), `rehearse` (the whole cycle on the emulator: per-step wall time, API calls by
kind, bytes read, peak RSS of the orchestrator and of the emulator, and what read pacing would add) and
`paced-apply` (one apply with the default read pacing against an emulator that enforces Google's
60-reads-per-minute quota, answering 429 over it: the proof that a run's reads fit the quota).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RESULTS_DIR = Path("bench-results")


def _child(args: list[str]) -> tuple[float, int]:
    """Run a child Python; return its wall seconds and peak RSS in KiB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    # RUSAGE_CHILDREN keeps the maximum over all children: run sizes in ascending order.
    return elapsed, max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)


def bench_workbook(sizes: list[int]) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for spools in sorted(sizes):
            out = Path(tmp) / f"wb-{spools}.json"
            seconds, rss = _child(["-m", "orchestrator.workbook", "--spools", str(spools), "--output", str(out)])
            rows.append({"spools": spools, "seconds": round(seconds, 2), "peak_rss_mib": round(rss / 1024, 1),
                         "file_mb": round(out.stat().st_size / 1e6, 1)})
            print(f"workbook  {spools:>7,} spools  {seconds:6.2f} s  peak RSS {rss / 1024:6.1f} MiB  "
                  f"{out.stat().st_size / 1e6:6.1f} MB", flush=True)
    return rows


PACED_READS_PER_MINUTE = 50  # the default `reads_per_minute` against Google (under its 60 per user)


def _reads(methods: dict[str, Any]) -> int:
    """Read requests (Sheets and Drive, retries included): what the per-minute read quota counts."""
    return sum(m["requests"] for name, m in methods.items() if name.startswith(("sheets.", "drive.")))


def _limiter_wait(reads: int) -> float:
    """Seconds the read limiter (orchestrator.google.pacing) makes `reads` requests wait, starting rested."""
    from orchestrator.google.pacing import TokenBucket

    bucket = TokenBucket(PACED_READS_PER_MINUTE)
    return round(max(0.0, reads - bucket.capacity) / bucket.rate, 1)


def rehearse_child(source: Path, spools: int, result: Path) -> None:
    """In a child process: rehearse `source` on a fresh emulator; write the figures to `result`."""
    from orchestrator.engine.checkpoint import CheckpointStore
    from orchestrator.engine.progress import Progress
    from orchestrator.engine.rehearsal import emulated_workbook, emulator_config, rehearse
    from orchestrator.engine.runs import RunReport
    from orchestrator.google import GoogleClients

    with tempfile.TemporaryDirectory(prefix="zeues-bench-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        with emulated_workbook(source, spools, 1, work, None) as (emu, original_id):
            loaded = time.perf_counter() - started
            with GoogleClients.from_config(emulator_config(emu, original_id, work)) as clients:
                runs: list[dict[str, Any]] = []
                seen: dict[str, Any] = {}

                def on_run(run: RunReport) -> None:
                    # The counters since the previous run: this run's API traffic alone.
                    now = {k: m.model_dump() for k, m in clients.stats.methods.items()}
                    delta = {k: {f: v - seen.get(k, {}).get(f, 0) for f, v in m.items()} for k, m in now.items()}
                    seen.update(now)
                    runs.append({"action": run.action, "migration": run.migration_id, "status": run.status,
                                 "seconds": round(sum(run.timings.values()), 3), "steps": run.timings,
                                 "verification": run.verification.status if run.verification else None,
                                 "rows_checked": run.verification.rows_checked if run.verification else 0,
                                 "cells_checked": run.verification.cells_checked if run.verification else 0,
                                 "reads": _reads({k: d for k, d in delta.items() if d["requests"]}),
                                 "api": {k: d["calls"] for k, d in sorted(delta.items()) if d["calls"]}})

                report = rehearse(clients, original_id, CheckpointStore(work / "checkpoints"), Progress(None),
                                  str(source), spools, on_run)
                emulator_kib = emu.peak_rss_kib()
                methods = {k: {"calls": m.calls, "requests": m.requests, "bytes": m.bytes,
                               "seconds": round(m.seconds, 3)} for k, m in sorted(clients.stats.methods.items())}
    result.write_text(json.dumps({
        "load_seconds": round(loaded, 3), "rehearsal_seconds": report.seconds, "runs": runs, "api": methods,
        "calls": sum(m["calls"] for m in methods.values()), "bytes_read": clients.stats.bytes,
        "read_requests": _reads(methods),
        "peak_rss_kib": {"orchestrator": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                         "emulator": emulator_kib},
    }))


def _measured_children(sizes: list[int], child_flag: str) -> Iterator[tuple[int, float, float, dict[str, Any]]]:
    """For each size: generate the workbook here (so the child's peak RSS is the run's alone), run the measured
    child process, and yield (spools, workbook MB, wall seconds, the child's figures)."""
    from orchestrator.workbook import WorkbookOptions, write_workbook

    with tempfile.TemporaryDirectory() as tmp:
        for spools in sorted(sizes):
            source, result = Path(tmp) / f"wb-{spools}.json", Path(tmp) / f"result-{spools}.json"
            write_workbook(WorkbookOptions(spools=spools, seed=1), source)
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "orchestrator.bench", child_flag, str(source),
                            "--spools", str(spools), "--result", str(result)], check=True)
            yield (spools, round(source.stat().st_size / 1e6, 1), time.perf_counter() - started,
                   json.loads(result.read_text()))


def bench_rehearse(sizes: list[int]) -> list[dict[str, Any]]:
    """`rehearse` (copy, apply + full verification, rollback + full verification) on a generated workbook."""
    rows = []
    for spools, workbook_mb, seconds, figures in _measured_children(sizes, "--child-rehearse"):
        reads = figures["read_requests"]
        row = {"spools": spools, "workbook_mb": workbook_mb, "wall_seconds": round(seconds, 2), **figures,
               # Against Google reads are paced: reads/50 minutes at most; the limiter's own figure (a
               # small burst, then an even refill) is what a run from a rested limiter waits.
               "paced_minutes_at_50_reads_per_minute": {
                   "rehearsal": round(reads / PACED_READS_PER_MINUTE, 2),
                   **{r["action"]: round(r["reads"] / PACED_READS_PER_MINUTE, 2) for r in figures["runs"]}},
               "limiter_wait_seconds_at_50_reads_per_minute": {
                   "rehearsal": _limiter_wait(reads),
                   **{r["action"]: _limiter_wait(r["reads"]) for r in figures["runs"]}}}
        rows.append(row)
        _print_rehearsal(row)
    return rows


def _print_rehearsal(row: dict[str, Any]) -> None:
    rss = row["peak_rss_kib"]
    emulator = f"{rss['emulator'] / 1024:.0f} MiB" if rss["emulator"] else "n/a"
    print(f"rehearse {row['spools']:>7,} spools ({row['workbook_mb']} MB workbook): load {row['load_seconds']:.2f} s, "
          f"rehearsal {row['rehearsal_seconds']:.2f} s; peak RSS orchestrator {rss['orchestrator'] / 1024:.0f} MiB, "
          f"emulator {emulator}", flush=True)
    for run in row["runs"]:
        steps = ", ".join(f"{k} {v:.2f}" for k, v in run["steps"].items())
        print(f"  {run['action']:<8} {run['seconds']:6.2f} s  ({steps}); verified {run['verification']}: "
              f"{run['rows_checked']:,} rows, {run['cells_checked']:,} cells; {run['reads']} read requests: paced at "
              f"{PACED_READS_PER_MINUTE}/min {run['reads'] / PACED_READS_PER_MINUTE:.2f} min at most, "
              f"{_limiter_wait(run['reads']):.0f} s from a rested limiter", flush=True)
    for name, m in row["api"].items():
        print(f"  {name:<44} {m['calls']:>4} calls {m['requests']:>4} requests {m['bytes'] / 1e6:7.2f} MB", flush=True)
    print(f"  total {row['calls']} calls, {row['read_requests']} read requests, {row['bytes_read'] / 1e6:.1f} MB read",
          flush=True)


GOOGLE_READS_PER_MINUTE = 60  # Sheets: read requests per minute per user


def paced_apply_child(source: Path, spools: int, result: Path) -> None:
    """In a child process: one apply of `source`, with the default read pacing, against an emulator that answers
    429 to any read over 60 in a rolling minute; write the figures to `result`."""
    from orchestrator.config import Config, load_config
    from orchestrator.engine.checkpoint import CheckpointStore
    from orchestrator.engine.progress import Progress
    from orchestrator.engine.rehearsal import emulated_workbook
    from orchestrator.engine.runs import Target, apply_migration
    from orchestrator.google import GoogleClients
    from orchestrator.migrations import load_baseline, load_migrations

    with tempfile.TemporaryDirectory(prefix="zeues-bench-") as tmp:
        work = Path(tmp)
        with emulated_workbook(source, spools, 1, work, None) as (emu, sid):
            emu.fault(quotaPerMinute=GOOGLE_READS_PER_MINUTE)  # every Sheets read, the bridge's own included
            config = load_config({"endpoint": emu.url, "deployment_id": emu.deployment_id, "spreadsheet_id": sid,
                                  "checkpoint_dir": str(work / "checkpoints"), "script_timeout": 400.0}, {}, work)
            assert config.reads_per_minute == Config.model_fields["reads_per_minute"].default
            migrations = load_migrations()
            started = time.perf_counter()
            with GoogleClients.from_config(config) as clients:
                target = Target(clients, sid, CheckpointStore(work / "checkpoints"), Progress(None))
                report = apply_migration(target, migrations[0], load_baseline(), migrations)
                seconds = time.perf_counter() - started
                stats = clients.stats
            quota = emu.state()["faults"]["quota"]
            emulator_kib = emu.peak_rss_kib()
    assert report.verification is not None
    methods = {k: m.model_dump() for k, m in sorted(stats.methods.items())}
    result.write_text(json.dumps({
        "reads_per_minute": config.reads_per_minute, "quota_per_minute": GOOGLE_READS_PER_MINUTE,
        "status": report.status, "verification": report.verification.status,
        "rows_checked": report.verification.rows_checked, "cells_checked": report.verification.cells_checked,
        "seconds": round(seconds, 1), "steps": report.timings, "api": methods,
        "read_requests": _reads(methods), "rate_limited_seen": stats.rate_limited, "retries": stats.retries,
        "limiter_wait_seconds": round(stats.limiter_wait_seconds, 1), "backoff_seconds": round(stats.backoff_seconds, 1),
        "emulator_quota": quota,
        "peak_rss_kib": {"orchestrator": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                         "emulator": emulator_kib},
    }))


def bench_paced_apply(sizes: list[int]) -> list[dict[str, Any]]:
    """An apply paced at the default 50 reads/minute against a 60 reads/minute quota: it must see no 429."""
    rows = []
    for spools, _, seconds, figures in _measured_children(sizes, "--child-paced-apply"):
        row = {"spools": spools, "wall_seconds": round(seconds, 1), **figures}
        rows.append(row)
        quota = row["emulator_quota"]
        rss = row["peak_rss_kib"]
        print(f"paced apply {spools:>7,} spools at {row['reads_per_minute']:g} reads/min against a "
              f"{row['quota_per_minute']}/min quota: {row['status']}, verified {row['verification']} "
              f"({row['rows_checked']:,} rows, {row['cells_checked']:,} cells) in {row['seconds']:.1f} s; "
              f"{row['read_requests']} read requests by the orchestrator, {quota['accepted']} reads counted by "
              f"the quota (the bridge's included), at most {quota['peakInWindow']} in any 60 s; "
              f"429s: {quota['rejected']} answered, {row['rate_limited_seen']} seen; limiter waits "
              f"{row['limiter_wait_seconds']:.0f} s; peak RSS orchestrator {rss['orchestrator'] / 1024:.0f} MiB, "
              f"emulator {(rss['emulator'] or 0) / 1024:.0f} MiB", flush=True)
        print("  steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in row["steps"].items()), flush=True)
    return rows


SUITES = {"workbook": bench_workbook, "rehearse": bench_rehearse, "paced-apply": bench_paced_apply}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python3 tasks.py bench")
    parser.add_argument("--suite", choices=sorted(SUITES), default="workbook")
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated spool counts")
    parser.add_argument("--child-rehearse", type=Path, help=argparse.SUPPRESS)  # the measured child process
    parser.add_argument("--child-paced-apply", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--spools", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_rehearse:
        rehearse_child(args.child_rehearse, args.spools, args.result)
        return 0
    if args.child_paced_apply:
        paced_apply_child(args.child_paced_apply, args.spools, args.result)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    results = SUITES[args.suite](sizes)
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{args.suite}.json"
    machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": _cpus()}
    path.write_text(json.dumps({"suite": args.suite, "machine": machine, "results": results}, indent=2) + "\n")
    print(f"wrote {path}")
    return 0


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


if __name__ == "__main__":
    sys.exit(main())
