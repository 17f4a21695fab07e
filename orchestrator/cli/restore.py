"""`zeues-migrate restore BACKUP_ID [--execute]`: bring a backup's contents back into the live spreadsheet."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from orchestrator.cli.apply import render_report
from orchestrator.cli.common import Session, config_options, confirm_or_refuse, verb
from orchestrator.contract.errors import ErrorCode
from orchestrator.contract.sheets import HISTORY_SHEET
from orchestrator.engine.findings import Finding, Refused

if TYPE_CHECKING:  # the engine is imported when the verb runs (it brings the Google clients)
    from orchestrator.engine.runs import RunReport


def restore_plan(counted: dict[str, Any]) -> dict[str, Any]:
    """What a restore does to each sheet, from the bridge's dry run (Backup.js planRestore_): the sheets it
    deletes (in the live spreadsheet, not in the backup: a rollback's archive sheet, a sheet a human added), the
    ones it recreates, the ones it overwrites, and the history sheet, which it keeps."""
    removed = [str(t) for t in counted.get("sheetsRemoved", [])]
    sheets = [s for s in counted.get("sheets", []) if s["sheet"] not in removed]
    return {"backup_id": counted.get("backupId"), "cells_differing": int(counted.get("cellsDiffering", 0)),
            "deleted": removed,
            "overwritten": [{"sheet": s["sheet"], "cells_differing": int(s["cellsDiffering"]),
                             "grid_changes": bool(s.get("gridChanges"))} for s in sheets],
            "kept": [HISTORY_SHEET]}


def render_plan(plan: dict[str, Any], spreadsheet_id: str) -> str:
    lines = [f"Restore of backup {plan['backup_id']} into {spreadsheet_id}: {plan['cells_differing']:,} cells differ; "
             "every write made since the backup is lost"]
    lines.append("  backup first: a copy of the current contents, made and verified before anything changes")
    for s in plan["overwritten"]:
        note = f"{s['cells_differing']:,} cells differ" if s["cells_differing"] else "equal"
        lines.append(f"  overwrite {s['sheet']}: {note}{' (grid size or visibility changes)' if s['grid_changes'] else ''}")
    lines.extend(f"  DELETE {t}: not in the backup (a rollback archive or a sheet added since)" for t in plan["deleted"])
    lines.extend(f"  keep {t}: the history is never restored; the restore is recorded in it" for t in plan["kept"])
    lines.append("  keep the hold (paused or not, as now)")
    lines.append("  then verify: every sheet, cell and zeues metadata equal to the backup's (but the history and the "
                 "hold)")
    return "\n".join(lines)


def restore_result(executed: bool, plan: dict[str, Any], report: RunReport | None) -> dict[str, Any]:
    """`restore --json`'s result, one shape with or without --execute (docs/operator.md, "JSON output"): `plan`
    and, once executed, the run report's fields."""
    result: dict[str, Any] = report.model_dump(mode="json") if report is not None else {}
    return {**result, "executed": executed, "plan": plan}


@click.command("restore")
@click.argument("backup_id")
@click.option("--execute", is_flag=True, help="really overwrite the live contents; without it, only show the plan")
@click.option("--force", is_flag=True, help="deprecated alias of --execute (prints a deprecation line)")
@click.option("--yes", is_flag=True, help="do not ask for confirmation (needed without a terminal)")
@click.option("--discard-checkpoint", is_flag=True, help="start over instead of resuming an interrupted restore")
@config_options
@verb("restore")
def restore(session: Session, backup_id: str, execute: bool, force: bool, yes: bool,
            discard_checkpoint: bool) -> tuple[Any, str]:
    """Restore BACKUP_ID into the live spreadsheet (same id, so the backend keeps working). Every write made
    since the backup is lost. Without --execute, shows what it would do per sheet (overwrite, delete, keep) and
    changes nothing. With --execute it runs as apply does: a backup of what is replaced, the restore in one batch,
    then every cell checked against the backup."""
    from orchestrator.engine.operations import bridge_call
    from orchestrator.engine.runs import restore_backup
    from orchestrator.google.errors import ScriptError
    from orchestrator.google.script import strip_stack

    if force:
        click.echo("zeues-migrate restore: --force is deprecated and will be removed; use --execute", err=True)
        execute = True
    try:
        counted = bridge_call(session.clients, "restoreBackup", {"spreadsheetId": session.spreadsheet_id,
                                                                 "backupId": backup_id})
    except ScriptError as exc:
        if exc.known_code is not ErrorCode.NOT_FOUND:
            raise
        # The bridge's own sentence, without the opId wrapper or any script frames: the fix is a right id.
        why = strip_stack(exc.bridge_message or exc.message).split(" (", 1)[-1].split(");", 1)[0]
        raise Refused([Finding(level="error", code=ErrorCode.NOT_FOUND, message=(
            f"backup {backup_id} cannot be opened ({why}); nothing was changed — list the backups with "
            "`zeues-migrate backups` and pass one of their ids"))]) from None
    plan = restore_plan(counted)
    text = render_plan(plan, session.spreadsheet_id)
    if not execute:
        return restore_result(False, plan, None), text + "\nNothing was changed: add --execute to restore."
    confirm_or_refuse(f"Overwrite {session.spreadsheet_id} with backup {backup_id} ({plan['cells_differing']:,} cells "
                      "differ)?", yes, shown=text)
    # Made after the answer: the run's clock (the report's timings) does not count the time spent at the prompt.
    done = restore_backup(session.target(), backup_id, discard_checkpoint=discard_checkpoint)
    return restore_result(True, plan, done), render_report(done)
