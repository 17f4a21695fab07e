// @ts-check
'use strict';
/**
 * A whole spreadsheet in and out: building a workbook from a `Spreadsheet` resource (spreadsheets.create),
 * and the `Spreadsheet` resource spreadsheets.get returns (ranges, includeGridData, fields).
 */
const { Workbook, Sheet, MAX_COLUMNS, dimensionRangeJson } = require('./workbook');
const { badRequest } = require('./errors');
const { cellData, writeCellData, resetIntern, withCellPrefix } = require('./cells');
const { readArea } = require('./values');
const mask = require('./fieldmask');
const { reclaim } = require('./memory');

const DEFAULT_FORMAT = {
  backgroundColor: { red: 1, green: 1, blue: 1 },
  padding: { top: 2, right: 3, bottom: 2, left: 3 },
  verticalAlignment: 'BOTTOM',
  wrapStrategy: 'OVERFLOW_CELL',
  textFormat: {
    foregroundColor: {}, fontFamily: 'arial,sans,sans-serif', fontSize: 10, bold: false, italic: false,
    strikethrough: false, underline: false, foregroundColorStyle: { rgbColor: {} },
  },
  backgroundColorStyle: { rgbColor: { red: 1, green: 1, blue: 1 } },
};

const SHEET_EXTRA_KEYS = ['merges', 'conditionalFormats', 'protectedRanges', 'basicFilter', 'filterViews', 'charts',
  'bandedRanges', 'rowGroups', 'columnGroups', 'slicers', 'tables'];

/**
 * Iterates a GridData's rows whether they are an array or the lazy source the big-body loader provides.
 * @param {any} rowData @returns {Iterable<any>}
 */
function rowsOf(rowData) {
  if (!rowData) return [];
  if (Array.isArray(rowData)) return rowData;
  if (typeof rowData[Symbol.iterator] === 'function') return rowData;
  throw badRequest('Invalid value at \'spreadsheet.sheets[0].data[0].row_data\'');
}

/**
 * @param {string} id
 * @param {any} resource Spreadsheet
 * @param {{randomSheetId: () => number, randomMetadataId: () => number}} ids
 * @returns {Workbook}
 */
function buildWorkbook(id, resource, ids) {
  resource = resource || {};
  const wb = new Workbook(id);
  const p = resource.properties || {};
  wb.props = {
    title: p.title || 'Untitled spreadsheet',
    locale: p.locale || 'en_US',
    autoRecalc: p.autoRecalc || 'ON_CHANGE',
    timeZone: p.timeZone || 'Etc/GMT',
    defaultFormat: p.defaultFormat || structuredClone(DEFAULT_FORMAT),
  };
  for (const k of ['iterativeCalculationSettings', 'spreadsheetTheme', 'importFunctionsExternalUrlAccessAllowed']) {
    if (p[k] !== undefined) wb.props[k] = structuredClone(p[k]);
  }
  const sheets = Array.isArray(resource.sheets) && resource.sheets.length ? resource.sheets : [{}];
  const usedIds = new Set(sheets.map((/** @type {any} */ s) => s.properties && s.properties.sheetId).filter((/** @type {any} */ x) => x !== undefined));
  /** @type {Array<{sheet: Sheet, src: any}>} */
  const made = [];
  sheets.forEach((/** @type {any} */ src, /** @type {number} */ i) => {
    const sp = src.properties || {};
    let sheetId = sp.sheetId;
    if (sheetId === undefined || sheetId === null) {
      if (i === 0 && !usedIds.has(0)) sheetId = 0;
      else do sheetId = ids.randomSheetId(); while (usedIds.has(sheetId));
      usedIds.add(sheetId);
    }
    let title = sp.title;
    if (!title) {
      let n = i + 1;
      while (sheets.some((/** @type {any} */ s) => s.properties && s.properties.title === 'Sheet' + n)
        || made.some((m) => m.sheet.title === 'Sheet' + n)) n++;
      title = 'Sheet' + n;
    }
    if (made.some((m) => m.sheet.title.toLowerCase() === String(title).toLowerCase())) {
      throw badRequest(`Invalid sheets[${i}]: A sheet with the name "${title}" already exists. Please enter another name.`);
    }
    const gp = { ...(sp.gridProperties || {}) };
    gp.rowCount = gp.rowCount ?? 1000;
    gp.columnCount = gp.columnCount ?? 26;
    /** @type {import('./workbook').SheetProps} */
    const props = { sheetId, title: String(title), sheetType: sp.sheetType || 'GRID', gridProperties: gp };
    for (const k of ['hidden', 'tabColor', 'tabColorStyle', 'rightToLeft']) if (sp[k] !== undefined) props[k] = structuredClone(sp[k]);
    const sheet = new Sheet(props);
    for (const k of SHEET_EXTRA_KEYS) if (src[k] !== undefined) sheet.extra[k] = structuredClone(src[k]);
    made.push({ sheet, src });
  });
  // The order of `sheets` follows `index` when given.
  made.sort((a, b) => (a.src.properties?.index ?? made.indexOf(a)) - (b.src.properties?.index ?? made.indexOf(b)));
  wb.sheets = made.map((m) => m.sheet);
  /** @type {Array<{sheet: any, r: number, c: number}>} */
  const formulaCells = [];
  for (const { sheet, src } of made) {
    const gp = sheet.props.gridProperties;
    for (const gd of Array.isArray(src.data) ? src.data : []) {
      const r0 = gd.startRow || 0;
      const c0 = gd.startColumn || 0;
      let r = r0;
      // Google names the GridData of a refused cell: "Invalid sheets[0].data[0]: Your input contains...".
      withCellPrefix(`Invalid sheets[${sheets.indexOf(src)}].data[${src.data.indexOf(gd)}]: `, () => {
        for (const rd of rowsOf(gd.rowData)) {
          if ((r & 4095) === 0) { // the rows so far are whole: pack them, then drop the parse's garbage
            wb.compact();
            reclaim();
          }
          const cells = rd && Array.isArray(rd.values) ? rd.values : [];
          for (let j = 0; j < cells.length; j++) {
            const cd = cells[j];
            if (!cd || typeof cd !== 'object') continue;
            let empty = true;
            for (const _k in cd) { empty = false; break; }
            if (empty) continue;
            writeCellData(wb, sheet, r, c0 + j, cd, null, formulaCells);
          }
          if (c0 + cells.length > gp.columnCount) gp.columnCount = c0 + cells.length;
          r++;
        }
      });
      if (r > gp.rowCount) gp.rowCount = r;
      collectDimensionMetadata(wb, sheet, gd.rowMetadata, 'ROW', r0);
      collectDimensionMetadata(wb, sheet, gd.columnMetadata, 'COLUMN', c0);
      if (Array.isArray(gd.columnMetadata)) {
        sheet.hiddenColumns = sheet.hiddenColumns.concat(gd.columnMetadata
          .map((/** @type {any} */ dp, /** @type {number} */ j) => (dp && dp.hiddenByUser ? c0 + j : -1)).filter((/** @type {number} */ c) => c >= 0));
      }
    }
    if (gp.columnCount > MAX_COLUMNS) throw badRequest(`Invalid sheets: the sheet "${sheet.title}" has more than ${MAX_COLUMNS} columns.`);
  }
  const addMeta = (/** @type {any} */ md, /** @type {any} */ defaultLoc) => {
    const loc = md.location ? locationOf(wb, md.location) : defaultLoc;
    if (!loc) return;
    let mid = md.metadataId ?? ids.randomMetadataId();
    while (wb.dm.some((d) => d.id === mid)) mid = ids.randomMetadataId();
    /** @type {import('./workbook').DevMeta} */
    const d = { id: mid, key: String(md.metadataKey || ''), visibility: md.visibility || 'DOCUMENT', loc };
    if (md.metadataValue !== undefined) d.value = String(md.metadataValue);
    wb.dm.push(d);
  };
  for (const md of Array.isArray(resource.developerMetadata) ? resource.developerMetadata : []) addMeta(md, { type: 'SPREADSHEET' });
  for (const { sheet, src } of made) {
    for (const md of Array.isArray(src.developerMetadata) ? src.developerMetadata : []) addMeta(md, { type: 'SHEET', sheetId: sheet.id });
  }
  if (resource.namedRanges !== undefined) wb.extra.namedRanges = structuredClone(resource.namedRanges);
  resetIntern();
  wb.checkCellLimit(0, '');
  wb.recalc([], [], true);
  wb.compact();
  // The formula registry (~0.4 KB a formula) is rebuilt by the first write that recalculates: a workbook that is
  // only read or copied (an original under rehearsal, a backup) does not hold one.
  wb.invalidateFormulas();
  return wb;
}

/** Row/column metadata as it comes inside GridData.rowMetadata/columnMetadata. */
function collectDimensionMetadata(/** @type {Workbook} */ wb, /** @type {Sheet} */ sheet, /** @type {any} */ list,
  /** @type {'ROW'|'COLUMN'} */ type, /** @type {number} */ offset) {
  if (!Array.isArray(list)) return;
  list.forEach((dp, i) => {
    for (const md of (dp && Array.isArray(dp.developerMetadata)) ? dp.developerMetadata : []) {
      if (wb.dm.some((d) => d.id === md.metadataId)) continue;
      /** @type {import('./workbook').DevMeta} */
      const d = { id: md.metadataId, key: String(md.metadataKey || ''), visibility: md.visibility || 'DOCUMENT',
        loc: { type, sheetId: sheet.id, index: offset + i } };
      if (md.metadataValue !== undefined) d.value = String(md.metadataValue);
      wb.dm.push(d);
    }
  });
}

/** @param {Workbook} wb @param {any} loc */
function locationOf(wb, loc) {
  if (loc.spreadsheet) return { type: 'SPREADSHEET' };
  if (loc.dimensionRange) {
    const dr = loc.dimensionRange;
    return { type: dr.dimension === 'ROWS' ? 'ROW' : 'COLUMN', sheetId: dr.sheetId ?? 0, index: dr.startIndex ?? 0 };
  }
  if (loc.sheetId !== undefined) return { type: 'SHEET', sheetId: loc.sheetId };
  return null;
}

/** @param {Workbook} wb @param {Sheet} sheet */
function sheetPropertiesJson(wb, sheet) {
  const p = sheet.props;
  /** @type {Record<string, any>} */
  const out = { sheetId: p.sheetId, title: p.title, index: wb.sheets.indexOf(sheet), sheetType: p.sheetType || 'GRID' };
  const gp = { rowCount: p.gridProperties.rowCount, columnCount: p.gridProperties.columnCount };
  for (const [k, v] of Object.entries(p.gridProperties)) {
    if (k !== 'rowCount' && k !== 'columnCount' && v !== undefined && v !== 0 && v !== false) /** @type {any} */ (gp)[k] = v;
  }
  out.gridProperties = gp;
  for (const k of ['hidden', 'tabColor', 'tabColorStyle', 'rightToLeft']) if (p[k]) out[k] = structuredClone(p[k]);
  return out;
}

/**
 * GridData for one area of a sheet.
 * @param {Workbook} wb @param {Sheet} sheet @param {number} r0 @param {number} r1 @param {number} c0 @param {number} c1
 * @param {import('./fieldmask').Mask} [cellMask] the response's mask of a cell: applied to each cell as it is
 *   made, so a big read holds only the fields asked for (the whole response's mask gives the same result)
 */
function gridData(wb, sheet, r0, r1, c0, c1, cellMask = true) {
  /** @type {Record<string, any>} */
  const out = {};
  if (r0) out.startRow = r0;
  if (c0) out.startColumn = c0;
  const rowData = [];
  let lastRow = -1;
  for (let r = r0; r < Math.min(r1, sheet.rows.length); r++) {
    const row = sheet.rows[r];
    const values = [];
    let last = -1;
    if (row) {
      let end = Math.min(c1, Math.max(row.v.length, maxKey(row)));
      for (let c = c0; c < end; c++) {
        const cd = cellData(wb, row, c);
        values.push(cd ? (cellMask === true ? cd : mask.apply(cd, cellMask)) : {});
        if (cd) last = values.length - 1;
      }
    }
    values.length = last + 1;
    rowData.push(values.length ? { values } : {});
    if (values.length) lastRow = rowData.length - 1;
  }
  rowData.length = lastRow + 1;
  if (rowData.length) out.rowData = rowData;
  const rowMeta = new Map();
  const colMeta = new Map();
  for (const d of wb.dm) {
    if (d.loc.type !== 'ROW' && d.loc.type !== 'COLUMN') continue;
    if (d.loc.sheetId !== sheet.id) continue;
    const m = d.loc.type === 'ROW' ? rowMeta : colMeta;
    if (!m.has(d.loc.index)) m.set(d.loc.index, []);
    m.get(d.loc.index).push(Workbook.metadataJson(d));
  }
  out.rowMetadata = [];
  for (let r = r0; r < r1; r++) {
    /** @type {Record<string, any>} */
    const dp = { pixelSize: 21 };
    if (rowMeta.has(r)) dp.developerMetadata = rowMeta.get(r);
    out.rowMetadata.push(dp);
  }
  out.columnMetadata = [];
  const hidden = new Set(sheet.hiddenColumns);
  for (let c = c0; c < c1; c++) {
    /** @type {Record<string, any>} */
    const dp = { pixelSize: 100 };
    if (hidden.has(c)) dp.hiddenByUser = true;
    if (colMeta.has(c)) dp.developerMetadata = colMeta.get(c);
    out.columnMetadata.push(dp);
  }
  return out;
}

/**
 * The part of a mask that applies at `path` (true: all of it; undefined: nothing there is selected).
 * @param {import('./fieldmask').Mask} m @param {string[]} path @returns {import('./fieldmask').Mask|undefined}
 */
function subMask(m, path) {
  /** @type {import('./fieldmask').Mask|undefined} */
  let at = m;
  for (const p of path) {
    if (at === true || at === undefined) return at;
    if (at['*'] === true) return true;
    at = at[p];
  }
  return at;
}

/** @param {import('./workbook').Row} row */
function maxKey(row) {
  let k = 0;
  for (const m of [row.f, row.fm, row.dv, row.nt]) if (m) for (const key of Object.keys(m)) k = Math.max(k, +key + 1);
  return k;
}

/**
 * spreadsheets.get.
 * @param {Workbook} wb
 * @param {{ranges?: string|string[], includeGridData?: boolean|string, fields?: string}} [o]
 */
function getSpreadsheet(wb, o = {}) {
  let ranges = o.ranges === undefined || o.ranges === null ? [] : Array.isArray(o.ranges) ? o.ranges : [o.ranges];
  let fieldMask = null;
  if (o.fields) {
    try {
      fieldMask = mask.parse(String(o.fields));
    } catch {
      throw badRequest(`Invalid field selection ${o.fields}`);
    }
  }
  // `fields` asking for sheets.data means grid data, as on Google.
  const includeGrid = o.includeGridData === true || o.includeGridData === 'true'
    || (fieldMask !== null && fieldMask !== true && mask.selects(fieldMask, ['sheets', 'data']) && !mask.selects(fieldMask, ['*']));
  const cellMask = fieldMask === null ? true : subMask(fieldMask, ['sheets', 'data', 'rowData', 'values']) ?? true;
  /** @type {Map<Sheet, Array<{r0: number, r1: number, c0: number, c1: number}>>} */
  const areas = new Map();
  for (const r of ranges) {
    const a = readArea(wb, r);
    if (!areas.has(a.sheet)) areas.set(a.sheet, []);
    /** @type {any} */ (areas.get(a.sheet)).push(a);
  }
  const sheets = wb.sheets.filter((s) => !ranges.length || areas.has(s)).map((s) => {
    /** @type {Record<string, any>} */
    const out = { properties: sheetPropertiesJson(wb, s) };
    if (includeGrid) {
      const list = areas.get(s) || [{ r0: 0, r1: s.rowCount, c0: 0, c1: s.columnCount }];
      out.data = list.map((a) => gridData(wb, s, a.r0, a.r1, a.c0, a.c1, cellMask));
    }
    for (const [k, v] of Object.entries(s.extra)) if (!k.startsWith('_')) out[k] = structuredClone(v);
    const sheetMeta = wb.dm.filter((d) => d.loc.type === 'SHEET' && d.loc.sheetId === s.id).map((d) => Workbook.metadataJson(d));
    if (sheetMeta.length) out.developerMetadata = sheetMeta;
    return out;
  });
  /** @type {Record<string, any>} */
  const out = { spreadsheetId: wb.id, properties: structuredClone(wb.props), sheets };
  const top = wb.dm.filter((d) => d.loc.type === 'SPREADSHEET').map((d) => Workbook.metadataJson(d));
  if (top.length) out.developerMetadata = top;
  if (wb.extra.namedRanges) out.namedRanges = structuredClone(wb.extra.namedRanges);
  out.spreadsheetUrl = `https://docs.google.com/spreadsheets/d/${wb.id}/edit`;
  return fieldMask === null ? out : mask.apply(out, fieldMask);
}

module.exports = { buildWorkbook, getSpreadsheet, sheetPropertiesJson, gridData, DEFAULT_FORMAT, dimensionRangeJson };
