// @ts-check
// Applying a migration: every change it makes goes into ONE Sheets batchUpdate, which Google applies
// all-or-nothing. Nothing here knows about a particular migration: it interprets the spec's operations.

/**
 * @typedef {{requests: GoogleAppsScript.Sheets.Schema.Request[], result: Object, layout?: PlannedLayout}} Plan
 * Where an apply's batch puts things, as planned from the state read before it (Layout.js checks it after):
 * the header of each sheet the migration touches, the new columns, and the event-type column's validation.
 * @typedef {{headers: Object<string, string[]>, columns: Array<{sheet: string, name: string, column: number}>,
 *   eventColumn: {sheet: string, name: string, column: number, rowCount: number,
 *     rule: GoogleAppsScript.Sheets.Schema.DataValidationRule} | null}} PlannedLayout
 */

/**
 * Build the batchUpdate for `migration` on the current state, or explain why it must not run.
 * @param {WorkbookState} state
 * @param {MigrationSpec} migration
 * @param {BaselineSpec} baseline
 * @param {{expectedHeaders?: Object<string, string[]>, opId: string, startedAt: string}} options
 * @returns {Plan}
 */
function planApply_(state, migration, baseline, options) {
  checkMigrationSpec_(migration);
  refuseInconsistent_(state, migration);
  var applied = appliedMigrations_(state.history);
  var same = applied.filter(function (r) { return r.migration_id === migration.id; })[0];
  if (same) {
    if (same.checksum !== migration.checksum) {
      fail_(ERROR_CODES.CHECKSUM, 'migration ' + migration.id + ' was applied with checksum ' + same.checksum +
        ' but its spec now has ' + migration.checksum + '; an applied migration must not change — restore its ' +
        'file and write a new migration for the new change');
    }
    return { requests: [], result: { status: 'already_applied', migrationId: migration.id,
      appliedAt: same.finished_at, message: 'migration ' + migration.id + ' is already applied; nothing to do' } };
  }
  refuseWhenBlocked_(state);
  var later = applied.filter(function (r) { return versionCompare_(r.migration_id, migration.id) > 0; })[0];
  if (later) {
    fail_(ERROR_CODES.ORDER, 'migration ' + later.migration_id + ' is applied and comes after ' + migration.id +
      '; migrations apply in version order');
  }
  checkExpectedHeaders_(state, migration, options.expectedHeaders);
  // Before any request is built: the history requests add the history sheet to the state when they create it.
  var budget = applyBudget_(state, [migration], false);
  refuseOverCellLimit_(state, budget, 'applying ' + migration.id);

  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var requests = [];
  /** @type {AddedColumn[]} */
  var columns = [];
  /** @type {string[]} */
  var registered = [];
  /** @type {{sheet: string, column: string} | null} */
  var eventColumn = null;
  /** @type {PlannedLayout} */
  var layout = { headers: {}, columns: [], eventColumn: null };
  migration.operations.forEach(function (op) {
    layout.headers[op.sheet] = requireSheet_(state, op.sheet).header.slice();
    if (op.kind === 'add_columns') {
      var added = addColumnsRequests_(state, migration, op);
      requests = requests.concat(added.requests);
      columns = columns.concat(added.columns);
    } else if (op.kind === 'register_event_types') {
      var events = registerEventTypesRequests_(state, op, baseline);
      requests = requests.concat(events.requests);
      registered = registered.concat(op.event_types);
      eventColumn = { sheet: op.sheet, column: op.column };
      layout.eventColumn = events.placed;
    }
  });
  layout.columns = columns.map(function (c) { return { sheet: c.sheet, name: c.name, column: c.column }; });
  var previousVersion = schemaVersion_(state);
  requests = requests.concat(setSpreadsheetMetaRequests_(state, META.SCHEMA_VERSION, migration.id));
  var result = {
    status: 'applied', migrationId: migration.id, checksum: migration.checksum, columns: columns,
    registeredEventTypes: registered, eventTypeColumn: eventColumn, schemaVersion: migration.id, previousSchemaVersion: previousVersion,
    cellsAdded: budget.cells - budget.before,
    // What a concurrent structure change displaced and the bridge corrected after the batch (Layout.js).
    concurrentStructureChange: null,
  };
  var record = JSON.stringify({ result: result }).length;
  if (record > MAX_CELL_CHARS) {
    // historyDetails_ would have to shorten it, and a rollback reads the recorded columns back.
    fail_(ERROR_CODES.CELL_LIMIT, 'the record of migration ' + migration.id + ' (' + columns.length + ' columns) ' +
      'would be ' + record + ' characters, over Google\'s limit of ' + MAX_CELL_CHARS + ' for its history cell; ' +
      'split it into smaller migrations');
  }
  requests = requests.concat(historyRequests_(state, historyRow_({
    action: 'apply', status: 'applied', migrationId: migration.id, checksum: migration.checksum, opId: options.opId,
    startedAt: options.startedAt, details: { result: result },
  })));
  return { requests: requests, result: result, layout: layout };
}

/** @param {MigrationSpec} migration */
function checkMigrationSpec_(migration) {
  require_(migration && typeof migration.id === 'string' && MIGRATION_ID_.test(migration.id),
    'migration.id must be a dotted version such as 3.0');
  require_(typeof migration.checksum === 'string' && migration.checksum.indexOf('sha256:') === 0,
    'migration.checksum is required (the orchestrator and Migrations.js provide it)');
  require_(Array.isArray(migration.operations) && migration.operations.length > 0, 'migration.operations is empty');
  migration.operations.forEach(function (op, i) {
    require_(op.kind === 'add_columns' || op.kind === 'register_event_types',
      'migration ' + migration.id + ' operation ' + i + ' has unknown kind ' + JSON.stringify(op.kind));
    if (op.kind === 'add_columns') op.columns.forEach(function (c) { checkColumnFits_(migration, op, c); });
  });
}

/**
 * Refuse a column whose header or default would not fit in a cell (MAX_CELL_CHARS), before any request is built:
 * Google would reject the whole batch. The orchestrator's spec model refuses the same (migrations/spec.py).
 * @param {MigrationSpec} migration
 * @param {AddColumnsOp} op
 * @param {ColumnSpec} column
 */
function checkColumnFits_(migration, op, column) {
  var name = String(column.name);
  var shown = '"' + (name.length > 40 ? name.slice(0, 40) + '…' : name) + '"';
  if (name.length > MAX_CELL_CHARS) {
    fail_(ERROR_CODES.CELL_LIMIT, 'migration ' + migration.id + ': the name of ' + op.sheet + ' column ' + shown +
      ' is ' + name.length + ' characters, over Google\'s limit of ' + MAX_CELL_CHARS + ' per cell; shorten it');
  }
  if (typeof column.default === 'string' && column.default.length > MAX_CELL_CHARS) {
    fail_(ERROR_CODES.CELL_LIMIT, 'migration ' + migration.id + ': the default of ' + op.sheet + ' column ' + shown +
      ' is ' + column.default.length + ' characters, over Google\'s limit of ' + MAX_CELL_CHARS + ' per cell; ' +
      'shorten it in orchestrator/migrations/' + migration.id + '.json');
  }
}

/** @param {WorkbookState} state */
function refuseWhenBlocked_(state) {
  var hold = holdInfo_(state);
  if (hold) {
    fail_(ERROR_CODES.HOLD, 'migrations are paused on this sheet (by ' + hold.by + ' at ' + hold.at +
      (hold.reason ? ': ' + hold.reason : '') + '); resume them from the ZEUES Migration menu or with ' +
      '`zeues-migrate hold --release`');
  }
  refuseOnFailure_(state);
}

/** @param {WorkbookState} state */
function refuseOnFailure_(state) {
  var failure = unresolvedFailure_(state.history);
  if (failure) {
    fail_(ERROR_CODES.BLOCKED, 'an earlier ' + failure.action + ' of ' + (failure.migration_id || 'the sheet') +
      ' failed at ' + failure.finished_at + ' (operation ' + failure.operation_id + '); inspect it with ' +
      '`zeues-migrate history`, then mark it resolved with `zeues-migrate resolve`');
  }
}

/**
 * Refuse when a header the plan saw has changed since; name what moved.
 * @param {WorkbookState} state
 * @param {MigrationSpec} migration
 * @param {Object<string, string[]> | undefined} expected sheet title -> header the plan saw
 */
function checkExpectedHeaders_(state, migration, expected) {
  if (!expected) return;
  Object.keys(expected).forEach(function (title) {
    var sheet = requireSheet_(state, title);
    var before = expected[title].map(String);
    var now = sheet.header;
    if (JSON.stringify(before) === JSON.stringify(now)) return;
    /** @type {string[]} */
    var changes = [];
    now.forEach(function (name, i) {
      var was = before.indexOf(name);
      if (!String(name).trim()) return;
      if (was < 0) changes.push('"' + name + '" appeared at ' + columnLetter_(i));
      else if (was !== i) changes.push('"' + name + '" moved ' + columnLetter_(was) + '→' + columnLetter_(i));
    });
    before.forEach(function (name, i) {
      if (String(name).trim() && now.indexOf(name) < 0) changes.push('"' + name + '" (was ' + columnLetter_(i) + ') is gone');
    });
    var shown = changes.slice(0, 8).join('; ') + (changes.length > 8 ? '; and ' + (changes.length - 8) + ' more' : '');
    fail_(ERROR_CODES.DRIFT, 'the ' + title + ' header changed since the plan for ' + migration.id + ': ' + shown +
      '; nothing was changed — run `zeues-migrate plan` again');
  });
}

/**
 * @param {WorkbookState} state
 * @param {MigrationSpec} migration
 * @param {AddColumnsOp} op
 */
function addColumnsRequests_(state, migration, op) {
  var sheet = requireSheet_(state, op.sheet);
  checkHeader_(sheet);
  var key = findColumn_(sheet.header, op.key_column);
  if (key < 0) {
    fail_(ERROR_CODES.NOT_FOUND, 'key column "' + op.key_column + '" not found in the ' + sheet.title + ' header');
  }
  op.columns.forEach(function (c) {
    var problem = columnNameProblem_(String(c.name));
    if (problem) fail_(ERROR_CODES.INVALID_REQUEST, problem + '; fix the migration spec');
    var at = findColumn_(sheet.header, c.name);
    if (at >= 0) {
      fail_(ERROR_CODES.CONFLICT, sheet.title + ' already has a column "' + sheet.header[at] + '" at ' +
        columnLetter_(at) + ', which matches the new column "' + c.name + '"; rename or remove it, then plan again');
    }
  });
  var start = lastNamedIndex_(sheet.header) + 1;
  var count = op.columns.length;
  if (sheet.columnCount + count > MAX_COLUMNS) {
    fail_(ERROR_CODES.CELL_LIMIT, sheet.title + ' has ' + sheet.columnCount + ' columns; adding ' + count +
      ' would pass Google\'s limit of ' + MAX_COLUMNS + ' columns per sheet; delete unused empty columns at the ' +
      'right of the header, then plan again');
  }
  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var requests = [];
  // Always an insert at the planned index, never an append and writes at computed indices: every later request
  // of the batch addresses only the columns this insert creates, so a column a person inserts, deletes or moves
  // while the batch is on its way shifts where the new columns land, never what they write over (Layout.js
  // moves them into place afterwards). Inheriting from before is what Google accepts at the grid's end
  // (startIndex == columnCount); what they inherit (formats, validation, a hidden column's hiding) is undone below.
  var inserted = { sheetId: sheet.sheetId, startRowIndex: 0, endRowIndex: sheet.rowCount, startColumnIndex: start,
    endColumnIndex: start + count };
  var dimension = { sheetId: sheet.sheetId, dimension: 'COLUMNS', startIndex: start, endIndex: start + count };
  requests.push({ insertDimension: { inheritFromBefore: true, range: dimension } });
  requests.push({ updateDimensionProperties: { range: dimension, properties: { hiddenByUser: false },
    fields: 'hiddenByUser' } });
  requests.push({ repeatCell: { range: inserted, cell: {}, fields: 'userEnteredFormat' } });
  requests.push({ setDataValidation: { range: inserted } });
  var keyValues = columnValues_(state.spreadsheetId, sheet, key, 'FORMATTED_VALUE');
  var lastDataRow = op.columns.some(function (c) { return c.default_on === 'all_data_rows' && c.default !== null; })
    ? lastRowWithData_(state.spreadsheetId, sheet.title) : keyValues.length + 1;
  /** @type {AddedColumn[]} */
  var columns = [];
  op.columns.forEach(function (c, j) {
    var col = start + j;
    var range = { sheetId: sheet.sheetId, dimension: 'COLUMNS', startIndex: col, endIndex: col + 1 };
    requests.push({ updateCells: { start: { sheetId: sheet.sheetId, rowIndex: 0, columnIndex: col },
      fields: 'userEnteredValue', rows: [{ values: [{ userEnteredValue: { stringValue: c.name } }] }] } });
    if (c.number_format) {
      var format = c.number_format.pattern ? { type: c.number_format.type, pattern: c.number_format.pattern }
        : { type: c.number_format.type };
      requests.push({ repeatCell: {
        range: { sheetId: sheet.sheetId, startRowIndex: 1, endRowIndex: sheet.rowCount, startColumnIndex: col,
          endColumnIndex: col + 1 },
        cell: { userEnteredFormat: { numberFormat: format } }, fields: 'userEnteredFormat.numberFormat',
      } });
    }
    var validation = columnValidationRule_(migration, op.sheet, c.name, columnLetter_(col) + '2');
    if (validation) {
      requests.push({ setDataValidation: { rule: validation,
        range: { sheetId: sheet.sheetId, startRowIndex: 1, endRowIndex: sheet.rowCount, startColumnIndex: col,
          endColumnIndex: col + 1 } } });
    }
    var written = 0;
    if (c.default !== null && c.default !== '') {
      /** @type {GoogleAppsScript.Sheets.Schema.RowData[]} */
      var rows = [];
      var value = extendedValue_(c.default);
      for (var r = 2; r <= lastDataRow; r++) {
        var onRow = c.default_on === 'all_data_rows' || String(keyValues[r - 2] === undefined ? '' : keyValues[r - 2]).trim() !== '';
        rows.push({ values: [onRow ? { userEnteredValue: value } : {}] });
        if (onRow) written++;
      }
      if (rows.length) {
        requests.push({ updateCells: { start: { sheetId: sheet.sheetId, rowIndex: 1, columnIndex: col },
          fields: 'userEnteredValue', rows: rows } });
      }
    }
    [[META.COLUMN, c.name], [META.MIGRATION, migration.id]].forEach(function (kv) {
      requests.push({ createDeveloperMetadata: { developerMetadata: {
        metadataKey: kv[0], metadataValue: kv[1], visibility: 'DOCUMENT', location: { dimensionRange: range },
      } } });
    });
    columns.push({ sheet: sheet.title, name: c.name, column: col, letter: columnLetter_(col), keyColumn: op.key_column,
      defaultsWritten: written });
  });
  return { requests: requests, columns: columns };
}

/**
 * The column's warning-only validation rule from its contract, as the orchestrator derived it (the bridge only
 * places it), with VALIDATION_CELL made the column's first data cell; null when the contract allows any value.
 * @param {MigrationSpec} migration
 * @param {string} sheetTitle
 * @param {string} column
 * @param {string} firstCell
 * @returns {GoogleAppsScript.Sheets.Schema.DataValidationRule | null}
 */
function columnValidationRule_(migration, sheetTitle, column, firstCell) {
  var found = (migration.validations || []).filter(function (v) {
    return v.sheet === sheetTitle && v.column === column;
  })[0];
  return found ? JSON.parse(JSON.stringify(found.rule).split(VALIDATION_CELL).join(firstCell)) : null;
}

/**
 * @param {WorkbookState} state
 * @param {RegisterEventTypesOp} op
 * @param {BaselineSpec} baseline
 */
function registerEventTypesRequests_(state, op, baseline) {
  var sheet = requireSheet_(state, op.sheet);
  checkHeader_(sheet);
  var column = findColumn_(sheet.header, op.column);
  if (column < 0) fail_(ERROR_CODES.NOT_FOUND, 'column "' + op.column + '" not found in the ' + sheet.title + ' header');
  var registry = eventTypeRegistry_(state) || baseline.event_types.slice();
  op.event_types.forEach(function (t) {
    if (registry.indexOf(t) >= 0) {
      fail_(ERROR_CODES.CONFLICT, 'event type ' + t + ' is already registered on this sheet');
    }
  });
  var requests = eventTypeRequests_(state, sheet, column, registry.concat(op.event_types), true);
  // The validation is placed by index: Layout.js checks after the batch that it landed on this column.
  var validation = requests[requests.length - 1].setDataValidation;
  return { requests: requests, placed: { sheet: sheet.title, name: op.column, column: column, rowCount: sheet.rowCount,
    rule: /** @type {GoogleAppsScript.Sheets.Schema.DataValidationRule} */ ((validation || {}).rule) } };
}

/**
 * Replace the registry and the warning-only list validation of the event column.
 * @param {WorkbookState} state
 * @param {SheetInfo} sheet
 * @param {number} column
 * @param {string[]} registry
 * @param {boolean} keep false removes both (back to a sheet no migration registered types on)
 * @returns {GoogleAppsScript.Sheets.Schema.Request[]}
 */
function eventTypeRequests_(state, sheet, column, registry, keep) {
  var range = { sheetId: sheet.sheetId, startRowIndex: 1, endRowIndex: sheet.rowCount, startColumnIndex: column,
    endColumnIndex: column + 1 };
  /** @type {GoogleAppsScript.Sheets.Schema.Request} */
  var validation = keep ? { setDataValidation: { range: range, rule: {
    condition: { type: 'ONE_OF_LIST', values: registry.map(function (t) { return { userEnteredValue: t }; }) },
    // Warning only: the backend writes through the API, which validation never blocks anyway.
    strict: false, showCustomUi: true, inputMessage: 'Event types registered by zeues-migrate',
  } } } : { setDataValidation: { range: range } };
  return setSpreadsheetMetaRequests_(state, META.EVENT_TYPES, keep ? JSON.stringify(registry) : null)
    .concat([validation]);
}

/**
 * @param {string} a
 * @param {string} b
 */
function versionCompare_(a, b) {
  var pa = a.split('.').map(Number);
  var pb = b.split('.').map(Number);
  for (var i = 0; i < Math.max(pa.length, pb.length); i++) {
    var d = (pa[i] || 0) - (pb[i] || 0);
    if (d) return d;
  }
  return 0;
}
