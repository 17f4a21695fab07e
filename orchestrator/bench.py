"""`python3 tasks.py bench`: measured figures, printed and written to `bench-results/<suite>.json`.

Each measurement runs in a child process so its wall time and peak RSS are its own. Suites: `workbook`
(generating workbooks), `rehearse` (the whole cycle on the emulator: per-step wall time, API calls by
kind, bytes read, peak RSS of the orchestrator and of the emulator, and what read pacing would add) and
`paced-apply` (one apply with the default read pacing against an emulator that enforces Google's
60-reads-per-minute quota, answering 429 over it: the proof that a run's reads fit the quota), `google` (our
apply and rollback with full verification, beside the baseline gspread script of orchestrator/bench_baseline.py,
on the emulator's Google-like profile: wall, read requests, 429s and the profile's floor; a table and
docs/img/bench-google.png) and `cli-start` (the CLI's start: the median wall time of `--help`, `--version` and
`status --help`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from orchestrator.config import Config, load_config
from orchestrator.emulator import REPO_ROOT, Emulator
from orchestrator.engine.checkpoint import CheckpointStore
from orchestrator.engine.progress import Progress
from orchestrator.engine.rehearsal import emulated_workbook
from orchestrator.engine.runs import RunReport, Target, apply_migration, rollback_migration
from orchestrator.google import GoogleClients
from orchestrator.google.stats import ApiStats
from orchestrator.migrations import load_baseline, load_migrations

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
    from orchestrator.google.pacing import rested_wait

    return round(rested_wait(PACED_READS_PER_MINUTE, reads), 1)


def rehearse_child(source: Path, spools: int, result: Path) -> None:
    """In a child process: rehearse `source` on a fresh emulator; write the figures to `result`."""
    from orchestrator.engine.rehearsal import emulator_config, rehearse

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
               # Against Google reads are paced: reads/50 minutes at most; the limiter's own figure (the
               # whole budget at once, then a window per further 50) is what a run from a rested limiter waits.
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
    with tempfile.TemporaryDirectory(prefix="zeues-bench-") as tmp:
        work = Path(tmp)
        with emulated_workbook(source, spools, 1, work, None) as (emu, sid):
            emu.fault(quotaPerMinute=GOOGLE_READS_PER_MINUTE)  # every Sheets read, the bridge's own included
            config = _config(emu, sid, work)
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


# -- `--suite google`: ours beside the baseline, on the emulator's Google-like profile ---------------------------

PROFILE = "google"  # emulator/profiles/google.json: Google's quotas and a latency per call kind, each cited
# The kinds a run can overlap with each other (reads); every other kind the profile charges (an execution's
# start, a copy, the bridge's service calls and writes) runs one after another.
OVERLAPPING_KINDS = ("sheets.values.read", "sheets.get", "sheets.developerMetadata.search", "drive.get", "drive.list")
SHEETS_READ_KINDS = OVERLAPPING_KINDS[:3]
RECOMMENDED_RESPONSE_BYTES = 2_000_000  # Google: "a maximum 2-MB payload" per request is recommended
MIB = 1024 * 1024


class _StepMeter(Progress):
    """A silent Progress that also counts each step's read requests and bytes (from the clients' counters)."""

    def __init__(self, stats: ApiStats) -> None:
        super().__init__(None)
        self.stats = stats
        self.started: dict[str, tuple[int, int]] = {}
        self.reads: dict[str, dict[str, int]] = {}

    def _now(self) -> tuple[int, int]:
        methods = {k: m.model_dump() for k, m in self.stats.methods.items()}
        return _reads(methods), self.stats.bytes

    def step(self, name: str, note: str = "") -> None:
        super().step(name, note)
        self.started[name] = self._now()

    def done(self, name: str, note: str = "") -> None:
        super().done(name, note)
        if name in self.started:
            (reads, size), (now_reads, now_size) = self.started.pop(name), self._now()
            self.reads[name] = {"reads": now_reads - reads, "bytes": now_size - size}


def _profile_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What the profile counted between two `/_emulator/state` answers: calls and latency by kind, and the read
    and write quotas (accepted, rejected; the peak is the run's when the profile was switched on just before)."""
    def diff(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
        return {k: b[k] - a.get(k, 0) for k in sorted(b) if b[k] - a.get(k, 0)}

    quota = {metric: {"accepted": after["quota"][metric]["accepted"] - before["quota"][metric]["accepted"],
                      "rejected": after["quota"][metric]["rejected"] - before["quota"][metric]["rejected"],
                      "peakPerMinute": after["quota"][metric]["peakPerMinute"]} for metric in ("reads", "writes")}
    return {"calls": diff(before["calls"], after["calls"]), "latency_ms": diff(before["latencyMs"], after["latencyMs"]),
            "quota": quota}


def profile_floor(settings: dict[str, Any], profiled: dict[str, Any], own_sheets_reads: int,
                  steps: dict[str, dict[str, int]]) -> dict[str, float]:
    """The profile's floor of one run, in seconds: the summed latency of the calls that cannot overlap.

    - the bridge runs, as the profile charged them: each execution's start, the copy (its latency grows with the
      source's cells), the bridge's service calls and writes — every kind the profile charged but the reads;
    - the reads the bridge makes itself (Advanced Sheets service, one after another inside the execution): one
      read's fixed latency each, the size part left out;
    - the reads that must follow (or precede) them: one read per step that reads (the state, the snapshot, the
      backup's verification after the copy, the full verification after the change). A step's reads may overlap,
      so a step costs one read: its fixed latency plus the size part of the step's data up to one recommended
      2 MB response, whatever the chunking.

    A lower bound, not a prediction: Google's quota (at most 60 reads a minute) is not in it."""
    scale = float(settings["latencyScale"]["value"])
    read = settings["latency"]["sheets.values.read"]
    bridge = sum(ms for kind, ms in profiled["latency_ms"].items() if kind not in OVERLAPPING_KINDS) / 1000
    profile_reads = sum(profiled["calls"].get(kind, 0) for kind in SHEETS_READ_KINDS)
    bridge_reads = max(0, profile_reads - own_sheets_reads) * scale * read["fixedMs"] / 1000
    phases = [s for s in steps.values() if s["reads"]]
    reads = sum(scale * (read["fixedMs"] + read.get("perMiBMs", 0) * min(s["bytes"], RECOMMENDED_RESPONSE_BYTES) / MIB)
                for s in phases) / 1000
    return {"seconds": round(bridge + bridge_reads + reads, 2), "bridge_runs": round(bridge, 2),
            "bridge_reads": round(bridge_reads, 2), "reads": round(reads, 2), "read_phases": len(phases)}


def _switch_profile(emu: Emulator, name: str) -> dict[str, Any]:
    """Switch the emulator's profile (counters cleared); the settings in force (emulator/profiles/NAME.json)."""
    answer = emu.profile(name)
    settings = answer.get("settings") if isinstance(answer, dict) else None
    if not settings:
        settings = json.loads((REPO_ROOT / "emulator" / "profiles" / f"{name}.json").read_text(encoding="utf-8"))
    return dict(settings)


def _our_run(emu: Emulator, clients: GoogleClients, meter: _StepMeter, run: Callable[[], RunReport],
             settings: dict[str, Any] | None) -> dict[str, Any]:
    """One of our runs: wall, steps, requests, what the profile counted and, with the profile on, its floor.
    With the profile on the run starts rested (the profile switched on again, its quota window empty), as a run
    started a minute after the previous one does. A run that fails is a row too, with its error."""
    if settings is not None:
        _switch_profile(emu, PROFILE)
    before_methods = {k: m.model_dump() for k, m in clients.stats.methods.items()}
    waited = clients.stats.limiter_wait_seconds, clients.stats.backoff_seconds
    before = emu.state().get("profile")
    meter.reads = {}
    started = time.perf_counter()
    report: RunReport | None = None
    error = None
    try:
        report = run()
    except Exception as exc:  # noqa: BLE001 - the benchmark reports a failed run, it does not stop at it
        error = f"{type(exc).__name__}: {exc}"[:600]
    seconds = time.perf_counter() - started
    after = emu.state().get("profile")
    now = {k: m.model_dump() for k, m in clients.stats.methods.items()}
    methods = {k: {f: v - before_methods.get(k, {}).get(f, 0) for f, v in m.items()} for k, m in sorted(now.items())}
    methods = {k: m for k, m in methods.items() if m["requests"]}
    verification = report.verification if report is not None else None
    row: dict[str, Any] = {
        "status": report.status if report is not None else "error", "error": error, "seconds": round(seconds, 2),
        "steps": report.timings if report is not None else dict(meter.timings), "step_reads": meter.reads,
        "verification": verification.status if verification else None,
        "rows_checked": verification.rows_checked if verification else 0,
        "cells_checked": verification.cells_checked if verification else 0,
        "read_requests": _reads(methods), "bytes_read": sum(m["bytes"] for m in methods.values()),
        "rate_limited_seen": sum(m["rate_limited"] for m in methods.values()),
        "limiter_wait_seconds": round(clients.stats.limiter_wait_seconds - waited[0], 2),
        "backoff_seconds": round(clients.stats.backoff_seconds - waited[1], 2),
        "api": {k: m["requests"] for k, m in methods.items()}}
    if settings is not None and before is not None and after is not None:
        profiled = _profile_delta(before, after)
        own = sum(m["requests"] for k, m in methods.items() if k.startswith("sheets."))
        row.update(profile=profiled, floor=profile_floor(settings, profiled, own, meter.reads),
                   rejected_429=profiled["quota"]["reads"]["rejected"] + profiled["quota"]["writes"]["rejected"])
    return row


def _config(emu: Emulator, sid: str, work: Path) -> Config:
    """The default configuration (read pacing as against Google), pointed at the emulator."""
    return load_config({"endpoint": emu.url, "deployment_id": emu.deployment_id, "spreadsheet_id": sid,
                        "credentials": str(emu.credentials_file()), "checkpoint_dir": str(work / "checkpoints"),
                        "script_timeout": 400.0}, {}, work)


def google_child(source: Path, spools: int, result: Path) -> None:
    """In a child process, each on a fresh emulator loaded with `source`: our apply then our rollback with the
    Google-like profile on; the baseline script with the profile on; our apply with the profile off. Every run
    with the default configuration (read pacing as against Google). Writes the figures to `result`."""
    from orchestrator.bench_baseline import run_baseline  # gspread: the `test` extra, only this suite needs it

    migrations, baseline = load_migrations(), load_baseline()
    migration = migrations[0]
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="zeues-bench-") as tmp:
        work = Path(tmp)
        with emulated_workbook(source, spools, 1, work / "ours", None) as (emu, sid):
            settings = _switch_profile(emu, PROFILE)  # on after the load: the load is the emulator's, not Google's
            with GoogleClients.from_config(_config(emu, sid, work / "ours")) as clients:
                meter = _StepMeter(clients.stats)
                target = Target(clients, sid, CheckpointStore(work / "ours" / "checkpoints"), meter)
                figures["apply"] = _our_run(emu, clients, meter,
                                            lambda: apply_migration(target, migration, baseline, migrations), settings)
                figures["rollback"] = _our_run(emu, clients, meter, lambda: rollback_migration(
                    target, migration.id, baseline, migrations), settings)
            figures["emulator_peak_rss_kib"] = emu.peak_rss_kib()
        with emulated_workbook(source, spools, 1, work / "baseline", None) as (emu, sid):
            _switch_profile(emu, PROFILE)  # on after the load, as for ours
            before = emu.state()["profile"]
            done = run_baseline(emu.url, emu.owner_token(), sid, migration)
            profiled = _profile_delta(before, emu.state()["profile"])
            figures["baseline"] = {**done.model_dump(), "profile": profiled,
                                   "rejected_429": profiled["quota"]["reads"]["rejected"]
                                   + profiled["quota"]["writes"]["rejected"]}
        with emulated_workbook(source, spools, 1, work / "unprofiled", None) as (emu, sid):
            with GoogleClients.from_config(_config(emu, sid, work / "unprofiled")) as clients:
                meter = _StepMeter(clients.stats)
                target = Target(clients, sid, CheckpointStore(work / "unprofiled" / "checkpoints"), meter)
                figures["apply_profile_off"] = _our_run(
                    emu, clients, meter, lambda: apply_migration(target, migration, baseline, migrations), None)
    figures["profile"] = {"name": PROFILE, "latencyScale": settings["latencyScale"]["value"],
                          "latency": {k: {f: v for f, v in fig.items() if f != "source"}
                                      for k, fig in settings["latency"].items()},
                          "quota": {k: fig["value"] for k, fig in settings["quota"].items()
                                    if isinstance(fig.get("value"), (int, float))}}
    result.write_text(json.dumps(figures))


def bench_google(sizes: list[int]) -> list[dict[str, Any]]:
    """Ours (apply, rollback; full verification) beside the baseline, on the Google-like profile; the plot."""
    rows = []
    for spools, workbook_mb, seconds, figures in _measured_children(sizes, "--child-google"):
        row = {"spools": spools, "workbook_mb": workbook_mb, "child_seconds": round(seconds, 1), **figures}
        rows.append(row)
        _print_google(row)
    plot_google(rows, PLOT)
    print(f"wrote {PLOT}")
    return rows


def _print_google(row: dict[str, Any]) -> None:
    apply, rollback, base, off = row["apply"], row["rollback"], row["baseline"], row["apply_profile_off"]
    print(f"google {row['spools']:>7,} spools ({row['workbook_mb']} MB workbook), profile {PROFILE}:", flush=True)
    print(f"  {'run':<28} {'wall':>8} {'floor':>8} {'wall/floor':>10} {'reads':>6} {'quota reads':>11} {'429s':>5}  "
          "verified", flush=True)
    for name, run in (("ours: apply", apply), ("ours: rollback", rollback)):
        floor = run["floor"]["seconds"]
        print(f"  {name:<28} {run['seconds']:>7.2f}s {floor:>7.2f}s {run['seconds'] / floor:>10.2f} "
              f"{run['read_requests']:>6} {run['profile']['quota']['reads']['accepted']:>11} {run['rejected_429']:>5}  "
              f"{run['verification']}: {run['rows_checked']:,} rows, {run['cells_checked']:,} cells", flush=True)
    print(f"  {'baseline (gspread script)':<28} {base['seconds']:>7.2f}s {'':>8} {'':>10} {base['read_requests']:>6} "
          f"{base['profile']['quota']['reads']['accepted']:>11} {base['rejected_429']:>5}  "
          f"{base['rows_checked']} sampled rows", flush=True)
    print(f"  {'ours: apply, profile off':<28} {off['seconds']:>7.2f}s {'':>8} {'':>10} {off['read_requests']:>6} "
          f"{'':>11} {off['rate_limited_seen']:>5}  {off['verification']}", flush=True)
    for name, run in (("apply", apply), ("rollback", rollback), ("apply, profile off", off)):
        if run["error"]:
            print(f"  {name} FAILED: {run['error']}", flush=True)
    print(f"  ours/baseline wall: apply {apply['seconds'] / base['seconds']:.2f}, rollback/apply "
          f"{rollback['seconds'] / apply['seconds']:.2f}; floor of the apply: {apply['floor']}", flush=True)
    for name, run in (("apply", apply), ("rollback", rollback)):
        print(f"  {name} steps: " + ", ".join(
            f"{k} {v:.2f}s ({run['step_reads'].get(k, {}).get('reads', 0)} reads)" for k, v in run["steps"].items()),
            flush=True)
        print(f"  {name} requests: " + ", ".join(f"{k} {n}" for k, n in run["api"].items()), flush=True)
    print(f"  baseline steps: " + ", ".join(f"{k} {v:.2f}s" for k, v in base["steps"].items())
          + "; requests: " + ", ".join(f"{k} {n}" for k, n in base["requests"].items()), flush=True)


PLOT = Path("docs/img/bench-google.png")


def plot_google(rows: list[dict[str, Any]], path: Path) -> None:
    """Wall time and read requests against spools, ours beside the baseline (matplotlib: the `bench` extra)."""
    import matplotlib  # type: ignore[import-not-found, unused-ignore]

    matplotlib.use("Agg")  # no display: a file
    import matplotlib.pyplot as plt  # type: ignore[import-not-found, unused-ignore]

    def seconds(run: dict[str, Any]) -> float:
        return float("nan") if run.get("error") else float(run["seconds"])  # a failed run: no point

    spools = [r["spools"] for r in rows]
    figure, (wall, reads) = plt.subplots(1, 2, figsize=(10, 4.2))
    ours, rollback, baseline, floor = "tab:blue", "tab:cyan", "tab:orange", "grey"
    wall.plot(spools, [seconds(r["apply"]) for r in rows], "o-", color=ours, label="ours: apply, full verification")
    wall.plot(spools, [seconds(r["rollback"]) for r in rows], "s-", color=rollback,
              label="ours: rollback, full verification")
    wall.plot(spools, [r["baseline"]["seconds"] for r in rows], "^--", color=baseline, label="baseline: gspread script")
    wall.plot(spools, [r["apply"]["floor"]["seconds"] for r in rows], "x:", color=floor,
              label="profile's floor (apply)")
    reads.plot(spools, [r["apply"]["read_requests"] for r in rows], "o-", color=ours,
               label="ours: apply, its requests")
    reads.plot(spools, [r["apply"]["profile"]["quota"]["reads"]["accepted"] for r in rows], "o:", color=ours,
               mfc="none", label="ours: apply, reads the quota counts (the bridge's too)")
    reads.plot(spools, [r["baseline"]["read_requests"] for r in rows], "^--", color=baseline,
               label="baseline: gspread script")
    for axes, title, unit in ((wall, "wall time, Google-like profile", "seconds"),
                              (reads, "read requests", "requests")):
        axes.set_xscale("log")
        axes.minorticks_off()
        axes.set_xticks(spools, [f"{s:,}" for s in spools])
        axes.set_xlabel("spools")
        axes.set_ylabel(unit)
        axes.set_title(title)
        axes.grid(True, alpha=0.3)
        axes.set_ylim(bottom=0)
    wall.legend(fontsize=8)
    reads.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


# -- `--suite cli-start`: how long the CLI takes to start ----------------------------------------------------------

CLI_COMMANDS = (("--help",), ("--version",), ("status", "--help"))


def bench_cli_start(runs: int) -> list[dict[str, Any]]:
    """The median (and min, max) wall time of `zeues-migrate --help`, `--version` and `status --help` over `runs`
    runs each, started as a user's shell starts them (the console script of this environment)."""
    program = Path(sys.executable).parent / "zeues-migrate"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEUES_")}
    rows = []
    for args in CLI_COMMANDS:
        subprocess.run([str(program), *args], check=True, capture_output=True, env=env)  # warm the file cache
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([str(program), *args], check=True, capture_output=True, env=env)
            times.append(time.perf_counter() - started)
        row = {"command": " ".join(["zeues-migrate", *args]), "runs": runs,
               "median_seconds": round(statistics.median(times), 3), "min_seconds": round(min(times), 3),
               "max_seconds": round(max(times), 3)}
        rows.append(row)
        print(f"{row['command']:<28} median {row['median_seconds']:.3f} s (min {row['min_seconds']:.3f}, max "
              f"{row['max_seconds']:.3f}; {runs} runs)", flush=True)
    return rows


SUITES: dict[str, Callable[[list[int]], list[dict[str, Any]]]] = {
    "workbook": bench_workbook, "rehearse": bench_rehearse, "paced-apply": bench_paced_apply, "google": bench_google}
DEFAULT_SIZES = {"google": "1000,10000"}  # 100,000 on the profile takes minutes: add it with --sizes


def main() -> int:
    parser = argparse.ArgumentParser(prog="python3 tasks.py bench")
    parser.add_argument("--suite", choices=sorted([*SUITES, "cli-start"]), default="workbook")
    parser.add_argument("--sizes", default=None,
                        help="comma-separated spool counts (default 1000,10000,100000; google: 1000,10000)")
    parser.add_argument("--runs", type=int, default=15, help="cli-start: runs of each command (the median counts)")
    parser.add_argument("--child-rehearse", type=Path, help=argparse.SUPPRESS)  # the measured child process
    parser.add_argument("--child-paced-apply", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-google", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--spools", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_rehearse:
        rehearse_child(args.child_rehearse, args.spools, args.result)
        return 0
    if args.child_paced_apply:
        paced_apply_child(args.child_paced_apply, args.spools, args.result)
        return 0
    if args.child_google:
        google_child(args.child_google, args.spools, args.result)
        return 0
    if args.suite == "cli-start":
        results = bench_cli_start(args.runs)
    else:
        sizes = [int(s) for s in (args.sizes or DEFAULT_SIZES.get(args.suite, "1000,10000,100000")).split(",")]
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
