"""The baseline of `python3 tasks.py bench --suite google`: what an operator would otherwise run, a gspread script
in the style of the first attempt (../shared/zeues-sheet.md, "What went wrong the first time") — a Drive copy as
the backup, the new header cells written with `update`, five sampled rows read back to "verify".

It lives beside orchestrator/bench.py (not under tests/) because only the benchmark runs it, from a checkout
with the `test` extra installed (gspread 6.2.1, the library the v2.1 backend uses; tests/compat uses it too). It
is not part of the tool, and it is not a migration: no defaults written (`version` stays empty, failure 6), no
event types registered (failure 5), no history, no lock, no check of anything but five rows (failure 4). What it
costs is what the table compares our full verification with.

gspread is pointed at the emulator as tests/compat/backends.py does: an unchanged gspread over a requests session
that swaps Google's hosts for the emulator's URL. Two deviations from a script written for Google, both forced
by the emulator and neither making it cheaper: the copy is made with `copy_comments=False` (the emulator serves
no Drive comments, and a generated workbook has none), and the grid is widened with `add_cols` before the
header cells are written (failure 1: without it the write fails on a grid with no spare column).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

import gspread
import requests
from gspread.utils import rowcol_to_a1
from pydantic import BaseModel

from orchestrator.migrations.spec import AddColumns, Migration

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
SAMPLED_ROWS = 5  # what the first attempt read back to "verify" (failure 4)


class BaselineReport(BaseModel):
    """One baseline run: its wall time, each step's, and the requests it sent."""

    spreadsheet_id: str
    backup_id: str
    seconds: float
    steps: dict[str, float]
    requests: dict[str, int]  # by kind: "sheets.read", "sheets.write", "drive.copy"...
    read_requests: int  # what the per-minute read quota counts (Sheets and Drive reads)
    rate_limited: int  # answers with status 429
    rows_checked: int
    columns_added: list[str]


class EmulatorSession(requests.Session):
    """A requests session that sends Google-host URLs to the emulator (tests/compat's way), with the token
    gspread's authorized session would add, counting every request by kind."""

    def __init__(self, base_url: str, token: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.headers["Authorization"] = f"Bearer {token}"
        self.counts: dict[str, int] = {}
        self.rate_limited = 0

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        url = url.decode() if isinstance(url, bytes) else url
        method = method.decode() if isinstance(method, bytes) else method
        for host in GOOGLE_HOSTS:
            if url.startswith(host):
                url = self.base_url + url[len(host):]
        kind = _kind(method.upper(), url)
        self.counts[kind] = self.counts.get(kind, 0) + 1
        response = super().request(method, url, *args, **kwargs)
        if response.status_code == 429:
            self.rate_limited += 1
        return response


def _kind(method: str, url: str) -> str:
    """A request's kind, as the quota sees it: Sheets reads (GET) and writes, Drive reads and the copy."""
    api = "drive" if "/drive/" in url else "sheets"
    if api == "drive" and url.split("?")[0].endswith("/copy"):
        return "drive.copy"
    return f"{api}.{'read' if method == 'GET' else 'write'}"


def run_baseline(base_url: str, token: str, spreadsheet_id: str, migration: Migration) -> BaselineReport:
    """Back up, add the migration's header cells, read five rows back: the first attempt's script."""
    session = EmulatorSession(base_url, token)
    client = gspread.Client(auth=None, session=session)  # type: ignore[arg-type]
    steps: dict[str, float] = {}
    started = last = time.perf_counter()

    def step(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        steps[name] = round(now - last, 3)
        last = now

    book = client.open_by_key(spreadsheet_id)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    backup = client.copy(spreadsheet_id, title=f"{book.title} backup {stamp}", copy_comments=False)
    step("backup")
    added: list[str] = []
    checked = 0
    for operation in migration.operations:
        if not isinstance(operation, AddColumns):
            continue  # event types: the first attempt had its own copy of the enum in code (failure 5)
        sheet = book.worksheet(operation.sheet)
        header = sheet.row_values(1)
        names = [c.name for c in operation.columns]
        first = len(header) + 1  # after the last header cell, wherever that is
        missing = first + len(names) - 1 - sheet.col_count
        if missing > 0:
            sheet.add_cols(missing)
        sheet.update([names], rowcol_to_a1(1, first))
        step("write headers")
        # "Verify": the header again, and five rows spread over the sheet, one read each.
        assert sheet.row_values(1)[first - 1:] == names, "the header cells were not written"
        rows = max(sheet.row_count - 1, 1)
        for i in range(SAMPLED_ROWS):
            sheet.row_values(2 + i * rows // SAMPLED_ROWS)
            checked += 1
        step("verify 5 rows")
        added += [f"{operation.sheet}!{rowcol_to_a1(1, first + i)[:-1]} {n}" for i, n in enumerate(names)]
    reads = sum(n for kind, n in session.counts.items() if kind.endswith(".read"))
    return BaselineReport(spreadsheet_id=spreadsheet_id, backup_id=backup.id,
                          seconds=round(time.perf_counter() - started, 3), steps=steps,
                          requests=dict(sorted(session.counts.items())), read_requests=reads,
                          rate_limited=session.rate_limited, rows_checked=checked, columns_added=added)
