// @ts-check
// Rolling back the last applied migration without losing any write made since: its columns' contents go to
// an archive sheet, the columns are deleted, its event types unregistered, the schema version restored —
// all in one batchUpdate. A full restore would lose every v2.1 write since the backup; this does not.
//
// Google has no compare-and-swap for structure: the batch's column indices apply to whatever layout exists when
// it lands, and people (not scripts) can insert, delete or move columns between the read under the lock and
// then. So the batch first copies each column it is about to delete (copyPaste, same indices, same batch) into a
// hidden capture sheet: whatever it deletes is in the capture first. A follow-up under the same lock reads the
// captures and puts right what the layout change did (finishRollback_): a deleted column that was not the
// migration's goes back where it was, a migration column still standing is archived and deleted, and a value
// typed into a deleted migration column after the archive was read is added to the archive and reported.

/** @typedef {{sheet: string, sheetId: number, name: string, column: number, keyColumn: string}} TaggedColumn */
/**
 * One capture sheet per sheet columns are deleted from: each deleted column at its own index (so pasted formulas
 * keep their text: no offset, no reference moved), and the key column.
 * @typedef {{sheet: string, sheetId: number, title: string, captureId: number, rowCount: number, width: number,
 *   columns: number[], keyAt: number}} Capture
 * @typedef {{sheet: string, row: number, key: string,
 *   values: Array<GoogleAppsScript.Sheets.Schema.ExtendedValue | undefined>}} ArchiveEntry
 * @typedef {{title: string, sheetId: number, entries: ArchiveEntry[], at: Object<string, number>,
 *   names: Object<string, string[]>}} ArchiveBook
 *   the archive as written: `entries` in its row order, `at` each one's index by archiveSlot_, `names` per
 *   sheet its removed columns in the order their values are archived
 * @typedef {{sheet: string, row: number, key: string, column: string, value: string | number | boolean}} LateValue
 * @typedef {{requests: GoogleAppsScript.Sheets.Schema.Request[], result: Object<string, any>, captures: Capture[],
 *   archive: ArchiveBook, migrationId: string, names: Object<string, string[]>, keyColumns: Object<string, string>,
 *   taken: number[],
 *   history: {checksum: string, opId: string, startedAt: string, backupId?: string}}} RollbackPlan
 */

// A rejected rollback batch (a column gone since the read, so an index is past the grid) is planned again from
// the live sheet; the follow-up is repeated while it still finds migration columns standing. Both bounded.
var ROLLBACK_TRIES = 3;
var FOLLOW_UP_TRIES = 3;

/**
 * The rollback, under the lock: plan, send, check and put right (see the top of this file).
 * @param {WorkbookState} state
 * @param {string} migrationId
 * @param {{opId: string, startedAt: string, backupId?: string}} options
 */
function runRollback_(state, migrationId, options) {
  for (var attempt = 1; ; attempt++) {
    var plan = planRollback_(state, migrationId, options);
    if (!plan.requests.length) return plan.result;
    try {
      sheetsApi_().Spreadsheets.batchUpdate({ requests: plan.requests }, state.spreadsheetId);
    } catch (e) {
      // Atomic: nothing of it was applied. A layout changed since the read is the likely cause: read, plan again.
      if (attempt >= ROLLBACK_TRIES) {
        fail_(ERROR_CODES.FAILED, 'Google rejected the rollback ' + attempt + ' times, so nothing was changed: ' +
          errorText_(e));
      }
      state = loadState_(state.spreadsheetId);
      continue;
    }
    return finishRollback_(state.spreadsheetId, plan);
  }
}

/**
 * @param {WorkbookState} state
 * @param {string} migrationId
 * @param {{opId: string, startedAt: string, backupId?: string, backupFirst?: boolean}} options `backupFirst`: count
 *   a backup's history row before the rollback in the cell budget (the menu checks before it backs up)
 * @returns {RollbackPlan}
 */
function planRollback_(state, migrationId, options) {
  require_(typeof migrationId === 'string' && migrationId.length > 0, 'migrationId is required');
  refuseInconsistent_(state, null, migrationId);
  var applied = appliedMigrations_(state.history);
  var row = applied.filter(function (r) { return r.migration_id === migrationId; })[0];
  if (!row) {
    var ever = everApplied_(state.history, migrationId);
    if (ever) {
      return /** @type {RollbackPlan} */ (/** @type {unknown} */ ({ requests: [], result: {
        status: 'already_rolled_back', migrationId: migrationId,
        message: 'migration ' + migrationId + ' is not applied (already rolled back); nothing to do' } }));
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

  var archive = archiveRequests_(state, migrationId, columns);
  var taken = [archive.sheetId];
  var captures = captureRequests_(state, captureGroups_(state, columns), archive.title, taken);
  // Before the history requests are built (they add the history sheet to the state when they create it).
  var budget = cellBudget_(state);
  if (options.backupFirst) budgetHistoryRow_(budget);
  captures.captures.forEach(function (c) { budgetCapture_(budget, c.rowCount, c.width); });
  columns.forEach(function (c) { budgetColumns_(budget, c.sheet, -1); });
  budgetSheet_(budget, archive.rows + 1, archive.width);
  budgetHistoryRow_(budget);
  budgetCaptureGone_(budget);
  refuseOverCellLimit_(state, budget, 'rolling back ' + migrationId);
  // The captures first (they read the columns at the indices the deletes use), then the deletes (highest index
  // first, so the others keep their positions), then the archive: Google checks the cell limit request by
  // request, so what is deleted makes room for the archive.
  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var requests = captures.requests.concat(deleteColumnRequests_(columns));
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
    restoredColumns: /** @type {Object[]} */ ([]), typedDuringRollback: /** @type {LateValue[]} */ ([]),
  };
  var history = { checksum: row.checksum, opId: options.opId, startedAt: options.startedAt, backupId: options.backupId };
  requests = requests.concat(historyRequests_(state, rollbackHistoryRow_(migrationId, history, result)));
  return { requests: requests, result: result, captures: captures.captures, archive: archive.book,
    migrationId: migrationId, names: archive.book.names, keyColumns: keyColumns_(columns), taken: taken,
    history: history };
}

/**
 * @param {string} migrationId
 * @param {{checksum: string, opId: string, startedAt: string, backupId?: string}} history
 * @param {Object} result
 */
function rollbackHistoryRow_(migrationId, history, result) {
  return historyRow_({ action: 'rollback', status: 'rolled_back', migrationId: migrationId, checksum: history.checksum,
    opId: history.opId, startedAt: history.startedAt, backupId: history.backupId, details: { result: result } });
}

/**
 * Delete requests for columns found in one layout: highest index first, so the others keep their positions.
 * @param {Array<{sheetId: number, column: number}>} columns
 * @returns {GoogleAppsScript.Sheets.Schema.Request[]}
 */
function deleteColumnRequests_(columns) {
  return columns.slice().sort(function (a, b) { return b.column - a.column; }).map(function (c) {
    return { deleteDimension: { range: { sheetId: c.sheetId, dimension: 'COLUMNS', startIndex: c.column,
      endIndex: c.column + 1 } } };
  });
}

/**
 * What to capture: per sheet, the indices of its columns about to be deleted and of its key column (-1: none).
 * @param {WorkbookState} state
 * @param {TaggedColumn[]} columns
 * @returns {Array<{sheet: string, sheetId: number, rowCount: number, columns: number[], keyAt: number}>}
 */
function captureGroups_(state, columns) {
  var bySheet = /** @type {Object<string, TaggedColumn[]>} */ ({});
  columns.forEach(function (c) { (bySheet[c.sheet] = bySheet[c.sheet] || []).push(c); });
  return Object.keys(bySheet).map(function (title) {
    var sheet = requireSheet_(state, title);
    var cols = bySheet[title];
    return { sheet: title, sheetId: sheet.sheetId, rowCount: sheet.rowCount,
      columns: cols.map(function (c) { return c.column; }),
      keyAt: cols[0].keyColumn ? findColumn_(sheet.header, cols[0].keyColumn) : -1 };
  });
}

/**
 * The capture sheets for columns about to be deleted, and the copyPaste requests that fill them: per sheet, a
 * hidden sheet as tall as the sheet's grid, each column (header included) and the key column pasted at its own
 * index. PASTE_NORMAL carries values, formulas, formats and validation (Sheets v4 CopyPasteRequest, PasteType);
 * with no offset no relative reference moves, so a column pasted back at the same index is as it was.
 * @param {WorkbookState} state
 * @param {Array<{sheet: string, sheetId: number, rowCount: number, columns: number[], keyAt: number}>} groups
 * @param {string} title the archive's title: each capture is named after it
 * @param {number[]} taken sheet ids already chosen (for sheets of the same batch); the new ones are added
 */
function captureRequests_(state, groups, title, taken) {
  /** @type {Capture[]} */
  var captures = [];
  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var requests = [];
  groups.forEach(function (g) {
    var width = Math.max.apply(null, g.columns.concat([g.keyAt])) + 1;
    var captureId = newSheetId_(state);
    while (taken.indexOf(captureId) >= 0) captureId = newSheetId_(state);
    taken.push(captureId);
    var capture = { sheet: g.sheet, sheetId: g.sheetId, title: title + '_capture_' + taken.length,
      captureId: captureId, rowCount: g.rowCount, width: width, columns: g.columns, keyAt: g.keyAt };
    captures.push(capture);
    requests.push({ addSheet: { properties: { sheetId: captureId, title: capture.title, hidden: true,
      gridProperties: { rowCount: g.rowCount, columnCount: width } } } });
    (g.keyAt >= 0 ? [g.keyAt] : []).concat(g.columns).forEach(function (c) {
      requests.push(copyColumnRequest_(g.sheetId, c, captureId, c, g.rowCount));
    });
  });
  return { captures: captures, requests: requests };
}

/**
 * @param {number} fromSheet @param {number} fromColumn @param {number} toSheet @param {number} toColumn
 * @param {number} rows the rows 1..rows, header included
 * @returns {GoogleAppsScript.Sheets.Schema.Request}
 */
function copyColumnRequest_(fromSheet, fromColumn, toSheet, toColumn, rows) {
  return { copyPaste: { pasteType: 'PASTE_NORMAL',
    source: { sheetId: fromSheet, startRowIndex: 0, endRowIndex: rows, startColumnIndex: fromColumn,
      endColumnIndex: fromColumn + 1 },
    destination: { sheetId: toSheet, startRowIndex: 0, endRowIndex: rows, startColumnIndex: toColumn,
      endColumnIndex: toColumn + 1 } } };
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
  /** @type {ArchiveEntry[]} */
  var entries = [];
  var at = /** @type {Object<string, number>} */ ({});
  var names = /** @type {Object<string, string[]>} */ ({});
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
    names[sheetTitle] = cols.map(function (c) { return c.name; });
    var height = data.reduce(function (n, d) { return Math.max(n, (d.rowData || []).length); }, 0);
    for (var r = 0; r < height; r++) {
      /** @type {GoogleAppsScript.Sheets.Schema.CellData[]} */
      var values = [];
      /** @type {Array<GoogleAppsScript.Sheets.Schema.ExtendedValue | undefined>} */
      var plain = [];
      var any = false;
      data.forEach(function (d) {
        var cell = ((d.rowData || [])[r] || {}).values;
        var c = cell && cell[0] ? cell[0] : {};
        var v = archivedValue_(c);
        if (v) { any = true; cells++; }
        plain.push(v);
        values.push(v ? { userEnteredValue: v, userEnteredFormat: c.userEnteredFormat } : {});
      });
      if (!any) continue;
      var key = String(keys[r] === undefined ? '' : keys[r]);
      at[archiveSlot_(sheetTitle, r + 2, key)] = entries.push({ sheet: sheetTitle, row: r + 2, key: key, values: plain }) - 1;
      rows.push({ values: archiveOrigin_(sheetTitle, r + 2, key).concat(values) });
    }
  });
  var width = ARCHIVE_COLUMNS.length + columns.length;
  var sheetId = newSheetId_(state);
  /** @type {GoogleAppsScript.Sheets.Schema.RowData[]} */
  var header = [{ values: ARCHIVE_COLUMNS.concat(columns.map(function (c) { return c.name; }))
    .map(function (h) { return { userEnteredValue: { stringValue: h } }; }) }];
  return {
    title: title, sheetId: sheetId, cells: cells, rows: rows.length, width: width,
    book: /** @type {ArchiveBook} */ ({ title: title, sheetId: sheetId, entries: entries, at: at, names: names }),
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
 * What the archive keeps of a cell: its value, a formula as its text (so the archive is inert); undefined when
 * empty.
 * @param {GoogleAppsScript.Sheets.Schema.CellData} cell
 * @returns {GoogleAppsScript.Sheets.Schema.ExtendedValue | undefined}
 */
function archivedValue_(cell) {
  var v = cell.userEnteredValue;
  if (v && v.formulaValue !== undefined) v = { stringValue: v.formulaValue };
  if (!v || !Object.keys(v).length) return undefined;
  return v;
}

/**
 * Where an archive row is looked up: by its key when it has one (rows can move — a sort, a row inserted — between
 * the read and the batch; keys do not), else by its row number.
 * @param {string} sheet
 * @param {number} row
 * @param {string} key
 */
function archiveSlot_(sheet, row, key) {
  return key ? sheet + '\u0000k' + key : sheet + '\u0000r' + row;
}

/**
 * An archive row's first cells (ARCHIVE_COLUMNS): where its values came from.
 * @param {string} sheet
 * @param {number} row 1-based
 * @param {string} key
 * @returns {GoogleAppsScript.Sheets.Schema.CellData[]}
 */
function archiveOrigin_(sheet, row, key) {
  /** @type {Object<string, GoogleAppsScript.Sheets.Schema.ExtendedValue>} */
  var origin = { sheet: { stringValue: sheet }, row: { numberValue: row }, key: { stringValue: key } };
  return ARCHIVE_COLUMNS.map(function (name) { return { userEnteredValue: origin[name] }; });
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

/**
 * @param {TaggedColumn[]} columns
 * @returns {Object<string, string>} per sheet, the name of its key column ('' when the apply recorded none)
 */
function keyColumns_(columns) {
  var keys = /** @type {Object<string, string>} */ ({});
  columns.forEach(function (c) { if (!keys[c.sheet]) keys[c.sheet] = c.keyColumn; });
  return keys;
}

/**
 * After the rollback's batch, under the same lock: read what each capture holds and put right what a layout
 * change between the read and the batch made the deletes do. One batchUpdate a round: a deleted column that was
 * not the migration's inserted back where it was and pasted from its capture; a value typed into a deleted
 * migration column after the archive was read added to the archive and to the result; a migration column still
 * standing archived the same way, captured and deleted (the next round checks that capture); the captures read
 * deleted; the history row's result brought up to date.
 * @param {string} spreadsheetId
 * @param {RollbackPlan} plan
 */
function finishRollback_(spreadsheetId, plan) {
  var captures = plan.captures;
  for (var round = 1; captures.length; round++) {
    var state = loadState_(spreadsheetId);
    var step = followUpRequests_(state, plan, captures, round < FOLLOW_UP_TRIES);
    try {
      sheetsApi_().Spreadsheets.batchUpdate({ requests: step.requests }, spreadsheetId);
    } catch (e) {
      fail_(ERROR_CODES.INCONSISTENT, 'the rollback of ' + plan.migrationId + ' deleted its columns, but Google ' +
        'rejected the check made after it (' + errorText_(e) + '); the hidden sheets ' + titlesOf_(captures) +
        ' hold every column it deleted: run `zeues-migrate verify`, put back by hand any column it reports ' +
        'missing (from those sheets or the backup), then delete those sheets');
    }
    if (step.standing.length && !step.captures.length) {
      fail_(ERROR_CODES.INCONSISTENT, 'the rollback of ' + plan.migrationId + ' left ' + step.standing.join(', ') +
        ' standing after ' + round + ' rounds: the sheet\'s columns kept moving while it ran; their values are in ' +
        'the archive "' + plan.archive.title + '": delete those columns by hand, then run `zeues-migrate verify`');
    }
    captures = step.captures;
  }
  return plan.result;
}

/** @param {Capture[]} captures */
function titlesOf_(captures) {
  return captures.map(function (c) { return '"' + c.title + '"'; }).join(', ');
}

/**
 * One round of the follow-up (see finishRollback_), planned from the live state read after the previous batch.
 * @param {WorkbookState} state
 * @param {RollbackPlan} plan
 * @param {Capture[]} captures those the previous batch filled
 * @param {boolean} mayDelete whether migration columns still standing are deleted in this round
 * @returns {{requests: GoogleAppsScript.Sheets.Schema.Request[], captures: Capture[], standing: string[]}}
 */
function followUpRequests_(state, plan, captures, mayDelete) {
  var result = plan.result;
  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var restores = [];
  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var archived = [];
  var changed = false;
  var inserted = /** @type {Object<string, number[]>} */ ({}); // per sheet: where restored columns went, in order
  captures.forEach(function (cap) {
    var got = readCells_(state.spreadsheetId, cap.title, cap.columns.concat(cap.keyAt >= 0 ? [cap.keyAt] : []),
      cap.rowCount);
    var keys = cap.keyAt >= 0 ? got[got.length - 1] : [];
    // The key column was captured at its planned index: a column inserted before it moved it away.
    if (!keys.length || normalizeHeader_(cellText_(keys[0])) !== normalizeHeader_(plan.keyColumns[cap.sheet] || '')) {
      keys = liveKeys_(state, plan, cap.sheet);
    }
    /** @type {number[]} */
    var gone = []; // the indices where the batch deleted a migration column
    /** @type {Array<{column: number, cells: GoogleAppsScript.Sheets.Schema.CellData[]}>} */
    var foreign = [];
    cap.columns.forEach(function (column, i) {
      var name = migrationName_(plan.names[cap.sheet] || [], cellText_(got[i][0]));
      if (name) {
        gone.push(column);
        changed = lateValues_(plan, cap.sheet, name, got[i], keys, archived) || changed;
      } else {
        foreign.push({ column: column, cells: got[i] });
      }
    });
    // Back where it was: its index less the migration columns deleted before it. In ascending order, so each
    // insert finds the ones before it already in place.
    foreign.sort(function (a, b) { return a.column - b.column; }).forEach(function (f) {
      var target = f.column - gone.filter(function (g) { return g < f.column; }).length;
      restores.push({ insertDimension: { range: { sheetId: cap.sheetId, dimension: 'COLUMNS', startIndex: target,
        endIndex: target + 1 }, inheritFromBefore: false } });
      restores.push(copyColumnRequest_(cap.captureId, f.column, cap.sheetId, target, cap.rowCount));
      // Pasted elsewhere than it was copied from, its relative references moved: write its formulas' text back.
      if (target !== f.column) restores = restores.concat(formulaTextRequests_(cap.sheetId, target, f.cells));
      (inserted[cap.sheet] = inserted[cap.sheet] || []).push(target);
      result.restoredColumns.push({ sheet: cap.sheet, name: cellText_(f.cells[0]), letter: columnLetter_(target) });
      changed = true;
    });
  });

  // Migration columns still standing (a stale index deleted something else): found by their tags, archived
  // against what they hold now, captured and deleted at their index once the restores are in.
  // Per sheet: what to capture (at the indices after the restores), and the columns' names and live indices.
  /** @type {Object<string, {sheet: string, sheetId: number, rowCount: number, columns: number[], keyAt: number,
   *   names: string[], live: number[]}>} */
  var groups = {};
  /** @type {string[]} */
  var standing = [];
  state.metadata.forEach(function (m) {
    if (m.key !== META.MIGRATION || m.value !== plan.migrationId || m.column === null) return;
    var sheet = state.sheets.filter(function (x) { return x.sheetId === m.sheetId; })[0];
    if (!sheet) return;
    var tag = state.metadata.filter(function (n) {
      return n.key === META.COLUMN && n.sheetId === m.sheetId && n.column === m.column;
    })[0];
    var name = tag ? tag.value : String(sheet.header[Number(m.column)] || '');
    var key = plan.keyColumns[sheet.title] ? findColumn_(sheet.header, plan.keyColumns[sheet.title]) : -1;
    var g = groups[sheet.title] = groups[sheet.title] || { sheet: sheet.title, sheetId: sheet.sheetId,
      rowCount: sheet.rowCount, columns: [], names: [], live: [],
      keyAt: key < 0 ? -1 : shifted_(key, inserted[sheet.title] || []) };
    g.live.push(Number(m.column));
    g.columns.push(shifted_(Number(m.column), inserted[sheet.title] || []));
    g.names.push(name);
    standing.push(sheet.title + ' "' + name + '"');
  });
  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var deletes = [];
  var list = Object.keys(groups).map(function (t) { return groups[t]; });
  list.forEach(function (g) {
    var got = readCells_(state.spreadsheetId, g.sheet, g.live, g.rowCount);
    var keys = liveKeys_(state, plan, g.sheet);
    g.names.forEach(function (name, i) {
      changed = lateValues_(plan, g.sheet, name, got[i], keys, archived) || changed;
    });
    if (mayDelete) {
      deletes = deletes.concat(deleteColumnRequests_(g.columns.map(function (c) { return { sheetId: g.sheetId, column: c }; })));
    }
    changed = true;
  });
  var next = mayDelete ? captureRequests_(state, list, plan.archive.title, plan.taken) : { captures: [], requests: [] };

  var requests = restores.concat(next.requests, deletes, archived,
    captures.map(function (c) { return { deleteSheet: { sheetId: c.captureId } }; }));
  var history = findSheet_(state, HISTORY_SHEET);
  var recorded = changed && history ? historyRowOf_(state.spreadsheetId, plan.history.opId) : null;
  if (history && recorded) {
    requests.push(historyUpdateRequest_(history.sheetId, recorded.rowNumber,
      rollbackHistoryRow_(plan.migrationId, plan.history, result)));
  }
  return { requests: requests, captures: next.captures, standing: standing };
}

/**
 * The key column of a sheet as it stands now, header first ([] when it has none).
 * @param {WorkbookState} state
 * @param {RollbackPlan} plan
 * @param {string} title
 */
function liveKeys_(state, plan, title) {
  var sheet = findSheet_(state, title);
  var at = sheet && plan.keyColumns[title] ? findColumn_(sheet.header, plan.keyColumns[title]) : -1;
  return sheet && at >= 0 ? readCells_(state.spreadsheetId, title, [at], sheet.rowCount)[0] : [];
}

/**
 * Where column `index` is once columns were inserted at `inserts` (ascending, each in the layout it met).
 * @param {number} index
 * @param {number[]} inserts
 */
function shifted_(index, inserts) {
  inserts.forEach(function (t) { if (t <= index) index++; });
  return index;
}

/**
 * The migration column a captured header names, or '' (the capture holds some other column).
 * @param {string[]} names the migration's columns of that sheet
 * @param {string} header
 */
function migrationName_(names, header) {
  if (!String(header).trim()) return '';
  return names.filter(function (n) { return normalizeHeader_(n) === normalizeHeader_(header); })[0] || '';
}

/** @param {GoogleAppsScript.Sheets.Schema.CellData | undefined} cell */
function cellText_(cell) {
  var v = (cell || {}).userEnteredValue || {};
  var x = v.stringValue !== undefined ? v.stringValue : v.numberValue !== undefined ? v.numberValue :
    v.boolValue !== undefined ? v.boolValue : v.formulaValue;
  return x === undefined || x === null ? '' : String(x);
}

/**
 * The cells of some columns of a sheet, rows 1..rows (header included): one list per column, indexed by row
 * (0 is the header); rows Google leaves out (empty at the end) are missing.
 * @param {string} spreadsheetId
 * @param {string} title
 * @param {number[]} columns 0-based
 * @param {number} rows
 * @returns {GoogleAppsScript.Sheets.Schema.CellData[][]}
 */
function readCells_(spreadsheetId, title, columns, rows) {
  if (!columns.length) return [];
  var ranges = columns.map(function (c) {
    var l = columnLetter_(c);
    return quoteSheet_(title) + '!' + l + '1:' + l + rows;
  });
  var got = sheetsApi_().Spreadsheets.get(spreadsheetId, { ranges: ranges,
    fields: 'sheets.data.rowData.values(userEnteredValue)' });
  var data = ((got.sheets || [])[0] || {}).data || [];
  return columns.map(function (_, i) {
    return ((data[i] || {}).rowData || []).map(function (r) { return (r.values || [])[0] || {}; });
  });
}

/**
 * Formulas of a column pasted back `target`: their text as it was captured (copyPaste moved their references).
 * @param {number} sheetId
 * @param {number} target
 * @param {GoogleAppsScript.Sheets.Schema.CellData[]} cells
 * @returns {GoogleAppsScript.Sheets.Schema.Request[]}
 */
function formulaTextRequests_(sheetId, target, cells) {
  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var out = [];
  cells.forEach(function (cell, r) {
    var v = cell.userEnteredValue;
    if (!v || v.formulaValue === undefined) return;
    out.push({ updateCells: { start: { sheetId: sheetId, rowIndex: r, columnIndex: target }, fields: 'userEnteredValue',
      rows: [{ values: [{ userEnteredValue: { formulaValue: v.formulaValue } }] }] } });
  });
  return out;
}

/**
 * Compare what a migration column held when it was deleted (or holds now) with the archive: a value that is not
 * the archived one was written after the archive was read. It replaces the archived value of its row (a row
 * that had none is added at the end), goes into the result's `typedDuringRollback`, and the requests that put it
 * into the archive sheet are added to `out`. A cell emptied since keeps its archived value.
 * @param {RollbackPlan} plan
 * @param {string} sheet
 * @param {string} name the column
 * @param {GoogleAppsScript.Sheets.Schema.CellData[]} cells the column, header first
 * @param {GoogleAppsScript.Sheets.Schema.CellData[]} keys the key column beside them, header first
 * @param {GoogleAppsScript.Sheets.Schema.Request[]} out
 * @returns {boolean} whether any value was late
 */
function lateValues_(plan, sheet, name, cells, keys, out) {
  var book = plan.archive;
  var at = (book.names[sheet] || []).indexOf(name);
  if (at < 0) return false;
  var late = false;
  for (var r = 1; r < cells.length; r++) {
    var v = archivedValue_(cells[r]);
    if (!v || v.stringValue === '') continue;
    var key = cellText_(keys[r]);
    var found = book.at[archiveSlot_(sheet, r + 1, key)];
    var index = found === undefined ? -1 : found;
    var entry = index >= 0 ? book.entries[index] : null;
    if (entry && JSON.stringify(entry.values[at]) === JSON.stringify(v)) continue;
    late = true;
    if (!entry || entry.values[at] === undefined) plan.result.archivedCells += 1;
    if (entry) {
      entry.values[at] = v;
      out.push({ updateCells: { start: { sheetId: book.sheetId, rowIndex: index + 1,
        columnIndex: ARCHIVE_COLUMNS.length + at }, fields: 'userEnteredValue', rows: [{ values: [{ userEnteredValue: v }] }] } });
    } else {
      entry = { sheet: sheet, row: r + 1, key: key, values: [] };
      entry.values[at] = v;
      book.at[archiveSlot_(sheet, r + 1, key)] = book.entries.push(entry) - 1;
      plan.result.archivedRows += 1;
      /** @type {GoogleAppsScript.Sheets.Schema.CellData[]} */
      var values = (book.names[sheet] || []).map(function (_, j) { return j === at ? { userEnteredValue: v } : {}; });
      out.push({ appendCells: { sheetId: book.sheetId, fields: 'userEnteredValue',
        rows: [{ values: archiveOrigin_(sheet, r + 1, entry.key).concat(values) }] } });
    }
    plan.result.typedDuringRollback.push({ sheet: sheet, row: r + 1, key: entry.key, column: name,
      value: /** @type {string | number | boolean} */ (v.stringValue !== undefined ? v.stringValue :
        v.numberValue !== undefined ? v.numberValue : v.boolValue) });
  }
  return late;
}
