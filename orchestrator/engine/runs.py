"""The apply and rollback runs: each step checkpointed, each rerun resuming where the last one stopped.

Steps (DESIGN.md): preflight, snapshot, backup, verify backup, apply (or rollback), verify. A resumed run
re-reads the live state first; a bridge call is repeated only with the operation id chosen for it before the
first try, so the bridge answers from its record instead of acting twice, and a run never makes two backups.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from orchestrator.codegen import bridge_build_hash
from orchestrator.engine.budget import archive_rows, rollback_budget
from orchestrator.engine.checkpoint import Action, CheckpointStore, RunCheckpoint
from orchestrator.engine.failpoints import failpoint
from orchestrator.engine.findings import Finding, Refused, errors
from orchestrator.engine.preflight import check_apply, check_budget
from orchestrator.engine.progress import Progress
from orchestrator.engine.snapshot import SheetSnapshot, compare, take_snapshot
from orchestrator.engine.state import LiveState, find_column, read_live_state
from orchestrator.engine.verify import VerifyReport, verify_apply, verify_rollback
from orchestrator.google import GoogleClients
from orchestrator.google.errors import ScriptError
from orchestrator.google.script import new_op_id
from orchestrator.migrations import bridge_payload
from orchestrator.migrations.spec import AddColumns, Baseline, Migration

APPLY_STEPS = ("preflight", "snapshot", "backup", "verify_backup", "apply", "verify")
ROLLBACK_STEPS = ("preflight", "snapshot", "backup", "verify_backup", "rollback", "verify")


class RunReport(BaseModel):
    action: Action
    status: Literal["applied", "already_applied", "rolled_back", "already_rolled_back"]
    migration_id: str
    spreadsheet_id: str
    run_id: str | None = None
    resumed: bool = False
    backup_id: str | None = None
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


def check_bridge(clients: GoogleClients) -> Finding | None:
    """The deployed bridge must be the one this orchestrator was built with."""
    info = clients.script.run("bridgeInfo", {"opId": new_op_id()})
    local = bridge_build_hash()
    if info.get("buildHash") != local:
        return Finding(level="error", code="STALE_BRIDGE", message=(
            f"the deployed bridge (version {info.get('version')}, build {str(info.get('buildHash'))[:19]}…) is not "
            f"this checkout's ({local[:19]}…); deploy it: `npx clasp push --force` then "
            "`npx clasp update-deployment <deployment id>`"))
    return None


def _record(target: Target, checkpoint: RunCheckpoint, step: str, data: dict[str, Any] | None = None) -> None:
    target.store.record(checkpoint, step, data)
    failpoint(f"after:{step}")


def _bridge(target: Target, step: str, function: str, request: dict[str, Any]) -> dict[str, Any]:
    """The one bridge call of a step (its opId chosen before the first try, so a rerun replays it), waiting at
    most `lock_wait` seconds for the script lock another run holds."""
    failpoint(f"before:{step}")
    lock_wait_ms = round(target.clients.config.lock_wait * 1000)
    result = target.clients.script.run(function, {**request, "lockWaitMs": lock_wait_ms})
    failpoint(f"reply:{step}")
    return result


def _snapshot_sheets(target: Target, state: LiveState, sheets: dict[str, int], run_dir: Path,
                     spreadsheet_id: str, label: str) -> dict[str, SheetSnapshot]:
    """Stream every listed sheet's rows (FORMULA render) into a snapshot keyed by its key column."""
    snapshots = {}
    for title, key_index in sheets.items():
        sheet = state.sheet(title)
        assert sheet is not None
        chunks = target.clients.sheets.iter_rows(spreadsheet_id, title, sheet.grid, len(sheet.header), 2)
        snapshots[title] = take_snapshot(title, sheet.header, key_index,
                                         target.progress.rows(f"{label} {title}", chunks),
                                         run_dir / f"{label}-{title}.jsonl")
    return snapshots


def _load_or_start(target: Target, action: Action, migration_id: str, checksum: str, side_effects: list[str],
                   discard: bool) -> tuple[RunCheckpoint, bool]:
    if discard:
        target.store.discard(target.spreadsheet_id, action, migration_id)
    checkpoint = target.store.load(target.spreadsheet_id, action, migration_id)
    if checkpoint is not None:
        if checkpoint.migration_checksum != checksum:
            raise Refused([Finding(level="error", code="CHECKSUM", message=(
                f"the run in progress ({checkpoint.run_id}) was for migration {migration_id} with checksum "
                f"{checkpoint.migration_checksum}; the file now has {checksum}"))])
        return checkpoint, True
    return target.store.start(target.spreadsheet_id, action, migration_id, checksum, side_effects), False


def apply_migration(target: Target, migration: Migration, baseline: Baseline, known: list[Migration],
                    *, discard_checkpoint: bool = False) -> RunReport:
    """Apply `migration` (preflight, snapshot, backup, verify backup, apply, verify), resuming a killed run."""
    progress, sheets_api, sid = target.progress, target.clients.sheets, target.spreadsheet_id
    checkpoint, resumed = _load_or_start(target, "apply", migration.id, migration.checksum, ["backup", "apply"],
                                         discard_checkpoint)
    run_dir = target.store.root / sid / checkpoint.run_id
    report = RunReport(action="apply", status="applied", migration_id=migration.id, spreadsheet_id=sid,
                       run_id=checkpoint.run_id, resumed=resumed,
                       checkpoint=str(target.store.path(sid, "apply", migration.id)))

    progress.begin_run()
    progress.step("preflight", "resumed run " + checkpoint.run_id if resumed else "")
    state = read_live_state(sheets_api, sid)
    if not checkpoint.done("apply"):
        findings = check_apply(state, migration, backed_up=checkpoint.done("backup"))
        already = any(f.code == "ALREADY_APPLIED" for f in findings)
        if already and not checkpoint.done("backup"):
            # Nothing of this run happened, and nothing needs to.
            target.store.discard(sid, "apply", migration.id)
            progress.done("preflight", "already applied")
            return report.model_copy(update={"status": "already_applied", "findings": findings, "run_id": None,
                                             "checkpoint": None, "timings": progress.timings})
        if not already:
            bridge = check_bridge(target.clients)
            findings += [bridge] if bridge else []
            if checkpoint.done("preflight"):
                # Resuming before the apply: the headers must still be those the snapshot saw.
                planned = checkpoint.data("preflight")["headers"]
                drifted = [t for t, h in planned.items() if (s := state.sheet(t)) is None or s.header != h]
                if drifted:
                    findings.append(Finding(level="error", code="DRIFT", message=(
                        f"the header of {', '.join(drifted)} changed since this run's snapshot; nothing was "
                        "applied — start over with --discard-checkpoint")))
            if errors(findings):
                raise Refused(findings)
        report.findings = findings
    headers = {op.sheet: s.header for op in migration.operations if (s := state.sheet(op.sheet)) is not None}
    if not checkpoint.done("preflight"):
        _record(target, checkpoint, "preflight", {"headers": headers})
    progress.done("preflight")

    keys = _key_columns(state, migration)
    if checkpoint.done("snapshot"):
        progress.skip("snapshot", "taken before the interruption")
    else:
        progress.step("snapshot")
        snaps = _snapshot_sheets(target, state, keys, run_dir, sid, "snapshot")
        _record(target, checkpoint, "snapshot", {t: s.model_dump() for t, s in snaps.items()})
        progress.done("snapshot", ", ".join(f"{t}: {s.data_rows:,} rows, {s.keyed_rows:,} keys"
                                            for t, s in snaps.items()))
    snapshots = {t: SheetSnapshot.model_validate(s) for t, s in checkpoint.data("snapshot").items()}

    _backup_steps(target, checkpoint, snapshots, report, "before " + migration.id)

    if checkpoint.done("apply"):
        progress.skip("apply", "applied before the interruption")
    else:
        progress.step("apply", f"one atomic batchUpdate for {migration.id}")
        result = _bridge(target, "apply", "applyMigration", {
            "opId": checkpoint.op_ids["apply"], "spreadsheetId": sid, "migration": bridge_payload(migration),
            "baseline": baseline.model_dump(mode="json"), "expectedHeaders": checkpoint.data("preflight")["headers"],
        })
        _record(target, checkpoint, "apply", {"result": result})
        progress.done("apply", str(result.get("status")))
    report.bridge_result = checkpoint.data("apply")["result"]

    progress.step("verify", "every row, every cell")
    applied_before = [m for m in known if m.id in {r.migration_id for r in state.applied()} and m.id != migration.id]
    verification = verify_apply(sheets_api, sid, migration, baseline, applied_before, snapshots)
    return _finish(target, checkpoint, report, verification)


def _finish(target: Target, checkpoint: RunCheckpoint, report: RunReport, verification: VerifyReport) -> RunReport:
    """Record the verification; a failed one keeps the checkpoint (and raises), a passed one retires it."""
    _record(target, checkpoint, "verify", {"status": verification.status})
    target.progress.done("verify", f"{verification.status}: {verification.rows_checked:,} rows, "
                                   f"{verification.cells_checked:,} cells")
    report.verification = verification
    report.timings = target.progress.timings
    if verification.status == "failed":
        raise VerificationFailed(report)
    report.checkpoint = str(target.store.finish(checkpoint))
    return report


def _key_columns(state: LiveState, migration: Migration) -> dict[str, int]:
    """Sheet -> key column index, for every sheet an operation touches (the event column labels Metadata)."""
    keys: dict[str, int] = {}
    for op in migration.operations:
        sheet = state.sheet(op.sheet)
        name = op.key_column if isinstance(op, AddColumns) else op.column
        at = find_column(sheet.header, name) if sheet else None
        if sheet is not None and at is not None:
            keys.setdefault(op.sheet, at)
    return keys


def _backup_steps(target: Target, checkpoint: RunCheckpoint, snapshots: dict[str, SheetSnapshot], report: RunReport, label: str) -> None:
    """Back up through the bridge (once per run), then read the copy back and compare it with the snapshot."""
    progress, sid = target.progress, target.spreadsheet_id
    if checkpoint.done("backup"):
        progress.skip("backup", f"made before the interruption: {checkpoint.data('backup')['backupId']}")
    else:
        progress.step("backup")
        try:
            made = _bridge(target, "backup", "backupSpreadsheet", {
                "opId": checkpoint.op_ids["backup"], "spreadsheetId": sid, "label": label})
        except ScriptError as exc:
            if exc.code == "IS_BACKUP":
                # Aimed at a backup: nothing ran and no rerun can, so the run is set aside, not left in flight.
                target.store.discard(sid, checkpoint.action, checkpoint.migration_id)
            raise
        _record(target, checkpoint, "backup", {"backupId": made["backupId"], "backupUrl": made.get("backupUrl")})
        progress.done("backup", made["backupId"])
    report.backup_id = checkpoint.data("backup")["backupId"]
    report.backup_url = checkpoint.data("backup").get("backupUrl")

    if checkpoint.done("verify_backup"):
        progress.skip("verify_backup", "verified before the interruption")
        return
    progress.step("verify_backup", "reading the copy back")
    concurrent = 0
    backup_id = report.backup_id
    # The copy's own grids: it was made after the snapshot, so rows deleted in between are not in it, and a
    # read built from the snapshot's row count alone could start past its grid.
    grids = target.clients.sheets.grids(backup_id)
    for title, snapshot in snapshots.items():
        grid = grids.get(title)
        header = (target.clients.sheets.values_batch_get(
            backup_id, [f"'{title.replace(chr(39), chr(39) * 2)}'!1:1"], grids=grids)[0]["values"]
            if grid is not None and grid.holds(1) else [])
        if grid is None or [str(c) for c in (header or [[]])[0]] != snapshot.header:
            raise Refused([Finding(level="error", code="BACKUP_MISMATCH", message=(
                f"the backup {backup_id} of {title} does not have the header the snapshot saw; the backup is not "
                "trustworthy, so nothing was applied — run again with --discard-checkpoint"))])
        chunks = target.clients.sheets.iter_rows(backup_id, title, grid, snapshot.width, 2, snapshot.data_rows + 1)
        # The copy is newer than the snapshot: a difference is a write made in between, not a bad copy.
        changes, _ = compare(snapshot, progress.rows(f"backup {title}", chunks))
        concurrent += len(changes)
    _record(target, checkpoint, "verify_backup", {"concurrentChanges": concurrent})
    progress.done("verify_backup", f"equal to the snapshot{f' but for {concurrent} concurrent cell changes' if concurrent else ''}")


def rollback_migration(target: Target, migration_id: str, baseline: Baseline, known: list[Migration],
                       *, discard_checkpoint: bool = False) -> RunReport:
    """Roll back the last applied migration (preflight, snapshot, backup, verify backup, rollback, verify)."""
    progress, sheets_api, sid = target.progress, target.clients.sheets, target.spreadsheet_id
    report = RunReport(action="rollback", status="rolled_back", migration_id=migration_id, spreadsheet_id=sid)
    progress.begin_run()
    progress.step("preflight")
    state = read_live_state(sheets_api, sid)
    applied = state.applied()
    row = next((r for r in applied if r.migration_id == migration_id), None)
    existing = target.store.load(sid, "rollback", migration_id) if not discard_checkpoint else None
    if row is None and existing is None:
        if any(r.migration_id == migration_id and r.action == "apply" for r in state.history):
            progress.done("preflight", "already rolled back")
            return report.model_copy(update={"status": "already_rolled_back", "timings": progress.timings})
        raise Refused([Finding(level="error", code="NOT_FOUND", message=(
            f"migration {migration_id} was never applied to {state.title!r}; see `zeues-migrate status`"))])
    checksum = row.checksum if row else existing.migration_checksum if existing else ""
    checkpoint, resumed = _load_or_start(target, "rollback", migration_id, checksum, ["backup", "rollback"],
                                         discard_checkpoint)
    report.run_id, report.resumed = checkpoint.run_id, resumed
    report.checkpoint = str(target.store.path(sid, "rollback", migration_id))
    run_dir = target.store.root / sid / checkpoint.run_id

    if not checkpoint.done("rollback") and row is None:
        # Killed between the bridge's rollback and its checkpoint: the call replays under the same opId below.
        # Not applied for another reason (a rollback from the menu): this run cannot go on.
        if not any(r.operation_id == checkpoint.op_ids["rollback"] for r in state.history):
            raise Refused([Finding(level="error", code="NOT_FOUND", message=(
                f"migration {migration_id} is no longer applied, but not by this run ({checkpoint.run_id}); see "
                "`zeues-migrate history`, then rerun with --discard-checkpoint"))])
    elif not checkpoint.done("rollback"):
        assert row is not None
        findings: list[Finding] = []
        if applied[-1].migration_id != migration_id:
            findings.append(Finding(level="error", code="ORDER", message=(
                f"migration {applied[-1].migration_id} was applied after {migration_id}; roll it back first")))
        failure = state.unresolved_failure()
        if failure:
            findings.append(Finding(level="error", code="BLOCKED", message=(
                f"an earlier {failure.action} ({failure.operation_id}) is recorded as {failure.status}; inspect it "
                "with `zeues-migrate history`, then `zeues-migrate resolve`")))
        columns = row.result.get("columns", [])
        for column in columns:
            tag = next((t for t in state.tags if t.sheet == column["sheet"] and t.name == column["name"]
                        and t.migration == migration_id), None)
            sheet = state.sheet(column["sheet"])
            at = find_column(sheet.header, column["name"]) if sheet else None
            if tag is None or at != tag.column:
                findings.append(Finding(level="error", code="CONFLICT", message=(
                    f"{column['sheet']} column {column['name']!r}: tag at {tag.column if tag else 'none'}, header at "
                    f"{at if at is not None else 'none'} — the tags and the header disagree; fix the columns by hand "
                    "or restore a backup")))
        if not errors(findings):
            # What the bridge deletes (every column tagged with the migration) and archives (their rows with a value).
            tagged = [(t.sheet, t.column) for t in state.tags if t.migration == migration_id]
            budget = rollback_budget(state, [sheet for sheet, _ in tagged], archive_rows(sheets_api, state, tagged),
                                     backed_up=checkpoint.done("backup"))
            findings += check_budget(state, budget, f"rolling back {migration_id}",
                                     "; nothing was changed — then run the rollback again")
        bridge = check_bridge(target.clients)
        findings += [bridge] if bridge else []
        if errors(findings):
            raise Refused(findings)
        if not checkpoint.done("preflight"):
            widths: dict[str, int] = {}
            keys: dict[str, int] = {}
            for column in columns:
                sheet = state.sheet(column["sheet"])
                assert sheet is not None
                tag_at = find_column(sheet.header, column["name"]) or 0
                widths[column["sheet"]] = min(widths.get(column["sheet"], tag_at), tag_at)
                keys[column["sheet"]] = find_column(sheet.header, column.get("keyColumn", "")) or 0
            _record(target, checkpoint, "preflight", {"widths": widths, "keys": keys,
                                                      "stillApplied": [r.migration_id for r in applied[:-1]]})
    progress.done("preflight")
    plan = checkpoint.data("preflight")

    if checkpoint.done("snapshot"):
        progress.skip("snapshot", "taken before the interruption")
    else:
        progress.step("snapshot")
        snaps = _snapshot_sheets(target, state, plan["keys"], run_dir, sid, "snapshot")
        _record(target, checkpoint, "snapshot", {t: s.model_dump() for t, s in snaps.items()})
        progress.done("snapshot")
    snapshots = {t: SheetSnapshot.model_validate(s) for t, s in checkpoint.data("snapshot").items()}

    _backup_steps(target, checkpoint, snapshots, report, "before rollback " + migration_id)

    if checkpoint.done("rollback"):
        progress.skip("rollback", "rolled back before the interruption")
    else:
        progress.step("rollback", "one atomic batchUpdate")
        result = _bridge(target, "rollback", "rollbackMigration", {
            "opId": checkpoint.op_ids["rollback"], "spreadsheetId": sid, "migrationId": migration_id,
            "backupId": report.backup_id})
        _record(target, checkpoint, "rollback", {"result": result})
        progress.done("rollback", str(result.get("status")))
    report.bridge_result = checkpoint.data("rollback")["result"]

    progress.step("verify", "every row, every cell, and the archive")
    by_id = {m.id: m for m in known}
    still = [by_id[i] for i in plan["stillApplied"] if i in by_id]
    verification = verify_rollback(sheets_api, sid, migration_id, baseline, still, snapshots, plan["widths"],
                                   str(report.bridge_result.get("archiveSheet", "")))
    return _finish(target, checkpoint, report, verification)
