// @ts-check
// Backups are full copies made by the script as the sheet owner, so they land in the owner's Drive (a
// service account has no Drive quota: that is how the first attempt's backup failed). Restore writes a
// backup's contents back into the live spreadsheet, keeping its id so the backend keeps working.

/**
 * @param {WorkbookState} state
 * @param {{opId: string, label?: string, startedAt: string}} options
 */
function makeBackup_(state, options) {
  var label = String(options.label || 'manual').replace(/[\\/:*?"<>|]/g, '-').slice(0, 80);
  var stamp = Utilities.formatDate(new Date(), state.timeZone || 'America/Santiago', 'yyyy-MM-dd HH:mm:ss');
  var name = state.title + ' — backup ' + label + ' ' + stamp;
  var copy = SpreadsheetApp.openById(state.spreadsheetId).copy(name);
  var result = { status: 'backed_up', backupId: copy.getId(), backupUrl: copy.getUrl(), name: name };
  var requests = historyRequests_(state, historyRow_({ action: 'backup', status: 'done', opId: options.opId,
    startedAt: options.startedAt, backupId: result.backupId, details: { result: result, label: label } }));
  sheetsApi_().Spreadsheets.batchUpdate({ requests: requests }, state.spreadsheetId);
  return result;
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
  var result = { status: options.force ? 'restored' : 'dry_run', backupId: backupId, cellsDiffering: total,
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
 * Replace the live zeues metadata (except the hold) with the backup's.
 * @param {WorkbookState} state
 * @param {string} backupId
 * @param {GoogleAppsScript.Sheets.Schema.Sheet[]} backupSheets
 * @returns {GoogleAppsScript.Sheets.Schema.Request[]}
 */
function restoreMetadataRequests_(state, backupId, backupSheets) {
  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var requests = [];
  state.metadata.forEach(function (m) {
    if (m.key === META.HOLD) return;
    requests.push({ deleteDeveloperMetadata: { dataFilter: { developerMetadataLookup: { metadataId: m.id } } } });
  });
  var theirs = searchZeuesMetadata_(backupId, backupSheets.map(function (s) {
    var p = s.properties || {};
    return { sheetId: Number(p.sheetId), title: String(p.title), index: 0, hidden: false, rowCount: 0, columnCount: 0,
      frozenRowCount: 0, header: [] };
  }));
  theirs.forEach(function (m) {
    if (m.key === META.HOLD) return;
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
