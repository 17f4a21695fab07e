"""`python3 tasks.py bench`: measured figures, printed and written to `bench-results/<suite>.json`.

Each measurement runs in a child process so its wall time and peak RSS are its own.
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


SUITES = {"workbook": bench_workbook}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python3 tasks.py bench")
    parser.add_argument("--suite", choices=sorted(SUITES), default="workbook")
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated spool counts")
    args = parser.parse_args()
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
