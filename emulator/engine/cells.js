// @ts-check
'use strict';
/**
 * Cells as the API shows them (CellData, ExtendedValue, ValueRange entries) and as it receives them.
 */
const { formatValue, isDateFormat } = require('./numfmt');
const { parseUserEntered } = require('./input');
const F = require('./formula');
const { ApiError, badRequest } = require('./errors');

const ERROR_CODES = Object.fromEntries(Object.entries(F.ERROR_TYPES).map(([code, type]) => [type, code]));

/** Google refuses a write that puts more than this many characters (text or formula) in one cell. */
const CELL_CHAR_LIMIT = 50_000;
const CELL_TOO_LONG = `Your input contains more than the maximum of ${CELL_CHAR_LIMIT} characters in a single cell.`;

/**
 * Throws Google's 400 for text over the per-cell limit. The caller's request path ("Invalid data[i]: ",
 * "Invalid requests[i].updateCells: ") is added where the request is known (see `withCellPrefix`).
 * @param {string} text
 */
function checkCellText(text) {
  if (text.length > CELL_CHAR_LIMIT) throw badRequest(CELL_TOO_LONG);
}

/**
 * Runs `fn`; the per-cell limit error it throws gets `prefix` as Google words it for that request
 * (`Invalid data[4]: Your input contains...`). Other errors pass unchanged.
 * @template T @param {string} prefix @param {() => T} fn @returns {T}
 */
function withCellPrefix(prefix, fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ApiError && e.message === CELL_TOO_LONG) throw badRequest(prefix + CELL_TOO_LONG);
    throw e;
  }
}

// Cell texts repeat a lot (clients, statuses, worker labels): keep one copy of each short one.
/** @type {Map<string, string>} */
const INTERNED = new Map();
/** @param {string} s */
function intern(s) {
  if (s.length > 24) return s;
  const hit = INTERNED.get(s);
  if (hit !== undefined) return hit;
  if (INTERNED.size > 500_000) INTERNED.clear();
  INTERNED.set(s, s);
  return s;
}

/** @param {any} v internal value @returns {Record<string, any>|undefined} ExtendedValue */
function extendedValue(v) {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'object' && v.error) {
    /** @type {Record<string, any>} */
    const e = { type: /** @type {any} */ (F.ERROR_TYPES)[v.error] || 'ERROR' };
    if (v.message) e.message = v.message;
    return { errorValue: e };
  }
  return undefined;
}

/** @param {any} ev ExtendedValue @returns {{value: any, formula?: string}} */
function fromExtendedValue(ev) {
  if (!ev || typeof ev !== 'object') return { value: null };
  if ('formulaValue' in ev) return { value: undefined, formula: String(ev.formulaValue) };
  if ('numberValue' in ev) return { value: Number(ev.numberValue) };
  if ('stringValue' in ev) return { value: ev.stringValue === '' ? null : intern(String(ev.stringValue)) };
  if ('boolValue' in ev) return { value: !!ev.boolValue };
  if ('errorValue' in ev) {
    const type = ev.errorValue && ev.errorValue.type;
    return { value: F.err(ERROR_CODES[type] || '#ERROR!', ev.errorValue && ev.errorValue.message) };
  }
  return { value: null };
}

/**
 * The CellData of one stored cell, or undefined for a cell with nothing in it.
 * @param {import('./workbook').Workbook} wb
 * @param {import('./workbook').Row|undefined} row
 * @param {number} c
 */
function cellData(wb, row, c) {
  if (!row) return undefined;
  const v = row.v[c];
  const formula = row.f && row.f[c];
  const fmtId = row.fm ? row.fm[c] : undefined;
  const dvId = row.dv ? row.dv[c] : undefined;
  const note = row.nt ? row.nt[c] : undefined;
  const hasValue = v !== undefined && v !== null && v !== '';
  if (!hasValue && !formula && fmtId === undefined && dvId === undefined && !note) return undefined;
  /** @type {Record<string, any>} */
  const out = {};
  const fmt = fmtId === undefined ? undefined : wb.formats[fmtId];
  if (formula) out.userEnteredValue = { formulaValue: formula };
  else if (hasValue) out.userEnteredValue = extendedValue(v);
  if (hasValue) {
    out.effectiveValue = extendedValue(v);
    out.formattedValue = formatValue(v, fmt && fmt.numberFormat, wb.props.locale);
  }
  if (fmt) {
    out.userEnteredFormat = structuredClone(fmt);
    out.effectiveFormat = structuredClone(fmt);
  }
  if (note) out.note = note;
  if (dvId !== undefined) out.dataValidation = structuredClone(wb.validations[dvId]);
  return out;
}

/**
 * Which CellData fields a `fields` mask writes. Null mask = everything present (create).
 * @param {string|undefined|null} fields
 */
function cellFields(fields) {
  if (fields === null || fields === undefined) return null;
  const parts = String(fields).split(',').map((s) => s.trim()).filter(Boolean);
  if (!parts.length) throw badRequest('At least one field must be specified.');
  /** @type {{all: boolean, value: boolean, format: boolean, formatPaths: string[], note: boolean, validation: boolean}} */
  const out = { all: false, value: false, format: false, formatPaths: [], note: false, validation: false };
  for (const p of parts) {
    if (p === '*') out.all = out.value = out.format = out.note = out.validation = true;
    else if (p === 'userEnteredValue') out.value = true;
    else if (p === 'userEnteredFormat') out.format = true;
    else if (p.startsWith('userEnteredFormat.')) out.formatPaths.push(p.slice('userEnteredFormat.'.length));
    else if (p === 'note') out.note = true;
    else if (p === 'dataValidation') out.validation = true;
    // Other CellData fields (hyperlink, textFormatRuns, pivotTable, ...) are accepted and not stored.
  }
  return out;
}

/** @type {WeakMap<object, WeakMap<object, Map<number|undefined, number|undefined>>>} merged format ids, see writeCellData */
const FORMAT_MEMO = new WeakMap();

/**
 * Writes one CellData into a cell.
 * @param {import('./workbook').Workbook} wb
 * @param {import('./workbook').Sheet} sheet
 * @param {number} r @param {number} c
 * @param {any} cd CellData
 * @param {ReturnType<typeof cellFields>} mask null: write what is present
 * @param {Array<{sheet: any, r: number, c: number}>} formulaCells collects new formula cells
 */
function writeCellData(wb, sheet, r, c, cd, mask, formulaCells) {
  cd = cd || {};
  const all = mask === null;
  if (all ? 'userEnteredValue' in cd : mask.value) {
    const { value, formula } = fromExtendedValue(cd.userEnteredValue);
    if (formula) checkCellText(formula);
    else if (typeof value === 'string') checkCellText(value);
    if (formula) {
      const last = cd.effectiveValue ? fromExtendedValue(cd.effectiveValue).value : (wb.value(sheet, r, c) ?? undefined);
      wb.setValue(sheet, r, c, last, formula);
      formulaCells.push({ sheet, r, c });
    } else wb.setValue(sheet, r, c, value, null);
  }
  if (all ? 'userEnteredFormat' in cd : mask.format) wb.setFormat(sheet, r, c, cd.userEnteredFormat);
  else if (mask && mask.formatPaths.length) {
    // The merged format depends only on the cell's current one: a repeatCell over 100,000 cells that share a
    // format merges once (per request: `mask` and `cd` are the request's).
    const row = sheet.rows[r];
    const currentId = row && row.fm ? row.fm[c] : undefined;
    let byCell = FORMAT_MEMO.get(mask);
    if (!byCell) FORMAT_MEMO.set(mask, byCell = new WeakMap());
    let byCurrent = byCell.get(cd);
    if (!byCurrent) byCell.set(cd, byCurrent = new Map());
    let id = byCurrent.get(currentId);
    if (!byCurrent.has(currentId)) {
      const merged = structuredClone(wb.formatAt(sheet, r, c) || {});
      for (const path of mask.formatPaths) setPath(merged, path, getPath(cd.userEnteredFormat || {}, path));
      id = Object.keys(merged).length ? wb.internFormat(merged) : undefined;
      byCurrent.set(currentId, id);
    }
    wb.setSide(sheet, r, c, 'fm', id);
  }
  if (all ? 'note' in cd : mask.note) wb.setNote(sheet, r, c, cd.note);
  if (all ? 'dataValidation' in cd : mask.validation) wb.setValidation(sheet, r, c, cd.dataValidation);
}

/** @param {any} obj @param {string} path */
function getPath(obj, path) {
  let cur = obj;
  for (const k of path.split('.')) {
    if (cur === undefined || cur === null) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** @param {any} obj @param {string} path @param {any} value */
function setPath(obj, path, value) {
  const keys = path.split('.');
  let cur = obj;
  for (let i = 0; i < keys.length - 1; i++) {
    if (typeof cur[keys[i]] !== 'object' || cur[keys[i]] === null) cur[keys[i]] = {};
    cur = cur[keys[i]];
  }
  if (value === undefined) delete cur[keys[keys.length - 1]];
  else cur[keys[keys.length - 1]] = structuredClone(value);
}

/**
 * How a read renders one cell.
 * @typedef {{render: 'FORMATTED_VALUE'|'UNFORMATTED_VALUE'|'FORMULA', dateTime: 'SERIAL_NUMBER'|'FORMATTED_STRING',
 *   locale: string|undefined}} RenderOptions
 */

/**
 * @param {import('./workbook').Workbook} wb
 * @param {import('./workbook').Row|undefined} row
 * @param {number} c
 * @param {RenderOptions} opts
 * @returns {any} '' for empty
 */
function renderCell(wb, row, c, opts) {
  if (!row) return '';
  if (opts.render === 'FORMULA' && row.f && row.f[c]) return row.f[c];
  const v = row.v[c];
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  const fmt = row.fm && row.fm[c] !== undefined ? wb.formats[row.fm[c]] : undefined;
  const nf = fmt && fmt.numberFormat;
  if (opts.render === 'FORMATTED_VALUE') return formatValue(v, nf, opts.locale);
  if (typeof v === 'object') return v.error;
  if (typeof v === 'number' && opts.dateTime === 'FORMATTED_STRING' && isDateFormat(nf)) {
    return formatValue(v, nf, opts.locale);
  }
  return v;
}

/**
 * A value from a ValueRange written into a cell.
 * @param {import('./workbook').Workbook} wb
 * @param {import('./workbook').Sheet} sheet
 * @param {number} r @param {number} c
 * @param {any} input
 * @param {'RAW'|'USER_ENTERED'} mode
 * @param {Array<{sheet: any, r: number, c: number}>} formulaCells
 * @returns {boolean} whether the cell was written (null skips it)
 */
function writeInput(wb, sheet, r, c, input, mode, formulaCells) {
  if (input === null || input === undefined) return false;
  if (typeof input === 'number' || typeof input === 'boolean') {
    wb.setValue(sheet, r, c, input, null);
    return true;
  }
  if (typeof input === 'object') {
    throw badRequest(`Invalid values[${r}][${c}]: struct_value {\n}\n`);
  }
  const text = String(input);
  checkCellText(text); // the input as sent, before USER_ENTERED parsing (Google: "Your input contains...")
  if (mode === 'RAW' || text === '') {
    wb.setValue(sheet, r, c, text, null);
    return true;
  }
  const parsed = parseUserEntered(text, wb.props.locale);
  if ('formula' in parsed) {
    wb.setValue(sheet, r, c, wb.value(sheet, r, c) ?? undefined, F.normalize(parsed.formula));
    formulaCells.push({ sheet, r, c });
    return true;
  }
  wb.setValue(sheet, r, c, parsed.value, null);
  if (parsed.numberFormat) {
    const current = wb.formatAt(sheet, r, c);
    // A typed date keeps a cell's own number format; a cell without one gets the locale's.
    if (!current || !current.numberFormat) wb.setFormat(sheet, r, c, { ...(current || {}), numberFormat: parsed.numberFormat });
  }
  return true;
}

/** Forget the interned texts (after a load), so the table does not outlive its use. */
function resetIntern() {
  INTERNED.clear();
}

module.exports = { resetIntern, cellData, writeCellData, cellFields, renderCell, writeInput, extendedValue, fromExtendedValue,
  CELL_CHAR_LIMIT, CELL_TOO_LONG, checkCellText, withCellPrefix };
