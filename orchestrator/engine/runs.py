"""The runs — apply, rollback, restore — through ONE loop of checkpointed steps, resuming where a killed run
stopped.

    preflight -> snapshot -> backup -> verify_backup -> <the change> -> verify

`Run` owns the loop (alembic's `command` over its migration context; gh-ost's migrator driving inspector and
applier): it opens or resumes the checkpoint, skips what finished before an interruption, records each step's
typed result, calls the bridge with the operation id chosen before the first try (so a rerun replays instead
of acting twice, and a run never makes two backups), and finishes or keeps the checkpoint by the verdict. What
differs per kind is a `RunKind`: its preflight (which always runs again, against the live state), what it
snapshots, the one bridge call that changes the sheet, and how that change is verified.
"""

from __future__ import annotations

import itertools
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.contract.bridge_build import BRIDGE_BUILD_HASH
from orchestrator.domain.columns import column_letter, quote_sheet
from orchestrator.contract.errors import ErrorCode
from orchestrator.contract.sheets import HISTORY_SHEET
from orchestrator.engine.budget import archive_rows, rollback_budget
from orchestrator.engine.checkpoint import Action, CheckpointError, CheckpointStore, RunCheckpoint
from orchestrator.engine.failpoints import failpoint
from orchestrator.engine.findings import Finding, Refused, errors
from orchestrator.engine.preflight import check_apply, check_budget, check_consistency, known_migrations
from orchestrator.engine.progress import Progress
from orchestrator.engine.snapshot import (
    CellChange,
    SheetSnapshot,
    column_positions,
    compare,
    projected,
    take_snapshot,
)
from orchestrator.engine.state import LiveState, SheetInfo, find_column, read_live_state
from orchestrator.engine.verify import (
    Check,
    CopyDifference,
    VerifyReport,
    prove_copy,
    report_of,
    verify_apply,
    verify_rollback,
)
from orchestrator.google import GoogleClients
from orchestrator.google.errors import ApiError, GridChanged, ScriptError
from orchestrator.google.sheets import STRUCTURE_400_TEXTS, Row, SheetRange, SheetsReader
from orchestrator.google.script import new_op_id
from orchestrator.migrations import bridge_payload
from orchestrator.migrations.spec import AddColumns, Baseline, Migration, Operation

_R = TypeVar("_R", bound=BaseModel)  # a step's record type
BACKUP_SEARCH_PAUSE_S = 5.0  # before the second Drive search for a killed try's copy
Status = Literal["applied", "already_applied", "rolled_back", "already_rolled_back", "restored"]
# An event log's rows are identified by their `id` (a UUID4 per event: domain/events.py `MetadataEvent.id`), not
# by the event type a register_event_types operation names: a sheet with such a column is snapshotted by it.
EVENT_ID_COLUMN = "id"
COPY_DIFFERENCES_SHOWN = 5
FILLED_READ_ROWS = 20_000  # rows per read when a rollback's dry run counts the cells it archives


class RunReport(BaseModel):
    action: Action
    status: Status
    migration_id: str  # for a restore: the backup restored
    spreadsheet_id: str
    run_id: str | None = None
    resumed: bool = False
    backup_id: str | None = None  # the backup this run made before changing anything
    backup_url: str | None = None
    bridge_result: dict[str, Any] = {}
    findings: list[Finding] = []
    verification: VerifyReport | None = None
    timings: dict[str, float] = {}
    checkpoint: str | None = None


class VerificationFailed(Exception):
    def __init__(self, report: RunReport) -> None:
        self.report = report
        assert report.verification is not None
        super().__init__("verification failed: " + "; ".join(
            f"{c.name} ({c.detail})" for c in report.verification.failed))


@dataclass
class Target:
    clients: GoogleClients
    spreadsheet_id: str
    store: CheckpointStore
    progress: Progress


# -- the typed results each step records in the checkpoint ----------------------------------------------------

class _Record(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class Snapshots(_Record):
    sheets: dict[str, SheetSnapshot]


class BackupMade(_Record):
    backup_id: str = Field(alias="backupId")
    backup_url: str | None = Field(default=None, alias="backupUrl")


class BackupVerified(_Record):
    concurrent_changes: int = Field(alias="concurrentChanges")


class BridgeDone(_Record):
    result: dict[str, Any]


class Verified(_Record):
    status: str


class Plan(_Record):
    """What the preflight decided, kept for the rest of the run: the sheets to snapshot, by key column."""

    keys: dict[str, int]


def deployed_bridge(clients: GoogleClients) -> dict[str, Any]:
    """What the deployed bridge says of itself: version, build hash, time zone, migrations."""
    return clients.script.run("bridgeInfo", {"opId": new_op_id()})


def check_bridge(clients: GoogleClients) -> Finding | None:
    """The deployed bridge must be the one this orchestrator was built with."""
    return stale_bridge(deployed_bridge(clients))


def stale_bridge(info: dict[str, Any]) -> Finding | None:
    if info.get("buildHash") != BRIDGE_BUILD_HASH:
        return Finding(level="error", code=ErrorCode.STALE_BRIDGE, message=(
            f"the deployed bridge (version {info.get('version')}, build {str(info.get('buildHash'))[:19]}…) is not "
            f"this checkout's ({BRIDGE_BUILD_HASH[:19]}…); deploy it: `npx clasp push --force` then "
            "`npx clasp update-deployment <deployment id>`"))
    return None


class RunKind(ABC):
    """One kind of run: what differs between apply, rollback and restore."""

    action: Action
    change_step: str  # the name of the step that changes the sheet (its opId is chosen at the start)
    change_note: str
    plan_type: type[Plan] = Plan

    def __init__(self, key: str) -> None:
        self.key = key  # the migration id, or the backup id of a restore

    @abstractmethod
    def preflight(self, run: Run, state: LiveState) -> RunReport | None:
        """Check the live state (every time, also on a resumed run), opening the run with `run.open(...)` when it
        goes on; an early report ends it (e.g. nothing to do). Raises Refused."""

    @abstractmethod
    def plan(self, run: Run, state: LiveState) -> Plan:
        """What the rest of the run works from, recorded once: the snapshot sheets and the kind's own data."""

    @abstractmethod
    def backup_label(self) -> str: ...

    @abstractmethod
    def change(self, run: Run, plan: Plan) -> tuple[str, dict[str, Any]]:
        """The bridge function and request (without opId) of the change step."""

    @abstractmethod
    def verify(self, run: Run, plan: Plan, snapshots: dict[str, SheetSnapshot], result: dict[str, Any]) -> VerifyReport:
        ...


class Run:
    """The loop: the same steps for every kind, each checkpointed and skipped when a rerun finds it done."""

    def __init__(self, target: Target, kind: RunKind, *, discard_checkpoint: bool = False,
                 dry_run: bool = False) -> None:
        self.target, self.kind, self.discard = target, kind, discard_checkpoint
        # A dry run goes through the same preflight and plan, against an interrupted run's checkpoint when there
        # is one, but writes no checkpoint: what it says is what `--execute` would decide.
        self.dry_run = dry_run
        self.clients, self.progress, self.spreadsheet_id = target.clients, target.progress, target.spreadsheet_id
        self.checkpoint: RunCheckpoint | None = None
        self.superseded: str | None = None  # the run id of the checkpoint discarded to start this one
        self.resumed = False
        self.title = ""
        self.report = RunReport(action=kind.action, status="applied", migration_id=kind.key,
                                spreadsheet_id=target.spreadsheet_id)

    # -- checkpoint -----------------------------------------------------------------------------------------
    def existing(self) -> RunCheckpoint | None:
        """The interrupted run of this kind and key, if any (None when asked to discard it)."""
        if self.discard:
            return None
        return self.target.store.load(self.spreadsheet_id, self.kind.action, self.kind.key)

    def open(self, checksum: str) -> RunCheckpoint:
        """Resume the interrupted run (its checksum must still hold) or start one, choosing the opIds."""
        store, sid, action, key = self.target.store, self.spreadsheet_id, self.kind.action, self.kind.key
        if self.dry_run:
            found = self.existing()
            if found is not None and found.migration_checksum != checksum:
                raise Refused([Finding(level="error", code=ErrorCode.CHECKSUM, message=(
                    f"the run in progress ({found.run_id}) was for {action} {key} with checksum "
                    f"{found.migration_checksum}; it is now {checksum}"))])
            self.resumed = found is not None
            self.checkpoint = found or RunCheckpoint(run_id="dry-run", action=action, spreadsheet_id=sid,
                                                     migration_id=key, migration_checksum=checksum,
                                                     created_at=datetime.now(timezone.utc), op_ids={})
            return self.checkpoint
        if self.discard:
            try:
                old = store.load(sid, action, key)
            except CheckpointError:
                old = None  # unreadable: its run id is unknown, its claim lapses on its own (Backup.js)
            self.superseded = old.run_id if old else None
            store.discard(sid, action, key)
        checkpoint = store.load(sid, action, key)
        if checkpoint is not None and checkpoint.migration_checksum != checksum:
            raise Refused([Finding(level="error", code=ErrorCode.CHECKSUM, message=(
                f"the run in progress ({checkpoint.run_id}) was for {action} {key} with checksum "
                f"{checkpoint.migration_checksum}; it is now {checksum}"))])
        self.resumed = checkpoint is not None
        self.checkpoint = checkpoint or store.start(sid, action, key, checksum, ["backup", self.kind.change_step])
        self.report.run_id, self.report.resumed = self.checkpoint.run_id, self.resumed
        self.report.checkpoint = str(store.path(sid, action, key))
        return self.checkpoint

    def drop_unstarted(self) -> None:
        """A run stopped before its first step (refused in preflight): nothing happened and no opId was sent, so
        its checkpoint records nothing and is removed — `doctor` and `status` would report it as a run in flight."""
        if self.dry_run or self.checkpoint is None or self.checkpoint.steps:
            return
        self.target.store.path(self.spreadsheet_id, self.kind.action, self.kind.key).unlink(missing_ok=True)
        self.report.checkpoint = None

    def set_aside(self) -> None:
        """Nothing of this run happened and no rerun can make it happen: not left in flight."""
        self.target.store.discard(self.spreadsheet_id, self.kind.action, self.kind.key)

    def done(self, step: str) -> bool:
        return self.checkpoint is not None and self.checkpoint.done(step)

    def result(self, step: str, model: type[_R]) -> _R:
        assert self.checkpoint is not None
        return model.model_validate(self.checkpoint.data(step))

    def record(self, step: str, value: BaseModel) -> None:
        assert self.checkpoint is not None
        self.target.store.record(self.checkpoint, step, value.model_dump(mode="json", by_alias=True))
        failpoint(f"after:{step}")

    @property
    def run_dir(self) -> Path:
        assert self.checkpoint is not None
        return self.target.store.run_dir(self.checkpoint)

    # -- the bridge and the reads the steps share -----------------------------------------------------------
    def bridge(self, step: str, function: str, request: dict[str, Any]) -> dict[str, Any]:
        """The one bridge call of a step, with its opId chosen before the first try (a rerun replays it),
        waiting at most `lock_wait` seconds for the script lock another run holds."""
        assert self.checkpoint is not None
        failpoint(f"before:{step}")
        lock_wait_ms = round(self.clients.config.lock_wait * 1000)
        try:
            result = self.clients.script.run(function, {"opId": self.checkpoint.op_ids[step],
                                                        "spreadsheetId": self.spreadsheet_id, **request,
                                                        "lockWaitMs": lock_wait_ms})
        except ScriptError as exc:
            if exc.code == ErrorCode.IS_BACKUP:
                self.set_aside()  # aimed at a backup: nothing ran and no rerun can
            raise
        failpoint(f"reply:{step}")
        return result

    def snapshot(self, spreadsheet_id: str, state: LiveState, keys: dict[str, int], label: str) -> dict[str, SheetSnapshot]:
        """Stream every listed sheet's rows (FORMULA render) into a snapshot keyed by its key column: one stream
        of requests for all of them, the first one also reading each header row again."""
        sheets = {title: sheet for title in keys if (sheet := state.sheet(title)) is not None}
        assert len(sheets) == len(keys)
        reader = self.clients.sheets
        parts = reader.read_sheets(spreadsheet_id, [
            *(SheetRange(sheet=t, grid=s.grid, columns=s.grid.columns, first_row=1, last_row=1)
              for t, s in sheets.items()),
            *(SheetRange(sheet=t, grid=s.grid, columns=len(s.header), row_bytes=s.row_bytes)
              for t, s in sheets.items())])
        # The headers as the snapshot's first request finds them: a column inserted or deleted since the preflight
        # read them moves every cell the snapshot would file under a header name.
        for (title, sheet), part in zip(sheets.items(), parts):
            now = next(iter(part), [[]])[0]
            if not _same_header(now, sheet.header):
                raise Refused([Finding(level="error", code=ErrorCode.DRIFT, message=(
                    f"the header of {title} changed while the run started (now {[str(c) for c in now]}, it was "
                    f"{sheet.header}); nothing was changed — look at the sheet, then run the same command again with "
                    "--discard-checkpoint (this run was planned for the old header)"))])
        snapshots = {}
        requests: dict[str, int] = {}
        for (title, sheet), part in zip(sheets.items(), parts[len(sheets):]):
            chunks = _counted(self.progress.rows(f"{label} {title}", part), requests, title)
            snapshots[title] = take_snapshot(title, sheet.header, keys[title], chunks,
                                             self.run_dir / f"{label}-{title}.jsonl")
        if all(n <= 1 for n in requests.values()):
            return snapshots  # each sheet in one request: nothing can have moved between two of its chunks
        # A deletion made while the chunks were read is refused by Google only when a later chunk starts past the
        # new grid; one that leaves it inside is clipped and the snapshot silently torn (rows shifted up between
        # chunks). One more read of the grids after the last chunk catches both: a grid that shrank is a
        # structure change mid-read. Growth is normal (the backend appends rows).
        grids = reader.grids(spreadsheet_id)
        for title in keys:
            was, now_grid = sheets[title], grids.get(title)
            if now_grid is None or now_grid.rows < was.grid.rows or now_grid.columns < was.grid.columns:
                raise GridChanged("the grid shrank while the snapshot was read", sheet=title, expected=was.grid.size,
                                  found=now_grid.size if now_grid else None, status=None)
        return snapshots

    def read_headed(self, spreadsheet_id: str, snapshots: dict[str, SheetSnapshot]) -> dict[str, Iterator[list[Row]]]:
        """Every sheet of `snapshots` as it is now in `spreadsheet_id`, its rows from row 1 (the header), to be
        consumed in order (`_headed`); a sheet that is not there is left out. Sheets as small as their snapshots
        say are read whole without measuring their grids first: one request for all of them. Others, or all of
        them when one is gone, are read inside the grids read first."""
        reader = self.clients.sheets
        policy = reader.chunks
        sizes = {t: Path(s.spill).stat().st_size for t, s in snapshots.items()}  # the sheets' rows, as JSON
        if sum(sizes.values()) <= policy.target_bytes and all(s.data_rows + 1 < policy.max_rows
                                                               for s in snapshots.values()):
            parts = reader.read_sheets(spreadsheet_id, [
                SheetRange(sheet=t, grid=None, columns=s.width, first_row=1, expected_rows=s.data_rows + 1,
                           row_bytes=max(sizes[t] / max(s.data_rows, 1), 1.0)) for t, s in snapshots.items()])
            try:
                first = next(parts[0])  # the one request, for every sheet
            except ApiError as exc:
                if exc.status != 400 or not any(text in exc.message for text in STRUCTURE_400_TEXTS):
                    raise  # anything but a sheet that is gone (or renamed) since the snapshot
            else:
                parts[0] = itertools.chain([first], parts[0])
                return dict(zip(snapshots, parts))
        grids = reader.grids(spreadsheet_id)
        there = [t for t in snapshots if t in grids and grids[t].holds(1)]
        parts = reader.read_sheets(spreadsheet_id, [
            SheetRange(sheet=t, grid=grids[t], columns=grids[t].columns, first_row=1,
                       row_bytes=max(sizes[t] / max(snapshots[t].data_rows, 1), 1.0)) for t in there])
        return dict(zip(there, parts))

    # -- the loop -------------------------------------------------------------------------------------------
    def execute(self, state: LiveState | None = None) -> RunReport:
        """Run the loop. `state`: the live state the caller read just before, when nothing can have changed it
        since (a rehearsal's fresh copy): the preflight judges it instead of reading it again."""
        progress, kind = self.progress, self.kind
        progress.begin_run()
        progress.step("preflight")
        state = state or read_live_state(self.clients.sheets, self.spreadsheet_id)
        self.title = state.title  # backups are found by name, which starts with it
        try:
            early = kind.preflight(self, state)
            if early is None and not self.done("preflight"):
                self.record("preflight", kind.plan(self, state))
        except BaseException as exc:
            progress.failed("preflight", exc)  # the run log keeps the refusal
            self.drop_unstarted()
            raise
        if early is not None:
            progress.done("preflight", early.status.replace("_", " "))
            return early.model_copy(update={"timings": progress.timings})
        plan = self.result("preflight", kind.plan_type)
        progress.done("preflight", "resumed run " + self.report.run_id if self.resumed and self.report.run_id else "")

        if self.done("snapshot"):
            progress.skip("snapshot", "taken before the interruption")
        else:
            progress.step("snapshot")
            taken = self.snapshot(self.spreadsheet_id, state, plan.keys, "snapshot")
            self.record("snapshot", Snapshots(sheets=taken))
            progress.done("snapshot", ", ".join(f"{t}: {s.data_rows:,} rows, {s.keyed_rows:,} keys"
                                                for t, s in taken.items()))
        snapshots = self.result("snapshot", Snapshots).sheets

        self._backup(snapshots)

        step = kind.change_step
        if self.done(step):
            progress.skip(step, "done before the interruption")
        else:
            progress.step(step, kind.change_note)
            function, request = kind.change(self, plan)
            result = self.bridge(step, function, request)
            self.record(step, BridgeDone(result=result))
            progress.done(step, str(result.get("status")))
        self.report.bridge_result = self.result(step, BridgeDone).result
        if self.report.bridge_result.get("status") in ("already_applied", "already_rolled_back"):
            # Another run made the change first (its backup, not ours, is the one before it): say so.
            self.report.status = self.report.bridge_result["status"]

        progress.step("verify")
        verification = kind.verify(self, plan, snapshots, self.report.bridge_result)
        return self._finish(verification)

    def _backup(self, snapshots: dict[str, SheetSnapshot]) -> None:
        """Back up through the bridge (once per run), then read the copy back and compare it with the snapshot."""
        progress = self.progress
        if self.done("backup"):
            progress.skip("backup", f"made before the interruption: {self.result('backup', BackupMade).backup_id}")
        else:
            progress.step("backup")
            made = self._make_backup()
            self.record("backup", BackupMade.model_validate(made))
            progress.done("backup", str(made["backupId"]))
        made_record = self.result("backup", BackupMade)
        self.report.backup_id, self.report.backup_url = made_record.backup_id, made_record.backup_url

        if self.done("verify_backup"):
            progress.skip("verify_backup", "verified before the interruption")
            return
        progress.step("verify_backup", "reading the live sheet, then the copy back")
        backup_id = made_record.backup_id
        concurrent = 0
        bad: list[CopyDifference] = []
        # The live sheet read right after the copy: a write made after the snapshot is in the copy and here, one
        # made after the copy in neither the copy nor the snapshot; a copy cell in neither is a damaged copy.
        live = self.read_headed(self.spreadsheet_id, snapshots)
        after: dict[str, SheetSnapshot] = {}
        live_headers: dict[str, list[str]] = {}
        for title, snapshot in snapshots.items():
            header, chunks = _headed(live[title], snapshot.header) if title in live else ([], iter(()))
            live_headers[title] = header
            after[title] = take_snapshot(title, snapshot.header, snapshot.key_index, projected(
                progress.rows(f"live {title}", chunks, snapshot.data_rows), column_positions(snapshot.header, header)),
                self.run_dir / f"after-backup-{title}.jsonl")
        # The copy read on its own: it was made after the snapshot, so rows deleted in between are not in it, and a
        # read built from the snapshot's row count alone could start past its grid.
        copied_rows = self.read_headed(backup_id, snapshots)
        for title, snapshot in snapshots.items():
            got, chunks = _headed(copied_rows[title], snapshot.header) if title in copied_rows else ([], iter(()))
            # A column appended after the snapshot and before the copy is in the live sheet's header too.
            now = live_headers[title]
            if title not in copied_rows or got != snapshot.header and not (
                    now and got == now and _extends_header(now, snapshot.header)):
                raise Refused([Finding(level="error", code=ErrorCode.BACKUP_MISMATCH, message=(
                    f"the backup {backup_id} ({made_record.backup_url or 'no link'}) of {title} does not have the "
                    "header the snapshot saw; the backup is not trustworthy, so nothing was changed — run again with "
                    "--discard-checkpoint"))])
            copied = take_snapshot(title, snapshot.header, snapshot.key_index,
                                   progress.rows(f"backup {title}", chunks, snapshot.data_rows),
                                   self.run_dir / f"backup-{title}.jsonl")
            wrong, changes = prove_copy(snapshot, after[title], copied)
            bad += wrong
            concurrent += changes
        if bad:
            raise Refused([Finding(level="error", code=ErrorCode.BACKUP_MISMATCH, message=(
                f"the backup {backup_id} ({made_record.backup_url or 'no link'}) is not a copy of the sheet that was "
                f"snapshotted: {len(bad):,} cells equal neither the snapshot nor the live sheet read right after the "
                "copy, e.g. " + "; ".join(_difference(d) for d in bad[:COPY_DIFFERENCES_SHOWN]) +
                " — nothing was changed. Run again with --discard-checkpoint to make a new backup (the bad copy "
                "stays in Drive: look at it, then delete it)"))])
        self.record("verify_backup", BackupVerified(concurrent_changes=concurrent))
        progress.done("verify_backup",
                      f"equal to the snapshot{f' but for {concurrent} concurrent cell changes' if concurrent else ''}")

    def _make_backup(self) -> dict[str, Any]:
        """The bridge's backup, made once even when an earlier try was killed between the copy and its record:
        the bridge then answers `backup_unconfirmed` (it has no Drive access), this run looks for the copy by its
        exact name through Drive and has the bridge adopt it — or, when none exists after a second look (Drive's
        search can lag a file just made), lets it copy. Protocol: docs/bridge.md, "Backups are made once"."""
        assert self.checkpoint is not None
        # What the backup is for: the bridge refuses it while another run's change of the sheet is begun and not
        # finished (ZEUES_CHANGE_IN_PROGRESS), so two operators never both back up and change (Backup.js).
        purpose = {"action": self.kind.action, "migrationId": self.kind.key, "runId": self.checkpoint.run_id,
                   "changeOpId": self.checkpoint.op_ids[self.kind.change_step]}
        if self.superseded:  # the run this one replaces (--discard-checkpoint) no longer holds the change
            purpose["supersedes"] = self.superseded
        request: dict[str, Any] = {"label": self.kind.backup_label(), "purpose": purpose}
        made = self.bridge("backup", "backupSpreadsheet", request)
        for pause in (0.0, BACKUP_SEARCH_PAUSE_S):
            if made.get("status") != "backup_unconfirmed":
                return made
            time.sleep(pause)
            copy = self.clients.drive.find_backup(self.title, str(made["name"]))
            if copy is not None:
                self.progress.done("backup", f"found the copy an interrupted try made: {copy}")
                return self.bridge("backup", "backupSpreadsheet", {**request, "adoptCopyId": copy})
        return self.bridge("backup", "backupSpreadsheet", {**request, "adoptCopyId": None, "confirmNoCopy": True})

    def _finish(self, verification: VerifyReport) -> RunReport:
        """Record the verdict; a failed verification keeps the checkpoint (and raises), a passed one retires it."""
        assert self.checkpoint is not None
        self.record("verify", Verified(status=verification.status))
        self.progress.done("verify", f"{verification.status}: {verification.rows_checked:,} rows, "
                                     f"{verification.cells_checked:,} cells")
        self.report.verification = verification
        self.report.timings = self.progress.timings
        if verification.status == "failed":
            raise VerificationFailed(self.report)
        self.report.checkpoint = str(self.target.store.finish(self.checkpoint))
        return self.report


def _difference(d: CopyDifference) -> str:
    return (f"{d.sheet} row {d.row} ({d.key or 'no key'}) {d.column}: snapshot {d.snapshot!r}, live {d.live!r}, "
            f"backup {d.backup!r}")


def _extends(sheet: SheetInfo | None, planned: list[str]) -> bool:
    """Whether the live header is the planned one with named columns appended after it."""
    return sheet is not None and _extends_header(sheet.header, planned)


def _extends_header(header: list[str], planned: list[str]) -> bool:
    return header[:len(planned)] == planned and all(h.strip() for h in header[len(planned):])


def _headed(chunks: Iterator[list[Row]], known: list[str]) -> tuple[list[str], Iterator[list[Row]]]:
    """A read from row 1 split into the header and the rows from row 2. The read renders formulas, the header
    names were read formatted (`known`): a cell that is a number or a formula keeps the known name at its place."""
    for chunk in chunks:
        if chunk:
            header = [c if isinstance(c, str) and not c.startswith("=") else known[i] if i < len(known) else str(c)
                      for i, c in enumerate(chunk[0])]
            return header, itertools.chain([chunk[1:]], chunks)
    return [], iter(())


def _same_header(cells: list[Any], header: list[str]) -> bool:
    """Whether a FORMULA-rendered header row is the one the preflight read (formatted): as wide, and every plain
    text cell the same (a formula or a number renders differently, not a different column)."""
    row = list(cells)
    while row and row[-1] in ("", None):
        row.pop()
    return len(row) == len(header) and all(str(c) == h for c, h in zip(row, header)
                                           if isinstance(c, str) and not c.startswith("="))


def _counted(chunks: Iterator[list[Row]], counts: dict[str, int], title: str) -> Iterator[list[Row]]:
    """`chunks`, counting them in `counts[title]`: each chunk of a read is one request."""
    counts[title] = 0
    for chunk in chunks:
        counts[title] += 1
        yield chunk


def snapshot_keys(operations: list[Operation], state: LiveState) -> dict[str, int]:
    """The key column of each sheet the operations touch: an added column's `key_column`, or for an event log
    its `id` (the event type column when it has none)."""
    keys: dict[str, int] = {}
    for op in operations:
        sheet = state.sheet(op.sheet)
        if sheet is None:
            continue
        at = (find_column(sheet.header, op.key_column) if isinstance(op, AddColumns) else
              find_column(sheet.header, EVENT_ID_COLUMN) if find_column(sheet.header, EVENT_ID_COLUMN) is not None
              else find_column(sheet.header, op.column))
        if at is not None:
            keys.setdefault(op.sheet, at)
    return keys


# -- apply ----------------------------------------------------------------------------------------------------

class ApplyPlan(Plan):
    headers: dict[str, list[str]]  # the headers the snapshot saw: the bridge refuses if they changed


class ApplyKind(RunKind):
    action: Action = "apply"
    change_step = "apply"
    plan_type = ApplyPlan

    def __init__(self, migration: Migration, baseline: Baseline, known: list[Migration]) -> None:
        super().__init__(migration.id)
        self.migration, self.baseline, self.known = migration, baseline, known
        self.change_note = f"one atomic batchUpdate for {migration.id}"
        self.applied_before: list[Migration] = []
        self.expected_headers: dict[str, list[str]] | None = None  # a resumed run's: the headers as it found them

    def preflight(self, run: Run, state: LiveState) -> RunReport | None:
        migration = self.migration
        run.open(migration.checksum)
        self.applied_before = [m for m in self.known if m.id in {r.migration_id for r in state.applied()}
                               and m.id != migration.id]
        if run.done("apply"):
            return None
        findings = check_apply(state, migration, backed_up=run.done("backup"))
        already = any(f.code == "ALREADY_APPLIED" for f in findings)
        if already and not run.done("backup"):
            run.set_aside()  # nothing of this run happened, and nothing needs to
            return run.report.model_copy(update={"status": "already_applied", "findings": findings, "run_id": None,
                                                 "checkpoint": None})
        if not already:
            bridge = check_bridge(run.clients)
            findings += [bridge] if bridge else []
            if run.done("preflight"):
                # Resuming before the apply: the headers must still be those the snapshot saw.
                planned = run.result("preflight", ApplyPlan).headers
                drifted = [t for t, h in planned.items() if (s := state.sheet(t)) is None or s.header != h]
                # A column appended after the planned header moves no planned cell: not drift. The bridge is sent
                # the header as it is now (the new columns go after it) and the verification names the column.
                drifted = [t for t in drifted if not _extends(state.sheet(t), planned[t])]
                self.expected_headers = {t: s.header for t in planned if (s := state.sheet(t)) is not None}
                if drifted:
                    findings.append(Finding(level="error", code=ErrorCode.DRIFT, message=(
                        f"the header of {', '.join(drifted)} changed since this run's snapshot; nothing was "
                        "applied — start over with --discard-checkpoint")))
            if errors(findings):
                raise Refused(findings)
        run.report.findings = findings
        return None

    def plan(self, run: Run, state: LiveState) -> ApplyPlan:
        headers = {op.sheet: s.header for op in self.migration.operations if (s := state.sheet(op.sheet)) is not None}
        return ApplyPlan(keys=snapshot_keys(self.migration.operations, state), headers=headers)

    def backup_label(self) -> str:
        return "before " + self.migration.id

    def change(self, run: Run, plan: Plan) -> tuple[str, dict[str, Any]]:
        assert isinstance(plan, ApplyPlan)
        return "applyMigration", {"migration": bridge_payload(self.migration),
                                  "baseline": self.baseline.model_dump(mode="json"),
                                  "expectedHeaders": self.expected_headers or plan.headers}

    def verify(self, run: Run, plan: Plan, snapshots: dict[str, SheetSnapshot], result: dict[str, Any]) -> VerifyReport:
        return verify_apply(run.clients.sheets, run.spreadsheet_id, self.migration, self.baseline,
                            self.applied_before, snapshots)


def apply_migration(target: Target, migration: Migration, baseline: Baseline, known: list[Migration],
                    *, discard_checkpoint: bool = False, state: LiveState | None = None) -> RunReport:
    """Apply `migration`, resuming a killed run (`state`: see `Run.execute`)."""
    return Run(target, ApplyKind(migration, baseline, known), discard_checkpoint=discard_checkpoint).execute(state)


# -- rollback -------------------------------------------------------------------------------------------------

class RollbackPlan(Plan):
    widths: dict[str, int]  # per sheet, the first column the migration added: the old header's width
    still_applied: list[str] = Field(alias="stillApplied")
    # per sheet, where the columns the rollback removes stand (by their tags: humans may add columns after them);
    # empty in a checkpoint written before it was recorded (then they are `widths` onwards)
    removed: dict[str, list[int]] = {}


class RollbackKind(RunKind):
    action: Action = "rollback"
    change_step = "rollback"
    change_note = "one atomic batchUpdate"
    plan_type = RollbackPlan

    def __init__(self, migration_id: str, baseline: Baseline, known: list[Migration]) -> None:
        super().__init__(migration_id)
        self.baseline, self.known = baseline, known
        self.columns: list[dict[str, Any]] = []
        self.archived_rows = 0  # the rows with a value the bridge archives (budget.archive_rows)

    def preflight(self, run: Run, state: LiveState) -> RunReport | None:
        migration_id = self.key
        applied = state.applied()
        last = last_applied_note(state)
        row = next((r for r in applied if r.migration_id == migration_id), None)
        existing = run.existing()
        # The history must agree with the live structure (a lost or forged one: `repair`), before any backup.
        inconsistent = [] if existing and existing.done("rollback") else check_consistency(
            state, known_migrations(*self.known), rolling_back=migration_id)
        if inconsistent:
            raise Refused(inconsistent)
        if row is None and existing is None:
            if state.ever_applied(migration_id):
                return run.report.model_copy(update={"status": "already_rolled_back"})
            what = ("is the baseline schema, which no migration created" if migration_id == self.baseline.version
                    else f"was never applied to {state.title!r}")
            raise Refused([Finding(level="error", code=ErrorCode.NOT_FOUND, message=(
                f"migration {migration_id} {what}; nothing was changed — {last}"))])
        checkpoint = run.open(row.checksum if row else existing.migration_checksum if existing else "")
        run.report.status = "rolled_back"
        if run.done("rollback"):
            return None
        if row is None:
            # Killed between the bridge's rollback and its checkpoint: the call replays under the same opId.
            # Not applied for another reason (a rollback from the menu): this run cannot go on.
            if not any(r.operation_id == checkpoint.op_ids["rollback"] for r in state.history):
                raise Refused([Finding(level="error", code=ErrorCode.NOT_FOUND, message=(
                    f"migration {migration_id} is no longer applied, but not by this run ({checkpoint.run_id}); "
                    "see `zeues-migrate history`, then rerun with --discard-checkpoint"))])
            return None
        findings: list[Finding] = []
        if applied[-1].migration_id != migration_id:
            findings.append(Finding(level="error", code=ErrorCode.ORDER, message=(
                f"migration {applied[-1].migration_id} was applied after {migration_id}; roll it back first; "
                f"nothing was changed — {last}")))
        failure = state.unresolved_failure()
        if failure:
            findings.append(Finding(level="error", code=ErrorCode.BLOCKED, message=(
                f"an earlier {failure.action} ({failure.operation_id}) is recorded as {failure.status}; inspect it "
                "with `zeues-migrate history`, then `zeues-migrate resolve`")))
        self.columns = list(row.result.get("columns", []))
        for column in self.columns:
            tag = next((t for t in state.tags if t.sheet == column["sheet"] and t.name == column["name"]
                        and t.migration == migration_id), None)
            sheet = state.sheet(column["sheet"])
            at = find_column(sheet.header, column["name"]) if sheet else None
            if tag is None or at != tag.column:
                findings.append(Finding(level="error", code=ErrorCode.CONFLICT, message=(
                    f"{column['sheet']} column {column['name']!r}: tag at {tag.column if tag else 'none'}, header "
                    f"at {at if at is not None else 'none'} — the tags and the header disagree; fix the columns by "
                    "hand or restore a backup")))
        if not errors(findings):
            # What the bridge deletes (every column tagged with the migration) and archives (their rows with a value).
            tagged = [(t.sheet, t.column) for t in state.tags if t.migration == migration_id]
            keys = {c["sheet"]: at for c in self.columns if (sheet := state.sheet(c["sheet"])) is not None
                    and (at := find_column(sheet.header, c.get("keyColumn") or "")) is not None}
            self.archived_rows = archive_rows(run.clients.sheets, state, tagged)
            budget = rollback_budget(state, tagged, self.archived_rows,
                                     key_columns=keys, backed_up=run.done("backup"))
            findings += check_budget(state, budget, f"rolling back {migration_id}",
                                     "; nothing was changed — then run the rollback again")
        bridge = check_bridge(run.clients)
        findings += [bridge] if bridge else []
        if errors(findings):
            raise Refused(findings)
        run.report.findings = findings
        return None

    def plan(self, run: Run, state: LiveState) -> RollbackPlan:
        widths: dict[str, int] = {}
        keys: dict[str, int] = {}
        for column in self.columns:
            sheet = state.sheet(column["sheet"])
            at = find_column(sheet.header, column["name"]) if sheet else None
            key = find_column(sheet.header, column.get("keyColumn", "")) if sheet else None
            if at is None or key is None:  # preflight checked both: a header that changed since is drift
                raise Refused([Finding(level="error", code=ErrorCode.DRIFT, message=(
                    f"{column['sheet']}: column {column['name']!r} or its key column is no longer in the header; "
                    "nothing was changed — look at the sheet, then run the rollback again"))])
            widths[column["sheet"]] = min(widths.get(column["sheet"], at), at)
            keys[column["sheet"]] = key
        removed: dict[str, list[int]] = {}
        for tag in state.tags:
            if tag.migration == self.key:
                removed.setdefault(tag.sheet, []).append(tag.column)
        # The other sheets the migration changed (Metadata's registry) are snapshotted and verified too, as apply
        # does: a write the backend makes to them meanwhile is reported.
        migration = next((m for m in self.known if m.id == self.key), None)
        for title, at in snapshot_keys(migration.operations if migration else [], state).items():
            keys.setdefault(title, at)
        return RollbackPlan(keys=keys, widths=widths, still_applied=[r.migration_id for r in state.applied()[:-1]],
                            removed={t: sorted(c) for t, c in removed.items()})

    def backup_label(self) -> str:
        return "before rollback " + self.key

    def change(self, run: Run, plan: Plan) -> tuple[str, dict[str, Any]]:
        return "rollbackMigration", {"migrationId": self.key, "backupId": run.report.backup_id}

    def verify(self, run: Run, plan: Plan, snapshots: dict[str, SheetSnapshot], result: dict[str, Any]) -> VerifyReport:
        assert isinstance(plan, RollbackPlan)
        by_id = {m.id: m for m in self.known}
        still = [by_id[i] for i in plan.still_applied if i in by_id]
        return verify_rollback(run.clients.sheets, run.spreadsheet_id, self.key, self.baseline, still, snapshots,
                               plan.widths, str(result.get("archiveSheet", "")), plan.removed or None,
                               typed if isinstance(typed := result.get("typedDuringRollback"), list) else None)


def rollback_migration(target: Target, migration_id: str, baseline: Baseline, known: list[Migration],
                       *, discard_checkpoint: bool = False) -> RunReport:
    """Roll back the last applied migration, resuming a killed run."""
    return Run(target, RollbackKind(migration_id, baseline, known), discard_checkpoint=discard_checkpoint).execute()


def last_applied_note(state: LiveState) -> str:
    """What a refused rollback names: the migration `zeues-migrate rollback` (no id) would roll back."""
    applied = state.applied()
    if not applied:
        return "no migration is applied, so there is nothing to roll back"
    return (f"the last applied is {applied[-1].migration_id}: `zeues-migrate rollback` (or `zeues-migrate rollback "
            f"{applied[-1].migration_id}`) rolls it back")


def rollback_target(state: LiveState, store: CheckpointStore, requested: str | None) -> str:
    """The migration a rollback is for: the one asked for, else an interrupted rollback's (a rerun must resume
    it, not roll back the one before), else the last applied."""
    if requested:
        return requested
    in_flight = [r.key for r in store.in_flight(state.spreadsheet_id) if r.action == "rollback"]
    if in_flight:
        return in_flight[0]
    applied = state.applied()
    if not applied:
        raise Refused([Finding(level="error", code=ErrorCode.NOT_FOUND, message=(
            f"nothing was changed — {last_applied_note(state)}"))])
    return applied[-1].migration_id


class RollbackPreview(BaseModel):
    """What `rollback` without --execute says, from the same preflight and plan the run uses."""

    migration_id: str
    spreadsheet_id: str
    title: str
    status: Literal["would_roll_back", "already_rolled_back", "would_resume"]
    columns: list[dict[str, str]] = []  # {"sheet", "column" (letter), "name"}: the columns removed
    filled_cells: int = 0  # the cells with a value in them, which move into the archive sheet
    archived_rows: int = 0
    backup: str = ""  # the backup to be made first (or the one an interrupted run made)
    still_applied: list[str] = []
    findings: list[Finding] = []


def preview_rollback(target: Target, migration_id: str, baseline: Baseline, known: list[Migration],
                     *, discard_checkpoint: bool = False) -> RollbackPreview:
    """The rollback's preflight and plan without changing anything or writing a checkpoint: refuses exactly as
    `--execute` would (same code, same message)."""
    kind = RollbackKind(migration_id, baseline, known)
    run = Run(target, kind, dry_run=True, discard_checkpoint=discard_checkpoint)
    state = read_live_state(target.clients.sheets, target.spreadsheet_id)
    early = kind.preflight(run, state)
    preview = RollbackPreview(migration_id=migration_id, spreadsheet_id=target.spreadsheet_id, title=state.title,
                              status="already_rolled_back" if early is not None else
                              "would_resume" if run.resumed else "would_roll_back", findings=run.report.findings)
    if early is not None:
        return preview
    if run.done("backup"):
        preview.backup = f"made before the interruption: {run.result('backup', BackupMade).backup_id}"
    else:
        preview.backup = f"a copy of the whole spreadsheet, {kind.backup_label()!r}, made and verified first"
    if run.done("rollback") or not kind.columns:
        return preview
    plan = run.result("preflight", RollbackPlan) if run.done("preflight") else kind.plan(run, state)
    preview.still_applied = plan.still_applied
    removed = [(t.sheet, t.column, t.name) for t in state.tags if t.migration == migration_id]
    preview.columns = [{"sheet": sheet, "column": column_letter(at), "name": name}
                       for sheet, at, name in sorted(removed)]
    preview.archived_rows = kind.archived_rows
    preview.filled_cells = filled_cells(target.clients.sheets, state, [(s, c) for s, c, _ in removed])
    return preview


def filled_cells(reader: SheetsReader, state: LiveState, columns: list[tuple[str, int]]) -> int:
    """The cells from row 2 down with a value (a formula counts) in the columns `(sheet, 0-based column)`: what a
    rollback moves into its archive sheet."""
    total = 0
    for title in sorted({sheet for sheet, _ in columns}):
        info = state.sheet(title)
        if info is None:
            continue
        indexes = [c for sheet, c in columns if sheet == title]
        for first in range(2, info.row_count + 1, FILLED_READ_ROWS):
            last = min(first + FILLED_READ_ROWS - 1, info.row_count)
            ranges = [f"{quote_sheet(title)}!{column_letter(c)}{first}:{column_letter(c)}{last}" for c in indexes]
            for got in reader.values_batch_get(state.spreadsheet_id, ranges, "FORMULA", grids={title: info.grid}):
                total += sum(1 for row in got.get("values", []) for v in row if v != "")
    return total


# -- restore --------------------------------------------------------------------------------------------------

class RestoreKind(RunKind):
    """A whole backup written back into the live spreadsheet (same id), after a backup of what it replaces; then
    every cell of the live spreadsheet is compared with the backup's, read independently."""

    action: Action = "restore"
    change_step = "restore"
    change_note = "one atomic batchUpdate writing the backup's contents"

    def preflight(self, run: Run, state: LiveState) -> RunReport | None:
        run.open(self.key)  # the backup id is the run's identity: a rerun restores the same backup
        run.report.status = "restored"
        if run.done("restore"):
            return None
        findings: list[Finding] = []
        if self.key == run.spreadsheet_id:
            findings.append(Finding(level="error", code=ErrorCode.INVALID_REQUEST, message=(
                "the backup id is the live spreadsheet itself; give the id of a backup (`zeues-migrate backups`)")))
        bridge = check_bridge(run.clients)
        findings += [bridge] if bridge else []
        if errors(findings):
            run.set_aside()
            raise Refused(findings)
        return None

    def plan(self, run: Run, state: LiveState) -> Plan:
        # Every sheet the restore replaces is snapshotted (and its backup proven) first.
        return Plan(keys={s.title: 0 for s in state.sheets if s.title != HISTORY_SHEET and s.header})

    def backup_label(self) -> str:
        return "before restore"

    def change(self, run: Run, plan: Plan) -> tuple[str, dict[str, Any]]:
        return "restoreBackup", {"backupId": self.key, "force": True}

    def verify(self, run: Run, plan: Plan, snapshots: dict[str, SheetSnapshot], result: dict[str, Any]) -> VerifyReport:
        """The live spreadsheet equals the backup but for the history sheet and the hold (the live sheet's own):
        the same sheets and no other, each with the backup's grid size, visibility, header and every cell, and the
        same zeues metadata (schema version, event types, column tags); both read through the Sheets API."""
        reader, live_id = run.clients.sheets, run.spreadsheet_id
        backup = read_live_state(reader, self.key)
        live = read_live_state(reader, live_id)
        kept = {HISTORY_SHEET}
        titles = [s.title for s in backup.sheets if s.title not in kept]
        extra = sorted(s.title for s in live.sheets if s.title not in kept and s.title not in titles)
        missing = [t for t in titles if live.sheet(t) is None]
        checks = [Check(name="the live spreadsheet has exactly the backup's sheets", ok=not extra and not missing,
                        detail="; ".join(([f"extra: {extra}"] if extra else []) +
                                         ([f"missing: {missing}"] if missing else [])))]
        checks.append(Check(name="schema version is the backup's", ok=live.schema_version == backup.schema_version,
                            detail=f"live {live.schema_version}, backup {backup.schema_version}"))
        checks.append(Check(name="event types are the backup's", ok=live.event_types == backup.event_types))
        now_applied = [r.migration_id for r in live.applied()]
        then_applied = [r.migration_id for r in backup.applied()]
        checks.append(Check(name="the history counts as applied what the backup's did", ok=now_applied == then_applied,
                            detail=f"live {now_applied}, backup {then_applied}"))
        tags = sorted((t.sheet, t.column, t.name, t.migration) for t in live.tags)
        want = sorted((t.sheet, t.column, t.name, t.migration) for t in backup.tags)
        checks.append(Check(name="column tags are the backup's", ok=tags == want,
                            detail="" if tags == want else f"live {len(tags)}, backup {len(want)}"))
        changes: list[CellChange] = []
        rows = cells = 0
        for title in titles:
            source, now = backup.sheet(title), live.sheet(title)
            assert source is not None
            if now is None:
                continue
            checks.append(Check(name=f"{title}: header is the backup's", ok=now.header == source.header))
            checks.append(Check(name=f"{title}: grid and visibility are the backup's",
                                ok=(now.row_count, now.column_count, now.hidden) ==
                                   (source.row_count, source.column_count, source.hidden),
                                detail=f"live {now.row_count}x{now.column_count}{' hidden' if now.hidden else ''}, "
                                       f"backup {source.row_count}x{source.column_count}"
                                       f"{' hidden' if source.hidden else ''}"))
            width = max(source.column_count, 1)  # every cell of the grid, not only under the header
            padded = source.header + [""] * (width - len(source.header))
            copied = take_snapshot(title, padded, 0, reader.iter_rows(self.key, title, source.grid, width, 2),
                                   run.run_dir / f"restored-{title}.jsonl")
            differ, live_rows = compare(copied, reader.iter_rows(live_id, title, now.grid, width, 2), width=width)
            changes += differ
            rows += live_rows
            cells += live_rows * width
        # Strict: a cell that differs is a restore that did not take or a write made after it, which nothing can
        # tell apart; either way the run is not proven (the differences are listed, the checkpoint kept).
        checks.append(Check(name="every cell equals the backup's", ok=not changes,
                            detail=f"{len(changes):,} cells differ" if changes else ""))
        return report_of(checks, rows, cells, changes)


def restore_backup(target: Target, backup_id: str, *, discard_checkpoint: bool = False) -> RunReport:
    """Restore `backup_id` into the live spreadsheet: back up first, restore in one batch, verify every cell."""
    return Run(target, RestoreKind(backup_id), discard_checkpoint=discard_checkpoint).execute()
