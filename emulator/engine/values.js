// @ts-check
'use strict';
/**
 * spreadsheets.values.*: reads (render options, trimming, the echoed range) and writes (RAW/USER_ENTERED,
 * grid limits, append's table detection).
 */
const { toA1, quoteSheetName, columnLetters } = require('./a1');
const { badRequest } = require('./errors');
const { renderCell, writeInput, withCellPrefix } = require('./cells');

const RENDER = ['FORMATTED_VALUE', 'UNFORMATTED_VALUE', 'FORMULA'];
const DATETIME = ['SERIAL_NUMBER', 'FORMATTED_STRING'];
const DIMENSIONS = ['ROWS', 'COLUMNS', 'DIMENSION_UNSPECIFIED'];
const INPUT = ['RAW', 'USER_ENTERED'];

/** @param {any} value @param {string[]} allowed @param {string} field @param {string} type @param {string} dflt */
function enumOption(value, allowed, field, type, dflt) {
  if (value === undefined || value === null || value === '') return dflt;
  if (!allowed.includes(value)) {
    throw badRequest(`Invalid value at '${field}' (type.googleapis.com/google.apps.sheets.v4.${type}), "${value}"`);
  }
  return value;
}

/** @param {import('./workbook').Workbook} wb @param {any} o */
function renderOptions(wb, o = {}) {
  return {
    render: /** @type {any} */ (enumOption(o.valueRenderOption, RENDER, 'value_render_option', 'ValueRenderOption', 'FORMATTED_VALUE')),
    dateTime: /** @type {any} */ (enumOption(o.dateTimeRenderOption, DATETIME, 'date_time_render_option', 'DateTimeRenderOption', 'SERIAL_NUMBER')),
    locale: wb.props.locale,
  };
}

/** @param {import('./workbook').Sheet} sheet @param {string} text */
function gridError(sheet, text) {
  return badRequest(`Range (${quoteSheetName(sheet.title)}!${text}) exceeds grid limits. Max rows: ${sheet.rowCount}, max columns: ${sheet.columnCount}`);
}

/**
 * The part of the grid a read covers: unbounded sides run to the grid's edge, bounded ones are clipped to it;
 * a range that starts outside the grid is an error.
 * @param {import('./workbook').Workbook} wb @param {string} a1
 */
function readArea(wb, a1) {
  const { sheet, bounds, text } = wb.resolve(a1);
  const R = sheet.rowCount, C = sheet.columnCount;
  const r0 = bounds.startRowIndex ?? 0, c0 = bounds.startColumnIndex ?? 0;
  if (r0 >= R || c0 >= C) throw gridError(sheet, text);
  const r1 = Math.min(bounds.endRowIndex ?? R, R), c1 = Math.min(bounds.endColumnIndex ?? C, C);
  return { sheet, r0, r1, c0, c1, text };
}

/**
 * @param {import('./workbook').Workbook} wb
 * @param {{sheet: import('./workbook').Sheet, r0: number, r1: number, c0: number, c1: number}} area
 * @param {ReturnType<typeof renderOptions>} opts
 * @param {string} major
 */
function renderArea(wb, area, opts, major) {
  const { sheet, r0, r1, c0, c1 } = area;
  /** @type {any[][]} */
  const rows = [];
  let lastNonEmpty = -1;
  const rowsEnd = Math.min(r1, sheet.rows.length);
  for (let r = r0; r < rowsEnd; r++) {
    const row = sheet.rows[r];
    /** @type {any[]} */
    const out = [];
    if (row) {
      let end = Math.min(c1, row.v.length);
      if (opts.render === 'FORMULA' && row.f) for (const k of Object.keys(row.f)) if (+k < c1 && +k >= end) end = +k + 1;
      let last = -1;
      for (let c = c0; c < end; c++) {
        const x = renderCell(wb, row, c, opts);
        out.push(x);
        if (x !== '') last = out.length - 1;
      }
      out.length = last + 1;
    }
    rows.push(out);
    if (out.length) lastNonEmpty = rows.length - 1;
  }
  rows.length = lastNonEmpty + 1;
  if (major !== 'COLUMNS') return rows;
  let width = 0;
  for (const r of rows) width = Math.max(width, r.length);
  /** @type {any[][]} */
  const cols = [];
  for (let c = 0; c < width; c++) {
    const col = rows.map((r) => (c < r.length ? r[c] : ''));
    let n = col.length;
    while (n > 0 && col[n - 1] === '') n--;
    col.length = n;
    cols.push(col);
  }
  return cols;
}

/**
 * @param {import('./workbook').Workbook} wb @param {string} a1 @param {any} o
 */
function get(wb, a1, o = {}) {
  const opts = renderOptions(wb, o);
  const major = enumOption(o.majorDimension, DIMENSIONS, 'major_dimension', 'Dimension', 'ROWS');
  const majorOut = major === 'COLUMNS' ? 'COLUMNS' : 'ROWS';
  const area = readArea(wb, a1);
  const values = renderArea(wb, area, opts, majorOut);
  /** @type {Record<string, any>} */
  const out = { range: toA1({ startRowIndex: area.r0, endRowIndex: area.r1, startColumnIndex: area.c0, endColumnIndex: area.c1 }, area.sheet.title),
    majorDimension: majorOut };
  if (values.length) out.values = values;
  return out;
}

/** @param {import('./workbook').Workbook} wb @param {any} o */
function batchGet(wb, o = {}) {
  let ranges = o.ranges;
  if (ranges === undefined || ranges === null) ranges = [];
  if (!Array.isArray(ranges)) ranges = [ranges];
  /** @type {Record<string, any>} */
  const out = { spreadsheetId: wb.id };
  if (ranges.length) out.valueRanges = ranges.map((/** @type {string} */ r) => get(wb, r, o));
  return out;
}

/** @param {any} body @param {string} major */
function inputGrid(body, major) {
  const values = body && body.values;
  if (values === undefined || values === null) return [];
  if (!Array.isArray(values)) throw badRequest('Invalid value at \'data.values\' (type.googleapis.com/google.protobuf.ListValue)');
  const grid = values.map((/** @type {any} */ r) => (Array.isArray(r) ? r : [r]));
  if (major !== 'COLUMNS') return grid;
  let height = 0;
  for (const col of grid) height = Math.max(height, col.length);
  const rows = [];
  for (let r = 0; r < height; r++) rows.push(grid.map((/** @type {any[]} */ col) => (r < col.length ? col[r] : null)));
  return rows;
}

/**
 * Writes a grid at (r0, c0) after the caller checked the limits. Returns the update summary.
 * @param {import('./workbook').Workbook} wb @param {import('./workbook').Sheet} sheet
 * @param {number} r0 @param {number} c0 @param {any[][]} grid @param {'RAW'|'USER_ENTERED'} mode
 */
function writeGrid(wb, sheet, r0, c0, grid, mode) {
  /** @type {Array<{sheet: any, r: number, c: number}>} */
  const formulaCells = [];
  let cells = 0, rows = 0, width = 0;
  const cols = new Set();
  for (let i = 0; i < grid.length; i++) {
    let wrote = false;
    for (let j = 0; j < grid[i].length; j++) {
      if (writeInput(wb, sheet, r0 + i, c0 + j, grid[i][j], mode, formulaCells)) {
        cells++;
        wrote = true;
        cols.add(j);
      }
    }
    if (wrote) rows++;
    width = Math.max(width, grid[i].length);
  }
  if (grid.length && width) {
    wb.recalc([{ sheet, r1: r0, r2: r0 + grid.length - 1, c1: c0, c2: c0 + width - 1 }], formulaCells);
  }
  return { cells, rows, columns: cols.size, height: grid.length, width };
}

/** @param {any} o */
function inputOption(o) {
  if (!o || o.valueInputOption === undefined || o.valueInputOption === null || o.valueInputOption === '') {
    throw badRequest("'valueInputOption' is required but not specified");
  }
  return /** @type {'RAW'|'USER_ENTERED'} */ (enumOption(o.valueInputOption, INPUT, 'value_input_option', 'ValueInputOption', 'RAW'));
}

/**
 * values.update without the input-option check (shared with batchUpdate).
 * @param {import('./workbook').Workbook} wb @param {string} a1 @param {any} body
 * @param {'RAW'|'USER_ENTERED'} mode @param {any} o
 */
function updateOne(wb, a1, body, mode, o) {
  const { sheet, bounds, text } = wb.resolve(a1);
  const major = enumOption(body && body.majorDimension, DIMENSIONS, 'data.major_dimension', 'Dimension', 'ROWS');
  const grid = inputGrid(body, major);
  const R = sheet.rowCount, C = sheet.columnCount;
  const r0 = bounds.startRowIndex ?? 0, c0 = bounds.startColumnIndex ?? 0;
  const single = bounds.endRowIndex === r0 + 1 && bounds.endColumnIndex === c0 + 1 && bounds.startRowIndex !== null
    && bounds.startColumnIndex !== null;
  const height = grid.length;
  const width = grid.reduce((w, r) => Math.max(w, r.length), 0);
  if (!single) {
    const limitRows = bounds.endRowIndex ?? R;
    const limitCols = bounds.endColumnIndex ?? C;
    const rangeText = toA1({ ...bounds, endRowIndex: bounds.endRowIndex ?? (bounds.startRowIndex === null && bounds.endRowIndex === null ? null : R) }, sheet.title);
    if (r0 + height > limitRows && bounds.endRowIndex !== null) {
      throw badRequest(`Requested writing within range [${rangeText}], but tried writing to row [${limitRows + 1}]`);
    }
    if (c0 + width > limitCols && bounds.endColumnIndex !== null) {
      throw badRequest(`Requested writing within range [${rangeText}], but tried writing to column [${columnLetters(limitCols)}]`);
    }
  }
  const explicitEndRow = bounds.endRowIndex ?? 0, explicitEndCol = bounds.endColumnIndex ?? 0;
  if (r0 >= R || c0 >= C || explicitEndRow > R || explicitEndCol > C || r0 + height > R || c0 + width > C) {
    throw gridError(sheet, text || toA1({ startRowIndex: 0, endRowIndex: R, startColumnIndex: 0, endColumnIndex: C }, sheet.title).split('!')[1]);
  }
  const res = writeGrid(wb, sheet, r0, c0, grid, mode);
  /** @type {Record<string, any>} */
  const out = { spreadsheetId: wb.id };
  if (height && width) {
    out.updatedRange = toA1({ startRowIndex: r0, endRowIndex: r0 + height, startColumnIndex: c0, endColumnIndex: c0 + width }, sheet.title);
    if (res.rows) out.updatedRows = res.rows;
    if (res.columns) out.updatedColumns = res.columns;
    if (res.cells) out.updatedCells = res.cells;
  } else {
    out.updatedRange = toA1({ startRowIndex: r0, endRowIndex: r0 + 1, startColumnIndex: c0, endColumnIndex: c0 + 1 }, sheet.title);
  }
  if (o && o.includeValuesInResponse && (o.includeValuesInResponse === true || o.includeValuesInResponse === 'true')) {
    out.updatedData = get(wb, out.updatedRange, {
      valueRenderOption: o.responseValueRenderOption, dateTimeRenderOption: o.responseDateTimeRenderOption, majorDimension: major,
    });
  }
  return out;
}

/** @param {import('./workbook').Workbook} wb @param {string} a1 @param {any} body @param {any} o */
function update(wb, a1, body, o = {}) {
  const mode = inputOption(o);
  return updateOne(wb, a1, body, mode, o);
}

/** @param {import('./workbook').Workbook} wb @param {any} body */
function batchUpdate(wb, body = {}) {
  const mode = inputOption(body);
  const data = Array.isArray(body.data) ? body.data : [];
  /** @type {Record<string, any>} */
  const out = { spreadsheetId: wb.id };
  let rows = 0, cols = 0, cells = 0;
  const sheets = new Set();
  const responses = [];
  for (const vr of data) {
    if (!vr || typeof vr.range !== 'string') throw badRequest('Invalid data[' + responses.length + ']: range is required.');
    const res = withCellPrefix(`Invalid data[${responses.length}]: `, () => updateOne(wb, vr.range, vr, mode, body));
    responses.push(res);
    rows += res.updatedRows || 0;
    cols += res.updatedColumns || 0;
    cells += res.updatedCells || 0;
    if (res.updatedCells) sheets.add(wb.resolve(vr.range).sheet);
  }
  if (responses.length) {
    if (rows) out.totalUpdatedRows = rows;
    if (cols) out.totalUpdatedColumns = cols;
    if (cells) out.totalUpdatedCells = cells;
    if (sheets.size) out.totalUpdatedSheets = sheets.size;
    out.responses = responses;
  }
  return out;
}

/**
 * values.append: finds the table in the range (the rows holding data, from the first to the last) and
 * writes after its last row, from its first column. A one-cell range searches from that cell to the grid's
 * end. OVERWRITE grows the grid when the rows run past it; INSERT_ROWS inserts new rows.
 * @param {import('./workbook').Workbook} wb @param {string} a1 @param {any} body @param {any} o
 */
function append(wb, a1, body, o = {}) {
  const mode = inputOption(o);
  const insert = enumOption(o.insertDataOption, ['OVERWRITE', 'INSERT_ROWS'], 'insert_data_option', 'InsertDataOption', 'OVERWRITE');
  const { sheet, bounds, text } = wb.resolve(a1);
  const R = sheet.rowCount, C = sheet.columnCount;
  const r0 = bounds.startRowIndex ?? 0, c0 = bounds.startColumnIndex ?? 0;
  if (r0 >= R || c0 >= C) throw gridError(sheet, text);
  const single = bounds.endRowIndex === r0 + 1 && bounds.endColumnIndex === c0 + 1;
  const r1 = single ? R : Math.min(bounds.endRowIndex ?? R, R);
  const c1 = single ? C : Math.min(bounds.endColumnIndex ?? C, C);
  let first = -1, last = -1, minC = Infinity, maxC = -1;
  const end = Math.min(r1, sheet.rows.length);
  for (let r = r0; r < end; r++) {
    const row = sheet.rows[r];
    if (!row) continue;
    const v = row.v;
    let lo = -1, hi = -1;
    for (let c = c0; c < Math.min(c1, v.length); c++) {
      const x = v[c];
      if (x !== undefined && x !== null && x !== '') {
        if (lo < 0) lo = c;
        hi = c;
      }
    }
    if (lo < 0) continue;
    if (first < 0) first = r;
    last = r;
    if (lo < minC) minC = lo;
    if (hi > maxC) maxC = hi;
  }
  const major = enumOption(body && body.majorDimension, DIMENSIONS, 'data.major_dimension', 'Dimension', 'ROWS');
  const grid = inputGrid(body, major);
  const height = grid.length;
  const width = grid.reduce((w, r) => Math.max(w, r.length), 0);
  const startRow = first < 0 ? r0 : last + 1;
  const startCol = first < 0 ? c0 : minC;
  if (startCol + width > C) {
    throw gridError(sheet, toA1({ startRowIndex: startRow, endRowIndex: startRow + Math.max(height, 1), startColumnIndex: startCol,
      endColumnIndex: startCol + Math.max(width, 1) }, sheet.title).split('!')[1]);
  }
  if (height) {
    if (insert === 'INSERT_ROWS') {
      wb.checkCellLimit(height * C, '');
      wb.insertDimension(sheet, 'ROWS', Math.min(startRow, sheet.rowCount), Math.min(startRow, sheet.rowCount) + height, false);
    } else if (startRow + height > sheet.rowCount) {
      const grow = startRow + height - sheet.rowCount;
      wb.checkCellLimit(grow * C, '');
      sheet.props.gridProperties.rowCount += grow;
    }
  }
  /** @type {Record<string, any>} */
  const out = { spreadsheetId: wb.id };
  if (first >= 0) {
    out.tableRange = toA1({ startRowIndex: first, endRowIndex: last + 1, startColumnIndex: minC, endColumnIndex: maxC + 1 }, sheet.title);
  }
  const res = writeGrid(wb, sheet, startRow, startCol, grid, mode);
  /** @type {Record<string, any>} */
  const updates = { spreadsheetId: wb.id };
  if (height && width) {
    updates.updatedRange = toA1({ startRowIndex: startRow, endRowIndex: startRow + height, startColumnIndex: startCol,
      endColumnIndex: startCol + width }, sheet.title);
    if (res.rows) updates.updatedRows = res.rows;
    if (res.columns) updates.updatedColumns = res.columns;
    if (res.cells) updates.updatedCells = res.cells;
    if (o.includeValuesInResponse === true || o.includeValuesInResponse === 'true') {
      updates.updatedData = get(wb, updates.updatedRange, {
        valueRenderOption: o.responseValueRenderOption, dateTimeRenderOption: o.responseDateTimeRenderOption, majorDimension: major,
      });
    }
  }
  out.updates = updates;
  return out;
}

/** @param {import('./workbook').Workbook} wb @param {string} a1 */
function clearOne(wb, a1) {
  const area = readArea(wb, a1);
  const { sheet, r0, r1, c0, c1 } = area;
  for (let r = r0; r < Math.min(r1, sheet.rows.length); r++) {
    const row = sheet.rows[r];
    if (!row) continue;
    let touched = row.v.length > c0;
    if (!touched && row.f) for (const k of Object.keys(row.f)) if (+k >= c0 && +k < c1) touched = true;
    if (!touched) continue;
    for (let c = c0; c < Math.min(c1, Math.max(row.v.length, c0 + 1 + maxKey(row.f))); c++) wb.setValue(sheet, r, c, null, null);
  }
  wb.recalc([{ sheet, r1: r0, r2: r1 - 1, c1: c0, c2: c1 - 1 }]);
  return toA1({ startRowIndex: r0, endRowIndex: r1, startColumnIndex: c0, endColumnIndex: c1 }, sheet.title);
}

/** @param {Record<number, any>|undefined} m */
function maxKey(m) {
  let k = -1;
  if (m) for (const key of Object.keys(m)) k = Math.max(k, +key);
  return k;
}

/** @param {import('./workbook').Workbook} wb @param {string} a1 */
function clear(wb, a1) {
  return { spreadsheetId: wb.id, clearedRange: clearOne(wb, a1) };
}

/** @param {import('./workbook').Workbook} wb @param {any} body */
function batchClear(wb, body = {}) {
  const ranges = Array.isArray(body.ranges) ? body.ranges : [];
  /** @type {Record<string, any>} */
  const out = { spreadsheetId: wb.id };
  if (ranges.length) out.clearedRanges = ranges.map((/** @type {string} */ r) => clearOne(wb, r));
  return out;
}

module.exports = { get, batchGet, update, batchUpdate, append, clear, batchClear, renderArea, renderOptions, readArea };
