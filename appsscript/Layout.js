// @ts-check
// An apply lands on the layout it finds. Google has no compare-and-swap for structure: a batchUpdate is atomic,
// but its indices apply to whatever layout the sheet has when it lands, and the script lock stops other
// scripts, not people. So the apply's batch is lossless by construction (Apply.js: the new columns are created
// by an insert and every other request addresses only them), and here, still under the lock, it is retried when
// Google refused it on a changed grid, then checked against a fresh read and tidied: the new columns moved
// right after the last v2.1 column, the event-type validation put back on its column, defaults the batch could
// not place filled into empty cells only. The result says what moved (`concurrentStructureChange`).

// A grid that keeps changing under the apply is refused after this many refused batches: a person is
// restructuring the sheet, and the operator should wait for them.
var APPLY_ATTEMPTS_ = 3;

/**
 * Plan and send the apply's batch, re-planning on a grid that changed under a refused batch, then tidy.
 * @param {WorkbookState} state read under the lock
 * @param {MigrationSpec} migration
 * @param {BaselineSpec} baseline
 * @param {{expectedHeaders?: Object<string, string[]>, opId: string, startedAt: string}} options
 */
function applyOnLiveLayout_(state, migration, baseline, options) {
  /** @type {string[]} */
  var refused = [];
  for (;;) {
    var shape = layoutShape_(state); // before planning: the plan adds the history sheet to the state it creates
    var plan = planApply_(state, migration, baseline, options);
    var layout = plan.layout;
    if (!plan.requests.length || !layout) return plan.result;
    var validations = layout.eventColumn ? readValidations_(state, layout.eventColumn.sheet) : null;
    try {
      sheetsApi_().Spreadsheets.batchUpdate({ requests: plan.requests }, state.spreadsheetId);
    } catch (e) {
      // A batchUpdate is atomic: nothing of it was applied. When the grid changed meanwhile (a column deleted
      // so that the planned index is past its end), plan again on the new layout, under the same lock.
      var now = loadState_(state.spreadsheetId);
      if (layoutShape_(now) === shape) {
        fail_(ERROR_CODES.FAILED, 'Google rejected the change, so nothing was changed: ' + errorText_(e));
      }
      refused.push(errorText_(e));
      if (refused.length >= APPLY_ATTEMPTS_) {
        fail_(ERROR_CODES.FAILED, 'the sheet\'s structure changed under each of ' + refused.length + ' attempts to ' +
          'apply ' + migration.id + ', so nothing was changed (last refusal: ' + refused[refused.length - 1] +
          '); wait until nobody is inserting or deleting columns, then run the same command again');
      }
      state = now;
      continue;
    }
    return tidyAfterApply_(state, plan.result, layout, validations, migration, options, refused);
  }
}

/**
 * The sheets' grids and headers, to compare two reads.
 * @param {WorkbookState} state
 */
function layoutShape_(state) {
  return JSON.stringify(state.sheets.map(function (x) { return [x.sheetId, x.rowCount, x.columnCount, x.header]; }));
}

/**
 * Each column's data validations (rows 2..) of a sheet, read before the batch: what to put back on a column the
 * event-type validation lands on by mistake.
 * @param {WorkbookState} state
 * @param {string} title
 * @returns {Array<Array<GoogleAppsScript.Sheets.Schema.DataValidationRule | undefined>>} [column][row - 2]
 */
function readValidations_(state, title) {
  var sheet = requireSheet_(state, title);
  /** @type {Array<Array<GoogleAppsScript.Sheets.Schema.DataValidationRule | undefined>>} */
  var out = [];
  for (var c = 0; c < sheet.columnCount; c++) out.push([]);
  if (sheet.rowCount < 2) return out;
  var got = sheetsApi_().Spreadsheets.get(state.spreadsheetId, {
    ranges: [quoteSheet_(title) + '!A2:' + columnLetter_(sheet.columnCount - 1) + sheet.rowCount],
    fields: 'sheets.data.rowData.values.dataValidation' });
  var rows = ((((got.sheets || [])[0] || {}).data || [])[0] || {}).rowData || [];
  rows.forEach(function (row, r) {
    (row.values || []).forEach(function (cell, col) {
      if (cell && cell.dataValidation && col < out.length) out[col][r] = cell.dataValidation;
    });
  });
  return out;
}

/**
 * After the batch, under the lock: re-read, and where a concurrent structure change displaced what the batch
 * placed by index, correct it with one more batch (moves never lose a cell; fills write empty cells only).
 * @param {WorkbookState} before the state the batch was planned on
 * @param {Object} planned the plan's result
 * @param {PlannedLayout} layout
 * @param {Array<Array<GoogleAppsScript.Sheets.Schema.DataValidationRule | undefined>> | null} validations
 * @param {MigrationSpec} migration
 * @param {{opId: string, startedAt: string}} options
 * @param {string[]} refused the refusals of earlier attempts
 */
function tidyAfterApply_(before, planned, layout, validations, migration, options, refused) {
  var result = /** @type {{columns: AddedColumn[], concurrentStructureChange?: Object | null}} */ (
    JSON.parse(JSON.stringify(planned)));
  var now = loadState_(before.spreadsheetId);
  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var requests = [];
  /** @type {string[]} */
  var changes = refused.map(function (r) { return 'a batch refused on a changed grid and planned again (' + r + ')'; });
  /** @type {Object<string, number[]>} sheet title -> column identities (indices in `now`) after the moves */
  var order = {};
  var sheets = Object.keys(layout.headers);
  sheets.forEach(function (title) {
    var cols = layout.columns.filter(function (c) { return c.sheet === title; });
    if (!cols.length) return;
    var sheet = requireSheet_(now, title);
    /** @type {number[]} */
    var ids = [];
    for (var i = 0; i < sheet.columnCount; i++) ids.push(i);
    order[title] = ids;
    var at = cols.map(function (c) { return taggedColumn_(now, sheet, migration.id, c.name); });
    if (at.some(function (p) { return p < 0; })) {
      changes.push(title + ': a new column lost its tag right after the batch; not moved');
      return;
    }
    var last = lastOldColumn_(sheet, layout.headers[title], at);
    var contiguous = at.every(function (p, j) { return p === at[0] + j; });
    if (contiguous && at[0] === last + 1) return;
    var what = cols.map(function (c) { return c.name; }).join(', ');
    changes.push(title + ': ' + what + ' landed at ' + at.map(columnLetter_).join(', ') + ' because the columns ' +
      'changed meanwhile; moved after ' + columnLetter_(last) + ' "' + sheet.header[last] + '"');
    if (contiguous) {
      requests.push(moveRequest_(sheet.sheetId, ids, at[0], at.length, last));
    } else {
      at.forEach(function (p, j) { requests.push(moveRequest_(sheet.sheetId, ids, ids.indexOf(p), 1, j ? at[j - 1] : last)); });
    }
  });
  // The validation fix addresses the layout as read, so it goes before the moves; the fills address the layout
  // after them.
  if (layout.eventColumn && validations) {
    requests = fixEventValidation_(before, now, layout.eventColumn, validations, changes).concat(requests);
  }
  migration.operations.forEach(function (op) {
    if (op.kind !== 'add_columns' || !order[op.sheet]) return;
    requests = requests.concat(fillDefaults_(now, op, migration.id, order[op.sheet], result.columns, changes));
  });
  if (!changes.length) {
    result.concurrentStructureChange = null;
    return result;
  }
  var change = { changes: changes, settled: true, message: '' };
  result.concurrentStructureChange = change;
  if (requests.length) {
    try {
      sheetsApi_().Spreadsheets.batchUpdate({ requests: requests }, before.spreadsheetId);
    } catch (e) {
      change.settled = false;
      changes.push('the correction was refused (' + errorText_(e) + '); nothing of it was applied');
    }
    now = loadState_(before.spreadsheetId);
  }
  // Where the columns finally are, from the last read: a change racing the correction shows here.
  sheets.forEach(function (title) {
    var sheet = findSheet_(now, title);
    if (!sheet) return;
    var named = result.columns.filter(function (c) { return c.sheet === title; });
    var at = named.map(function (c) { return taggedColumn_(now, /** @type {SheetInfo} */ (sheet), migration.id, c.name); });
    named.forEach(function (c, j) { c.column = at[j]; c.letter = at[j] >= 0 ? columnLetter_(at[j]) : '?'; });
    if (!named.length) return;
    var last = lastOldColumn_(sheet, layout.headers[title], at);
    if (!at.every(function (p, j) { return p === last + 1 + j; })) {
      change.settled = false;
      changes.push(title + ': the columns changed again during the correction; the new columns are at ' +
        at.map(function (p) { return p >= 0 ? columnLetter_(p) : '?'; }).join(', '));
    }
  });
  change.message = 'the sheet\'s columns changed while ' + migration.id + ' was applied: ' + changes.join('; ') +
    (change.settled ? '; every v2.1 column was kept and the new columns are right after them'
      : '; no v2.1 cell was written over, but check the layout with `zeues-migrate status` and `zeues-migrate verify`');
  recordFinalResult_(now, result, migration, options);
  return result;
}

/**
 * The column carrying the migration's tags for `name` (-1 when none).
 * @param {WorkbookState} state
 * @param {SheetInfo} sheet
 * @param {string} migrationId
 * @param {string} name
 */
function taggedColumn_(state, sheet, migrationId, name) {
  var hit = state.metadata.filter(function (m) {
    return m.key === META.COLUMN && m.value === name && m.sheetId === sheet.sheetId && m.column !== null &&
      state.metadata.some(function (n) {
        return n.key === META.MIGRATION && n.value === migrationId && n.sheetId === m.sheetId && n.column === m.column;
      });
  })[0];
  return hit ? Number(hit.column) : -1;
}

/**
 * The last column whose header is one the plan saw (not a new column, not one a person added since).
 * @param {SheetInfo} sheet
 * @param {string[]} plannedHeader
 * @param {number[]} newColumns
 */
function lastOldColumn_(sheet, plannedHeader, newColumns) {
  var old = plannedHeader.filter(function (h) { return String(h).trim(); }).map(normalizeHeader_);
  for (var i = sheet.header.length - 1; i >= 0; i--) {
    if (newColumns.indexOf(i) < 0 && String(sheet.header[i]).trim() && old.indexOf(normalizeHeader_(sheet.header[i])) >= 0) {
      return i;
    }
  }
  return lastNamedIndex_(sheet.header.filter(function (_, i) { return newColumns.indexOf(i) < 0; }));
}

/**
 * One moveDimension of `n` columns from index `start` to right after the column whose identity is `after`;
 * `ids` (column identities by position) is updated to the layout after the move.
 * @param {number} sheetId
 * @param {number[]} ids
 * @param {number} start
 * @param {number} n
 * @param {number} after
 * @returns {GoogleAppsScript.Sheets.Schema.Request}
 */
function moveRequest_(sheetId, ids, start, n, after) {
  var block = ids.splice(start, n);
  var to = ids.indexOf(after) + 1;
  for (var k = 0; k < n; k++) ids.splice(to + k, 0, block[k]);
  // destinationIndex is in the coordinates before the move (MoveDimensionRequest).
  return { moveDimension: { source: { sheetId: sheetId, dimension: 'COLUMNS', startIndex: start, endIndex: start + n },
    destinationIndex: to <= start ? to : to + n } };
}

/**
 * The event-type validation is placed by index: when the columns of its sheet changed in the batch's window, put
 * it on the event column and give the column it landed on its own validations back.
 * @param {WorkbookState} before
 * @param {WorkbookState} now
 * @param {NonNullable<PlannedLayout['eventColumn']>} placed
 * @param {Array<Array<GoogleAppsScript.Sheets.Schema.DataValidationRule | undefined>>} validations before the batch
 * @param {string[]} changes
 * @returns {GoogleAppsScript.Sheets.Schema.Request[]}
 */
function fixEventValidation_(before, now, placed, validations, changes) {
  var was = requireSheet_(before, placed.sheet);
  var sheet = requireSheet_(now, placed.sheet);
  var column = findColumn_(sheet.header, placed.name);
  if (JSON.stringify(was.header) === JSON.stringify(sheet.header) && column === placed.column) return [];
  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var requests = [];
  var hit = placed.column;
  if (hit !== column && hit < sheet.columnCount) {
    var name = String(sheet.header[hit] || '');
    var from = name.trim() ? findColumn_(was.header, name) : -1;
    var rows = Math.max(placed.rowCount, sheet.rowCount) - 1;
    /** @type {GoogleAppsScript.Sheets.Schema.RowData[]} */
    var cells = [];
    // With fields `dataValidation`, a cell without one loses the rule the batch put there.
    for (var r = 0; r < Math.min(rows, sheet.rowCount - 1); r++) {
      var rule = from >= 0 ? validations[from][r] : undefined;
      cells.push({ values: [rule ? { dataValidation: rule } : {}] });
    }
    if (cells.length) {
      requests.push({ updateCells: { start: { sheetId: sheet.sheetId, rowIndex: 1, columnIndex: hit },
        fields: 'dataValidation', rows: cells } });
    }
    changes.push(placed.sheet + ': the event-type validation landed on ' + columnLetter_(hit) +
      (name.trim() ? ' "' + name + '"' : ' (a new blank column)') + ' because the columns changed meanwhile; ' +
      (from >= 0 ? 'its own validations were put back' : 'removed from it'));
  }
  if (column >= 0) {
    requests.push({ setDataValidation: { rule: placed.rule, range: { sheetId: sheet.sheetId, startRowIndex: 1,
      endRowIndex: sheet.rowCount, startColumnIndex: column, endColumnIndex: column + 1 } } });
    if (hit !== column) changes.push(placed.sheet + ': the event-type validation set on ' + columnLetter_(column));
  } else {
    changes.push(placed.sheet + ': column "' + placed.name + '" is gone, so its validation was not placed');
  }
  return requests;
}

/**
 * Defaults are written per row from key values read before the batch: a row inserted or a sort in the window
 * misaligns them. Fill the default into the empty cells of rows that have a key (for `all_data_rows`, every row
 * up to the last with data), never over a value; count defaults left on rows without a key.
 * @param {WorkbookState} now
 * @param {AddColumnsOp} op
 * @param {string} migrationId
 * @param {number[]} ids column identities by position after the moves
 * @param {AddedColumn[]} columns the result's, whose defaultsWritten is updated
 * @param {string[]} changes
 * @returns {GoogleAppsScript.Sheets.Schema.Request[]}
 */
function fillDefaults_(now, op, migrationId, ids, columns, changes) {
  var sheet = requireSheet_(now, op.sheet);
  var withDefault = op.columns.filter(function (c) { return c.default !== null && c.default !== ''; });
  if (!withDefault.length) return [];
  var key = findColumn_(sheet.header, op.key_column);
  if (key < 0) return [];
  var keys = columnValues_(now.spreadsheetId, sheet, key, 'FORMATTED_VALUE');
  var lastDataRow = withDefault.some(function (c) { return c.default_on === 'all_data_rows'; })
    ? lastRowWithData_(now.spreadsheetId, sheet.title) : keys.length + 1;
  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var requests = [];
  withDefault.forEach(function (c) {
    var at = taggedColumn_(now, sheet, migrationId, c.name);
    if (at < 0) return;
    // FORMULA render: a formula that shows nothing is not an empty cell.
    var values = columnValues_(now.spreadsheetId, sheet, at, 'FORMULA');
    var target = ids.indexOf(at); // where the column is once the moves of the same batch are done
    /** @type {number[]} */
    var empty = [];
    var stray = 0;
    for (var r = 2; r <= Math.min(lastDataRow, sheet.rowCount); r++) {
      var keyed = String(keys[r - 2] === undefined ? '' : keys[r - 2]).trim() !== '';
      var value = String(values[r - 2] === undefined ? '' : values[r - 2]);
      if (value === '' && (keyed || c.default_on === 'all_data_rows')) empty.push(r);
      if (value !== '' && !keyed && c.default_on === 'key_rows') stray++;
    }
    var record = columns.filter(function (x) { return x.sheet === op.sheet && x.name === c.name; })[0];
    if (empty.length) {
      var cell = { userEnteredValue: extendedValue_(c.default) };
      // One updateCells per run of consecutive rows: a row left out of a run would be cleared by the mask.
      for (var i = 0; i < empty.length;) {
        var j = i;
        while (j + 1 < empty.length && empty[j + 1] === empty[j] + 1) j++;
        /** @type {GoogleAppsScript.Sheets.Schema.RowData[]} */
        var rows = [];
        for (var k = i; k <= j; k++) rows.push({ values: [cell] });
        requests.push({ updateCells: { start: { sheetId: sheet.sheetId, rowIndex: empty[i] - 1, columnIndex: target },
          fields: 'userEnteredValue', rows: rows } });
        i = j + 1;
      }
      if (record) record.defaultsWritten += empty.length;
      changes.push(op.sheet + ': ' + empty.length + ' ' + c.name + ' default(s) filled into empty cells of rows ' +
        'whose key moved while the batch was on its way');
    }
    if (stray) {
      changes.push(op.sheet + ': ' + stray + ' ' + c.name + ' value(s) on rows without a ' + op.key_column +
        ' (rows moved while the batch was on its way); left as they are');
    }
  });
  return requests;
}

/**
 * The history row the batch wrote holds the planned result; rewrite it with the final one, so a replay of the
 * operation answers where the columns really are.
 * @param {WorkbookState} now
 * @param {Object} result
 * @param {MigrationSpec} migration
 * @param {{opId: string, startedAt: string}} options
 */
function recordFinalResult_(now, result, migration, options) {
  var history = findSheet_(now, HISTORY_SHEET);
  var at = historyRowOf_(now.spreadsheetId, options.opId);
  if (!history || !at) return;
  try {
    sheetsApi_().Spreadsheets.batchUpdate({ requests: [historyUpdateRequest_(history.sheetId, at.rowNumber, historyRow_({
      action: 'apply', status: 'applied', migrationId: migration.id, checksum: migration.checksum, opId: options.opId,
      startedAt: options.startedAt, details: { result: result } }))] }, now.spreadsheetId);
  } catch (e) {
    // The change stands and its planned record with it; the result returned now is the final one.
  }
}
