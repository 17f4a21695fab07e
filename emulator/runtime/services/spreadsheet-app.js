'use strict';
/**
 * SpreadsheetApp with Spreadsheet, Sheet and Range, built only on the engine's Sheets v4 / Drive v3 methods
 * (so it behaves like the REST API underneath, as Google's does). Every call reads or writes the engine at
 * once: there is no write cache, so flush() has nothing to do and another execution sees writes at once.
 *
 * Values follow SpreadsheetApp's rules, not the API's: getValues() gives numbers, booleans, strings and
 * Date objects (for date/time formatted cells, read in the spreadsheet's time zone) with '' for empty
 * cells; setValues() interprets strings as if typed by a user (formulas, numbers, locale dates) and writes
 * Dates as date-time cells.
 */
const rpc = require('./rpc');
const host = require('./host');
const a1 = require('./a1');
const dates = require('./dates');
const enums = require('./enums');
const validation = require('./validation');
const metadata = require('./metadata');
const { Ui } = require('./ui');
const { User } = require('./session');
const { Exception, ApiFailure, toException, OPEN_BY_ID_FAILED, COORDINATES_OUTSIDE } = require('./errors');

const { DeveloperMetadataVisibility } = enums;

/**
 * An engine call from a built-in service: engine errors become Google's Exceptions.
 * @param {string} method
 * @param {...any} args
 */
function eng(method, ...args) {
  try {
    return rpc.engine(method, ...args);
  } catch (e) {
    throw toException(e);
  }
}

/**
 * The sheetId of an API object: Google leaves out a zero sheetId (proto3 JSON drops default values).
 * @param {any} o
 */
function sheetIdOf(o) {
  return (o && o.sheetId) || 0;
}

/** Java-ish type names used in Google's "parameters don't match" messages. @param {any} v */
function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'number[]';
  if (typeof v === 'string') return 'String';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'Boolean';
  if (v === undefined) return 'undefined';
  return 'Object';
}

/** @param {string} method @param {any[]} args */
function badParameters(method, args) {
  return new Exception("The parameters (" + Array.from(args, typeName).join(',') + ") don't match the method signature for SpreadsheetApp." + method + '.');
}

/** @param {any} v */
function isDate(v) {
  return Object.prototype.toString.call(v) === '[object Date]';
}

/** @param {any} cell a Sheets API CellData */
function isDateFormatted(cell) {
  if (!cell) return false;
  const f = (cell.effectiveFormat && cell.effectiveFormat.numberFormat) || (cell.userEnteredFormat && cell.userEnteredFormat.numberFormat);
  if (!f) return false;
  if (f.type) return f.type === 'DATE' || f.type === 'TIME' || f.type === 'DATE_TIME';
  // A pattern without a type: date/time letters outside quoted text make it a date format.
  return typeof f.pattern === 'string' && /[dmyhs]/i.test(f.pattern.replace(/"[^"]*"|\\./g, ''));
}

/**
 * addDeveloperMetadata(key) | (key, visibility) | (key, value) | (key, value, visibility)
 * @param {any[]} args
 */
function metadataArgs(args) {
  const key = String(args[0]);
  let value = null;
  let visibility = DeveloperMetadataVisibility.DOCUMENT;
  if (args.length === 2) {
    if (enums.memberOf(DeveloperMetadataVisibility, args[1]) === args[1]) visibility = args[1];
    else value = args[1] === null || args[1] === undefined ? null : String(args[1]);
  } else if (args.length >= 3) {
    value = args[1] === null || args[1] === undefined ? null : String(args[1]);
    visibility = enums.memberOf(DeveloperMetadataVisibility, args[2]) || DeveloperMetadataVisibility.DOCUMENT;
  }
  const md = { metadataKey: key, visibility: String(visibility) };
  if (value !== null) md.metadataValue = value;
  return md;
}

class Spreadsheet {
  /** @param {string} id */
  constructor(id) { this._id = id; }
  get __appsScriptClass() { return 'Spreadsheet.Spreadsheet'; }
  toString() { return 'Spreadsheet'; }

  _meta() {
    return eng('getSpreadsheet', this._id, { fields: 'spreadsheetId,properties,sheets.properties' });
  }
  /** @param {any[]} requests */
  _batch(requests) {
    return eng('batchUpdate', this._id, { requests });
  }
  /** @param {number} sheetId */
  _sheetProps(sheetId) {
    const sheet = (this._meta().sheets || []).find((s) => sheetIdOf(s.properties) === sheetId);
    if (!sheet) throw new Exception('The sheet has been deleted or is no longer available.');
    return sheet.properties;
  }
  _timeZone() {
    return this._meta().properties.timeZone || host.info.timeZone;
  }

  getId() { return this._id; }
  getName() { return this._meta().properties.title; }
  rename(newName) {
    this._batch([{ updateSpreadsheetProperties: { properties: { title: String(newName) }, fields: 'title' } }]);
  }
  getUrl() { return 'https://docs.google.com/spreadsheets/d/' + this._id + '/edit'; }
  getSpreadsheetTimeZone() { return this._timeZone(); }
  getSpreadsheetLocale() { return this._meta().properties.locale || 'en_US'; }
  /**
   * The Drive file's owner, whoever runs the script ("Returns the owner of the document, or null for a document
   * in a shared drive"; scopes spreadsheets.currentonly or spreadsheets:
   * developers.google.com/apps-script/reference/spreadsheet/spreadsheet#getOwner()).
   */
  getOwner() {
    const owners = eng('driveGet', this._id, { fields: 'owners' }).owners || [];
    return owners.length ? new User(String(owners[0].emailAddress || '')) : null;
  }

  getSheets() {
    return (this._meta().sheets || [])
      .map((s) => s.properties)
      .sort((x, y) => (x.index || 0) - (y.index || 0))
      .map((p) => new Sheet(this, sheetIdOf(p)));
  }
  getNumSheets() { return (this._meta().sheets || []).length; }
  getSheetByName(name) {
    const hit = (this._meta().sheets || []).find((s) => s.properties.title === String(name));
    return hit ? new Sheet(this, sheetIdOf(hit.properties)) : null;
  }
  getSheetById(id) {
    const hit = (this._meta().sheets || []).find((s) => sheetIdOf(s.properties) === Number(id));
    return hit ? new Sheet(this, sheetIdOf(hit.properties)) : null;
  }
  // Without a UI selection the active sheet is the first one.
  getActiveSheet() {
    const sheets = this.getSheets();
    return sheets.length ? sheets[0] : null;
  }

  // insertSheet() | (sheetIndex) | (sheetIndex, options) | (options) | (sheetName) | (sheetName, sheetIndex)
  // | (sheetName, sheetIndex, options) | (sheetName, options); options (templates) are ignored.
  insertSheet(sheetName, sheetIndex, options) {
    const props = {};
    const args = Array.from(arguments);
    if (typeof args[0] === 'string') {
      props.title = args[0];
      if (typeof args[1] === 'number') props.index = args[1];
    } else if (typeof args[0] === 'number') {
      props.index = args[0];
    }
    const reply = this._batch([{ addSheet: { properties: props } }]);
    return new Sheet(this, sheetIdOf(reply.replies[0].addSheet.properties));
  }
  deleteSheet(sheet) {
    if (!(sheet instanceof Sheet)) throw badParameters('Spreadsheet.deleteSheet', arguments);
    this._batch([{ deleteSheet: { sheetId: sheet._sheetId } }]);
  }
  copy(name) {
    const copy = eng('driveCopy', this._id, { name: String(name) }, { fields: 'id' });
    return new Spreadsheet(copy.id);
  }

  getRange(a1Notation) {
    const parsed = a1.parseA1(a1Notation);
    if (!parsed) throw new Exception('Range not found');
    const sheet = parsed.sheetName === null ? this.getActiveSheet() : this.getSheetByName(parsed.sheetName);
    if (!sheet) throw new Exception('Range not found');
    return sheet._rangeFromParsed(parsed);
  }

  addDeveloperMetadata(key, value, visibility) {
    const md = metadataArgs(Array.from(arguments));
    md.location = { spreadsheet: true };
    this._batch([{ createDeveloperMetadata: { developerMetadata: md } }]);
    return this;
  }
  getDeveloperMetadata() {
    return metadata.search(this, { locationType: 'SPREADSHEET' }, { kind: 'spreadsheet' }, false);
  }
  createDeveloperMetadataFinder() {
    return new metadata.DeveloperMetadataFinder(this, { kind: 'spreadsheet' });
  }

  toast(msg, title, timeoutSeconds) {
    rpc.post('toast', { message: String(msg), title: title === undefined ? '' : String(title) });
  }
}

class Sheet {
  /** @param {Spreadsheet} ss @param {number} sheetId */
  constructor(ss, sheetId) {
    this._ss = ss;
    this._sheetId = sheetId;
  }
  get __appsScriptClass() { return 'Spreadsheet.Sheet'; }
  toString() { return 'Sheet'; }

  _props() { return this._ss._sheetProps(this._sheetId); }
  _grid() {
    const g = this._props().gridProperties || {};
    return { rows: g.rowCount || 0, cols: g.columnCount || 0, frozenRows: g.frozenRowCount || 0, frozenCols: g.frozenColumnCount || 0 };
  }
  /** @param {any} properties @param {string} fields */
  _update(properties, fields) {
    this._ss._batch([{ updateSheetProperties: { properties: Object.assign({ sheetId: this._sheetId }, properties), fields } }]);
    return this;
  }

  getName() { return this._props().title; }
  getSheetName() { return this._props().title; }
  setName(name) { return this._update({ title: String(name) }, 'title'); }
  getSheetId() { return this._sheetId; }
  getIndex() { return (this._props().index || 0) + 1; }
  getParent() { return this._ss; }
  getMaxRows() { return this._grid().rows; }
  getMaxColumns() { return this._grid().cols; }
  getFrozenRows() { return this._grid().frozenRows; }
  getFrozenColumns() { return this._grid().frozenCols; }
  setFrozenRows(rows) { return this._update({ gridProperties: { frozenRowCount: Number(rows) } }, 'gridProperties.frozenRowCount'); }
  setFrozenColumns(columns) { return this._update({ gridProperties: { frozenColumnCount: Number(columns) } }, 'gridProperties.frozenColumnCount'); }
  isSheetHidden() { return !!this._props().hidden; }
  hideSheet() { return this._update({ hidden: true }, 'hidden'); }
  showSheet() { return this._update({ hidden: false }, 'hidden'); }

  /** The sheet's content as the values API trims it (FORMULA render, so formulas count as content). */
  _content() {
    const vr = eng('valuesGet', this._ss._id, a1.quoteSheet(this.getName()), { valueRenderOption: 'FORMULA', majorDimension: 'ROWS' });
    return vr.values || [];
  }
  /** Last row and column with content, from one read. */
  _extent() {
    const rows = this._content();
    let lastRow = 0;
    let lastCol = 0;
    rows.forEach((row, r) => {
      for (let c = (row || []).length - 1; c >= 0; c--) {
        if (row[c] !== '' && row[c] !== null && row[c] !== undefined) {
          lastRow = r + 1;
          if (c + 1 > lastCol) lastCol = c + 1;
          break;
        }
      }
    });
    return { lastRow, lastCol };
  }
  getLastRow() { return this._extent().lastRow; }
  getLastColumn() { return this._extent().lastCol; }
  getDataRange() {
    const { lastRow, lastCol } = this._extent();
    return this.getRange(1, 1, Math.max(1, lastRow), Math.max(1, lastCol));
  }

  // getRange(row, column) | (row, column, numRows) | (row, column, numRows, numColumns) | (a1Notation)
  getRange(row, column, numRows, numColumns) {
    if (arguments.length === 1) {
      if (typeof row !== 'string') throw badParameters('Sheet.getRange', arguments);
      const parsed = a1.parseA1(row);
      if (!parsed) throw new Exception('Range not found');
      if (parsed.sheetName !== null && parsed.sheetName !== this.getName()) {
        const other = this._ss.getSheetByName(parsed.sheetName);
        if (!other) throw new Exception('Range not found');
        return other._rangeFromParsed(parsed);
      }
      return this._rangeFromParsed(parsed);
    }
    const args = Array.from(arguments);
    if (args.some((a) => typeof a !== 'number' || Number.isNaN(a))) throw badParameters('Sheet.getRange', arguments);
    const nr = numRows === undefined ? 1 : numRows;
    const nc = numColumns === undefined ? 1 : numColumns;
    return this._checkedRange(Math.floor(row), Math.floor(column), Math.floor(nr), Math.floor(nc));
  }

  /** @param {{r1: number, c1: number, r2: number|null, c2: number|null}} p */
  _rangeFromParsed(p) {
    const grid = this._grid();
    const r2 = p.r2 === null ? grid.rows : p.r2;
    const c2 = p.c2 === null ? grid.cols : p.c2;
    return this._checkedRange(p.r1, p.c1, r2 - p.r1 + 1, c2 - p.c1 + 1, grid);
  }

  /**
   * @param {number} row @param {number} col @param {number} nr @param {number} nc
   * @param {{rows: number, cols: number}} [grid]
   */
  _checkedRange(row, col, nr, nc, grid) {
    if (row < 1) throw new Exception('The starting row of the range is too small.');
    if (col < 1) throw new Exception('The starting column of the range is too small.');
    if (nr < 1) throw new Exception('The number of rows in the range must be at least 1.');
    if (nc < 1) throw new Exception('The number of columns in the range must be at least 1.');
    const g = grid || this._grid();
    if (row + nr - 1 > g.rows || col + nc - 1 > g.cols) throw new Exception(COORDINATES_OUTSIDE);
    return new Range(this, row, col, nr, nc);
  }

  /**
   * @param {'ROWS'|'COLUMNS'} dimension @param {number} startIndex 0-based @param {number} count
   * @param {boolean} inheritFromBefore
   */
  _insert(dimension, startIndex, count, inheritFromBefore) {
    this._ss._batch([{
      insertDimension: {
        range: { sheetId: this._sheetId, dimension, startIndex, endIndex: startIndex + count },
        inheritFromBefore,
      },
    }]);
    return this;
  }
  /** @param {'ROWS'|'COLUMNS'} dimension @param {number} position 1-based @param {number} count */
  _delete(dimension, position, count) {
    const g = this._grid();
    const max = dimension === 'ROWS' ? g.rows : g.cols;
    const frozen = dimension === 'ROWS' ? g.frozenRows : g.frozenCols;
    const word = dimension === 'ROWS' ? 'rows' : 'columns';
    if (!(position >= 1) || !(count >= 1) || position + count - 1 > max) throw new Exception('Those ' + word + ' are out of bounds.');
    if (max - count <= frozen) throw new Exception('Sorry, it is not possible to delete all non-frozen ' + word + '.');
    this._ss._batch([{
      deleteDimension: { range: { sheetId: this._sheetId, dimension, startIndex: position - 1, endIndex: position - 1 + count } },
    }]);
    return this;
  }
  /** @param {'ROWS'|'COLUMNS'} dimension @param {number} position */
  _checkPosition(dimension, position) {
    const g = this._grid();
    const max = dimension === 'ROWS' ? g.rows : g.cols;
    if (!(position >= 1) || position > max) throw new Exception('Those ' + (dimension === 'ROWS' ? 'rows' : 'columns') + ' are out of bounds.');
  }

  insertColumnsAfter(afterPosition, howMany) {
    this._checkPosition('COLUMNS', afterPosition);
    return this._insert('COLUMNS', afterPosition, Number(howMany), true);
  }
  insertColumnAfter(afterPosition) { return this.insertColumnsAfter(afterPosition, 1); }
  insertColumnsBefore(beforePosition, howMany) {
    this._checkPosition('COLUMNS', beforePosition);
    return this._insert('COLUMNS', beforePosition - 1, Number(howMany), beforePosition > 1);
  }
  insertColumnBefore(beforePosition) { return this.insertColumnsBefore(beforePosition, 1); }
  deleteColumns(columnPosition, howMany) { return this._delete('COLUMNS', columnPosition, Number(howMany)); }
  deleteColumn(columnPosition) { return this._delete('COLUMNS', columnPosition, 1); }
  insertRowsAfter(afterPosition, howMany) {
    this._checkPosition('ROWS', afterPosition);
    return this._insert('ROWS', afterPosition, Number(howMany), true);
  }
  insertRowAfter(afterPosition) { return this.insertRowsAfter(afterPosition, 1); }
  insertRowsBefore(beforePosition, howMany) {
    this._checkPosition('ROWS', beforePosition);
    return this._insert('ROWS', beforePosition - 1, Number(howMany), beforePosition > 1);
  }
  insertRowBefore(beforePosition) { return this.insertRowsBefore(beforePosition, 1); }
  deleteRows(rowPosition, howMany) { return this._delete('ROWS', rowPosition, Number(howMany)); }
  deleteRow(rowPosition) { return this._delete('ROWS', rowPosition, 1); }

  clearContents() {
    eng('valuesClear', this._ss._id, a1.quoteSheet(this.getName()));
    return this;
  }

  addDeveloperMetadata(key, value, visibility) {
    const md = metadataArgs(Array.from(arguments));
    md.location = { sheetId: this._sheetId };
    this._ss._batch([{ createDeveloperMetadata: { developerMetadata: md } }]);
    return this;
  }
  getDeveloperMetadata() {
    return metadata.search(this._ss, { locationType: 'SHEET' }, { kind: 'sheet', sheetId: this._sheetId }, false);
  }
  createDeveloperMetadataFinder() {
    return new metadata.DeveloperMetadataFinder(this._ss, { kind: 'sheet', sheetId: this._sheetId });
  }
}

class Range {
  /**
   * @param {Sheet} sheet @param {number} row 1-based @param {number} col @param {number} numRows
   * @param {number} numCols
   */
  constructor(sheet, row, col, numRows, numCols) {
    this._sheet = sheet;
    this._row = row;
    this._col = col;
    this._numRows = numRows;
    this._numCols = numCols;
  }
  get __appsScriptClass() { return 'Spreadsheet.Range'; }
  toString() { return 'Range'; }

  _ssId() { return this._sheet._ss._id; }
  _a1() { return a1.quoteSheet(this._sheet.getName()) + '!' + this.getA1Notation(); }
  _gridRange() {
    return {
      sheetId: this._sheet._sheetId,
      startRowIndex: this._row - 1, endRowIndex: this._row - 1 + this._numRows,
      startColumnIndex: this._col - 1, endColumnIndex: this._col - 1 + this._numCols,
    };
  }
  /** A values-API read, padded to the range's shape with ''. @param {string} render */
  _read(render) {
    const vr = eng('valuesGet', this._ssId(), this._a1(), { valueRenderOption: render, dateTimeRenderOption: 'SERIAL_NUMBER', majorDimension: 'ROWS' });
    const src = vr.values || [];
    const out = [];
    for (let r = 0; r < this._numRows; r++) {
      const row = src[r] || [];
      const line = [];
      for (let c = 0; c < this._numCols; c++) {
        const v = row[c];
        line.push(v === undefined || v === null ? '' : v);
      }
      out.push(line);
    }
    return out;
  }

  getRow() { return this._row; }
  getRowIndex() { return this._row; }
  getColumn() { return this._col; }
  getNumRows() { return this._numRows; }
  getNumColumns() { return this._numCols; }
  getLastRow() { return this._row + this._numRows - 1; }
  getLastColumn() { return this._col + this._numCols - 1; }
  getSheet() { return this._sheet; }
  getGridId() { return this._sheet._sheetId; }
  getA1Notation() { return a1.toA1(this._row, this._col, this._numRows, this._numCols); }

  getValues() {
    const values = this._read('UNFORMATTED_VALUE');
    const numeric = values.some((row) => row.some((v) => typeof v === 'number'));
    if (!numeric) return values;
    // Which numbers are dates depends on the cells' formats, which the values API does not return.
    const ss = eng('getSpreadsheet', this._ssId(), {
      ranges: [this._a1()], includeGridData: true,
      fields: 'properties.timeZone,sheets.data.startRow,sheets.data.startColumn,sheets.data.rowData.values.effectiveFormat.numberFormat,sheets.data.rowData.values.userEnteredFormat.numberFormat',
    });
    const tz = (ss.properties && ss.properties.timeZone) || this._sheet._ss._timeZone();
    const data = (((ss.sheets || [])[0] || {}).data || [])[0] || {};
    const r0 = data.startRow || 0;
    const c0 = data.startColumn || 0;
    const rowData = data.rowData || [];
    for (let r = 0; r < values.length; r++) {
      for (let c = 0; c < values[r].length; c++) {
        if (typeof values[r][c] !== 'number') continue;
        const rd = rowData[this._row - 1 + r - r0];
        const cell = rd && rd.values ? rd.values[this._col - 1 + c - c0] : undefined;
        if (isDateFormatted(cell)) values[r][c] = new Date(dates.serialToMs(values[r][c], tz));
      }
    }
    return values;
  }
  getValue() { return this.getCell(1, 1).getValues()[0][0]; }
  getDisplayValues() { return this._read('FORMATTED_VALUE').map((row) => row.map(String)); }
  getDisplayValue() { return this.getCell(1, 1).getDisplayValues()[0][0]; }
  getFormulas() {
    return this._read('FORMULA').map((row) => row.map((v) => (typeof v === 'string' && v.startsWith('=') ? v : '')));
  }
  getFormula() { return this.getCell(1, 1).getFormulas()[0][0]; }
  isBlank() { return this._read('FORMULA').every((row) => row.every((v) => v === '')); }

  /**
   * Google's shape checks for setValues/setFormulas.
   * @param {any} data @param {string} method
   */
  _checkShape(data, method) {
    if (!Array.isArray(data) || data.some((row) => !Array.isArray(row))) throw badParameters('Range.' + method, [data]);
    if (data.length !== this._numRows) {
      throw new Exception('The number of rows in the data does not match the number of rows in the range. The data has ' + data.length + ' but the range has ' + this._numRows + '.');
    }
    for (const row of data) {
      if (row.length !== this._numCols) {
        throw new Exception('The number of columns in the data does not match the number of columns in the range. The data has ' + row.length + ' but the range has ' + this._numCols + '.');
      }
    }
  }

  /** Writes a full grid of script values as a user would type them. @param {any[][]} data */
  _write(data) {
    /** @type {Array<[number, number]>} */
    const dateCells = [];
    let tz = null;
    const values = data.map((row, r) => row.map((v, c) => {
      if (v === null || v === undefined) return '';
      if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
      if (isDate(v)) {
        if (tz === null) tz = this._sheet._ss._timeZone();
        dateCells.push([r, c]);
        return dates.msToSerial(v.getTime(), tz);
      }
      return String(v);
    }));
    const range = this._a1();
    eng('valuesUpdate', this._ssId(), range, { range, majorDimension: 'ROWS', values }, { valueInputOption: 'USER_ENTERED' });
    if (dateCells.length) {
      const sheetId = this._sheet._sheetId;
      this._sheet._ss._batch(dateCells.map(([r, c]) => ({
        repeatCell: {
          range: {
            sheetId, startRowIndex: this._row - 1 + r, endRowIndex: this._row + r,
            startColumnIndex: this._col - 1 + c, endColumnIndex: this._col + c,
          },
          cell: { userEnteredFormat: { numberFormat: { type: 'DATE_TIME' } } },
          fields: 'userEnteredFormat.numberFormat',
        },
      })));
    }
  }

  setValues(values) {
    this._checkShape(values, 'setValues');
    this._write(values);
    return this;
  }
  setValue(value) {
    const row = new Array(this._numCols).fill(value);
    this._write(Array.from({ length: this._numRows }, () => row.slice()));
    return this;
  }
  setFormulas(formulas) {
    this._checkShape(formulas, 'setFormulas');
    this._write(formulas.map((row) => row.map((f) => (f === null || f === undefined ? '' : String(f)))));
    return this;
  }
  setFormula(formula) { return this.setValue(String(formula)); }
  clearContent() {
    eng('valuesClear', this._ssId(), this._a1());
    return this;
  }

  getCell(row, column) {
    if (row < 1 || column < 1 || row > this._numRows || column > this._numCols) throw new Exception(COORDINATES_OUTSIDE);
    return new Range(this._sheet, this._row + row - 1, this._col + column - 1, 1, 1);
  }
  offset(rowOffset, columnOffset, numRows, numColumns) {
    return this._sheet.getRange(
      this._row + Number(rowOffset), this._col + Number(columnOffset),
      numRows === undefined ? this._numRows : numRows, numColumns === undefined ? this._numCols : numColumns,
    );
  }

  /** The whole-row or whole-column span of this range, or null. */
  _dimensionSpan() {
    const g = this._sheet._grid();
    if (this._col === 1 && this._numCols === g.cols && this._numRows === 1) {
      return { dimension: 'ROWS', startIndex: this._row - 1, endIndex: this._row };
    }
    if (this._row === 1 && this._numRows === g.rows && this._numCols === 1) {
      return { dimension: 'COLUMNS', startIndex: this._col - 1, endIndex: this._col };
    }
    return null;
  }
  addDeveloperMetadata(key, value, visibility) {
    const span = this._dimensionSpan();
    if (!span) {
      throw new Exception('Adding developer metadata to arbitrary ranges is not currently supported. Developer metadata may only be added to the top-level spreadsheet, an individual sheet, or an entire row or column.');
    }
    const md = metadataArgs(Array.from(arguments));
    md.location = { dimensionRange: Object.assign({ sheetId: this._sheet._sheetId }, span) };
    this._sheet._ss._batch([{ createDeveloperMetadata: { developerMetadata: md } }]);
    return this;
  }
  getDeveloperMetadata() {
    const span = this._dimensionSpan();
    if (!span) return [];
    const found = metadata.search(this._sheet._ss, { locationType: span.dimension === 'ROWS' ? 'ROW' : 'COLUMN' }, { kind: 'sheet', sheetId: this._sheet._sheetId }, false);
    return found.filter((m) => {
      const d = m._json.location.dimensionRange;
      return d && (d.startIndex || 0) === span.startIndex && d.endIndex === span.endIndex;
    });
  }
  createDeveloperMetadataFinder() {
    return new metadata.DeveloperMetadataFinder(this._sheet._ss, {
      kind: 'range', sheetId: this._sheet._sheetId,
      r1: this._row - 1, r2: this._row - 1 + this._numRows, c1: this._col - 1, c2: this._col - 1 + this._numCols,
      rows: this._sheet._grid().rows, cols: this._sheet._grid().cols,
    });
  }

  setDataValidation(rule) {
    const apiRule = validation.toApiRule(rule);
    const req = { range: this._gridRange() };
    if (apiRule) req.rule = apiRule;
    this._sheet._ss._batch([{ setDataValidation: req }]);
    return this;
  }
  clearDataValidations() { return this.setDataValidation(null); }
  getDataValidation() {
    const ss = eng('getSpreadsheet', this._ssId(), {
      ranges: [a1.quoteSheet(this._sheet.getName()) + '!' + a1.toA1(this._row, this._col, 1, 1)],
      includeGridData: true, fields: 'sheets.data.rowData.values.dataValidation',
    });
    const data = (((ss.sheets || [])[0] || {}).data || [])[0] || {};
    const cell = data.rowData && data.rowData[0] && data.rowData[0].values ? data.rowData[0].values[0] : null;
    return validation.fromApiRule(cell && cell.dataValidation);
  }
}

class SpreadsheetAppService {
  get __appsScriptClass() { return 'Spreadsheet.SpreadsheetApp'; }
  get DeveloperMetadataLocationType() { return enums.DeveloperMetadataLocationType; }
  get DeveloperMetadataVisibility() { return enums.DeveloperMetadataVisibility; }
  get DataValidationCriteria() { return enums.DataValidationCriteria; }
  get Dimension() { return enums.Dimension; }

  openById(id) {
    try {
      const meta = rpc.engine('getSpreadsheet', String(id), { fields: 'spreadsheetId' });
      return new Spreadsheet(meta.spreadsheetId || String(id));
    } catch (e) {
      if (e instanceof ApiFailure) throw new Exception(OPEN_BY_ID_FAILED);
      throw e;
    }
  }
  openByUrl(url) {
    const m = /\/spreadsheets\/d\/([a-zA-Z0-9_-]+)/.exec(String(url));
    if (!m) throw new Exception('Invalid argument: url');
    return this.openById(m[1]);
  }
  create(name, rows, columns) {
    const sheet = { properties: { title: 'Sheet1' } };
    if (rows !== undefined) sheet.properties.gridProperties = { rowCount: Number(rows), columnCount: Number(columns) };
    const created = eng('createSpreadsheet', { properties: { title: String(name) }, sheets: [sheet] });
    return new Spreadsheet(created.spreadsheetId);
  }
  getActiveSpreadsheet() {
    return host.info.bound && host.info.spreadsheetId ? new Spreadsheet(host.info.spreadsheetId) : null;
  }
  getActive() { return this.getActiveSpreadsheet(); }
  getActiveSheet() {
    const ss = this.getActiveSpreadsheet();
    return ss ? ss.getActiveSheet() : null;
  }
  // Writes go to the engine immediately, so there is nothing pending to flush.
  flush() {}
  newDataValidation() { return new validation.DataValidationBuilder(); }
  getUi() {
    if (!host.info.bound) throw new Exception('Cannot call SpreadsheetApp.getUi() from this context.');
    return new Ui();
  }
}

module.exports = { SpreadsheetAppService, Spreadsheet, Sheet, Range, sheetIdOf };
