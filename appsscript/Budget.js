// @ts-check
// The cell budget: what a change does to the workbook's cell count, exactly as Google counts it against its
// limit (every sheet's rowCount × columnCount, hidden sheets too), before anything is written. Everything counts,
// not only the new columns: the history sheet the change is recorded in (created with a HISTORY_GRID_ROWS × 10
// grid by its first row, grown by a row by each appendCells once it has no empty row left), a rollback's archive
// sheet and the columns it deletes. The orchestrator computes the same (orchestrator/engine/budget.py).

/**
 * @typedef {{before: number, cells: number, peak: number, columns: number, history: number, archive: number,
 *   capture: number, rows: Object<string, number>, historyGrid: ({rows: number, columns: number} | null),
 *   historyLastRow: number}} CellBudget
 */

/**
 * The budget of the workbook as loaded. Call it before building the change's history requests: they add the
 * history sheet to `state.sheets` when they create it.
 * @param {WorkbookState} state
 * @returns {CellBudget}
 */
function cellBudget_(state) {
  /** @type {Object<string, number>} */
  var rows = {};
  state.sheets.forEach(function (s) { rows[s.title] = s.rowCount; });
  var history = findSheet_(state, HISTORY_SHEET);
  return {
    before: state.cellCount, cells: state.cellCount, peak: state.cellCount, columns: 0, history: 0, archive: 0, capture: 0,
    rows: rows, historyGrid: history ? { rows: history.rowCount, columns: history.columnCount } : null,
    // Where the next history row goes: after the last row with data (blank rows in between count).
    historyLastRow: history ? Math.max(lastRowWithData_(state.spreadsheetId, HISTORY_SHEET), 1 + state.history.length) : 0,
  };
}

/**
 * @param {CellBudget} budget
 * @param {'columns' | 'history' | 'archive' | 'capture'} part
 * @param {number} cells
 */
function budgetAdd_(budget, part, cells) {
  budget.cells += cells;
  budget[part] += cells;
  budget.peak = Math.max(budget.peak, budget.cells);
}

/**
 * One history row appended (History.js historyRequests_): the first creates the sheet, header in row 1.
 * @param {CellBudget} budget
 */
function budgetHistoryRow_(budget) {
  if (!budget.historyGrid) {
    budget.historyGrid = { rows: HISTORY_GRID_ROWS, columns: HISTORY_COLUMNS.length };
    budget.historyLastRow = 1;
    budgetAdd_(budget, 'history', HISTORY_GRID_ROWS * HISTORY_COLUMNS.length);
  }
  budget.historyLastRow += 1;
  if (budget.historyLastRow > budget.historyGrid.rows) {
    budgetAdd_(budget, 'history', (budget.historyLastRow - budget.historyGrid.rows) * budget.historyGrid.columns);
    budget.historyGrid.rows = budget.historyLastRow;
  }
}

/**
 * `count` columns inserted into (negative: deleted from) a sheet: each is the sheet's rowCount cells.
 * @param {CellBudget} budget
 * @param {string} title
 * @param {number} count
 */
function budgetColumns_(budget, title, count) {
  budgetAdd_(budget, 'columns', count * (budget.rows[title] || 0));
}

/**
 * A new sheet of `rows` × `columns` (a rollback's archive).
 * @param {CellBudget} budget
 * @param {number} rows
 * @param {number} columns
 */
function budgetSheet_(budget, rows, columns) {
  budgetAdd_(budget, 'archive', rows * columns);
}

/**
 * A rollback's capture sheets (Rollback.js): there from the start of its batch until its follow-up deletes them,
 * so they count toward the peak; `budgetCaptureGone_` takes them out of the final count.
 * @param {CellBudget} budget
 * @param {number} rows
 * @param {number} columns
 */
function budgetCapture_(budget, rows, columns) {
  budgetAdd_(budget, 'capture', rows * columns);
}

/** @param {CellBudget} budget */
function budgetCaptureGone_(budget) {
  budget.cells -= budget.capture;
}

/**
 * Applying `migrations` in order, each one batchUpdate with its new columns and its history row; with
 * `backupFirst`, after a backup (whose history row comes first), as the menu runs them.
 * @param {WorkbookState} state
 * @param {MigrationSpec[]} migrations
 * @param {boolean} backupFirst
 * @returns {CellBudget}
 */
function applyBudget_(state, migrations, backupFirst) {
  var budget = cellBudget_(state);
  if (backupFirst) budgetHistoryRow_(budget);
  migrations.forEach(function (m) {
    m.operations.forEach(function (op) {
      if (op.kind === 'add_columns') budgetColumns_(budget, op.sheet, op.columns.length);
    });
    budgetHistoryRow_(budget);
  });
  return budget;
}

/**
 * Refuse a change that would take the workbook over Google's cell limit at any point.
 * @param {WorkbookState} state
 * @param {CellBudget} budget
 * @param {string} change what would do it, e.g. "applying 3.0"
 */
function refuseOverCellLimit_(state, budget, change) {
  if (budget.peak <= CELL_LIMIT) return;
  /** @type {string[]} */
  var parts = [];
  [['columns', budget.columns], ['history sheet', budget.history], ['archive sheet', budget.archive],
    ['capture sheets while it runs', budget.capture]]
    .forEach(function (p) { if (p[1]) parts.push((Number(p[1]) > 0 ? '+' : '') + p[1] + ' ' + p[0]); });
  fail_(ERROR_CODES.CELL_LIMIT, change + ' would bring "' + state.title + '" to ' + budget.peak + ' cells (' +
    budget.before + ' now, ' + parts.join(', ') + '), over Google\'s limit of ' + CELL_LIMIT + '; delete unused ' +
    'empty rows or columns (the grid counts, not the data), then plan again');
}
