"""The random-kill loop of tests/e2e/test_random_kill.py: a run's step timeline, the CLI SIGKILLed at seeded
random moments and rerun until a run finishes, the structural edits a human makes between two tries, and an
observation of the end state that is right under those edits (rows by key, columns by name).

Where a kill lands is read from the checkpoint after it: the first step it has not recorded yet.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from orchestrator.contract.sheets import HISTORY_SHEET
from orchestrator.domain import quote_sheet
from orchestrator.emulator import Emulator
from orchestrator.google.drive import BACKUP_MARKER
from tests.support.cli import Cli, Run
from tests.support.live import Live
from tests.support.observe import ARCHIVE_TITLE, history

MIGRATION = "3.0"
# The checkpointed steps of a run, in order ("change" is the kind's own: apply or rollback).
STEPS = ("preflight", "snapshot", "backup", "verify_backup", "change", "verify")
POLL_S = 0.01
HUMAN_COLUMN = "Revisado_Por"  # the column a human adds at the far right of Operaciones
SORT_COLUMN = "Peso_Kg"  # the column a human sorts Operaciones by
KEYS = {"Operaciones": "TAG_SPOOL", "Metadata": "id"}  # Metadata rows are keyed by their `id`
ARCHIVE_KEY = ("sheet", "key")  # an archive row: the sheet and key of the row its values came from (and `row`)
ZEUES_KEYS = ("zeues.column", "zeues.migration", "zeues.schema_version", "zeues.event_types", "zeues.hold")


def step_names(action: str) -> tuple[str, ...]:
    return tuple(action if s == "change" else s for s in STEPS)


def checkpoint_steps(cli: Cli, sid: str, action: str) -> list[str] | None:
    """The steps the run in flight has recorded (None: no run in flight)."""
    try:
        data: dict[str, Any] = json.loads((cli.checkpoints / sid / f"{action}-{MIGRATION}.json").read_text())
    except (OSError, ValueError):  # not there yet, or (never: it is renamed into place) torn
        return None
    return list(data["steps"])


def finished_runs(cli: Cli, sid: str) -> int:
    return len(list((cli.checkpoints / sid / "finished").glob("*.json")))


def in_flight(cli: Cli, sid: str) -> list[str]:
    return sorted(p.name for p in (cli.checkpoints / sid).glob("*.json"))


def landed_in(cli: Cli, sid: str, action: str) -> str:
    """The step a kill interrupted: the first one the checkpoint has not recorded ("exit": all recorded)."""
    steps = checkpoint_steps(cli, sid, action)
    if steps is None:
        return "exit" if finished_runs(cli, sid) else "preflight"
    return next((s for s in step_names(action) if s not in steps), "exit")


# -- the timeline of an uninterrupted run ------------------------------------------------------------------------

def timed_run(cli: Cli, sid: str, command: tuple[str, ...]) -> tuple[Run, dict[str, float]]:
    """Run the command, polling its checkpoint: how long each step took (preflight includes the start)."""
    action = command[0]
    started = time.monotonic()
    process = cli.spawn(*command, "--execute", "--yes", sid=sid)
    seen: dict[str, float] = {}
    while process.poll() is None:
        now = time.monotonic() - started
        steps = checkpoint_steps(cli, sid, action)
        if steps is None and finished_runs(cli, sid):  # the last record and the retirement in one poll
            steps = list(step_names(action))
        for step in steps or []:
            seen.setdefault(step, now)
        time.sleep(POLL_S)
    end = time.monotonic() - started
    run = cli.finish(process)
    durations, before = {}, 0.0
    for step in step_names(action):
        at = seen.get(step, before)
        durations[step], before = max(at - before, POLL_S), at
    durations["exit"] = max(end - before, POLL_S)
    return run, durations


# -- the loop ----------------------------------------------------------------------------------------------------

@dataclass
class Kill:
    attempt: int
    target: str  # the step the RNG aimed at
    delay: float  # seconds after that step's start (the previous step's record, or the process start)
    landed: str  # the step the checkpoint says was interrupted


@dataclass
class Loop:
    kills: list[Kill] = field(default_factory=list)
    edited_after: str | None = None  # the step of the kill after which the edit was made
    final: Run | None = None  # the try that was not killed


def _wait_for(process: subprocess.Popen[str], condition: Callable[[], bool]) -> bool:
    """Wait until the condition holds (True) or the process ends (False)."""
    while process.poll() is None:
        if condition():
            return True
        time.sleep(POLL_S)
    return False


def bridge_idle(emulator: Emulator, timeout: float = 60.0) -> None:
    """Wait until no execution holds or waits for the script lock: a bridge call the killed CLI sent has run to its
    end (the lock's queue is handed on at release, so an empty `locks` means nobody is waiting either)."""
    time.sleep(0.3)  # a request the CLI sent just before it died reaches the lock within this
    deadline = time.monotonic() + timeout
    while emulator.state()["locks"]:
        if time.monotonic() > deadline:
            raise AssertionError(f"the script lock stayed held for {timeout:g} s")
        time.sleep(POLL_S)


def _collect(process: subprocess.Popen[str]) -> Run:
    """A try's end; a killed one's output may be torn (or whole: killed after printing), so it is not parsed."""
    stdout, stderr = process.communicate(timeout=300)
    doc = json.loads(stdout) if process.returncode != -signal.SIGKILL and stdout.strip() else None
    assert doc is None or doc["exitCode"] == process.returncode, doc
    return Run(process.returncode, doc, stdout, stderr)


def kill_loop(cli: Cli, emulator: Emulator, sid: str, command: tuple[str, ...], rng: random.Random,
              durations: dict[str, float], kills: int, edit: Callable[[Live, str], None] | None = None,
              edit_at_kill: int = 1, first_target: str | None = None) -> Loop:
    """Run the command `kills` times, each try SIGKILLed at a random moment of a step it has not finished, then
    once more to its end. The RNG picks the step (one of the next two the checkpoint has not recorded) and a delay
    within that step's measured duration, counted from the record of the step before it (or from the start of the
    process, whose preflight a rerun repeats). `edit` is made after the kill number `edit_at_kill`, once the
    bridge call that kill orphaned (if any) has ended: the human's edit lands between two tries, not inside one.
    `first_target` fixes the step the first kill aims at (the scenarios share the steps out between them: later
    kills can only aim at steps left, so early steps would be rare)."""
    action, loop = command[0], Loop()
    order = step_names(action)
    for attempt in range(1, kills + 1):
        recorded = checkpoint_steps(cli, sid, action) or []
        pending = [s for s in order if s not in recorded]
        # One of the next two steps, so that the kills walk through the run instead of piling up in its last step;
        # "exit" (after the last record and the checkpoint's retirement, before the process ends) only for the last
        # kill: a kill there ends the loop.
        target = rng.choice([*pending[:2], *(["exit"] if attempt == kills and len(pending) <= 2 else [])])
        if attempt == 1 and first_target:
            target = first_target
        first = target == pending[0]
        window = durations[target] + (durations["preflight"] if first and target != "preflight" else 0.0)
        delay = rng.random() * window * 0.9  # a step may run a little faster than it did when measured
        retired = finished_runs(cli, sid)
        process = cli.spawn(*command, "--execute", "--yes", sid=sid)
        if not first:
            previous = order[order.index(target) - 1] if target != "exit" else None

            def started() -> bool:
                if previous is None:
                    return finished_runs(cli, sid) > retired
                return previous in (checkpoint_steps(cli, sid, action) or [])

            if not _wait_for(process, started):
                loop.final = _collect(process)
                return loop
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
        run = _collect(process)
        if run.code != -signal.SIGKILL:  # it ended before the kill
            loop.final = run
            return loop
        loop.kills.append(Kill(attempt, target, round(delay, 3), landed_in(cli, sid, action)))
        if edit is not None and attempt == edit_at_kill:
            bridge_idle(emulator)
            edit(Live(emulator.url, emulator.deployment_id), sid)
            loop.edited_after = loop.kills[-1].landed
        if loop.kills[-1].landed == "exit":
            break  # the run is over: the next try finds nothing to do
    loop.final = cli(*command, "--execute", "--yes", sid=sid)
    return loop


# -- what a human does between two tries ------------------------------------------------------------------------

def add_column(live: Live, sid: str) -> None:
    """A human adds a named column after every column of Operaciones and fills a few cells of it."""
    grid, sheet_id = live.grid(sid, "Operaciones"), live.sheet_id(sid, "Operaciones")
    cells = [[{"userEnteredValue": {"stringValue": v}}] for v in (HUMAN_COLUMN, "MR(93)", "", "LC(19)")]
    live.batch_update(sid, [
        {"appendDimension": {"sheetId": sheet_id, "dimension": "COLUMNS", "length": 1}},
        {"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": grid["columnCount"]},
                         "rows": [{"values": row} for row in cells], "fields": "userEnteredValue"}}])


def add_metadata_row(live: Live, sid: str) -> None:
    """The v2.1 backend's kind of row: an event appended to Metadata, written by column name."""
    spool = live.values(sid, "'Operaciones'", "UNFORMATTED_VALUE")
    tag = spool[1][spool[0].index("TAG_SPOOL")]
    event = {"id": "7d0c1f4e-0b7a-4d2e-9a51-3c1d6e2f8a90", "timestamp": "2026-01-28T10:15:00.000000Z",
             "evento_tipo": "INICIAR_ARM", "tag_spool": tag, "worker_id": 93, "worker_nombre": "MR(93)",
             "operacion": "ARM", "accion": "INICIAR", "fecha_operacion": 46050,
             "metadata_json": '{"origen": "app", "version_app": "2.1"}'}
    row = [event.get(name, "") for name in live.header(sid, "Metadata")]
    live.sheets.spreadsheets().values().append(spreadsheetId=sid, range="'Metadata'!A1", valueInputOption="RAW",
                                               body={"values": [row]}).execute()


def sort_rows(live: Live, sid: str) -> None:
    """A human sorts Operaciones' data rows by another column. The emulator has no `sortRange`, so the same
    permutation is made with `moveDimension` (cells, formats, metadata and references move with their row)."""
    values = live.values(sid, "'Operaciones'", "UNFORMATTED_VALUE")
    column = values[0].index(SORT_COLUMN)
    rows = list(range(1, len(values)))  # 0-based row indices of the data rows, in their current order

    def weight(i: int) -> tuple[int, str]:
        row = values[i]
        cell = row[column] if column < len(row) else ""
        return (0, f"{float(cell):020.6f}") if isinstance(cell, (int, float)) else (1, str(cell))

    wanted, sheet_id, requests = sorted(rows, key=weight), live.sheet_id(sid, "Operaciones"), []
    for place, row in enumerate(wanted, start=1):
        at = rows.index(row) + 1
        if at != place:
            requests.append({"moveDimension": {
                "source": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": at, "endIndex": at + 1},
                "destinationIndex": place}})
            rows.insert(place - 1, rows.pop(at - 1))
    assert requests, "the sort moved nothing"
    live.batch_update(sid, requests)


EDITS: dict[str, Callable[[Live, str], None]] = {
    "column": add_column, "metadata_row": add_metadata_row, "sort": sort_rows}


# -- the end state, observed so that it is right under those edits ------------------------------------------------

def _keyed(cells: list[list[Any]], key: str | tuple[str, ...], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """A sheet's rows by key (row order is not state: a sort changes it), each row by column name (column order
    is: kept as the header, compared apart)."""
    header = [str(h) for h in cells[0]] if cells else []
    keys = (key,) if isinstance(key, str) else key
    rows: dict[str, list[str]] = {}
    for line in cells[1:]:
        padded = list(line) + [""] * (len(header) - len(line))
        named = {f"{h}#{header[:i].count(h)}": v for i, (h, v) in enumerate(zip(header, padded)) if h not in drop}
        k = json.dumps([named.get(f"{name}#0", "") for name in keys], ensure_ascii=False)
        rows.setdefault(k, []).append(json.dumps(named, sort_keys=True, ensure_ascii=False))
    return {"header": [h for h in header if h != HUMAN_COLUMN], "columns": sorted(header),
            "rows": {k: sorted(v) for k, v in rows.items()}}


def end_state(live: Live, sid: str) -> dict[str, Any]:
    """Every sheet's grid and cells (Operaciones and Metadata by key, an archive by the sheet and key its rows
    came from, other sheets as they are), the zeues developer metadata with each column location named by its
    sheet and header, and the history (without times and ids)."""
    full = live.sheets.spreadsheets().get(
        spreadsheetId=sid,
        fields="developerMetadata,sheets(properties(sheetId,title,hidden,gridProperties))").execute()
    titles = {int(s["properties"].get("sheetId", 0)): s["properties"]["title"] for s in full["sheets"]}
    sheets: dict[str, Any] = {}
    names = [s["properties"]["title"] for s in full["sheets"]]
    got = live.sheets.spreadsheets().values().batchGet(
        spreadsheetId=sid, ranges=[quote_sheet(t) for t in names], valueRenderOption="FORMULA").execute()
    cells_of = {t: r.get("values", []) for t, r in zip(names, got["valueRanges"])}
    for s in full["sheets"]:
        props, title = s["properties"], s["properties"]["title"]
        if title == HISTORY_SHEET:
            continue  # compared as the history below
        cells = cells_of[title]
        archive = ARCHIVE_TITLE.match(title)
        if title in KEYS:
            content: Any = _keyed(cells, KEYS[title])
        elif archive:
            content = _keyed(cells, ARCHIVE_KEY, drop=("row",))
        else:
            content = cells
        sheets[ARCHIVE_TITLE.sub(r"\1", title)] = {"hidden": props.get("hidden", False),
                                                   "grid": props["gridProperties"], "cells": content}

    def place(location: dict[str, Any]) -> Any:
        span = location.get("dimensionRange")
        if span is None:
            return {k: titles.get(v, v) if k == "sheetId" else v for k, v in location.items()}
        title = titles[int(span.get("sheetId", 0))]
        if span["dimension"] != "COLUMNS":
            return [title, span["dimension"], span.get("startIndex"), span.get("endIndex")]
        header = (cells_of.get(title) or [[]])[0]
        names = [str(header[i]) if i < len(header) else "" for i in range(span["startIndex"], span["endIndex"])]
        return [title, "COLUMNS", names]

    found = live.sheets.spreadsheets().developerMetadata().search(spreadsheetId=sid, body={"dataFilters": [
        {"developerMetadataLookup": {"metadataKey": key}} for key in ZEUES_KEYS]}).execute()
    metadata = sorted(
        json.dumps([place(md.get("location", {})), md["metadataKey"], md.get("metadataValue")], sort_keys=True,
                   ensure_ascii=False)
        for md in (m["developerMetadata"] for m in found.get("matchedDeveloperMetadata", [])))
    rows = [(h["migration_id"], h["checksum"], h["action"], h["status"]) for h in history(live, sid)]
    return {"sheets": sheets, "metadata": metadata, "history": rows}


def why(run: Run) -> str:
    """What a failed try said: its exit code, error code and message, the end of its progress lines."""
    error = (run.doc or {}).get("error") or {}
    return f"exit {run.code}: {error.get('code')}: {error.get('message')}\n{run.stderr[-1500:]}"


def spreadsheet_titles(live: Live, ids: list[str]) -> dict[str, str]:
    titles = {}
    for sid in ids:
        got = live.sheets.spreadsheets().get(spreadsheetId=sid, fields="properties.title").execute()
        titles[sid] = str(got["properties"]["title"])
    return titles


def backups_of(titles: dict[str, str], title: str) -> list[str]:
    """The spreadsheets named as backups of the one titled `title` (each scenario's title is its own)."""
    return [sid for sid, name in titles.items() if name.startswith(title + BACKUP_MARKER)]


def retitle(live: Live, sid: str, title: str) -> None:
    live.batch_update(sid, [{"updateSpreadsheetProperties": {"properties": {"title": title}, "fields": "title"}}])


def diff(a: Any, b: Any, path: str = "", limit: int = 12) -> list[str]:
    """Where two observations differ (the first `limit` places), for an assertion message."""
    out: list[str] = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                out.append(f"{path}/{k}: {'missing' if k not in a else repr(a[k])[:300]} != "
                           f"{'missing' if k not in b else repr(b[k])[:300]}")
            else:
                out += diff(a[k], b[k], f"{path}/{k}", limit)
            if len(out) >= limit:
                break
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, f"{path}[{i}]", limit)
            if len(out) >= limit:
                break
    elif a != b:
        out.append(f"{path}: {repr(a)[:400]} != {repr(b)[:400]}")
    return out[:limit]
