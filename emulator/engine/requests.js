// @ts-check
'use strict';
/**
 * spreadsheets.batchUpdate: each request kind, validated and applied in order on a transaction, so one bad
 * request leaves the spreadsheet as it was (Google applies a batchUpdate all-or-nothing). Error messages use
 * Google's `Invalid requests[i].<kind>: <text>` form.
 */
const { badRequest } = require('./errors');
const { Sheet, MAX_COLUMNS } = require('./workbook');
const { cellFields, writeCellData, withCellPrefix } = require('./cells');
const { sheetPropertiesJson } = require('./spreadsheet');
const { quoteSheetName, toA1 } = require('./a1');
const metadata = require('./metadata');
const mask = require('./fieldmask');

/**
 * @typedef {import('./workbook').Workbook} Workbook
 * @typedef {{randomSheetId: () => number, randomMetadataId: () => number}} Ids
 * @typedef {(wb: Workbook, req: any, kind: string, ids: Ids) => any} Handler
 */

/** @param {any} range @param {Workbook} wb @param {string} kind @param {string} [field] the request's name for it */
function dimensionRange(range, wb, kind, field = 'range') {
  if (!range || typeof range !== 'object') throw badRequest(`${kind}${field} must be specified.`);
  const sheet = wb.requireSheet(range.sheetId ?? 0, kind);
  const dim = range.dimension;
  if (dim !== 'ROWS' && dim !== 'COLUMNS') throw badRequest(`${kind}${field}.dimension must be ROWS or COLUMNS.`);
  const count = dim === 'ROWS' ? sheet.rowCount : sheet.columnCount;
  const start = range.startIndex ?? 0;
  const end = range.endIndex ?? count;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0) throw badRequest(`${kind}${field}.startIndex must be a non-negative integer.`);
  return { sheet, dim: /** @type {'ROWS'|'COLUMNS'} */ (dim), start, end, count };
}

/** @param {Workbook} wb @param {Sheet} sheet @param {number} extraCols @param {string} kind */
function checkColumns(wb, sheet, extraCols, kind) {
  if (sheet.columnCount + extraCols > MAX_COLUMNS) {
    throw badRequest(`${kind}This action would increase the number of columns in the sheet above the limit of ${MAX_COLUMNS}.`);
  }
}

/** @param {Sheet} sheet @param {number} r @param {number} c @param {string} kind */
function gridLimit(sheet, r, c, kind) {
  const text = toA1({ startRowIndex: r, endRowIndex: r + 1, startColumnIndex: c, endColumnIndex: c + 1 }, sheet.title);
  return badRequest(`${kind}Range (${text}) exceeds grid limits. Max rows: ${sheet.rowCount}, max columns: ${sheet.columnCount}`);
}

/** @param {Workbook} wb @param {any} g GridRange @param {string} kind */
function gridArea(wb, g, kind) {
  if (!g || typeof g !== 'object') throw badRequest(`${kind}range must be specified.`);
  const sheet = wb.requireSheet(g.sheetId ?? 0, kind);
  const r0 = g.startRowIndex ?? 0, c0 = g.startColumnIndex ?? 0;
  const r1 = g.endRowIndex ?? sheet.rowCount, c1 = g.endColumnIndex ?? sheet.columnCount;
  if (r1 > sheet.rowCount || c1 > sheet.columnCount || r0 >= sheet.rowCount || c0 >= sheet.columnCount) {
    throw gridLimit(sheet, Math.min(r1, Math.max(r0, sheet.rowCount)) - (r1 > sheet.rowCount ? 0 : 1), Math.max(c0, Math.min(c1 - 1, sheet.columnCount)), kind);
  }
  return { sheet, r0, r1, c0, c1 };
}

/** @param {Workbook} wb @param {Sheet} sheet */
function lastDataRow(wb, sheet) {
  for (let r = Math.min(sheet.rows.length, sheet.rowCount) - 1; r >= 0; r--) {
    const row = sheet.rows[r];
    if (row && (row.v.length || (row.f && Object.keys(row.f).length))) return r;
  }
  return -1;
}

/**
 * Writes RowData at (r0, c0). The caller made sure the rows fit the grid.
 * @param {Workbook} wb @param {Sheet} sheet @param {number} r0 @param {number} c0 @param {any[]} rows
 * @param {ReturnType<typeof cellFields>} fields @param {{r1: number, c1: number}|null} clearTo cells of a range the rows leave out
 */
function writeRows(wb, sheet, r0, c0, rows, fields, clearTo) {
  /** @type {Array<{sheet: any, r: number, c: number}>} */
  const formulaCells = [];
  let width = 0;
  rows.forEach((rd, i) => {
    const cells = rd && Array.isArray(rd.values) ? rd.values : [];
    width = Math.max(width, cells.length);
    const end = clearTo ? clearTo.c1 - c0 : cells.length;
    for (let j = 0; j < end; j++) writeCellData(wb, sheet, r0 + i, c0 + j, cells[j] || {}, fields, formulaCells);
  });
  if (clearTo) {
    for (let r = r0 + rows.length; r < clearTo.r1; r++) {
      for (let c = c0; c < clearTo.c1; c++) writeCellData(wb, sheet, r, c, {}, fields, formulaCells);
    }
  }
  const h = clearTo ? clearTo.r1 - r0 : rows.length;
  const w = clearTo ? clearTo.c1 - c0 : width;
  if (h && w) wb.recalc([{ sheet, r1: r0, r2: r0 + h - 1, c1: c0, c2: c0 + w - 1 }], formulaCells);
}

/** @param {string} text @param {string} kind */
function parseFields(text, kind) {
  if (!text) throw badRequest(`${kind}At least one field must be specified.`);
  try {
    return mask.parse(String(text));
  } catch {
    throw badRequest(`${kind}Invalid field mask: ${text}`);
  }
}

/** @param {Workbook} wb @param {string} title @param {string} kind @param {Sheet} [except] */
function checkTitle(wb, title, kind, except) {
  if (typeof title !== 'string' || title.trim() === '') throw badRequest(`${kind}The sheet name cannot be empty.`);
  if (wb.sheets.some((s) => s !== except && s.title.toLowerCase() === title.toLowerCase())) {
    throw badRequest(`${kind}A sheet with the name "${title}" already exists. Please enter another name.`);
  }
}

/**
 * Resizes the grid (updateSheetProperties gridProperties). Rows first, then columns, each checked against
 * the cell limit, as Google does.
 * @param {Workbook} wb @param {Sheet} sheet @param {number|undefined} rows @param {number|undefined} cols @param {string} kind
 */
function resize(wb, sheet, rows, cols, kind) {
  const gp = sheet.props.gridProperties;
  if (rows !== undefined && rows !== gp.rowCount) {
    if (!Number.isInteger(rows) || rows < 1) throw badRequest(`${kind}You can't delete all the rows on the sheet.`);
    if (rows > gp.rowCount) {
      wb.checkCellLimit((rows - gp.rowCount) * gp.columnCount, kind);
      gp.rowCount = rows;
    } else {
      if (gp.frozenRowCount && rows <= gp.frozenRowCount) throw badRequest(`${kind}Sorry, it is not possible to delete all non-frozen rows.`);
      wb.deleteDimension(sheet, 'ROWS', rows, gp.rowCount);
    }
  }
  if (cols !== undefined && cols !== gp.columnCount) {
    if (!Number.isInteger(cols) || cols < 1) throw badRequest(`${kind}You can't delete all the columns on the sheet.`);
    if (cols > gp.columnCount) {
      checkColumns(wb, sheet, cols - gp.columnCount, kind);
      wb.checkCellLimit((cols - gp.columnCount) * gp.rowCount, kind);
      gp.columnCount = cols;
    } else {
      if (gp.frozenColumnCount && cols <= gp.frozenColumnCount) throw badRequest(`${kind}Sorry, it is not possible to delete all non-frozen columns.`);
      wb.deleteDimension(sheet, 'COLUMNS', cols, gp.columnCount);
    }
  }
}

/** @type {Record<string, Handler>} */
const HANDLERS = {
  insertDimension(wb, req, kind) {
    const { sheet, dim, start, end, count } = dimensionRange(req.range, wb, kind);
    if (end <= start) throw badRequest(`${kind}range.endIndex must be greater than range.startIndex.`);
    if (start > count) throw badRequest(`${kind}range.startIndex (${start}) must be less than or equal to the number of ${dim === 'ROWS' ? 'rows' : 'columns'} (${count}).`);
    if (req.inheritFromBefore && start === 0) throw badRequest(`${kind}Cannot inherit from before when inserting at the start.`);
    const n = end - start;
    if (dim === 'COLUMNS') checkColumns(wb, sheet, n, kind);
    wb.checkCellLimit(n * (dim === 'ROWS' ? sheet.columnCount : sheet.rowCount), kind);
    wb.insertDimension(sheet, dim, start, end, !!req.inheritFromBefore);
    return {};
  },

  deleteDimension(wb, req, kind) {
    const { sheet, dim, start, end, count } = dimensionRange(req.range, wb, kind);
    const noun = dim === 'ROWS' ? 'row' : 'column';
    if (end > count) {
      throw badRequest(`${kind}Cannot delete a ${noun} that doesn't exist. Tried to delete ${noun} index ${end - 1} but there are only ${count} ${noun}s.`);
    }
    if (end <= start) throw badRequest(`${kind}range.endIndex must be greater than range.startIndex.`);
    if (start === 0 && end === count) throw badRequest(`${kind}You can't delete all the ${noun}s on the sheet.`);
    const gp = sheet.props.gridProperties;
    const frozen = (dim === 'ROWS' ? gp.frozenRowCount : gp.frozenColumnCount) || 0;
    if (frozen) {
      const frozenLeft = frozen - Math.max(0, Math.min(frozen, end) - start);
      if (count - (end - start) <= frozenLeft) throw badRequest(`${kind}Sorry, it is not possible to delete all non-frozen ${noun}s.`);
    }
    wb.deleteDimension(sheet, dim, start, end);
    return {};
  },

  // destinationIndex is in the coordinates before the move (Sheets v4 reference, MoveDimensionRequest). The
  // error texts are the emulator's own: Google's are not on public record.
  moveDimension(wb, req, kind) {
    const { sheet, dim, start, end, count } = dimensionRange(req.source, wb, kind, 'source');
    const noun = dim === 'ROWS' ? 'row' : 'column';
    if (end > count) {
      throw badRequest(`${kind}Cannot move a ${noun} that doesn't exist. Tried to move ${noun} index ${end - 1} but there are only ${count} ${noun}s.`);
    }
    if (end <= start) throw badRequest(`${kind}source.endIndex must be greater than source.startIndex.`);
    const dest = req.destinationIndex ?? 0;
    if (!Number.isInteger(dest) || dest < 0 || dest > count) {
      throw badRequest(`${kind}destinationIndex (${dest}) must be between 0 and the number of ${noun}s (${count}).`);
    }
    if (dest > start && dest < end) {
      throw badRequest(`${kind}destinationIndex (${dest}) must not be inside the source range [${start}, ${end}).`);
    }
    wb.moveDimension(sheet, dim, start, end, dest);
    return {};
  },

  // Sheets v4 CopyPasteRequest: the source's cells (what the paste type carries) at the destination's top left,
  // on the same or another sheet; a destination a whole multiple of the source's size gets it repeated, a smaller
  // one still gets all of it. Relative references of pasted formulas move by the offset. Merges and TRANSPOSE
  // are not implemented (the emulator refuses rather than pastes differently).
  copyPaste(wb, req, kind) {
    const type = req.pasteType ?? 'PASTE_NORMAL';
    if (!['PASTE_NORMAL', 'PASTE_VALUES', 'PASTE_FORMAT', 'PASTE_FORMULA', 'PASTE_DATA_VALIDATION'].includes(type)) {
      throw badRequest(`${kind}The local emulator does not implement pasteType ${type}.`);
    }
    if ((req.pasteOrientation ?? 'NORMAL') !== 'NORMAL') {
      throw badRequest(`${kind}The local emulator does not implement pasteOrientation ${req.pasteOrientation}.`);
    }
    const from = gridArea(wb, req.source, kind);
    const to = gridArea(wb, req.destination, kind);
    const h = from.r1 - from.r0, w = from.c1 - from.c0;
    if (h <= 0 || w <= 0) return {};
    const repeat = (/** @type {number} */ span, /** @type {number} */ n) => (span >= n && span % n === 0 ? span / n : 1);
    const times = { down: repeat(to.r1 - to.r0, h), across: repeat(to.c1 - to.c0, w) };
    const rEnd = to.r0 + h * times.down, cEnd = to.c0 + w * times.across;
    if (rEnd > to.sheet.rowCount || cEnd > to.sheet.columnCount) {
      throw gridLimit(to.sheet, Math.min(rEnd, to.sheet.rowCount + 1) - 1, Math.min(cEnd, to.sheet.columnCount + 1) - 1, kind);
    }
    wb.copyPaste(from.sheet, from, to.sheet, to.r0, to.c0, times, type);
    return {};
  },

  appendDimension(wb, req, kind) {
    const sheet = wb.requireSheet(req.sheetId ?? 0, kind);
    const dim = req.dimension;
    if (dim !== 'ROWS' && dim !== 'COLUMNS') throw badRequest(`${kind}dimension must be ROWS or COLUMNS.`);
    const n = req.length;
    if (!Number.isInteger(n) || n <= 0) throw badRequest(`${kind}length must be greater than 0.`);
    if (dim === 'COLUMNS') checkColumns(wb, sheet, n, kind);
    wb.checkCellLimit(n * (dim === 'ROWS' ? sheet.columnCount : sheet.rowCount), kind);
    if (dim === 'ROWS') sheet.props.gridProperties.rowCount += n;
    else sheet.props.gridProperties.columnCount += n;
    return {};
  },

  updateCells(wb, req, kind) {
    const fields = cellFields(req.fields);
    if (!fields) throw badRequest(`${kind}At least one field must be specified.`);
    const rows = Array.isArray(req.rows) ? req.rows : [];
    if (req.range && req.start) throw badRequest(`${kind}Only one of range or start may be specified.`);
    if (req.range) {
      const a = gridArea(wb, req.range, kind);
      const width = rows.reduce((w, rd) => Math.max(w, rd && rd.values ? rd.values.length : 0), 0);
      if (rows.length > a.r1 - a.r0 || width > a.c1 - a.c0) {
        throw badRequest(`${kind}Attempting to write row: ${a.r0 + Math.max(rows.length, 1) - 1}, beyond the last requested row of: ${a.r1 - 1}`);
      }
      writeRows(wb, a.sheet, a.r0, a.c0, rows, fields, { r1: a.r1, c1: a.c1 });
      return {};
    }
    const start = req.start || {};
    const sheet = wb.requireSheet(start.sheetId ?? 0, kind);
    const r0 = start.rowIndex ?? 0, c0 = start.columnIndex ?? 0;
    const width = rows.reduce((w, rd) => Math.max(w, rd && rd.values ? rd.values.length : 0), 0);
    if (r0 + rows.length > sheet.rowCount || c0 + width > sheet.columnCount || r0 >= sheet.rowCount || c0 >= sheet.columnCount) {
      throw gridLimit(sheet, Math.min(r0 + rows.length, sheet.rowCount + 1) - (r0 + rows.length > sheet.rowCount ? 0 : 1),
        Math.max(c0, Math.min(c0 + width, sheet.columnCount + 1) - 1), kind);
    }
    writeRows(wb, sheet, r0, c0, rows, fields, null);
    return {};
  },

  appendCells(wb, req, kind) {
    const fields = cellFields(req.fields);
    if (!fields) throw badRequest(`${kind}At least one field must be specified.`);
    const sheet = wb.requireSheet(req.sheetId ?? 0, kind);
    const rows = Array.isArray(req.rows) ? req.rows : [];
    const width = rows.reduce((w, rd) => Math.max(w, rd && rd.values ? rd.values.length : 0), 0);
    if (width > sheet.columnCount) throw gridLimit(sheet, 0, sheet.columnCount, kind);
    const r0 = lastDataRow(wb, sheet) + 1;
    const grow = r0 + rows.length - sheet.rowCount;
    if (grow > 0) {
      wb.checkCellLimit(grow * sheet.columnCount, kind);
      sheet.props.gridProperties.rowCount += grow;
    }
    writeRows(wb, sheet, r0, 0, rows, fields, null);
    return {};
  },

  repeatCell(wb, req, kind) {
    const fields = cellFields(req.fields);
    if (!fields) throw badRequest(`${kind}At least one field must be specified.`);
    const a = gridArea(wb, req.range, kind);
    /** @type {Array<{sheet: any, r: number, c: number}>} */
    const formulaCells = [];
    for (let r = a.r0; r < a.r1; r++) {
      for (let c = a.c0; c < a.c1; c++) writeCellData(wb, a.sheet, r, c, req.cell || {}, fields, formulaCells);
    }
    wb.recalc([{ sheet: a.sheet, r1: a.r0, r2: a.r1 - 1, c1: a.c0, c2: a.c1 - 1 }], formulaCells);
    return {};
  },

  addSheet(wb, req, kind, ids) {
    const p = (req && req.properties) || {};
    let sheetId = p.sheetId;
    if (sheetId !== undefined && sheetId !== null) {
      if (!Number.isInteger(sheetId) || sheetId < 0) throw badRequest(`${kind}sheetId must be a non-negative integer.`);
      if (wb.sheetById(sheetId)) throw badRequest(`${kind}A sheet with the id ${sheetId} already exists.`);
    } else {
      do sheetId = ids.randomSheetId(); while (wb.sheetById(sheetId));
    }
    let title = p.title;
    if (title === undefined || title === null) {
      let n = wb.sheets.length + 1;
      while (wb.sheetByTitle('Sheet' + n)) n++;
      title = 'Sheet' + n;
    }
    checkTitle(wb, title, kind);
    const gp = { rowCount: 1000, columnCount: 26, ...(p.gridProperties || {}) };
    if (gp.columnCount > MAX_COLUMNS) throw badRequest(`${kind}This action would increase the number of columns in the sheet above the limit of ${MAX_COLUMNS}.`);
    wb.checkCellLimit(gp.rowCount * gp.columnCount, kind);
    /** @type {import('./workbook').SheetProps} */
    const props = { sheetId, title, sheetType: 'GRID', gridProperties: gp };
    for (const k of ['hidden', 'tabColor', 'tabColorStyle', 'rightToLeft']) if (p[k] !== undefined) props[k] = structuredClone(p[k]);
    const sheet = new Sheet(props);
    const index = p.index === undefined || p.index === null ? wb.sheets.length : Math.min(Math.max(0, p.index), wb.sheets.length);
    wb.sheets.splice(index, 0, sheet);
    wb.invalidateFormulas();
    wb.renameReferences(title, title); // formulas that named a missing sheet of this title now resolve
    return { addSheet: { properties: sheetPropertiesJson(wb, sheet) } };
  },

  deleteSheet(wb, req, kind) {
    const sheet = wb.requireSheet(req.sheetId ?? 0, kind);
    if (wb.sheets.filter((s) => !s.props.hidden).length <= 1 && !sheet.props.hidden) {
      throw badRequest(`${kind}You can't remove all the sheets in a document.`);
    }
    if (wb.sheets.length <= 1) throw badRequest(`${kind}You can't remove all the sheets in a document.`);
    wb.sheets = wb.sheets.filter((s) => s !== sheet);
    wb.dm = wb.dm.filter((d) => !('sheetId' in d.loc) || d.loc.sheetId !== sheet.id);
    wb.renameReferences(sheet.title, null);
    return {};
  },

  duplicateSheet(wb, req, kind, ids) {
    const src = wb.requireSheet(req.sourceSheetId ?? 0, kind);
    let sheetId = req.newSheetId;
    if (sheetId !== undefined && sheetId !== null) {
      if (wb.sheetById(sheetId)) throw badRequest(`${kind}A sheet with the id ${sheetId} already exists.`);
    } else {
      do sheetId = ids.randomSheetId(); while (wb.sheetById(sheetId));
    }
    let title = req.newSheetName;
    if (!title) {
      title = `Copy of ${src.title}`;
      let n = 2;
      while (wb.sheetByTitle(title)) title = `Copy of ${src.title} ${n++}`;
    }
    checkTitle(wb, title, kind);
    wb.checkCellLimit(src.rowCount * src.columnCount, kind);
    const props = structuredClone(src.props);
    props.sheetId = sheetId;
    props.title = title;
    delete props.hidden;
    const sheet = new Sheet(props);
    sheet.rows = src.rows.map((row) => {
      if (!row) return undefined;
      const copy = structuredClone({ ...row, g: wb.gen });
      delete copy.s; // a deep copy shares nothing
      return copy;
    });
    sheet.extra = structuredClone(src.extra);
    const index = req.insertSheetIndex === undefined || req.insertSheetIndex === null
      ? wb.sheets.indexOf(src) + 1 : Math.min(Math.max(0, req.insertSheetIndex), wb.sheets.length);
    wb.sheets.splice(index, 0, sheet);
    wb.invalidateFormulas();
    return { duplicateSheet: { properties: sheetPropertiesJson(wb, sheet) } };
  },

  updateSheetProperties(wb, req, kind) {
    const p = (req && req.properties) || {};
    const sheet = wb.requireSheet(p.sheetId ?? 0, kind);
    const fields = parseFields(req.fields, kind);
    const list = fields === true ? ['title', 'index', 'hidden', 'tabColor', 'tabColorStyle', 'rightToLeft',
      'gridProperties.rowCount', 'gridProperties.columnCount', 'gridProperties.frozenRowCount',
      'gridProperties.frozenColumnCount', 'gridProperties.hideGridlines'] : mask.paths(fields);
    const gpIn = p.gridProperties || {};
    let rows, cols;
    for (const path of list) {
      if (path === 'sheetId') {
        if (p.sheetId !== sheet.id) throw badRequest(`${kind}The sheet ID cannot be changed.`);
      } else if (path === 'title') {
        checkTitle(wb, p.title, kind, sheet);
        const old = sheet.title;
        sheet.props.title = p.title;
        if (old !== p.title) wb.renameReferences(old, p.title);
      } else if (path === 'index') {
        const i = Math.min(Math.max(0, p.index ?? 0), wb.sheets.length - 1);
        wb.sheets = wb.sheets.filter((s) => s !== sheet);
        wb.sheets.splice(i, 0, sheet);
      } else if (path === 'gridProperties' || path.startsWith('gridProperties.')) {
        const keys = path === 'gridProperties' ? ['rowCount', 'columnCount', 'frozenRowCount', 'frozenColumnCount', 'hideGridlines']
          : [path.slice('gridProperties.'.length)];
        for (const k of keys) {
          if (k === 'rowCount') rows = gpIn.rowCount;
          else if (k === 'columnCount') cols = gpIn.columnCount;
          else if (k === 'frozenRowCount' || k === 'frozenColumnCount') {
            const v = gpIn[k] ?? 0;
            const limit = k === 'frozenRowCount' ? (rows ?? sheet.rowCount) : (cols ?? sheet.columnCount);
            if (v >= limit) throw badRequest(`${kind}You can't freeze all visible ${k === 'frozenRowCount' ? 'rows' : 'columns'} on the sheet.`);
            sheet.props.gridProperties[k] = v;
          } else if (k === 'hideGridlines' || k === 'rowGroupControlAfter' || k === 'columnGroupControlAfter') {
            sheet.props.gridProperties[k] = !!gpIn[k];
          } else throw badRequest(`${kind}Invalid field mask: ${path}`);
        }
      } else if (['hidden', 'tabColor', 'tabColorStyle', 'rightToLeft'].includes(path.split('.')[0])) {
        const k = path.split('.')[0];
        if (p[k] === undefined || p[k] === null || p[k] === false) delete sheet.props[k];
        else sheet.props[k] = structuredClone(p[k]);
        if (k === 'hidden' && p.hidden && wb.sheets.every((s) => s.props.hidden)) {
          throw badRequest(`${kind}You can't hide all the sheets in a document.`);
        }
      } else if (path !== 'sheetType') throw badRequest(`${kind}Invalid field mask: ${path}`);
    }
    resize(wb, sheet, rows, cols, kind);
    return {};
  },

  updateSpreadsheetProperties(wb, req, kind) {
    const p = (req && req.properties) || {};
    const fields = parseFields(req.fields, kind);
    const list = fields === true ? ['title', 'locale', 'autoRecalc', 'timeZone', 'defaultFormat', 'iterativeCalculationSettings',
      'spreadsheetTheme'] : mask.paths(fields).map((x) => x.split('.')[0]);
    for (const k of new Set(list)) {
      if (!['title', 'locale', 'autoRecalc', 'timeZone', 'defaultFormat', 'iterativeCalculationSettings', 'spreadsheetTheme',
        'importFunctionsExternalUrlAccessAllowed'].includes(k)) throw badRequest(`${kind}Invalid field mask: ${k}`);
      if (k === 'title' && (!p.title || !String(p.title).trim())) throw badRequest(`${kind}The spreadsheet title cannot be empty.`);
      if (p[k] === undefined) delete wb.props[k];
      else wb.props[k] = structuredClone(p[k]);
    }
    return {};
  },

  setDataValidation(wb, req, kind) {
    const a = gridArea(wb, req.range, kind);
    const rule = req.rule;
    if (rule && (!rule.condition || !rule.condition.type)) throw badRequest(`${kind}rule.condition must be specified.`);
    // One rule for the whole range: interned once, not once a cell.
    const id = rule && a.r0 < a.r1 && a.c0 < a.c1 ? wb.internValidation(rule) : undefined;
    for (let r = a.r0; r < a.r1; r++) for (let c = a.c0; c < a.c1; c++) wb.setSide(a.sheet, r, c, 'dv', id);
    return {};
  },

  createDeveloperMetadata(wb, req, kind, ids) {
    return { createDeveloperMetadata: metadata.create(wb, req, kind, ids.randomMetadataId) };
  },

  deleteDeveloperMetadata(wb, req, kind) {
    return { deleteDeveloperMetadata: metadata.remove(wb, req, kind) };
  },

  updateDeveloperMetadata(wb, req, kind) {
    return { updateDeveloperMetadata: metadata.update(wb, req, kind) };
  },

  // Row heights, column widths and the hiding of rows are not stored; hiding columns is. The request is validated
  // and accepted.
  updateDimensionProperties(wb, req, kind) {
    const range = req.range ? dimensionRange(req.range, wb, kind) : null;
    if (!req.fields) throw badRequest(`${kind}At least one field must be specified.`);
    const fields = String(req.fields).split(',').map((f) => f.trim());
    if (range && range.dim === 'COLUMNS' && (fields.includes('hiddenByUser') || fields.includes('*'))) {
      const hide = !!(req.properties && req.properties.hiddenByUser);
      const end = Math.min(range.end, range.count);
      const others = range.sheet.hiddenColumns.filter((c) => c < range.start || c >= end);
      const mine = [];
      if (hide) for (let c = range.start; c < end; c++) mine.push(c);
      range.sheet.hiddenColumns = others.concat(mine);
    }
    return {};
  },
};

const KNOWN_KINDS = new Set(['addBanding', 'addChart', 'addCommentReply', 'addConditionalFormatRule', 'addDataSource',
  'addDimensionGroup', 'addFilterView', 'addNamedRange', 'addProtectedRange', 'addSheet', 'addSlicer', 'addTable',
  'appendCells', 'appendDimension', 'autoFill', 'autoResizeDimensions', 'cancelDataSourceRefresh', 'clearBasicFilter',
  'copyPaste', 'createDeveloperMetadata', 'cutPaste', 'deleteBanding', 'deleteComment', 'deleteCommentReply',
  'deleteConditionalFormatRule', 'deleteDataSource', 'deleteDeveloperMetadata', 'deleteDimension', 'deleteDimensionGroup',
  'deleteDuplicates', 'deleteEmbeddedObject', 'deleteFilterView', 'deleteNamedRange', 'deleteProtectedRange', 'deleteRange',
  'deleteSheet', 'deleteTable', 'duplicateFilterView', 'duplicateSheet', 'findReplace', 'insertComment', 'insertDimension',
  'insertRange', 'mergeCells', 'moveDimension', 'pasteData', 'randomizeRange', 'refreshDataSource', 'repeatCell',
  'setBasicFilter', 'setDataValidation', 'sortRange', 'textToColumns', 'trimWhitespace', 'unmergeCells', 'updateBanding',
  'updateBorders', 'updateCells', 'updateChartSpec', 'updateCommentPost', 'updateConditionalFormatRule', 'updateDataSource',
  'updateDeveloperMetadata', 'updateDimensionGroup', 'updateDimensionProperties', 'updateEmbeddedObjectBorder',
  'updateEmbeddedObjectPosition', 'updateFilterView', 'updateNamedRange', 'updateProtectedRange', 'updateSheetProperties',
  'updateSlicerSpec', 'updateSpreadsheetProperties', 'updateTable']);

/**
 * Applies the requests in order; the caller wraps this in a transaction.
 * @param {Workbook} wb @param {any} body BatchUpdateSpreadsheetRequest @param {Ids} ids
 * @returns {any[]} replies
 */
function applyRequests(wb, body, ids) {
  const requests = body && body.requests;
  if (!Array.isArray(requests) || !requests.length) throw badRequest('Must specify at least one request.');
  const replies = [];
  requests.forEach((req, i) => {
    if (!req || typeof req !== 'object') throw badRequest(`Invalid requests[${i}]: request must be an object.`);
    const kinds = Object.keys(req);
    for (const k of kinds) {
      if (!KNOWN_KINDS.has(k)) throw badRequest(`Invalid JSON payload received. Unknown name "${k}" at 'requests[${i}]': Cannot find field.`);
    }
    if (kinds.length !== 1) {
      throw badRequest(kinds.length ? `Invalid requests[${i}]: oneof field 'kind' is already set. Cannot set '${kinds[1]}'`
        : `Invalid requests[${i}]: No request set.`);
    }
    const kind = kinds[0];
    const handler = HANDLERS[kind];
    const prefix = `Invalid requests[${i}].${kind}: `;
    if (!handler) throw badRequest(`${prefix}The local emulator does not implement ${kind}.`);
    replies.push(withCellPrefix(prefix, () => handler(wb, req[kind] || {}, prefix, ids)) || {});
  });
  return replies;
}

module.exports = { applyRequests, HANDLERS, quoteSheetName };
