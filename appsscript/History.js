// @ts-check
// The history: a hidden sheet, one row per attempt (as Flyway's schema history table). It is also where an
// operation id is looked up, so a repeated call returns the recorded result instead of acting twice. Its name,
// header and first grid (HISTORY_SHEET, HISTORY_COLUMNS, HISTORY_GRID_ROWS) are in Contract.js.

/**
 * The history's rows from its header and its rows below (UNFORMATTED_VALUE), refused when the header is not ours.
 * @param {string[]} header
 * @param {any[][]} rows
 * @returns {HistoryRow[]}
 */
function historyRows_(header, rows) {
  if (header.join('|') !== HISTORY_COLUMNS.join('|')) {
    fail_(ERROR_CODES.CONFLICT, 'the history sheet ' + HISTORY_SHEET + ' has an unexpected header (' +
      header.join(', ') + '); it was edited by hand — restore its header row to ' + HISTORY_COLUMNS.join(', '));
  }
  return rows.filter(function (r) { return r.some(function (c) { return c !== ''; }); })
    .map(function (r) {
      /** @type {Object<string, string>} */
      var row = {};
      HISTORY_COLUMNS.forEach(function (name, i) { row[name] = r[i] === undefined ? '' : String(r[i]); });
      return /** @type {HistoryRow} */ (/** @type {unknown} */ (row));
    });
}

/** The whole history sheet, header included, in A1 notation. */
function historyRange_() {
  return quoteSheet_(HISTORY_SHEET) + '!A1:' + columnLetter_(HISTORY_COLUMNS.length - 1);
}

/**
 * Requests that append one history row (creating the hidden sheet on first use).
 * @param {WorkbookState} state
 * @param {HistoryRow} row
 * @returns {GoogleAppsScript.Sheets.Schema.Request[]}
 */
function historyRequests_(state, row) {
  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var requests = [];
  var sheet = findSheet_(state, HISTORY_SHEET);
  var sheetId = sheet ? sheet.sheetId : newSheetId_(state);
  if (!sheet) {
    requests.push({ addSheet: { properties: {
      sheetId: sheetId, title: HISTORY_SHEET, hidden: true,
      gridProperties: { rowCount: HISTORY_GRID_ROWS, columnCount: HISTORY_COLUMNS.length, frozenRowCount: 1 },
    } } });
    requests.push({ updateCells: {
      start: { sheetId: sheetId, rowIndex: 0, columnIndex: 0 }, fields: 'userEnteredValue',
      rows: [{ values: HISTORY_COLUMNS.map(function (h) { return { userEnteredValue: { stringValue: h } }; }) }],
    } });
    state.sheets.push({ sheetId: sheetId, title: HISTORY_SHEET, index: state.sheets.length, hidden: true,
      rowCount: HISTORY_GRID_ROWS, columnCount: HISTORY_COLUMNS.length, frozenRowCount: 1,
      header: HISTORY_COLUMNS.slice() });
  }
  requests.push({ appendCells: { sheetId: sheetId, fields: 'userEnteredValue', rows: [historyCells_(row)] } });
  return requests;
}

/**
 * @param {HistoryRow} row
 * @returns {GoogleAppsScript.Sheets.Schema.RowData} its cells, in HISTORY_COLUMNS order
 */
function historyCells_(row) {
  var record = /** @type {Object<string, string>} */ (/** @type {unknown} */ (row));
  return { values: HISTORY_COLUMNS.map(function (h) {
    return { userEnteredValue: { stringValue: record[h] || '' } };
  }) };
}

/**
 * The request that overwrites history row `rowNumber` (1-based) with `row`: an attempt recorded as begun
 * (a backup's `in_progress`) is finished in its own row, so the record stays one row per attempt.
 * @param {number} sheetId the history sheet's
 * @param {number} rowNumber
 * @param {HistoryRow} row
 * @returns {GoogleAppsScript.Sheets.Schema.Request}
 */
function historyUpdateRequest_(sheetId, rowNumber, row) {
  return { updateCells: { start: { sheetId: sheetId, rowIndex: rowNumber - 1, columnIndex: 0 },
    fields: 'userEnteredValue', rows: [historyCells_(row)] } };
}

/**
 * Where the last history row of an operation id is in a spreadsheet (1-based row number) and its status; null
 * when there is no such row or no history sheet. Read afresh, by position (historyRows_ drops blank rows).
 * @param {string} spreadsheetId
 * @param {string} opId
 * @returns {{rowNumber: number, status: string} | null}
 */
function historyRowOf_(spreadsheetId, opId) {
  var values;
  try {
    values = sheetsApi_().Spreadsheets.Values.get(spreadsheetId, historyRange_(),
      { valueRenderOption: 'UNFORMATTED_VALUE' }).values || [];
  } catch (e) {
    return null; // no history sheet: nothing was recorded there
  }
  var idAt = HISTORY_COLUMNS.indexOf('operation_id');
  var statusAt = HISTORY_COLUMNS.indexOf('status');
  for (var i = values.length - 1; i >= 1; i--) {
    if (String(values[i][idAt]) === opId) return { rowNumber: i + 1, status: String(values[i][statusAt] || '') };
  }
  return null;
}

/** @param {WorkbookState} state */
function newSheetId_(state) {
  var used = state.sheets.map(function (s) { return s.sheetId; });
  for (;;) {
    var id = 100000000 + Math.floor(Math.random() * 1000000000);
    if (used.indexOf(id) < 0) return id;
  }
}

/**
 * @param {{action: string, status: string, migrationId?: string, checksum?: string, backupId?: string,
 *   opId: string, startedAt: string, details: Object}} fields
 * @returns {HistoryRow}
 */
function historyRow_(fields) {
  return {
    migration_id: fields.migrationId || '', checksum: fields.checksum || '', action: fields.action,
    status: fields.status, started_at: fields.startedAt, finished_at: new Date().toISOString(), who: currentUser_(),
    backup_id: fields.backupId || '', operation_id: fields.opId, details: historyDetails_(fields.details),
  };
}

function currentUser_() {
  var active = Session.getActiveUser().getEmail();
  return active || Session.getEffectiveUser().getEmail() || 'unknown';
}

/**
 * The last history row of an operation id, or null when it never ran.
 * @param {HistoryRow[]} history
 * @param {string} opId
 */
function lastRowOf_(history, opId) {
  for (var i = history.length - 1; i >= 0; i--) {
    if (history[i].operation_id === opId) return history[i];
  }
  return null;
}

/**
 * The recorded result of an operation id, or null when it never ran or has not finished: an `in_progress` row
 * (a backup begun, its copy maybe made) has no result yet, and its function decides how to finish it
 * (Backup.js makeBackup_).
 * @param {WorkbookState} state
 * @param {string} opId
 */
function recordedResult_(state, opId) {
  var row = lastRowOf_(state.history, opId);
  if (!row || row.status === 'in_progress') return null;
  var details = JSON.parse(row.details || '{}');
  return details.result || { status: row.status };
}

/**
 * Migrations currently applied, in the order they were applied: the apply row of each. A `repair` row (Repair.js)
 * counts as its status says: `applied` as an apply (its details hold the apply's result, rebuilt from the live
 * structure), `not_applied` as a rollback; a row a repair found forged is marked `superseded` and counts for
 * nothing. The orchestrator applies the same rule (engine/state.py LiveState.applied).
 * @param {HistoryRow[]} history
 * @returns {HistoryRow[]}
 */
function appliedMigrations_(history) {
  /** @type {HistoryRow[]} */
  var applied = [];
  /** @type {Object<string, HistoryRow>} */
  var lastApply = {};
  history.forEach(function (row) {
    var restored = row.action === 'restore' && row.status === 'restored' ? restoredApplied_(row) : null;
    if (restored) {
      // A restore brings back the backup's structure: what was applied when the backup was made is applied again.
      applied = restored.filter(function (id) { return lastApply[id]; }).map(function (id) { return lastApply[id]; });
      return;
    }
    var applies = (row.action === 'apply' || row.action === 'repair') && row.status === 'applied';
    var rollsBack = (row.action === 'rollback' && row.status === 'rolled_back') ||
      (row.action === 'repair' && row.status === 'not_applied');
    if (applies || rollsBack) {
      applied = applied.filter(function (r) { return r.migration_id !== row.migration_id; });
    }
    if (applies) {
      applied.push(row);
      lastApply[row.migration_id] = row;
    }
  });
  return applied;
}

/**
 * The migrations a restore row says its backup had applied (`result.applied`, ids in order), or null when the
 * row does not say (the restore then changes nothing of what the history counts as applied).
 * @param {HistoryRow} row
 * @returns {string[] | null}
 */
function restoredApplied_(row) {
  try {
    var applied = (JSON.parse(row.details || '{}').result || {}).applied;
    return Array.isArray(applied) ? applied.map(String) : null;
  } catch (e) {
    return null;
  }
}

/**
 * Whether the history records `migrationId` as applied at some time (so "not applied now" means rolled back).
 * @param {HistoryRow[]} history
 * @param {string} migrationId
 */
function everApplied_(history, migrationId) {
  return history.some(function (r) {
    return r.migration_id === migrationId && (r.action === 'apply' || r.action === 'repair') && r.status === 'applied';
  });
}

/**
 * The hold the history records as in force — its last `hold` or `release` row is a hold — or null. A hold is
 * kept in two places: the `zeues.hold` metadata and this record. Any editor can delete the metadata with one
 * deleteDeveloperMetadata; the record still holds (Sheets.js holdInfo_ reports such a hold as `tampered`), and
 * only a release, recorded with who, ends it.
 * @param {HistoryRow[]} history
 * @returns {{by: string, at: string, reason: string} | null}
 */
function recordedHold_(history) {
  /** @type {{by: string, at: string, reason: string} | null} */
  var hold = null;
  history.forEach(function (row) {
    if (row.status !== 'done') return;
    if (row.action === 'release') hold = null;
    if (row.action !== 'hold') return;
    var recorded = null;
    try {
      recorded = (JSON.parse(row.details || '{}').result || {}).hold;
    } catch (e) {
      recorded = null; // details edited by hand: the row itself still says who held, and when
    }
    hold = recorded && typeof recorded === 'object' ? { by: String(recorded.by || row.who), at: String(recorded.at ||
      row.finished_at), reason: String(recorded.reason || '') } : { by: row.who, at: row.finished_at, reason: '' };
  });
  return hold;
}

/**
 * A hold whose `zeues.hold` metadata is gone while the history records it in force: still a hold, marked
 * `tampered` so every refusal and status says so. Null when the history records no hold in force.
 * @param {WorkbookState} state
 */
function tamperedHold_(state) {
  if (spreadsheetMeta_(state, META.BACKUP_OF)) return null; // a backup's copy of the hold is dropped on purpose
  var recorded = recordedHold_(state.history);
  return recorded ? Object.assign({}, recorded, { tampered: true }) : null;
}

/**
 * A failed or unfinished attempt that nobody has resolved blocks every change, as in Flyway (the orchestrator
 * applies the same rule: engine/state.py unresolved_failure). Not a backup's: one that never finished changed
 * no data (at most a copy exists), and its own opId finishes it (Backup.js).
 * @param {HistoryRow[]} history
 */
function unresolvedFailure_(history) {
  var failure = null;
  history.forEach(function (row) {
    if (row.action === 'backup') return;
    if (row.status === 'failed' || row.status === 'in_progress') failure = row;
    if (row.action === 'resolve') failure = null;
  });
  return /** @type {HistoryRow | null} */ (failure);
}

/**
 * The `details` cell of a history row: its JSON, shortened when it would not fit in a cell (MAX_CELL_CHARS;
 * Google would reject the whole batch, the change with it). Still valid JSON, marked `"truncated": true`. Cut
 * first: the longest texts outside `result` (a note); then the longest texts inside it (a hold's reason),
 * marking the result `"truncated": true` too; last, everything of the result but its plain values. A repeated
 * operation id replays the result as recorded (recordedResult_); planApply_ refuses a migration whose own
 * result would not fit, because a rollback reads it back.
 * @param {Object} details
 * @returns {string}
 */
function historyDetails_(details) {
  var text = JSON.stringify(details);
  if (text.length <= MAX_CELL_CHARS) return text;
  var out = /** @type {Object<string, any>} */ (JSON.parse(text));
  out.truncated = true;
  var result = out.result && typeof out.result === 'object' && !Array.isArray(out.result) ? out.result : null;
  if (cutLongestTexts_(out, out, 'result')) return JSON.stringify(out);
  if (result) {
    result.truncated = true;
    if (cutLongestTexts_(out, result, null)) return JSON.stringify(out);
    Object.keys(result).forEach(function (k) {
      if (result[k] !== null && typeof result[k] === 'object') delete result[k];
    });
  }
  text = JSON.stringify(out);
  return text.length <= MAX_CELL_CHARS ? text
    : JSON.stringify({ truncated: true, result: { status: result ? String(result.status).slice(0, 100) : '' } });
}

/**
 * Shorten the longest texts under `within` (a part of `whole`; not under its key `skip`), one at a time, until
 * `whole`'s JSON fits a cell.
 * @param {Object} whole
 * @param {Object} within
 * @param {string | null} skip
 * @returns {boolean} whether it fits now
 */
function cutLongestTexts_(whole, within, skip) {
  for (;;) {
    var over = JSON.stringify(whole).length - MAX_CELL_CHARS;
    if (over <= 0) return true;
    /** @type {{holder: Object<string, any>, key: string, length: number} | null} */
    var longest = null;
    /** @param {any} holder */
    var visit = function (holder) {
      Object.keys(holder).forEach(function (k) {
        if (holder === within && k === skip) return;
        var v = holder[k];
        if (typeof v === 'string' && (!longest || v.length > longest.length)) {
          longest = { holder: holder, key: k, length: v.length };
        } else if (v !== null && typeof v === 'object') {
          visit(v);
        }
      });
    };
    visit(within);
    var found = /** @type {{holder: Object<string, any>, key: string, length: number} | null} */ (longest);
    if (!found || found.length <= 20) return false;
    // A character of text is at least one of JSON, so cutting `over` of them (plus the mark) is enough, unless
    // the text is shorter than that: then the next longest goes too.
    found.holder[found.key] = String(found.holder[found.key]).slice(0, Math.max(0, found.length - over - 1)) + '…';
  }
}
