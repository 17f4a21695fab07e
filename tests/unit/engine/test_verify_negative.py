"""The verifier proven to catch what it claims: for every check of `verify_apply`, `verify_rollback`,
`verify_structure` and the backup proof (`Run._backup`), a sheet wrong in exactly that one way, and the one
check named as failed. Each scenario first passes untouched, so a failure is the wrong thing's doing.

A cell changed by someone else (a v2.1 cell, a key, a row appended) is not a failure of the migration: it must be
listed with its key, column, before and after (`passed_with_concurrent_changes`), never silently dropped.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from orchestrator.contract.errors import ErrorCode
from orchestrator.contract.metadata import MetaKey
from orchestrator.contract.sheets import ARCHIVE_COLUMNS, HISTORY_COLUMNS, HISTORY_SHEET
from orchestrator.engine.checkpoint import CheckpointStore
from orchestrator.engine.findings import Refused
from orchestrator.engine.progress import Progress
from orchestrator.engine.runs import ApplyKind, BackupMade, BackupVerified, Run, Target, VerificationFailed
from orchestrator.engine.snapshot import SheetSnapshot, take_snapshot
from orchestrator.engine.state import read_live_state
from orchestrator.engine.verify import VerifyReport, verify_apply, verify_rollback, verify_structure
from orchestrator.google import GoogleClients
from orchestrator.migrations import load_baseline, load_migrations
from orchestrator.migrations.spec import Migration
from tests.support.fake_sheets import FakeBook, FakeReader

SID, BACKUP = "live-sheet", "backup-copy"
MIGRATION: Migration = next(m for m in load_migrations() if m.id == "3.0")
BASELINE = load_baseline()
NEW = [c.name for c in MIGRATION.added_columns("Operaciones")]  # Ocupado_Por, Fecha_Ocupacion, version
OPS_HEADER = ["OT", "TAG_SPOOL", "Armador", "Fecha_Armado"]
OPS_ROWS: list[list[Any]] = [
    [1, "T-1", "MR(93)", 45000.5],
    [2, "T-2", "", "=D2+1"],
    ["", "", "nota sin tag", ""],  # data without a key: no version default
    [4, "T-4", "JP(7)", ""],
]
META_HEADER = ["id", "evento_tipo", "tag_spool"]
META_ROWS: list[list[Any]] = [["e1", "INICIAR_ARM", "T-1"], ["e2", "COMPLETAR_ARM", "T-1"]]
REGISTRY = [*BASELINE.event_types, *MIGRATION.registered_event_types()]
ARCHIVE = "_zeues_archive_3.0_20261202"
WIDTH = len(OPS_HEADER)
Wrong = Callable[[FakeBook], object]  # makes a book wrong in one way (what it returns does not matter)


def _history_row(action: str, status: str) -> list[str]:
    row = dict.fromkeys(HISTORY_COLUMNS, "")
    row.update(migration_id=MIGRATION.id, checksum=MIGRATION.checksum, action=action, status=status,
               operation_id=f"op-{action}")
    return list(row.values())


def _default(row: list[Any]) -> list[Any]:
    return ["", "", 0 if row[1] else ""]


def v21_book() -> FakeBook:
    book = FakeBook()
    book.add_sheet("Operaciones", [OPS_HEADER, *OPS_ROWS])
    book.add_sheet("Metadata", [META_HEADER, *META_ROWS])
    return book


def applied_book() -> FakeBook:
    """The v2.1 book as a correct apply of 3.0 leaves it."""
    book = FakeBook()
    book.add_sheet("Operaciones", [OPS_HEADER + NEW, *([*r, *_default(r)] for r in OPS_ROWS)])
    book.add_sheet("Metadata", [META_HEADER, *META_ROWS])
    book.add_sheet(HISTORY_SHEET, [list(HISTORY_COLUMNS), _history_row("apply", "applied")])
    for j, name in enumerate(NEW):
        book.tag_column("Operaciones", WIDTH + j, name, MIGRATION.id)
    book.set_meta(MetaKey.SCHEMA_VERSION, MIGRATION.id)
    book.set_meta(MetaKey.EVENT_TYPES, REGISTRY)
    return book


def snapshots_of(reader: FakeReader, sid: str, keys: dict[str, int], folder: Path) -> dict[str, SheetSnapshot]:
    """What the run's snapshot step takes (runs.py `Run.snapshot`), over the fake."""
    out = {}
    for title, key in keys.items():
        sheet = reader.books[sid].sheets[title]
        header = [str(c) for c in sheet.rows[0]]
        chunks = reader.iter_rows(sid, title, sheet.grid, len(header), 2)
        out[title] = take_snapshot(title, header, key, chunks, folder / f"{sid}-{title}.jsonl")
    return out


def failed_names(report: VerifyReport) -> list[str]:
    return [c.name for c in report.failed]


# -- verify_apply ---------------------------------------------------------------------------------------------

def _run_apply(tmp_path: Path, wrong: Wrong | None) -> VerifyReport:
    reader = FakeReader({SID: v21_book()})
    snapshots = snapshots_of(reader, SID, {"Operaciones": 1, "Metadata": 1}, tmp_path)
    reader.books[SID] = applied_book()
    if wrong:
        wrong(reader.books[SID])
    return verify_apply(reader.as_reader(), SID, MIGRATION, BASELINE, [], snapshots)


def test_a_correct_apply_passes_with_every_cell_checked(tmp_path: Path) -> None:
    report = _run_apply(tmp_path, None)
    assert report.status == "passed", report.failed
    assert report.concurrent_changes == [] and report.rows_checked == len(OPS_ROWS) + len(META_ROWS)


def _ops(book: FakeBook) -> Any:
    return book.sheets["Operaciones"]


def _move_tag(book: FakeBook) -> None:
    tag = next(m for m in book.metadata if m["metadataValue"] == "version")
    tag["location"]["dimensionRange"]["startIndex"] = 0  # the version tag on the first old column


def _drop_tag(book: FakeBook) -> None:
    book.metadata = [m for m in book.metadata if m["metadataValue"] != "Fecha_Ocupacion"]


def _swap_new_columns(book: FakeBook) -> None:
    for row in _ops(book).rows:
        row[WIDTH], row[WIDTH + 1] = row[WIDTH + 1], row[WIDTH]


def _delete_last_row(book: FakeBook) -> None:
    _ops(book).rows.pop()


def _history_checksum(book: FakeBook) -> None:
    book.sheets[HISTORY_SHEET].rows[1][1] = "sha256:" + "0" * 64


# case: (what makes the sheet wrong, the check(s) that must fail and no other)
APPLY_WRONGS: dict[str, tuple[Wrong, str | list[str]]] = {
    "sheet gone": (lambda b: b.sheets.pop("Metadata"), "Metadata: sheet present"),
    "old header cell renamed (the last one)": (lambda b: _ops(b).set(1, WIDTH - 1, "Fecha_Arm"),
                                                "Operaciones: old header unchanged in names and positions"),
    "old header cell renamed (the first one)": (lambda b: _ops(b).set(1, 0, "ot"),
                                                 "Operaciones: old header unchanged in names and positions"),
    "new columns swapped": (_swap_new_columns, "Operaciones: new columns once, at the end"),
    "a new column twice": (lambda b: _ops(b).set(1, WIDTH + 3, "version"), "Operaciones: new columns once, at the end"),
    "a tag lost": (_drop_tag, "Operaciones: new columns tagged"),
    "a tag moved": (_move_tag, "Operaciones: new columns tagged"),
    "a tag of another migration": (lambda b: b.metadata.__setitem__(
        1, {**b.metadata[1], "metadataValue": "2.9"}), "Operaciones: new columns tagged"),
    "rows deleted": (_delete_last_row, "Operaciones: rows and keys in place"),
    "a default wrong": (lambda b: _ops(b).set(2, WIDTH + 2, 1), "Operaciones: defaults of the new columns"),
    "a default missing": (lambda b: _ops(b).set(5, WIDTH + 2, ""), "Operaciones: defaults of the new columns"),
    "a default on a row without a key": (lambda b: _ops(b).set(4, WIDTH + 2, 0),
                                          "Operaciones: defaults of the new columns"),
    "an empty column not empty": (lambda b: _ops(b).set(3, WIDTH, "x"), "Operaciones: defaults of the new columns"),
    "event types not registered": (lambda b: b.set_meta(MetaKey.EVENT_TYPES, list(BASELINE.event_types)),
                                   "event types registered"),
    "schema version not set": (lambda b: b.set_meta(MetaKey.SCHEMA_VERSION, "2.1"), "schema version"),
    "history without the apply": (lambda b: b.sheets[HISTORY_SHEET].rows.pop(), "history records the apply"),
    "history with another checksum": (_history_checksum, "history records the apply"),
}


@pytest.mark.parametrize("case", APPLY_WRONGS)
def test_verify_apply_fails_exactly_the_check_the_sheet_breaks(tmp_path: Path, case: str) -> None:
    wrong, check = APPLY_WRONGS[case]
    report = _run_apply(tmp_path, wrong)
    assert report.status == "failed"
    assert failed_names(report) == ([check] if isinstance(check, str) else check), report.failed


def test_verify_apply_lists_an_old_cell_a_key_and_an_added_row_changed_meanwhile(tmp_path: Path) -> None:
    def writes(book: FakeBook) -> None:
        _ops(book).set(2, 2, "JP(7)")  # an old cell
        _ops(book).set(3, 1, "T-2b")  # a key
        _ops(book).rows.append([5, "T-5", "", "", "", "", 0])  # a row appended by the backend

    report = _run_apply(tmp_path, writes)
    assert report.status == "passed_with_concurrent_changes", report.failed
    listed = {(c.row, c.key, c.column, c.before, c.after) for c in report.concurrent_changes}
    assert listed == {(2, "T-1", "Armador", "MR(93)", "JP(7)"), (3, "T-2", "TAG_SPOOL", "T-2", "T-2b"),
                      (6, "T-5", "OT", "", 5), (6, "T-5", "TAG_SPOOL", "", "T-5")}
    assert report.concurrent_changes_total == 4
    rows = next(c for c in report.checks if c.name == "Operaciones: rows and keys in place")
    assert "2 key cells changed concurrently" in rows.detail  # the changed key and the new row's


# -- verify_rollback ------------------------------------------------------------------------------------------

HELD: dict[int, list[Any]] = {2: ["MR(93)", 46000.25, 3], 4: ["", "", ""], 5: ["", "", 1]}  # row: new columns


def applied_with_values() -> FakeBook:
    book = applied_book()
    for row, values in HELD.items():
        for j, value in enumerate(values):
            _ops(book).set(row, WIDTH + j, value)
    return book


def rolled_back_book() -> FakeBook:
    """`applied_with_values` as a correct rollback leaves it: columns cut, their values in the archive."""
    book = FakeBook()
    before = applied_with_values()
    book.add_sheet("Operaciones", [r[:WIDTH] for r in _ops(before).rows])
    book.add_sheet("Metadata", [META_HEADER, *META_ROWS])
    book.add_sheet(HISTORY_SHEET, [list(HISTORY_COLUMNS), _history_row("apply", "applied"),
                                   _history_row("rollback", "rolled_back")])
    archived = [["Operaciones", n, _ops(before).cell(n, 1), *r[WIDTH:]]
                for n, r in enumerate(_ops(before).rows[1:], start=2) if any(c not in ("", None) for c in r[WIDTH:])]
    book.add_sheet(ARCHIVE, [[*ARCHIVE_COLUMNS, *NEW], *archived])
    return book


def _run_rollback(tmp_path: Path, wrong: Wrong | None) -> VerifyReport:
    reader = FakeReader({SID: applied_with_values()})
    snapshots = snapshots_of(reader, SID, {"Operaciones": 1}, tmp_path)
    reader.books[SID] = rolled_back_book()
    if wrong:
        wrong(reader.books[SID])
    return verify_rollback(reader.as_reader(), SID, MIGRATION.id, BASELINE, [], snapshots, {"Operaciones": WIDTH},
                           ARCHIVE)


def test_a_correct_rollback_passes(tmp_path: Path) -> None:
    report = _run_rollback(tmp_path, None)
    assert report.status == "passed", report.failed
    assert report.concurrent_changes == []


def _archive(book: FakeBook) -> Any:
    return book.sheets[ARCHIVE]


ROLLBACK_WRONGS: dict[str, tuple[Wrong, str | list[str]]] = {
    # Nothing archived is also nothing of what the columns held.
    "archive sheet missing": (lambda b: b.sheets.pop(ARCHIVE), ["archive sheet present", "Operaciones: archive "
                                                                "holds exactly the removed columns' values"]),
    "a removed column left": (lambda b: _ops(b).set(1, WIDTH, "Ocupado_Por"),
                              "Operaciones: header is the pre-migration header"),
    "an old header cell renamed": (lambda b: _ops(b).set(1, 2, "armador"),
                                   "Operaciones: header is the pre-migration header"),
    "an archive cell altered": (lambda b: _archive(b).set(2, 4, 46000), "Operaciones: archive holds exactly the "
                                                                           "removed columns' values"),
    "an archived formula kept live would differ": (lambda b: _archive(b).set(2, 3, "=B2"),
                                                   "Operaciones: archive holds exactly the removed columns' values"),
    "an archive row missing": (lambda b: _archive(b).rows.pop(), "Operaciones: archive holds exactly the removed "
                                                                 "columns' values"),
    "an archive row extra": (lambda b: _archive(b).rows.append(["Operaciones", 3, "T-2", "x", "", ""]),
                             "Operaciones: archive holds exactly the removed columns' values"),
    # Archive rows are matched by key (a sort moves rows): another key is another row's values.
    "an archive row with another key": (lambda b: _archive(b).set(4, 2, "T-2"),
                                        "Operaciones: archive holds exactly the removed columns' values"),
    "an archive column renamed": (lambda b: _archive(b).set(1, 4, "Fecha"),
                                  "Operaciones: archive holds exactly the removed columns' values"),
    "a tag left behind": (lambda b: b.tag_column("Operaciones", WIDTH, "Ocupado_Por", MIGRATION.id),
                          "column tags removed"),
    "event types left registered": (lambda b: b.set_meta(MetaKey.EVENT_TYPES, REGISTRY),
                                    "event types as before the migration"),
    "schema version left": (lambda b: b.set_meta(MetaKey.SCHEMA_VERSION, MIGRATION.id), "schema version restored"),
    "history without the rollback": (lambda b: b.sheets[HISTORY_SHEET].rows.pop(), "history records the rollback"),
}


@pytest.mark.parametrize("case", ROLLBACK_WRONGS)
def test_verify_rollback_fails_exactly_the_check_the_sheet_breaks(tmp_path: Path, case: str) -> None:
    wrong, check = ROLLBACK_WRONGS[case]
    report = _run_rollback(tmp_path, wrong)
    assert report.status == "failed"
    assert failed_names(report) == ([check] if isinstance(check, str) else check), report.failed


def test_verify_rollback_lists_an_old_cell_changed_and_rows_deleted(tmp_path: Path) -> None:
    def writes(book: FakeBook) -> None:
        _ops(book).set(3, 2, "MR(93)")
        _ops(book).rows.pop()

    report = _run_rollback(tmp_path, writes)
    assert report.status == "passed_with_concurrent_changes", report.failed
    listed = {(c.row, c.column, c.before, c.after) for c in report.concurrent_changes}
    assert (3, "Armador", "", "MR(93)") in listed
    assert {(5, "OT", 4, ""), (5, "TAG_SPOOL", "T-4", ""), (5, "Armador", "JP(7)", "")} <= listed


# -- verify_structure (the standalone `zeues-migrate verify`) ------------------------------------------------

def _structure(wrong: Wrong | None) -> VerifyReport:
    reader = FakeReader({SID: applied_book()})
    if wrong:
        wrong(reader.books[SID])
    return verify_structure(read_live_state(reader.as_reader(), SID), [MIGRATION], BASELINE)


def _unknown_applied(book: FakeBook) -> None:
    row = _history_row("apply", "applied")
    row[0] = "9.9"
    book.sheets[HISTORY_SHEET].rows.append(row)


STRUCTURE_WRONGS: dict[str, tuple[Wrong, str | list[str]]] = {
    "an applied migration this tool does not know": (_unknown_applied, "applied migrations are known"),
    "an applied checksum differs": (_history_checksum, "3.0: checksum"),
    "a column renamed": (lambda b: _ops(b).set(1, WIDTH + 1, "Fecha"), "Operaciones: Fecha_Ocupacion present and tagged"),
    "a tag lost": (_drop_tag, "Operaciones: Fecha_Ocupacion present and tagged"),
    "a tag moved": (_move_tag, "Operaciones: version present and tagged"),
    "a tag of another migration": (lambda b: b.metadata.__setitem__(1, {**b.metadata[1], "metadataValue": "2.9"}),
                                   "Operaciones: Ocupado_Por present and tagged"),
    "event types not registered": (lambda b: b.set_meta(MetaKey.EVENT_TYPES, None), "event types registered"),
    "schema version wrong": (lambda b: b.set_meta(MetaKey.SCHEMA_VERSION, "2.1"), "schema version"),
}


def test_a_correctly_applied_sheet_passes_the_structure_check() -> None:
    report = _structure(None)
    assert report.status == "passed", report.failed


@pytest.mark.parametrize("case", STRUCTURE_WRONGS)
def test_verify_structure_fails_exactly_the_check_the_sheet_breaks(case: str) -> None:
    wrong, check = STRUCTURE_WRONGS[case]
    report = _structure(wrong)
    assert report.status == "failed"
    assert failed_names(report) == ([check] if isinstance(check, str) else check), report.failed


# -- the backup proof (Run._backup) ---------------------------------------------------------------------------

def _backup_run(tmp_path: Path, wrong: Wrong | None) -> tuple[Run, Callable[[], None]]:
    """A run whose backup step is recorded (the copy exists): `_backup` only reads the copy back."""
    reader = FakeReader({SID: v21_book()})
    snapshots = snapshots_of(reader, SID, {"Operaciones": 1, "Metadata": 1}, tmp_path)
    copy = reader.copy_book(SID, BACKUP)
    if wrong:
        wrong(copy)
    clients = cast(GoogleClients, SimpleNamespace(sheets=reader.as_reader()))
    store = CheckpointStore(tmp_path / "checkpoints")
    run = Run(Target(clients, SID, store, Progress(io.StringIO())), ApplyKind(MIGRATION, BASELINE, [MIGRATION]))
    run.open(MIGRATION.checksum)
    run.record("backup", BackupMade(backup_id=BACKUP))
    return run, lambda: run._backup(snapshots)


def test_a_faithful_backup_is_proven(tmp_path: Path) -> None:
    run, prove = _backup_run(tmp_path, None)
    prove()
    assert run.result("verify_backup", BackupVerified).concurrent_changes == 0


BACKUP_WRONGS: dict[str, Wrong] = {
    "another header cell": lambda b: b.sheets["Operaciones"].set(1, 2, "armador"),
    "a header column fewer": lambda b: [r.pop() for r in b.sheets["Operaciones"].rows if len(r) == WIDTH],
    "a header column more": lambda b: b.sheets["Metadata"].set(1, 3, "extra"),
    "a sheet missing": lambda b: b.sheets.pop("Metadata"),
}


@pytest.mark.parametrize("case", BACKUP_WRONGS)
def test_a_backup_with_another_header_is_refused_and_the_run_kept(tmp_path: Path, case: str) -> None:
    run, prove = _backup_run(tmp_path, BACKUP_WRONGS[case])
    with pytest.raises(Refused) as refused:
        prove()
    assert [f.code for f in refused.value.findings] == [ErrorCode.BACKUP_MISMATCH]
    assert not run.done("verify_backup")
    assert run.existing() is not None, "the checkpoint stays for a rerun"


def test_a_column_appended_before_the_copy_is_in_the_live_header_too_and_proves_the_backup(tmp_path: Path) -> None:
    def appended(book: FakeBook) -> None:
        book.sheets["Metadata"].set(1, len(META_HEADER), "extra")

    run, prove = _backup_run(tmp_path, appended)
    appended(cast(FakeReader, run.clients.sheets).books[SID])
    prove()
    assert run.done("verify_backup")


def _two_writes(book: FakeBook) -> None:
    book.sheets["Operaciones"].set(3, 2, "JP(7)")
    book.sheets["Metadata"].set(3, 0, "e3")


def test_a_backup_cell_that_differs_from_the_snapshot_is_counted_when_the_live_sheet_has_it(tmp_path: Path) -> None:
    # A write made between the snapshot and the copy is in the copy and in the live sheet read after it: counted.
    run, prove = _backup_run(tmp_path, _two_writes)
    _two_writes(cast(FakeReader, run.clients.sheets).books[SID])
    prove()
    assert run.result("verify_backup", BackupVerified).concurrent_changes == 2


def test_a_write_made_after_the_copy_is_in_the_live_sheet_only_and_proves_nothing_wrong(tmp_path: Path) -> None:
    run, prove = _backup_run(tmp_path, None)
    _two_writes(cast(FakeReader, run.clients.sheets).books[SID])
    prove()
    assert run.result("verify_backup", BackupVerified).concurrent_changes == 0


def test_a_row_written_before_and_after_the_copy_is_proven_cell_by_cell(tmp_path: Path) -> None:
    # One cell written before the copy (in the copy and the live sheet), another of the same row after it (live only):
    # the copy's row equals neither row whole, but each of its cells equals one of the two.
    run, prove = _backup_run(tmp_path, lambda b: b.sheets["Operaciones"].set(3, 2, "JP(7)"))
    live = cast(FakeReader, run.clients.sheets).books[SID].sheets["Operaciones"]
    live.set(3, 2, "JP(7)")
    live.set(3, 3, "01-02-2026")
    prove()
    assert run.result("verify_backup", BackupVerified).concurrent_changes == 1


def _empty_the_copy(book: FakeBook) -> None:
    for sheet in book.sheets.values():
        del sheet.rows[1:]


DAMAGED_COPIES: dict[str, tuple[Wrong, str]] = {
    # (a copy cell the live sheet does not have either, what the message names)
    "a cell only the copy has": (_two_writes, "Operaciones row 3 (T-2) Armador: snapshot '', live '', backup 'JP(7)'"),
    "every data row cleared": (_empty_the_copy, "Operaciones row 2 (T-1) OT: snapshot 1, live 1, backup ''"),
    "a row's cells shifted": (lambda b: b.sheets["Operaciones"].rows[2].insert(0, ""), "row 3 (T-2)"),
}


@pytest.mark.parametrize("case", DAMAGED_COPIES)
def test_a_damaged_backup_is_refused_naming_it_and_what_differs(tmp_path: Path, case: str) -> None:
    wrong, named = DAMAGED_COPIES[case]
    run, prove = _backup_run(tmp_path, wrong)
    with pytest.raises(Refused) as refused:
        prove()
    (finding,) = refused.value.findings
    assert finding.code == ErrorCode.BACKUP_MISMATCH
    assert BACKUP in finding.message and named in finding.message and "--discard-checkpoint" in finding.message
    assert not run.done("verify_backup") and run.existing() is not None


# -- rows compared by key, columns by tag and name (a human sorts, a human adds a column) ---------------------

def _sort_operaciones(book: FakeBook) -> None:
    sheet = _ops(book)
    sheet.rows[1:] = sorted(sheet.rows[1:], key=lambda r: str(r[1]), reverse=True)


def test_a_sort_between_the_snapshot_and_the_apply_is_no_concurrent_change(tmp_path: Path) -> None:
    report = _run_apply(tmp_path, _sort_operaciones)
    assert report.status == "passed", (report.failed, report.concurrent_changes)
    assert report.concurrent_changes_total == 0


def test_a_sorted_sheet_and_archive_verify_a_right_rollback(tmp_path: Path) -> None:
    def sort_both(book: FakeBook) -> None:
        _sort_operaciones(book)
        archive = _archive(book)
        archive.rows[1:] = archive.rows[:0:-1]

    report = _run_rollback(tmp_path, sort_both)
    assert report.status == "passed", (report.failed, report.concurrent_changes)


def test_a_sort_does_not_hide_a_wrong_archive(tmp_path: Path) -> None:
    def sort_and_alter(book: FakeBook) -> None:
        _sort_operaciones(book)
        _archive(book).set(2, 4, 46000)

    report = _run_rollback(tmp_path, sort_and_alter)
    assert failed_names(report) == ["Operaciones: archive holds exactly the removed columns' values"]


HUMAN = "Observaciones"


def _with_human_column(book: FakeBook) -> FakeBook:
    """A column a human added after the 3.0 columns, with a value in one row."""
    _ops(book).set(1, WIDTH + len(NEW), HUMAN)
    _ops(book).set(3, WIDTH + len(NEW), "revisar")
    return book


def _rollback_with_human_column(tmp_path: Path, wrong: Wrong | None) -> VerifyReport:
    reader = FakeReader({SID: _with_human_column(applied_with_values())})
    snapshots = snapshots_of(reader, SID, {"Operaciones": 1, "Metadata": 0}, tmp_path)
    book = rolled_back_book()
    for row in (1, 3):
        _ops(book).set(row, WIDTH, _ops(reader.books[SID]).cell(row, WIDTH + len(NEW)))
    reader.books[SID] = book
    if wrong:
        wrong(book)
    return verify_rollback(reader.as_reader(), SID, MIGRATION.id, BASELINE, [], snapshots, {"Operaciones": WIDTH},
                           ARCHIVE, {"Operaciones": list(range(WIDTH, WIDTH + len(NEW)))})


def test_a_column_a_human_added_after_the_migrations_is_kept_and_named_not_a_failure(tmp_path: Path) -> None:
    report = _rollback_with_human_column(tmp_path, None)
    assert report.status == "passed", (report.failed, report.concurrent_changes)
    assert [n for n in report.notes if HUMAN in n], report.notes


@pytest.mark.parametrize("case", ["the human column lost", "a removed column left before it", "its cell changed"])
def test_with_a_human_column_a_wrong_rollback_still_fails(tmp_path: Path, case: str) -> None:
    wrongs: dict[str, tuple[Wrong, str | None]] = {
        "the human column lost": (lambda b: [r.__delitem__(slice(WIDTH, None)) for r in _ops(b).rows],
                                  "Operaciones: header is the pre-migration header"),
        "a removed column left before it": (lambda b: [r.insert(WIDTH, "") for r in _ops(b).rows] and
                                            _ops(b).set(1, WIDTH, "version"),
                                            "Operaciones: header is the pre-migration header"),
        "its cell changed": (lambda b: _ops(b).set(3, WIDTH, "otro"), None),
    }
    wrong, check = wrongs[case]
    report = _rollback_with_human_column(tmp_path, wrong)
    if check is None:  # a cell: listed as a concurrent change, with its sheet
        assert [(c.sheet, c.row, c.key, c.column, c.before, c.after) for c in report.concurrent_changes] == [
            ("Operaciones", 3, "T-2", HUMAN, "revisar", "otro")]
    else:
        assert failed_names(report) == [check], report.failed


def test_a_metadata_row_appended_is_keyed_by_its_id_and_named_with_its_sheet(tmp_path: Path) -> None:
    reader = FakeReader({SID: v21_book()})
    snapshots = snapshots_of(reader, SID, {"Operaciones": 1, "Metadata": 0}, tmp_path)
    reader.books[SID] = applied_book()
    reader.books[SID].sheets["Metadata"].rows.append(["e3", "INICIAR_ARM", "T-4"])
    report = verify_apply(reader.as_reader(), SID, MIGRATION, BASELINE, [], snapshots)
    assert {(c.sheet, c.row, c.key, c.column, c.after) for c in report.concurrent_changes} == {
        ("Metadata", 4, "e3", "id", "e3"), ("Metadata", 4, "e3", "evento_tipo", "INICIAR_ARM"),
        ("Metadata", 4, "e3", "tag_spool", "T-4")}


# -- the verdict (Run._finish) --------------------------------------------------------------------------------

def test_a_failed_verification_is_raised_and_keeps_the_run_a_passed_one_retires_it(tmp_path: Path) -> None:
    failed = _run_apply(tmp_path, _drop_tag)
    run, _ = _backup_run(tmp_path / "failed", None)
    with pytest.raises(VerificationFailed) as raised:
        run._finish(failed)
    assert "Operaciones: new columns tagged (untagged: Fecha_Ocupacion)" in str(raised.value)
    assert raised.value.report.verification is failed
    kept = run.existing()
    assert kept is not None and kept.data("verify") == {"status": "failed"}, "kept for a rerun, verdict recorded"

    run, _ = _backup_run(tmp_path / "passed", None)
    report = run._finish(_run_apply(tmp_path / "passed", None))
    assert run.existing() is None and report.checkpoint is not None and "/finished/" in report.checkpoint


def test_an_archived_value_typed_during_the_rollback_passes_only_when_the_bridge_reported_it(tmp_path: Path) -> None:
    reader = FakeReader({SID: applied_with_values()})
    snapshots = snapshots_of(reader, SID, {"Operaciones": 1}, tmp_path)
    reader.books[SID] = rolled_back_book()
    _archive(reader.books[SID]).set(2, 3, "JP(7)")  # T-1's Ocupado_Por: MR(93) when snapshotted, JP(7) when archived

    def verify(typed: list[Any] | None) -> VerifyReport:
        return verify_rollback(reader.as_reader(), SID, MIGRATION.id, BASELINE, [], snapshots, {"Operaciones": WIDTH},
                               ARCHIVE, None, typed)

    assert failed_names(verify(None)) == ["Operaciones: archive holds exactly the removed columns' values"]
    other = [{"sheet": "Operaciones", "row": 2, "key": "T-1", "column": "Ocupado_Por", "value": "XX(1)"}]
    assert failed_names(verify(other)) == ["Operaciones: archive holds exactly the removed columns' values"]
    reported = verify([{"sheet": "Operaciones", "row": 2, "key": "T-1", "column": "Ocupado_Por", "value": "JP(7)"}])
    assert reported.status == "passed_with_concurrent_changes", reported.failed
    assert [(c.sheet, c.key, c.column, c.before, c.after) for c in reported.concurrent_changes] == [
        ("Operaciones", "T-1", "Ocupado_Por", "MR(93)", "JP(7)")]


def test_a_column_appended_before_the_apply_is_named_and_the_new_columns_found_after_it(tmp_path: Path) -> None:
    def appended_first(book: FakeBook) -> None:  # the human column stood when the bridge applied: 3.0 goes after it
        for row in _ops(book).rows:
            row.insert(WIDTH, "")
        _ops(book).set(1, WIDTH, HUMAN)
        _ops(book).set(2, WIDTH, "revisar")
        # The tags moved with their columns (the two tags of a column share one location).
        for where in {id(m["location"]): m["location"] for m in book.metadata if "dimensionRange" in m["location"]}.values():
            where["dimensionRange"]["startIndex"] += 1
            where["dimensionRange"]["endIndex"] += 1

    report = _run_apply(tmp_path, appended_first)
    assert report.status == "passed", (report.failed, report.concurrent_changes)
    assert [n for n in report.notes if HUMAN in n], report.notes

    def unnamed_first(book: FakeBook) -> None:  # a column without a name before the new ones is not someone's column
        appended_first(book)
        _ops(book).set(1, WIDTH, "")

    assert "Operaciones: new columns once, at the end" in failed_names(_run_apply(tmp_path / "b", unnamed_first))
