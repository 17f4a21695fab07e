// @ts-check
// Rolling back the last applied migration without losing any write made since: its columns' contents go to
// an archive sheet, the columns are deleted, its event types unregistered, the schema version restored —
// all in one batchUpdate. A full restore would lose every v2.1 write since the backup; this does not.

/** @typedef {{sheet: string, sheetId: number, name: string, column: number, keyColumn: string}} TaggedColumn */

/**
 * @param {WorkbookState} state
 * @param {string} migrationId
 * @param {{opId: string, startedAt: string, backupId?: string, backupFirst?: boolean}} options `backupFirst`: count
 *   a backup's history row before the rollback in the cell budget (the menu checks before it backs up)
 * @returns {Plan}
 */
function planRollback_(state, migrationId, options) {
  require_(typeof migrationId === 'string' && migrationId.length > 0, 'migrationId is required');
  var applied = appliedMigrations_(state.history);
  var row = applied.filter(function (r) { return r.migration_id === migrationId; })[0];
  if (!row) {
    var ever = state.history.some(function (r) { return r.migration_id === migrationId && r.action === 'apply'; });
    if (ever) {
      return { requests: [], result: { status: 'already_rolled_back', migrationId: migrationId,
        message: 'migration ' + migrationId + ' is not applied (already rolled back); nothing to do' } };
    }
    fail_(ERROR_CODES.NOT_FOUND, 'migration ' + migrationId + ' was never applied to "' + state.title +
      '"; see `zeues-migrate status`');
  }
  var last = applied[applied.length - 1];
  if (last.migration_id !== migrationId) {
    fail_(ERROR_CODES.ORDER, 'migration ' + last.migration_id + ' was applied after ' + migrationId +
      '; roll back ' + last.migration_id + ' first');
  }
  // A hold pauses migrations, not their rollback: rolling back is how an owner recovers.
  refuseOnFailure_(state);
  var applyResult = JSON.parse(row.details || '{}').result || {};
  var columns = locateTaggedColumns_(state, migrationId, applyResult.columns || []);

  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var requests = [];
  var archive = archiveRequests_(state, migrationId, columns);
  // Before the history requests are built (they add the history sheet to the state when they create it).
  var budget = cellBudget_(state);
  if (options.backupFirst) budgetHistoryRow_(budget);
  columns.forEach(function (c) { budgetColumns_(budget, c.sheet, -1); });
  budgetSheet_(budget, archive.rows + 1, archive.width);
  budgetHistoryRow_(budget);
  refuseOverCellLimit_(state, budget, 'rolling back ' + migrationId);
  // Delete first (highest index first, so the others keep their positions), then add the archive: Google
  // checks the cell limit request by request.
  columns.slice().sort(function (a, b) { return b.column - a.column; }).forEach(function (c) {
    requests.push({ deleteDimension: { range: { sheetId: c.sheetId, dimension: 'COLUMNS', startIndex: c.column,
      endIndex: c.column + 1 } } });
  });
  requests = requests.concat(archive.requests);

  var unregistered = /** @type {string[]} */ (applyResult.registeredEventTypes || []);
  if (unregistered.length) {
    requests = requests.concat(unregisterRequests_(state, applied, unregistered, applyResult.eventTypeColumn));
  }
  requests = requests.concat(setSpreadsheetMetaRequests_(state, META.SCHEMA_VERSION,
    applyResult.previousSchemaVersion === undefined ? null : applyResult.previousSchemaVersion));
  var result = {
    status: 'rolled_back', migrationId: migrationId, archiveSheet: archive.title, archivedCells: archive.cells,
    archivedRows: archive.rows, removedColumns: columns.map(function (c) { return { sheet: c.sheet, name: c.name,
      letter: columnLetter_(c.column) }; }),
    unregisteredEventTypes: unregistered, schemaVersion: applyResult.previousSchemaVersion || null,
  };
  requests = requests.concat(historyRequests_(state, historyRow_({
    action: 'rollback', status: 'rolled_back', migrationId: migrationId, checksum: row.checksum, opId: options.opId,
    startedAt: options.startedAt, backupId: options.backupId, details: { result: result },
  })));
  return { requests: requests, result: result };
}

/**
 * Find the migration's columns by their tags, and refuse when tags and header names disagree.
 * @param {WorkbookState} state
 * @param {string} migrationId
 * @param {AddedColumn[]} recorded the columns the apply recorded
 * @returns {TaggedColumn[]}
 */
function locateTaggedColumns_(state, migrationId, recorded) {
  /** @type {TaggedColumn[]} */
  var found = [];
  /** @type {string[]} */
  var problems = [];
  state.metadata.forEach(function (m) {
    if (m.key !== META.MIGRATION || m.value !== migrationId || m.column === null) return;
    var sheet = state.sheets.filter(function (s) { return s.sheetId === m.sheetId; })[0];
    var nameTag = state.metadata.filter(function (n) {
      return n.key === META.COLUMN && n.sheetId === m.sheetId && n.column === m.column;
    })[0];
    if (!sheet || !nameTag) {
      problems.push('column ' + columnLetter_(Number(m.column)) + ' carries the migration tag but no column-name tag');
      return;
    }
    var header = sheet.header[/** @type {number} */ (m.column)] || '';
    if (normalizeHeader_(header) !== normalizeHeader_(nameTag.value)) {
      problems.push(sheet.title + ' column ' + columnLetter_(Number(m.column)) + ' is tagged "' + nameTag.value +
        '" but its header reads "' + header + '"');
    }
    var record = recorded.filter(function (r) { return r.sheet === sheet.title && r.name === nameTag.value; })[0];
    found.push({ sheet: sheet.title, sheetId: sheet.sheetId, name: nameTag.value, column: Number(m.column),
      keyColumn: record ? record.keyColumn : '' });
  });
  recorded.forEach(function (r) {
    var tagged = found.filter(function (f) { return f.sheet === r.sheet && f.name === r.name; })[0];
    var sheet = findSheet_(state, r.sheet);
    var byName = sheet ? findColumn_(sheet.header, r.name) : -1;
    if (!tagged && byName >= 0) {
      problems.push(r.sheet + ' column ' + columnLetter_(byName) + ' "' + r.name + '" has lost its tag');
    } else if (!tagged) {
      problems.push(r.sheet + ' column "' + r.name + '" is gone (deleted by hand?)');
    } else if (byName >= 0 && byName !== tagged.column) {
      problems.push(r.sheet + ' has "' + r.name + '" at ' + columnLetter_(byName) + ' but the tag is on ' +
        columnLetter_(tagged.column));
    }
  });
  if (problems.length) {
    fail_(ERROR_CODES.CONFLICT, 'cannot roll back ' + migrationId + ' safely: ' + problems.join('; ') +
      '; nothing was changed — fix the columns by hand (or restore a backup with `zeues-migrate restore`)');
  }
  return found;
}

/**
 * A hidden archive sheet holding, per row that had any content in the migration's columns, where it came from
 * (ARCHIVE_COLUMNS: the sheet, the row number, the key) and what each column held (formulas kept as their text,
 * so the archive is inert). The layout is the contract's (Contract.js); the orchestrator's verifier reads it.
 * @param {WorkbookState} state
 * @param {string} migrationId
 * @param {TaggedColumn[]} columns
 */
function archiveRequests_(state, migrationId, columns) {
  var title = ARCHIVE_PREFIX + migrationId + '_' +
    Utilities.formatDate(new Date(), 'UTC', "yyyyMMdd'T'HHmmss'Z'");
  /** @type {GoogleAppsScript.Sheets.Schema.RowData[]} */
  var rows = [];
  var cells = 0;
  var bySheet = /** @type {Object<string, TaggedColumn[]>} */ ({});
  columns.forEach(function (c) { (bySheet[c.sheet] = bySheet[c.sheet] || []).push(c); });
  Object.keys(bySheet).forEach(function (sheetTitle) {
    var cols = bySheet[sheetTitle];
    var sheet = requireSheet_(state, sheetTitle);
    var ranges = cols.map(function (c) {
      var l = columnLetter_(c.column);
      return quoteSheet_(sheetTitle) + '!' + l + '2:' + l;
    });
    var got = sheetsApi_().Spreadsheets.get(state.spreadsheetId, { ranges: ranges,
      fields: 'sheets.data.rowData.values(userEnteredValue,userEnteredFormat.numberFormat)' });
    var data = ((got.sheets || [])[0] || {}).data || [];
    var keyCol = cols[0].keyColumn ? findColumn_(sheet.header, cols[0].keyColumn) : -1;
    var keys = keyCol >= 0 ? columnValues_(state.spreadsheetId, sheet, keyCol, 'FORMATTED_VALUE') : [];
    var height = data.reduce(function (n, d) { return Math.max(n, (d.rowData || []).length); }, 0);
    for (var r = 0; r < height; r++) {
      /** @type {GoogleAppsScript.Sheets.Schema.CellData[]} */
      var values = [];
      var any = false;
      data.forEach(function (d) {
        var cell = ((d.rowData || [])[r] || {}).values;
        var c = cell && cell[0] ? cell[0] : {};
        var v = c.userEnteredValue;
        if (v && v.formulaValue !== undefined) v = { stringValue: v.formulaValue };
        if (v && Object.keys(v).length) { any = true; cells++; }
        values.push(v ? { userEnteredValue: v, userEnteredFormat: c.userEnteredFormat } : {});
      });
      if (!any) continue;
      /** @type {Object<string, GoogleAppsScript.Sheets.Schema.ExtendedValue>} */
      var origin = { sheet: { stringValue: sheetTitle }, row: { numberValue: r + 2 },
        key: { stringValue: String(keys[r] === undefined ? '' : keys[r]) } };
      /** @type {GoogleAppsScript.Sheets.Schema.CellData[]} */
      var where = ARCHIVE_COLUMNS.map(function (name) { return { userEnteredValue: origin[name] }; });
      rows.push({ values: where.concat(values) });
    }
  });
  var width = ARCHIVE_COLUMNS.length + columns.length;
  var sheetId = newSheetId_(state);
  /** @type {GoogleAppsScript.Sheets.Schema.RowData[]} */
  var header = [{ values: ARCHIVE_COLUMNS.concat(columns.map(function (c) { return c.name; }))
    .map(function (h) { return { userEnteredValue: { stringValue: h } }; }) }];
  return {
    title: title, cells: cells, rows: rows.length, width: width,
    requests: [
      { addSheet: { properties: { sheetId: sheetId, title: title, hidden: true,
        gridProperties: { rowCount: rows.length + 1, columnCount: width, frozenRowCount: 1 } } } },
      { updateCells: { start: { sheetId: sheetId, rowIndex: 0, columnIndex: 0 },
        fields: 'userEnteredValue,userEnteredFormat.numberFormat',
        rows: header.concat(rows) } },
    ],
  };
}

/**
 * @param {WorkbookState} state
 * @param {HistoryRow[]} applied
 * @param {string[]} types
 * @param {{sheet: string, column: string}} where the event-type column the apply recorded
 */
function unregisterRequests_(state, applied, types, where) {
  var registry = eventTypeRegistry_(state) || [];
  var remaining = registry.filter(function (t) { return types.indexOf(t) < 0; });
  // Keep the registry (and validation) only while another applied migration still registers types.
  var others = applied.slice(0, -1).some(function (r) {
    var res = JSON.parse(r.details || '{}').result || {};
    return (res.registeredEventTypes || []).length > 0;
  });
  var sheet = requireSheet_(state, where.sheet);
  var column = findColumn_(sheet.header, where.column);
  if (column < 0) fail_(ERROR_CODES.NOT_FOUND, 'column "' + where.column + '" not found in the ' + where.sheet + ' header');
  return eventTypeRequests_(state, sheet, column, remaining, others);
}
