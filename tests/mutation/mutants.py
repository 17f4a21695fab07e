"""Hand-written mutants of the guarantee code: each is one small, plausible mistake in what the tool promises
(verification, opId replay, drift checks, the archive, the delete order, the lock), and the tests that must
fail when it is made. `python3 tasks.py mutate` applies them one at a time in a scratch copy of the tree,
runs the named tests, and reports any survivor: a survivor is a promise no test holds.

Each `original` must occur exactly once in its file; when the code moves, the report says the mutant is
stale (fix the snippet, do not drop the mutant).
"""

from __future__ import annotations

from dataclasses import dataclass

VERIFY = "orchestrator/engine/verify.py"
RUNS = "orchestrator/engine/runs.py"
UNIT_NEGATIVE = "tests/unit/engine/test_verify_negative.py"
E2E_NEGATIVE = "tests/e2e/test_verify_negative.py"


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    original: str
    mutated: str
    tests: tuple[str, ...]  # pytest arguments: the tests that must fail
    equivalent: str = ""  # why no test can see it (then it is reported, not counted)


def _forced(name: str, snippet: str, condition: str, tests: tuple[str, ...] = (UNIT_NEGATIVE,)) -> Mutant:
    """A check of the verifier forced to pass."""
    return Mutant(name, VERIFY, snippet, snippet.replace(condition, "True"), tests)


MUTANTS: list[Mutant] = [
    # -- verify_apply ---------------------------------------------------------------------------------------
    _forced("apply: old header check passes", "ok=header[:width] == snapshot.header,", "header[:width] == snapshot.header",
            (UNIT_NEGATIVE, E2E_NEGATIVE + "::test_an_apply_whose_sheet_is_wrong_after_the_change_fails_verification_"
             "and_keeps_its_run")),
    Mutant("apply: old header compared one column short", VERIFY, "ok=header[:width] == snapshot.header,",
           "ok=header[:width - 1] == snapshot.header[:width - 1],", (UNIT_NEGATIVE,)),
    _forced("apply: new columns at the end passes", "ok=at_end and all(between),", "at_end and all(between)"),
    _forced("apply: tag check passes", "ok=not missing,\n", "not missing",
            (UNIT_NEGATIVE, E2E_NEGATIVE + "::test_an_apply_whose_sheet_is_wrong_after_the_change_fails_verification_"
             "and_keeps_its_run")),
    _forced("apply: row count passes", "ok=live_rows >= snapshot.data_rows,", "live_rows >= snapshot.data_rows"),
    _forced("apply: defaults check passes", "ok=defaults.wrong_total == 0,", "defaults.wrong_total == 0",
            (UNIT_NEGATIVE, E2E_NEGATIVE + "::test_an_apply_whose_sheet_is_wrong_after_the_change_fails_verification_"
             "and_keeps_its_run")),
    Mutant("apply: concurrent changes not listed", VERIFY,
           "        found, live_rows = compare(snapshot, defaults.watch(part))\n        changes.extend(found)",
           "        found, live_rows = compare(snapshot, defaults.watch(part))", (UNIT_NEGATIVE,)),
    _forced("apply: event types check passes",
            'checks.append(Check(name="event types registered", ok=state.event_types == registry,\n'
            '                        detail=f"registry {state.event_types}, expected {registry}"))\n'
            '    checks.append(Check(name="schema version", ok=state.schema_version == migration.id,',
            "state.event_types == registry"),
    _forced("apply: schema version check passes", 'ok=state.schema_version == migration.id,',
            "state.schema_version == migration.id"),
    Mutant("apply: history checksum not compared", VERIFY,
           "ok=recorded is not None and recorded.checksum == migration.checksum,", "ok=recorded is not None,",
           (UNIT_NEGATIVE,)),
    # -- verify_rollback ------------------------------------------------------------------------------------
    _forced("rollback: archive present passes", "ok=archive is not None, detail=archive_sheet", "archive is not None"),
    _forced("rollback: header check passes", "ok=placed and not left,", "placed and not left"),
    Mutant("rollback: archive comparison passes", VERIFY, "ok=not differ and None not in arch_at,", "ok=True,",
           (UNIT_NEGATIVE, E2E_NEGATIVE + "::test_a_rollback_whose_archive_was_altered_fails_verification_and_keeps_"
            "its_run")),
    Mutant("rollback: tags left behind ignored", VERIFY, "gone = [t for t in state.tags if t.migration == migration_id]",
           "gone: list[Any] = []", (UNIT_NEGATIVE,)),
    _forced("rollback: event types check passes", 'name="event types as before the migration", ok=state.event_types == registry,',
            "state.event_types == registry"),
    _forced("rollback: schema version check passes", "ok=state.schema_version == version,", "state.schema_version == version"),
    _forced("rollback: history check passes", 'ok=bool(rolled) and rolled[-1].status == "rolled_back"',
            'bool(rolled) and rolled[-1].status == "rolled_back"'),
    # -- verify_structure (the standalone verify) -----------------------------------------------------------
    _forced("structure: unknown migrations pass", "ok=not unknown,", "not unknown"),
    Mutant("structure: checksum not compared", VERIFY,
           "if row.migration_id in by_id and row.checksum != by_id[row.migration_id].checksum:",
           "if False:", (UNIT_NEGATIVE,)),
    Mutant("structure: tag position not compared", VERIFY,
           "ok = at is not None and tag is not None and tag.column == at and tag.migration == migration.id",
           "ok = at is not None and tag is not None and tag.migration == migration.id",
           (UNIT_NEGATIVE, E2E_NEGATIVE + "::test_the_standalone_verify_fails_when_tags_and_header_disagree")),
    _forced("structure: event types check passes",
            'checks.append(Check(name="event types registered", ok=state.event_types == registry,\n'
            '                        detail=f"registry {state.event_types}, expected {registry}"))\n'
            '    latest = ', "state.event_types == registry"),
    _forced("structure: schema version check passes", "ok=state.schema_version == latest,", "state.schema_version == latest"),
    # -- the run loop ---------------------------------------------------------------------------------------
    Mutant("run: a failed verification reported as success, its checkpoint retired", RUNS,
           'if verification.status == "failed":\n            raise VerificationFailed(self.report)',
           'if False:\n            raise VerificationFailed(self.report)',
           (UNIT_NEGATIVE + "::test_a_failed_verification_is_raised_and_keeps_the_run_a_passed_one_retires_it",
            E2E_NEGATIVE + "::test_an_apply_whose_sheet_is_wrong_after_the_change_fails_verification_and_keeps_its_run")),
    Mutant("backup proof: header never compared", RUNS,
           "if title not in copied_rows or got != snapshot.header and not (",
           "if title not in copied_rows or False and not (",
           (UNIT_NEGATIVE, E2E_NEGATIVE + "::test_a_backup_with_another_header_is_refused_before_any_change_and_the_"
            "run_kept")),
    Mutant("backup proof: cells never compared", RUNS, "            bad += wrong\n", "            bad += []\n",
           (UNIT_NEGATIVE, "tests/faults/test_backup_proof.py::test_an_emptied_backup_is_refused_before_any_change_"
            "then_a_new_one_is_made")),
    Mutant("backup proof: concurrent writes not counted", RUNS, "            concurrent += changes\n",
           "            concurrent += 0\n", (UNIT_NEGATIVE,)),
    Mutant("backup proof: the live sheet read after the copy ignored", VERIFY,
           "if not same_cell(c, row[0], s, s_row) and not same_cell(c, row[0], l, l_row):",
           "if not same_cell(c, row[0], s, s_row):", (UNIT_NEGATIVE,)),
    Mutant("opId: a rerun sends a new opId instead of replaying", RUNS,
           '{"opId": self.checkpoint.op_ids[step],', '{"opId": new_op_id(),',
           ("tests/e2e/test_replay.py::test_restore_runs_the_loop_and_acts_once_after_a_lost_reply",)),
    Mutant("drift: a resumed apply does not re-check the headers", RUNS,
           "drifted = [t for t, h in planned.items() if (s := state.sheet(t)) is None or s.header != h]",
           "drifted: list[str] = []",
           ("tests/hostile/test_run_state.py::test_header_drift_after_the_snapshot_of_a_killed_run",)),
    # -- the bridge -----------------------------------------------------------------------------------------
    Mutant("bridge: a repeated opId acts again", "appsscript/Api.js",
           "if (recorded) return Object.assign({}, recorded, { replayed: true });", "if (false) return recorded;",
           ("tests/bridge/test_apply.py::test_a_repeated_op_id_returns_the_first_result_without_acting",)),
    Mutant("bridge: the lock is not waited for", "appsscript/Api.js", "if (!lock.tryLock(wait)) {",
           "if (!lock.tryLock(wait) && false) {",
           ("tests/bridge/test_apply.py::test_a_busy_lock_gives_the_stable_busy_error",)),
    Mutant("bridge: the lock released before the flush", "appsscript/Api.js",
           "    SpreadsheetApp.flush();\n    lock.releaseLock();", "    lock.releaseLock();\n    SpreadsheetApp.flush();",
           (), equivalent="the bridge writes only through Sheets.Spreadsheets.batchUpdate, which Apps Script does not "
                          "buffer: no SpreadsheetApp write is pending under the lock, so the order cannot be seen "
                          "(a faithful emulator cannot show it either)"),
    Mutant("bridge: expected headers not checked (drift)", "appsscript/Apply.js",
           "if (JSON.stringify(before) === JSON.stringify(now)) return;", "return;",
           ("tests/bridge/test_apply.py::test_drift_after_planning_is_refused_and_changes_nothing",)),
    Mutant("bridge: new columns at the grid's end", "appsscript/Apply.js",
           "var start = lastNamedIndex_(sheet.header) + 1;", "var start = sheet.columnCount;",
           ("tests/bridge/test_real_sheet_shapes.py::test_new_columns_go_after_the_last_header_column_not_at_the_"
            "grids_end",)),
    Mutant("bridge: archived formulas kept live", "appsscript/Rollback.js",
           "if (v && v.formulaValue !== undefined) v = { stringValue: v.formulaValue };", "",
           ("tests/bridge/test_real_sheet_shapes.py::test_the_archive_holds_formulas_as_text_whatever_the_render",)),
    Mutant("bridge: columns deleted lowest first", "appsscript/Rollback.js",
           "columns.slice().sort(function (a, b) { return b.column - a.column; })",
           "columns.slice().sort(function (a, b) { return a.column - b.column; })",
           ("tests/bridge/test_rollback_restore.py::test_rollback_keeps_every_v21_write_and_archives_exactly_the_v30_"
            "values",)),
]
