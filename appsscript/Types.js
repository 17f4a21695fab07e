// @ts-check
// Shapes shared by the bridge files (JSDoc only; Apps Script files share one global scope).

/**
 * @typedef {{type: string, pattern?: string | null}} NumberFormatSpec
 * @typedef {{name: string, default: string | number | boolean | null, default_on: 'key_rows' | 'all_data_rows',
 *   number_format: NumberFormatSpec | null, contract?: Object | null}} ColumnSpec
 * @typedef {{kind: 'add_columns', sheet: string, key_column: string, columns: ColumnSpec[]}} AddColumnsOp
 * @typedef {{kind: 'register_event_types', sheet: string, column: string, event_types: string[]}} RegisterEventTypesOp
 * A column's warning-only validation, derived by the orchestrator from its contract (migrations/validation.py);
 * VALIDATION_CELL in the rule stands for the column's first data cell.
 * @typedef {{sheet: string, column: string, rule: GoogleAppsScript.Sheets.Schema.DataValidationRule}} ColumnValidation
 * @typedef {{id: string, checksum: string, description: string, operations: Array<AddColumnsOp | RegisterEventTypesOp>,
 *   contracts?: Object[], validations?: ColumnValidation[]}} MigrationSpec
 * @typedef {{version: string, description: string, event_type_sheet: string, event_type_column: string,
 *   event_types: string[]}} BaselineSpec
 * @typedef {{baseline: BaselineSpec, migrations: MigrationSpec[]}} MigrationSet
 */

/**
 * A row of the `_zeues_migrations` history sheet.
 * @typedef {{migration_id: string, checksum: string, action: string, status: string, started_at: string,
 *   finished_at: string, who: string, backup_id: string, operation_id: string, details: string}} HistoryRow
 *
 * @typedef {{sheetId: number, title: string, index: number, hidden: boolean, rowCount: number, columnCount: number,
 *   frozenRowCount: number, header: string[]}} SheetInfo
 * @typedef {{id: number, key: string, value: string, sheetId: (number | null), column: (number | null)}} MetadataInfo
 * @typedef {{sheet: string, name: string, column: number, letter: string, keyColumn: string,
 *   defaultsWritten: number}} AddedColumn
 * @typedef {{spreadsheetId: string, title: string, timeZone: string, sheets: SheetInfo[], metadata: MetadataInfo[],
 *   history: HistoryRow[], cellCount: number}} WorkbookState
 *
 * The value of a backup's `zeues.backup_of` tag: what it is a copy of, when it was made, and by which operation.
 * @typedef {{original: string, title: string, url: string, createdAt: string, label: string,
 *   opId: string}} BackupTag
 */
