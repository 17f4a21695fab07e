// @ts-check
// Reading the workbook through the Advanced Sheets service: the same API, and so the same semantics, the
// orchestrator verifies through. Positions are always looked up from the live header, never assumed.

// The limits, the developer-metadata keys (META) and the header rule's character classes (HEADER_IGNORED_,
// NAME_REFUSED_) are in Contract.js, generated from the orchestrator's definitions.

/** @returns {GoogleAppsScript.Sheets} */
function sheetsApi_() {
  if (!Sheets) throw new Error('The Advanced Sheets service is not enabled (appsscript.json dependencies).');
  return Sheets;
}

/**
 * Header matching key: case, accents, spaces, underscores and the part after ` / ` do not matter
 * (the same rule as orchestrator/domain/columns.py; orchestrator/contract/header-vectors.json runs both).
 * @param {string} name
 */
function normalizeHeader_(name) {
  var primary = String(name).split(' / ')[0];
  return primary.toUpperCase().toLowerCase().normalize('NFKD').replace(HEADER_IGNORED_, '');
}

/**
 * Why `name` may not be a new column's name, or '' (the rule of columns.py column_name_problem). Positions
 * count code points, as Python does.
 * @param {string} name
 */
function columnNameProblem_(name) {
  var chars = Array.from(String(name));
  for (var i = 0; i < chars.length; i++) {
    if (NAME_REFUSED_.test(chars[i])) {
      var hex = (chars[i].codePointAt(0) || 0).toString(16).toUpperCase();
      return 'column name "' + name + '" has U+' + ('0000' + hex).slice(-Math.max(4, hex.length)) + ' at position ' +
        i + ': invisible, control and non-ASCII space characters are not allowed in a column name';
    }
  }
  if (name !== name.trim() || !normalizeHeader_(name)) {
    return 'column name "' + name + '" must not be blank or have surrounding spaces';
  }
  if (name.indexOf(' / ') >= 0) return 'column name "' + name + '" must not have a \' / \' alias';
  return '';
}

/** @param {number} index 0-based */
function columnLetter_(index) {
  var letters = '';
  for (var n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return letters;
}

/** @param {string} title */
function quoteSheet_(title) {
  return "'" + title.replace(/'/g, "''") + "'";
}

/**
 * @param {string[]} header
 * @param {string} name
 * @returns {number} 0-based index, -1 when absent
 */
function findColumn_(header, name) {
  var key = normalizeHeader_(name);
  for (var i = 0; i < header.length; i++) {
    if (String(header[i]).trim() && normalizeHeader_(header[i]) === key) return i;
  }
  return -1;
}

/**
 * Refuse a header the tool cannot map safely: duplicate names (after normalisation) and blank cells
 * between named ones.
 * @param {SheetInfo} sheet
 */
function checkHeader_(sheet) {
  /** @type {Object<string, number>} */
  var seen = {};
  var last = lastNamedIndex_(sheet.header);
  for (var i = 0; i <= last; i++) {
    var name = String(sheet.header[i]);
    if (!name.trim()) {
      fail_(ERROR_CODES.CONFLICT, sheet.title + ' has a blank header cell at column ' + columnLetter_(i) +
        ' between named columns; name it or delete the column, then plan again');
    }
    var key = normalizeHeader_(name);
    if (key in seen) {
      fail_(ERROR_CODES.CONFLICT, sheet.title + ' has duplicate header names: column ' + columnLetter_(seen[key]) +
        ' "' + sheet.header[seen[key]] + '" and column ' + columnLetter_(i) + ' "' + name +
        '" (names are compared ignoring case, accents, spaces and underscores); rename one, then plan again');
    }
    seen[key] = i;
  }
}

/** @param {string[]} header */
function lastNamedIndex_(header) {
  for (var i = header.length - 1; i >= 0; i--) if (String(header[i]).trim()) return i;
  return -1;
}

/**
 * Everything the bridge decides from: sheets with headers, zeues developer metadata, history.
 * @param {string} spreadsheetId
 * @returns {WorkbookState}
 */
function loadState_(spreadsheetId) {
  require_(typeof spreadsheetId === 'string' && spreadsheetId.length > 0, 'spreadsheetId is required');
  var api = sheetsApi_();
  // Two reads, as the orchestrator's read_live_state: the sheets, their grids and the spreadsheet's developer
  // metadata; then every header row (formatted, with its columns' metadata) and the history rows (their
  // effective values, as the values API's UNFORMATTED_VALUE renders them) in one request. Each read counts
  // against the Sheets read quota like any client's (docs/benchmarks.md, "The Google-like profile").
  /** @type {GoogleAppsScript.Sheets.Schema.Spreadsheet} */
  var ss;
  try {
    ss = api.Spreadsheets.get(spreadsheetId, {
      fields: 'spreadsheetId,properties(title,timeZone),developerMetadata,' +
        'sheets(properties(sheetId,title,index,hidden,gridProperties))',
    });
  } catch (e) {
    cannotOpen_(spreadsheetId, e);
  }
  var sheets = (ss.sheets || []).map(function (s) {
    var p = s.properties || {};
    var grid = p.gridProperties || {};
    return {
      sheetId: Number(p.sheetId || 0), title: String(p.title), index: Number(p.index || 0), hidden: !!p.hidden,
      rowCount: Number(grid.rowCount || 0), columnCount: Number(grid.columnCount || 0),
      frozenRowCount: Number(grid.frozenRowCount || 0), header: /** @type {string[]} */ ([]),
    };
  });
  // Only ranges inside a grid: Google refuses a range that starts past it (a chart sheet has none).
  var ranges = sheets.filter(function (s) { return s.rowCount > 0 && s.columnCount > 0; })
    .map(function (s) { return quoteSheet_(s.title) + '!1:1'; });
  var historySheet = sheets.filter(function (s) { return s.title === HISTORY_SHEET; })[0];
  if (historySheet && historySheet.rowCount > 1 && historySheet.columnCount > 0) {
    ranges.push(quoteSheet_(HISTORY_SHEET) + '!A2:' + columnLetter_(HISTORY_COLUMNS.length - 1));
  }
  /** @type {any[]} */
  var found = (ss.developerMetadata || []).slice();
  /** @type {any[][]} */
  var historyCells = [];
  if (ranges.length) {
    var got = api.Spreadsheets.get(spreadsheetId, { ranges: ranges, fields: 'sheets(properties(title),' +
      'data(startRow,rowData(values(formattedValue,effectiveValue)),columnMetadata(developerMetadata)))' });
    (got.sheets || []).forEach(function (part) {
      var sheet = findSheetIn_(sheets, String((part.properties || {}).title));
      (part.data || []).forEach(function (data) {
        (data.columnMetadata || []).forEach(function (c) { found = found.concat(c.developerMetadata || []); });
        var rows = data.rowData || [];
        if (!Number(data.startRow || 0)) {
          if (sheet) sheet.header = trimmedRow_((rows[0] && rows[0].values || []).map(function (v) {
            return v.formattedValue === undefined ? '' : String(v.formattedValue);
          }));
        } else {
          historyCells = rows.map(function (r) { return trimmedRow_((r.values || []).map(unformattedValue_)); });
        }
      });
    });
  }
  var cellCount = sheets.reduce(function (n, s) { return n + s.rowCount * s.columnCount; }, 0);
  var state = {
    spreadsheetId: spreadsheetId,
    title: String((ss.properties || {}).title || ''),
    timeZone: String((ss.properties || {}).timeZone || ''),
    sheets: sheets, metadata: zeuesMetadata_(found), history: /** @type {HistoryRow[]} */ ([]),
    cellCount: cellCount,
  };
  if (historySheet) state.history = historyRows_(historySheet.header, historyCells);
  return state;
}

/**
 * @param {SheetInfo[]} sheets
 * @param {string} title
 * @returns {SheetInfo | null}
 */
function findSheetIn_(sheets, title) {
  for (var i = 0; i < sheets.length; i++) if (sheets[i].title === title) return sheets[i];
  return null;
}

/**
 * A grid cell as the values API's UNFORMATTED_VALUE renders it: its typed value, an error as its text.
 * @param {GoogleAppsScript.Sheets.Schema.CellData} cell
 * @returns {string | number | boolean}
 */
function unformattedValue_(cell) {
  var v = cell.effectiveValue;
  if (!v) return '';
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.numberValue !== undefined) return v.numberValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return cell.formattedValue === undefined ? '' : cell.formattedValue;
}

/**
 * A row without its trailing empty cells, as the values API returns rows.
 * @template T
 * @param {T[]} row
 * @returns {T[]}
 */
function trimmedRow_(row) {
  var end = row.length;
  while (end > 0 && row[end - 1] === '') end--;
  return row.slice(0, end);
}

/**
 * @param {string} spreadsheetId
 * @param {unknown} e why it could not be opened
 * @returns {never}
 */
function cannotOpen_(spreadsheetId, e) {
  return fail_(ERROR_CODES.NOT_FOUND, 'cannot open spreadsheet ' + spreadsheetId + ' (' + errorText_(e) +
    '); check the id and that the script owner can edit it');
}

/**
 * The zeues developer metadata of another spreadsheet (a backup), by one search.
 * @param {string} spreadsheetId
 * @param {SheetInfo[]} sheets
 * @returns {MetadataInfo[]}
 */
function searchZeuesMetadata_(spreadsheetId, sheets) {
  var keys = Object.values(META);
  var found = sheetsApi_().Spreadsheets.DeveloperMetadata.search({
    dataFilters: keys.map(function (k) { return { developerMetadataLookup: { metadataKey: k } }; }),
  }, spreadsheetId);
  return zeuesMetadata_((found.matchedDeveloperMetadata || []).map(function (m) { return m.developerMetadata || {}; }));
}

/**
 * The entries with a zeues key, each once, with where they stand.
 * @param {GoogleAppsScript.Sheets.Schema.DeveloperMetadata[]} entries
 * @returns {MetadataInfo[]}
 */
function zeuesMetadata_(entries) {
  var keys = Object.values(META);
  /** @type {MetadataInfo[]} */
  var out = [];
  entries.forEach(function (md) {
    if (keys.indexOf(String(md.metadataKey)) < 0) return;
    var loc = md.location || {};
    var range = loc.dimensionRange;
    out.push({
      id: Number(md.metadataId), key: String(md.metadataKey), value: String(md.metadataValue || ''),
      sheetId: range ? Number(range.sheetId || 0) : (loc.sheetId !== undefined ? Number(loc.sheetId) : null),
      column: range && range.dimension === 'COLUMNS' ? Number(range.startIndex || 0) : null,
    });
  });
  // A search can match one entry through several filters; keep one of each.
  var seen = /** @type {Object<string, boolean>} */ ({});
  return out.filter(function (m) { return seen[m.id] ? false : (seen[m.id] = true); });
}

/**
 * @param {WorkbookState} state
 * @param {string} title
 * @returns {SheetInfo | null}
 */
function findSheet_(state, title) {
  return findSheetIn_(state.sheets, title);
}

/**
 * @param {WorkbookState} state
 * @param {string} title
 * @returns {SheetInfo}
 */
function requireSheet_(state, title) {
  var sheet = findSheet_(state, title);
  if (!sheet) fail_(ERROR_CODES.NOT_FOUND, 'sheet "' + title + '" not found in "' + state.title + '"');
  return sheet;
}

/**
 * @param {WorkbookState} state
 * @param {string} key
 */
function spreadsheetMeta_(state, key) {
  for (var i = 0; i < state.metadata.length; i++) {
    var m = state.metadata[i];
    if (m.key === key && m.sheetId === null && m.column === null) return m;
  }
  return null;
}

/** @param {WorkbookState} state */
function schemaVersion_(state) {
  var m = spreadsheetMeta_(state, META.SCHEMA_VERSION);
  return m ? m.value : null;
}

/**
 * @param {WorkbookState} state
 * @returns {string[] | null} the registry, null when no migration registered event types
 */
function eventTypeRegistry_(state) {
  var m = spreadsheetMeta_(state, META.EVENT_TYPES);
  return m ? /** @type {string[]} */ (JSON.parse(m.value)) : null;
}

/** @param {WorkbookState} state */
function holdInfo_(state) {
  var m = spreadsheetMeta_(state, META.HOLD);
  return m ? JSON.parse(m.value) : tamperedHold_(state); // History.js: a deleted hold's record still holds
}

/**
 * Requests that replace (or remove, with value null) a spreadsheet-level metadata entry.
 * @param {WorkbookState} state
 * @param {string} key
 * @param {string | null} value
 * @returns {GoogleAppsScript.Sheets.Schema.Request[]}
 */
function setSpreadsheetMetaRequests_(state, key, value) {
  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var requests = [];
  var existing = spreadsheetMeta_(state, key);
  if (existing) {
    requests.push({ deleteDeveloperMetadata: { dataFilter: { developerMetadataLookup: { metadataId: existing.id } } } });
  }
  if (value !== null) {
    requests.push({ createDeveloperMetadata: { developerMetadata: {
      metadataKey: key, metadataValue: value, visibility: 'DOCUMENT', location: { spreadsheet: true },
    } } });
  }
  return requests;
}

/** @param {unknown} e */
function errorText_(e) {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Values of one column from row 2 down, as the values API renders them (trailing blanks dropped).
 * @param {string} spreadsheetId
 * @param {SheetInfo} sheet
 * @param {number} column 0-based
 * @param {string} render valueRenderOption
 * @returns {Array<string | number | boolean>}
 */
function columnValues_(spreadsheetId, sheet, column, render) {
  var letter = columnLetter_(column);
  var range = quoteSheet_(sheet.title) + '!' + letter + '2:' + letter;
  var got = sheetsApi_().Spreadsheets.Values.get(spreadsheetId, range, { valueRenderOption: render });
  return (got.values || []).map(function (row) { return row.length ? row[0] : ''; });
}

/**
 * @param {string | number | boolean | null} value
 * @returns {GoogleAppsScript.Sheets.Schema.ExtendedValue}
 */
function extendedValue_(value) {
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return { stringValue: String(value) };
}

/**
 * @param {string} spreadsheetId
 * @param {string} title
 */
function lastRowWithData_(spreadsheetId, title) {
  var sheet = SpreadsheetApp.openById(spreadsheetId).getSheetByName(title);
  if (!sheet) fail_(ERROR_CODES.NOT_FOUND, 'sheet "' + title + '" not found');
  return sheet.getLastRow();
}
