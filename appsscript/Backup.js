// @ts-check
// Backups are full copies made by the script as the sheet owner, so they land in the owner's Drive (a
// service account has no Drive quota: that is how the first attempt's backup failed). Restore writes a
// backup's contents back into the live spreadsheet, keeping its id so the backend keeps working.
//
// A copy carries the bound script, so a backup runs this same bridge and would show the same menu. Each backup
// is therefore tagged (`zeues.backup_of`) and inert: its menu only points to the original, and every change
// aimed at it is refused (ZEUES_IS_BACKUP) — an apply on a backup would "succeed" where nobody looks.
//
// A backup is made once, even when the run making it is killed (the 6-minute limit, a crash) or its answer is
// lost: its history row says `in_progress` (with the opId and the copy's name) before the copy is made, and
// `done` (with the copy's id) after. The name carries a marker of the opId, so a copy a killed run left can be
// found by name — by the orchestrator: the bridge has no Drive scope and cannot search. A call whose opId is
// still in progress never copies on its own: it adopts the copy it is shown (`adoptCopyId`), copies when told
// there is none (`confirmNoCopy`), and otherwise answers `backup_unconfirmed` (docs/bridge.md, "Backups are made
// once").
//
// A run's backup says what it is for (`purpose`: the change, the run, and the opId of its change step), and that
// purpose is kept in its history row. While another run's change is begun (its backup recorded) and not finished
// (no history row carries its change's opId yet), a backup for a change is refused with ZEUES_CHANGE_IN_PROGRESS:
// two operators racing never both back up and change; the second retries, finds the change made and has nothing to
// do. The run that began it is never refused (its own run id), so a run killed after its backup resumes; a claim
// older than CHANGE_CLAIM_MINUTES lapses, so an abandoned run does not block the sheet for ever (a late resume of
// it is still safe: the change itself is re-checked under the lock), and a run started with --discard-checkpoint
// names the run it replaces (`supersedes`), whose claim then stops at once.

var CHANGE_CLAIM_MINUTES = 30;

/**
 * A backup begun under an opId, as its `in_progress` row records it (a rerun names and tags the copy the same).
 * @typedef {{action: string, migrationId: string, runId: string, changeOpId: string, supersedes?: string}} BackupPurpose
 * @typedef {{opId: string, startedAt: string, label: string, rehearsal: boolean, name: string,
 *   marker: string, purpose: BackupPurpose | null}} BegunBackup
 * @typedef {{rowNumber: number, status: string}} HistoryPosition
 */

/**
 * Back up the spreadsheet — begin, copy, finish — or, for an opId begun before, finish it without a second copy.
 * @param {WorkbookState} state
 * @param {{opId: string, label?: string, rehearsal?: boolean, adoptCopyId?: string | null, confirmNoCopy?: boolean,
 *   startedAt: string, purpose?: BackupPurpose | null}} options
 */
function makeBackup_(state, options) {
  var adopt = options.adoptCopyId;
  require_(adopt === undefined || adopt === null || (typeof adopt === 'string' && adopt.length > 0),
    'adoptCopyId must be the id of a spreadsheet, or null');
  var begun = begunBackup_(state, options.opId);
  if (typeof adopt === 'string') {
    require_(begun, 'no backup with opId ' + options.opId + ' is in progress, so there is no copy to adopt');
    require_(options.confirmNoCopy !== true,
      'pass adoptCopyId (a copy was found) or confirmNoCopy (none was), not both');
    return adoptCopy_(state, begun, adopt);
  }
  if (begun && options.confirmNoCopy !== true) {
    // The copy may exist: copying again would make the second full copy of production this is here to prevent.
    return { status: 'backup_unconfirmed', opId: begun.opId, marker: begun.marker, name: begun.name,
      startedAt: begun.startedAt, message: 'backup ' + begun.opId + ' was begun at ' + begun.startedAt +
        ' and not finished, so its copy may exist; nothing was copied — look in Drive for a spreadsheet whose name ' +
        'carries ' + begun.marker + ' and call again with adoptCopyId: its id, or with confirmNoCopy: true if none ' +
        'exists' };
  }
  if (!begun) {
    var purpose = purposeOf_(options.purpose);
    if (purpose) refuseChangeInProgress_(state, purpose);
    begun = beginBackup_(state, { opId: options.opId, label: options.label, rehearsal: options.rehearsal,
      startedAt: options.startedAt, purpose: purpose });
  }
  var original = SpreadsheetApp.openById(state.spreadsheetId);
  // The copy's history is the original's, the begun row included, at the same row.
  var at = historyRowOf_(state.spreadsheetId, begun.opId);
  var copy = original.copy(begun.name);
  return finishBackup_(state, original, begun, copy,
    { tagged: false, held: !!spreadsheetMeta_(state, META.HOLD), copyRow: at, originalRow: at });
}

/**
 * The backup an opId began and did not finish (its last history row is `in_progress`), else null.
 * @param {WorkbookState} state
 * @param {string} opId
 * @returns {BegunBackup | null}
 */
function begunBackup_(state, opId) {
  var row = lastRowOf_(state.history, opId);
  if (!row || row.action !== 'backup' || row.status !== 'in_progress') return null;
  var details = /** @type {{label?: string, rehearsal?: boolean, name?: string, purpose?: BackupPurpose}} */ (
    JSON.parse(row.details || '{}'));
  return { opId: opId, startedAt: row.started_at, label: String(details.label || ''),
    rehearsal: details.rehearsal === true, name: String(details.name || ''), marker: backupMarker_(opId),
    purpose: details.purpose || null };
}

/**
 * A backup request's purpose, checked; null for a backup made for no change (the `backup` verb, a rehearsal).
 * @param {BackupPurpose | null | undefined} purpose
 * @returns {BackupPurpose | null}
 */
function purposeOf_(purpose) {
  if (purpose === undefined || purpose === null) return null;
  var fields = ['action', 'migrationId', 'runId', 'changeOpId'];
  require_(typeof purpose === 'object' && fields.every(function (f) {
    var value = /** @type {Object<string, unknown>} */ (purpose)[f];
    return typeof value === 'string' && value.length > 0;
  }), 'purpose must be {action, migrationId, runId, changeOpId}, each a non-empty string');
  require_(purpose.supersedes === undefined || typeof purpose.supersedes === 'string',
    'purpose.supersedes must be the run id of the run this one replaces');
  /** @type {BackupPurpose} */
  var checked = { action: purpose.action, migrationId: purpose.migrationId, runId: purpose.runId,
    changeOpId: purpose.changeOpId };
  if (purpose.supersedes) checked.supersedes = purpose.supersedes;
  return checked;
}

/**
 * Refuse a backup for a change while another run's change of this sheet is begun and not finished: its backup row
 * carries a purpose of another run, no history row carries that purpose's change opId, and the claim has not lapsed.
 * @param {WorkbookState} state
 * @param {BackupPurpose} purpose
 */
function refuseChangeInProgress_(state, purpose) {
  var now = Date.now();
  var finished = /** @type {Object<string, boolean>} */ ({});
  state.history.forEach(function (r) { finished[r.operation_id] = true; });
  state.history.forEach(function (r) {
    if (r.action !== 'backup') return;
    var details = /** @type {{purpose?: BackupPurpose}} */ ({});
    try {
      details = JSON.parse(r.details || '{}') || {};
    } catch (e) {
      return;  // a mangled row claims nothing
    }
    var theirs = details.purpose;
    if (!theirs || theirs.runId === purpose.runId || theirs.runId === purpose.supersedes ||
      finished[theirs.changeOpId]) {
      return;
    }
    var began = Date.parse(r.started_at);
    if (!(now - began < CHANGE_CLAIM_MINUTES * 60000)) return;
    fail_(ERROR_CODES.CHANGE_IN_PROGRESS, 'another run (' + theirs.runId + ', by ' + (r.who || 'unknown') +
      ') began to ' + theirs.action + ' ' + theirs.migrationId + ' at ' + r.started_at + ' and has not finished; ' +
      'nothing was done — wait for it and run this command again (it will see what that run did); if that run ' +
      'is yours and abandoned, run it again with --discard-checkpoint; an abandoned run stops blocking ' +
      CHANGE_CLAIM_MINUTES + ' minutes after it began');
  });
}

/**
 * Record a backup as begun (one batchUpdate), before anything is copied.
 * @param {WorkbookState} state
 * @param {{opId: string, label?: string, rehearsal?: boolean, startedAt: string, purpose: BackupPurpose | null}} options
 * @returns {BegunBackup}
 */
function beginBackup_(state, options) {
  var label = String(options.label || 'manual').replace(/[\\/:*?"<>|]/g, '-').slice(0, 80);
  var stamp = Utilities.formatDate(new Date(), state.timeZone || 'America/Santiago', 'yyyy-MM-dd HH:mm:ss');
  var marker = backupMarker_(options.opId);
  var begun = { opId: options.opId, startedAt: options.startedAt, label: label, rehearsal: !!options.rehearsal,
    name: state.title + ' — backup ' + label + ' ' + stamp + ' ' + marker, marker: marker, purpose: options.purpose };
  var row = historyRow_({ action: 'backup', status: 'in_progress', opId: begun.opId, startedAt: begun.startedAt,
    details: { label: label, rehearsal: begun.rehearsal, name: begun.name, marker: marker, purpose: begun.purpose } });
  row.finished_at = '';
  try {
    sheetsApi_().Spreadsheets.batchUpdate({ requests: historyRequests_(state, row) }, state.spreadsheetId);
  } catch (e) {
    fail_(ERROR_CODES.FAILED, 'the backup could not be recorded as begun, so no copy was made: ' + errorText_(e));
  }
  return begun;
}

/**
 * The short, stable mark of an opId that a copy's name carries, so the copy can be found in Drive by name.
 * @param {string} opId
 */
function backupMarker_(opId) {
  return '#' + opId.slice(0, 8);
}

/**
 * Finish a backup whose copy exists. The copy first, in one batchUpdate on it: tagged as a backup (unless it is a
 * rehearsal's, or tagged already) and its copy of the begun row marked done, so its history tells no unfinished
 * story. Then the original's begun row becomes `done`, with the copy's id.
 * @param {WorkbookState} state
 * @param {GoogleAppsScript.Spreadsheet.Spreadsheet} original
 * @param {BegunBackup} begun
 * @param {GoogleAppsScript.Spreadsheet.Spreadsheet} copy
 * @param {{tagged: boolean, held: boolean, copyRow: HistoryPosition | null, originalRow: HistoryPosition | null}} found
 *   whether the copy is tagged and carries a hold; where the begun row is in the copy and in the original
 */
function finishBackup_(state, original, begun, copy, found) {
  var copyId = copy.getId();
  var result = { status: 'backed_up', backupId: copyId, backupUrl: copy.getUrl(), name: copy.getName() };
  var done = historyRow_({ action: 'backup', status: 'done', opId: begun.opId, startedAt: begun.startedAt,
    backupId: copyId,
    details: { result: result, label: begun.label, rehearsal: begun.rehearsal, marker: begun.marker,
      purpose: begun.purpose } });
  // A copy keeps its sheets' ids, the history sheet's included.
  var historyId = /** @type {SheetInfo} */ (findSheet_(state, HISTORY_SHEET)).sheetId;
  var tagging = !begun.rehearsal && !found.tagged;
  var requests = tagging ? markBackupRequests_(found.held, { original: state.spreadsheetId, title: state.title,
    url: original.getUrl(), createdAt: begun.startedAt, label: begun.label, opId: begun.opId }) : [];
  if (found.copyRow && found.copyRow.status === 'in_progress') {
    requests.push(historyUpdateRequest_(historyId, found.copyRow.rowNumber, done));
  }
  if (requests.length) {
    try {
      sheetsApi_().Spreadsheets.batchUpdate({ requests: requests }, copyId);
    } catch (e) {
      // Untagged, the copy would act as a live sheet; the bridge cannot delete it (no Drive scope).
      fail_(ERROR_CODES.FAILED, 'the copy ' + copyId + ' was made but could not be ' +
        (tagging ? 'marked as a backup' : 'finished') + ' (' + errorText_(e) + '); the backup is still in progress ' +
        '— call backupSpreadsheet again with the same opId and adoptCopyId "' + copyId + '"');
    }
  }
  var at = found.originalRow;
  try {
    sheetsApi_().Spreadsheets.batchUpdate({ requests: at ? [historyUpdateRequest_(historyId, at.rowNumber, done)]
      : historyRequests_(state, done) }, state.spreadsheetId);
  } catch (e) {
    fail_(ERROR_CODES.FAILED, 'the copy ' + copyId + ' was made but could not be recorded (' + errorText_(e) +
      '); the backup is still in progress — call backupSpreadsheet again with the same opId and adoptCopyId "' +
      copyId + '"');
  }
  return result;
}

/**
 * Adopt the copy a begun backup made before it was stopped, once it is shown to be that copy: tagged with this
 * original and this opId — or, untagged (stopped before tagging, or a rehearsal's copy), named as this backup —
 * and either way holding this opId's begun row in its history, as copied. Anything else is refused, unchanged.
 * @param {WorkbookState} state
 * @param {BegunBackup} begun
 * @param {string} copyId
 */
function adoptCopy_(state, begun, copyId) {
  var which = 'pass the id of the spreadsheet named "' + begun.name + '", or confirmNoCopy: true if none exists';
  require_(copyId !== state.spreadsheetId, 'adoptCopyId is the original itself; ' + which);
  var copy;
  try {
    copy = SpreadsheetApp.openById(copyId);
  } catch (e) {
    fail_(ERROR_CODES.NOT_FOUND, 'cannot open ' + copyId + ', the copy to adopt (' + errorText_(e) + '); ' + which);
  }
  var tag = backupTag_(copy);
  var name = copy.getName();
  var row = historyRowOf_(copyId, begun.opId);
  var wrong = '';
  if (tag && tag.original !== state.spreadsheetId) {
    wrong = 'it is a backup of another spreadsheet (' + tag.original + ')';
  } else if (tag && tag.opId !== begun.opId) {
    wrong = 'it is the backup made by operation ' + (tag.opId || '(unrecorded)');
  } else if (!tag && name !== begun.name) {
    wrong = 'it is untagged and named "' + name + '"';
  } else if (!row) {
    wrong = 'its history has no row of operation ' + begun.opId + ', which the copy made by it has';
  }
  if (wrong) {
    fail_(ERROR_CODES.CONFLICT, 'spreadsheet ' + copyId + ' is not the copy made by backup ' + begun.opId + ': ' +
      wrong + '; nothing was changed — ' + which);
  }
  var held = copy.getDeveloperMetadata().some(function (m) { return m.getKey() === META.HOLD; });
  return finishBackup_(state, SpreadsheetApp.openById(state.spreadsheetId), begun, copy,
    { tagged: !!tag, held: held, copyRow: row, originalRow: historyRowOf_(state.spreadsheetId, begun.opId) });
}

/**
 * The requests that tag a fresh copy as a backup. The copy inherits the original's metadata: schema version,
 * event types and column tags stay (they are what a restore puts back), but a hold is dropped — it is the live
 * sheet's state (who paused it, and why), a restore never copies it, and on an inert copy it would only say
 * "paused" where nothing can run anyway.
 * @param {boolean} held whether the copy carries a hold
 * @param {BackupTag} tag
 * @returns {GoogleAppsScript.Sheets.Schema.Request[]}
 */
function markBackupRequests_(held, tag) {
  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var requests = [];
  if (held) {
    requests.push({ deleteDeveloperMetadata: { dataFilter: { developerMetadataLookup: { metadataKey: META.HOLD,
      locationType: 'SPREADSHEET' } } } });
  }
  requests.push({ createDeveloperMetadata: { developerMetadata: { metadataKey: META.BACKUP_OF,
    metadataValue: JSON.stringify(tag), visibility: 'DOCUMENT', location: { spreadsheet: true } } } });
  return requests;
}

/**
 * The backup tag of a spreadsheet, null when it is not a ZEUES backup. Read through SpreadsheetApp: onOpen is
 * a simple trigger, which may use its own spreadsheet but no service that needs authorisation (Advanced Sheets).
 * @param {GoogleAppsScript.Spreadsheet.Spreadsheet} spreadsheet
 * @returns {BackupTag | null}
 */
function backupTag_(spreadsheet) {
  var found = spreadsheet.getDeveloperMetadata().filter(function (m) { return m.getKey() === META.BACKUP_OF; })[0];
  return found ? parseBackupTag_(found.getValue()) : null;
}

/**
 * @param {string | null} value a `zeues.backup_of` value
 * @returns {BackupTag}
 */
function parseBackupTag_(value) {
  var tag = /** @type {Partial<BackupTag>} */ ({});
  try {
    var parsed = JSON.parse(String(value));
    if (parsed && typeof parsed === 'object') tag = parsed;
  } catch (e) {
    // A mangled tag still marks a backup: it is refused all the same, with what can be told.
  }
  return { original: String(tag.original || 'unknown'), title: String(tag.title || 'unknown'),
    url: String(tag.url || ''), createdAt: String(tag.createdAt || ''), label: String(tag.label || ''),
    opId: String(tag.opId || '') };
}

/**
 * Refuse to change a ZEUES backup, before any lock or dialog: a backup is a record of how the sheet was.
 * @param {GoogleAppsScript.Spreadsheet.Spreadsheet} spreadsheet
 */
function refuseBackup_(spreadsheet) {
  var tag = backupTag_(spreadsheet);
  if (!tag) return;
  fail_(ERROR_CODES.IS_BACKUP, 'spreadsheet ' + spreadsheet.getId() + ' is a ZEUES backup of "' + tag.title + '" (' +
    tag.original + ') made ' + tag.createdAt + '; run this against the original');
}

/**
 * @param {string} spreadsheetId
 * @returns {GoogleAppsScript.Spreadsheet.Spreadsheet}
 */
function openSpreadsheet_(spreadsheetId) {
  require_(typeof spreadsheetId === 'string' && spreadsheetId.length > 0, 'spreadsheetId is required');
  try {
    return SpreadsheetApp.openById(spreadsheetId);
  } catch (e) {
    return cannotOpen_(spreadsheetId, e);
  }
}

/**
 * Sheets (by title) of a spreadsheet with every cell's value, format and validation, and zeues metadata.
 * @param {string} spreadsheetId
 */
function readContents_(spreadsheetId) {
  return sheetsApi_().Spreadsheets.get(spreadsheetId, {
    includeGridData: true,
    fields: 'properties.title,sheets(properties(sheetId,title,index,hidden,gridProperties),' +
      'data.rowData.values(userEnteredValue,userEnteredFormat,dataValidation))',
  });
}

/**
 * @param {GoogleAppsScript.Sheets.Schema.Sheet} sheet
 * @returns {GoogleAppsScript.Sheets.Schema.RowData[]}
 */
function rowsOf_(sheet) {
  return ((sheet.data || [])[0] || {}).rowData || [];
}

/**
 * How many cells differ between two sheets (value, format or validation).
 * @param {GoogleAppsScript.Sheets.Schema.RowData[]} a
 * @param {GoogleAppsScript.Sheets.Schema.RowData[]} b
 */
function countDifferences_(a, b) {
  var n = 0;
  for (var r = 0; r < Math.max(a.length, b.length); r++) {
    var ra = (a[r] || {}).values || [];
    var rb = (b[r] || {}).values || [];
    for (var c = 0; c < Math.max(ra.length, rb.length); c++) {
      if (cellKey_(ra[c]) !== cellKey_(rb[c])) n++;
    }
  }
  return n;
}

/** @param {GoogleAppsScript.Sheets.Schema.CellData | undefined} cell */
function cellKey_(cell) {
  if (!cell) return '{}';
  var v = cell.userEnteredValue;
  return JSON.stringify([v && Object.keys(v).length ? v : null, cell.userEnteredFormat || null, cell.dataValidation || null]);
}

/**
 * Compare a backup with the live spreadsheet and, with force, write the backup's contents back.
 * The history sheet is never restored: the record of what happened must survive a restore.
 * @param {WorkbookState} state
 * @param {string} backupId
 * @param {{opId: string, force: boolean, startedAt: string}} options
 */
function planRestore_(state, backupId, options) {
  require_(typeof backupId === 'string' && backupId.length > 0, 'backupId is required');
  require_(backupId !== state.spreadsheetId, 'backupId is the live spreadsheet itself; pass the id of a backup copy');
  var backup;
  try {
    backup = readContents_(backupId);
  } catch (e) {
    fail_(ERROR_CODES.NOT_FOUND, 'cannot open backup ' + backupId + ' (' + errorText_(e) + '); list backups with ' +
      '`zeues-migrate backups`');
  }
  var live = readContents_(state.spreadsheetId);
  var restorable = function (/** @type {GoogleAppsScript.Sheets.Schema.Sheet} */ s) {
    return String((s.properties || {}).title) !== HISTORY_SHEET;
  };
  var backupSheets = (backup.sheets || []).filter(restorable);
  var liveSheets = (live.sheets || []).filter(restorable);
  /** @type {Object<string, GoogleAppsScript.Sheets.Schema.Sheet>} */
  var liveByTitle = {};
  liveSheets.forEach(function (s) { liveByTitle[String((s.properties || {}).title)] = s; });
  /** @type {Array<{sheet: string, cellsDiffering: number, gridChanges: boolean}>} */
  var perSheet = [];
  var total = 0;
  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var requests = [];
  var backupTitles = backupSheets.map(function (s) { return String((s.properties || {}).title); });
  var toDelete = liveSheets.filter(function (s) { return backupTitles.indexOf(String((s.properties || {}).title)) < 0; });
  toDelete.forEach(function (s) {
    var p = s.properties || {};
    var cells = countDifferences_([], rowsOf_(s));
    total += cells;
    perSheet.push({ sheet: String(p.title), cellsDiffering: cells, gridChanges: true });
    requests.push({ deleteSheet: { sheetId: p.sheetId } });
  });
  backupSheets.forEach(function (b) {
    var p = b.properties || {};
    var title = String(p.title);
    var grid = p.gridProperties || {};
    var target = liveByTitle[title];
    var rows = rowsOf_(b);
    var cells = countDifferences_(rows, target ? rowsOf_(target) : []);
    var sheetId;
    var gridChanges = false;
    if (target) {
      var tp = target.properties || {};
      var tg = tp.gridProperties || {};
      sheetId = Number(tp.sheetId);
      gridChanges = tg.rowCount !== grid.rowCount || tg.columnCount !== grid.columnCount || !!tp.hidden !== !!p.hidden;
      requests = requests.concat(resizeRequests_(sheetId, 'ROWS', Number(tg.rowCount), Number(grid.rowCount)),
        resizeRequests_(sheetId, 'COLUMNS', Number(tg.columnCount), Number(grid.columnCount)));
      requests.push({ updateSheetProperties: { properties: { sheetId: sheetId, hidden: !!p.hidden,
        gridProperties: { frozenRowCount: grid.frozenRowCount || 0 } }, fields: 'hidden,gridProperties.frozenRowCount' } });
    } else {
      sheetId = newSheetId_(state);
      state.sheets.push({ sheetId: sheetId, title: title, index: 0, hidden: !!p.hidden, rowCount: 0, columnCount: 0,
        frozenRowCount: 0, header: [] });
      gridChanges = true;
      requests.push({ addSheet: { properties: { sheetId: sheetId, title: title, hidden: !!p.hidden,
        gridProperties: grid } } });
    }
    total += cells;
    perSheet.push({ sheet: title, cellsDiffering: cells, gridChanges: gridChanges });
    // A `range` (not `start`) clears every cell of the grid the rows do not cover.
    requests.push({ updateCells: { range: { sheetId: sheetId, startRowIndex: 0, endRowIndex: grid.rowCount,
      startColumnIndex: 0, endColumnIndex: grid.columnCount }, rows: rows,
      fields: 'userEnteredValue,userEnteredFormat,dataValidation' } });
  });
  requests = requests.concat(restoreMetadataRequests_(state, backupId, backupSheets));
  // What the backup's own history had applied: recorded in the restore's row, the history then counts exactly
  // those as applied again (History.js restoredApplied_), as the restored structure has them.
  var applied = appliedMigrations_(loadState_(backupId).history).map(function (r) { return r.migration_id; });
  var result = { status: options.force ? 'restored' : 'dry_run', backupId: backupId, cellsDiffering: total,
    applied: applied,
    sheets: perSheet, sheetsRemoved: toDelete.map(function (s) { return String((s.properties || {}).title); }),
    message: options.force ? 'restored ' + total + ' differing cells from backup ' + backupId
      : total + ' cells differ from backup ' + backupId + '; nothing changed — pass force to restore' };
  if (!options.force) return { requests: [], result: result };
  requests = requests.concat(historyRequests_(state, historyRow_({ action: 'restore', status: 'restored',
    opId: options.opId, startedAt: options.startedAt, backupId: backupId, details: { result: result } })));
  return { requests: requests, result: result };
}

/**
 * @param {number} sheetId
 * @param {string} dimension
 * @param {number} from
 * @param {number} to
 * @returns {GoogleAppsScript.Sheets.Schema.Request[]}
 */
function resizeRequests_(sheetId, dimension, from, to) {
  if (to > from) return [{ appendDimension: { sheetId: sheetId, dimension: dimension, length: to - from } }];
  if (to < from) {
    return [{ deleteDimension: { range: { sheetId: sheetId, dimension: dimension, startIndex: to, endIndex: from } } }];
  }
  return [];
}

/**
 * Replace the live zeues metadata with the backup's, except the hold (the live sheet's own state) and the
 * backup tag (copied, it would make the live sheet an inert backup).
 * @param {WorkbookState} state
 * @param {string} backupId
 * @param {GoogleAppsScript.Sheets.Schema.Sheet[]} backupSheets
 * @returns {GoogleAppsScript.Sheets.Schema.Request[]}
 */
function restoreMetadataRequests_(state, backupId, backupSheets) {
  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var requests = [];
  var notRestored = function (/** @type {MetadataInfo} */ m) {
    return m.key === META.HOLD || m.key === META.BACKUP_OF;
  };
  state.metadata.forEach(function (m) {
    if (notRestored(m)) return;
    requests.push({ deleteDeveloperMetadata: { dataFilter: { developerMetadataLookup: { metadataId: m.id } } } });
  });
  var theirs = searchZeuesMetadata_(backupId, backupSheets.map(function (s) {
    var p = s.properties || {};
    return { sheetId: Number(p.sheetId), title: String(p.title), index: 0, hidden: false, rowCount: 0, columnCount: 0,
      frozenRowCount: 0, header: [] };
  }));
  theirs.forEach(function (m) {
    if (notRestored(m)) return;
    /** @type {GoogleAppsScript.Sheets.Schema.DeveloperMetadataLocation} */
    var location = { spreadsheet: true };
    if (m.column !== null) {
      var title = backupSheets.filter(function (s) { return Number((s.properties || {}).sheetId) === m.sheetId; })
        .map(function (s) { return String((s.properties || {}).title); })[0];
      var live = findSheet_(state, title);
      if (!live) return;
      location = { dimensionRange: { sheetId: live.sheetId, dimension: 'COLUMNS', startIndex: m.column,
        endIndex: m.column + 1 } };
    }
    requests.push({ createDeveloperMetadata: { developerMetadata: { metadataKey: m.key, metadataValue: m.value,
      visibility: 'DOCUMENT', location: location } } });
  });
  return requests;
}
