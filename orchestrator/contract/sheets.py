"""The sheets the bridge adds to the workbook and the orchestrator reads back: the history and a rollback's
archive. Contract.js gets the same names (HISTORY_SHEET, HISTORY_COLUMNS, ARCHIVE_PREFIX, ARCHIVE_COLUMNS)."""

from __future__ import annotations

# The hidden history sheet, one row per attempt, with this header (its first grid: limits.HISTORY_GRID_ROWS).
HISTORY_SHEET = "_zeues_migrations"
HISTORY_COLUMNS = ("migration_id", "checksum", "action", "status", "started_at", "finished_at", "who",
                   "backup_id", "operation_id", "details")

# A rollback's hidden archive sheet: named ARCHIVE_PREFIX + migration id + "_" + UTC time (yyyyMMddTHHmmssZ);
# its header is ARCHIVE_COLUMNS and then the name of each removed column, and each row holds where the values
# came from (the sheet, the row number, the row's key) and then the values, in that order.
ARCHIVE_PREFIX = "_zeues_archive_"
ARCHIVE_COLUMNS = ("sheet", "row", "key")
ARCHIVE_SHEET_AT = ARCHIVE_COLUMNS.index("sheet")
ARCHIVE_ROW_AT = ARCHIVE_COLUMNS.index("row")
ARCHIVE_KEY_AT = ARCHIVE_COLUMNS.index("key")
ARCHIVE_VALUES_AT = len(ARCHIVE_COLUMNS)  # where the removed columns' values start

# In a column's data validation rule (orchestrator/migrations/validation.py), where the bridge puts the column's
# first data cell (`BM2`): a custom formula's relative reference, which Sheets moves along the range.
VALIDATION_CELL = "{cell}"
