// @ts-check
'use strict';
/**
 * The in-memory spreadsheet: sheets of compact rows, developer metadata, interned formats and validation
 * rules, formulas and their recalculation, and transactions (all-or-nothing edits).
 *
 * A row is `{v, f?, fm?, dv?, nt?, g, s?}`: `v` is a plain array of effective values (string, number, boolean,
 * `{error, message}`, or undefined/null for empty) trimmed of trailing empties; the other fields are sparse
 * objects keyed by column index: formula text, format id, validation rule id, note. A 100,000-row sheet is
 * 100,000 small objects, not millions of cell objects.
 *
 * Copy-on-write: `g` is the generation that owns the row. Generations come from one process-wide counter and
 * are never reused; a workbook takes a fresh one at every transaction (and when it is copied), so a row whose
 * `g` is not the workbook's current one may be shared — with the transaction's snapshot (rollback puts the old
 * row arrays back) or with a copy of the workbook (Drive files.copy shares every row) — and is never changed in
 * place: `wrow` replaces it with a new shell that shares its parts, and `s` marks which parts (V, F, FM, DV, NT
 * bits) are still shared and must be copied before they are changed (`ownV`, `ownSide`). So a copy of a
 * 100,000-row workbook costs its row arrays, and writing one cell of a row copies that row's shell and the
 * part written.
 */
const { parseA1, toA1, MAX_COLUMNS } = require('./a1');
const { badRequest } = require('./errors');
const F = require('./formula');
const { reclaim } = require('./memory');

const CELL_LIMIT = 10_000_000;

/** Parts of a row still shared with another row shell (bits of `Row.s`). */
const SHARED = /** @type {const} */ ({ v: 1, f: 2, fm: 4, dv: 8, nt: 16 });
const ALL_SHARED = 31;

let generation = 0;
let cellWrites = 0;

/** Counts cell writes: a batch over a big sheet makes garbage fast, so it is collected as it goes (memory.js). */
function tick() {
  if ((++cellWrites & 16383) === 0) reclaim();
}
/** A generation no row is owned by yet. */
function nextGen() {
  generation += 1;
  return generation;
}

/**
 * The row's value array, copied first if another row shell shares it.
 * @param {Row} row @returns {any[]}
 */
function ownV(row) {
  if (row.s && row.s & SHARED.v) {
    row.v = row.v.slice();
    row.s &= ~SHARED.v;
  }
  return row.v;
}

/**
 * One of the row's side tables, copied first if shared (undefined when the row has none).
 * @param {Row} row @param {'f'|'fm'|'dv'|'nt'} k @returns {Record<number, any>|undefined}
 */
function ownSide(row, k) {
  if (row.s && row.s & SHARED[k]) {
    const m = row[k];
    if (m) /** @type {any} */ (row)[k] = { ...m };
    row.s &= ~SHARED[k];
  }
  return row[k];
}

/**
 * Gives the row a side table of its own (a new object), or keeps the one it has when `m` is that one.
 * @param {Row} row @param {'f'|'fm'|'dv'|'nt'} k @param {Record<number, any>} m
 */
function replaceSide(row, k, m) {
  if (row[k] === m) return;
  /** @type {any} */ (row)[k] = m;
  if (row.s) row.s &= ~SHARED[k];
}

/** One copy of each distinct format/validation table (`{col: id}`), shared by every row that has it. */
/** @type {Map<string, Record<number, number>>} */
const TABLES = new Map();

/**
 * Side tables as V8 holds them cheaply. A table built by assignment (`m[63] = x`) or spread keeps an elements
 * store as long as its highest column (~1 KB for one formula in column 63); the same table from JSON.parse is a
 * fifth of that. Format and validation tables repeat row after row, so each distinct one is kept once and
 * shared (marked shared: it is copied before any change, as for rows shared with a copy).
 * @param {Row} row
 */
function packSides(row) {
  if (row.f && !(row.s && row.s & SHARED.f)) row.f = JSON.parse(JSON.stringify(row.f));
  if (row.nt && !(row.s && row.s & SHARED.nt)) row.nt = JSON.parse(JSON.stringify(row.nt));
  shareTables(row);
}

/** The format and validation tables of `packSides` alone (for rows parsed from JSON). @param {Row} row */
function shareTables(row) {
  for (const k of /** @type {const} */ (['fm', 'dv'])) {
    const m = row[k];
    if (!m || (row.s && row.s & SHARED[k])) continue;
    const key = JSON.stringify(m);
    if (key === '{}') {
      delete row[k];
      continue;
    }
    let shared = TABLES.get(key);
    if (!shared) {
      if (TABLES.size >= 100_000) TABLES.clear(); // only sharing is lost: rows keep (and still guard) their tables
      shared = JSON.parse(key);
      TABLES.set(key, /** @type {Record<number, number>} */ (shared));
    }
    row[k] = shared;
    row.s = (row.s || 0) | SHARED[k];
  }
}

/**
 * A new shell for `row` owned by generation `gen`, sharing every part with it.
 * @param {Row} row @param {number} gen @returns {Row}
 */
function shareRow(row, gen) {
  /** @type {Row} */
  const copy = { v: row.v, g: gen, s: ALL_SHARED };
  if (row.f) copy.f = row.f;
  if (row.fm) copy.fm = row.fm;
  if (row.dv) copy.dv = row.dv;
  if (row.nt) copy.nt = row.nt;
  return copy;
}

/**
 * @typedef {{v: any[], f?: Record<number, string>, fm?: Record<number, number>, dv?: Record<number, number>,
 *   nt?: Record<number, string>, g: number, s?: number}} Row
 * @typedef {{sheetId: number, title: string, index?: number, sheetType?: string,
 *   gridProperties: {rowCount: number, columnCount: number, frozenRowCount?: number, frozenColumnCount?: number,
 *   [k: string]: any}, [k: string]: any}} SheetProps
 * @typedef {{id: number, key: string, value?: string, visibility: string,
 *   loc: {type: 'SPREADSHEET'} | {type: 'SHEET', sheetId: number} | {type: 'ROW'|'COLUMN', sheetId: number, index: number}}} DevMeta
 */

class Sheet {
  /** @param {SheetProps} props */
  constructor(props) {
    /** @type {SheetProps} */
    this.props = props;
    /** @type {Array<Row|undefined>} */
    this.rows = [];
    /** Opaque sheet parts kept as given (merges, conditional formats, ...): not shifted by edits. @type {Record<string, any>} */
    this.extra = {};
    /** @type {Map<number, FormulaEntry> | null} formula cells by r * 20000 + c, built on demand */
    this.formulaIndex = null;
  }
  /** Columns hidden by the user (`DimensionProperties.hiddenByUser`), kept in `extra` so they persist, copy and
   * roll back with the sheet. @returns {number[]} sorted 0-based indices */
  get hiddenColumns() { return this.extra._hiddenColumns || []; }
  /** @param {number[]} indices */
  set hiddenColumns(indices) {
    if (indices.length) this.extra._hiddenColumns = [...new Set(indices)].sort((a, b) => a - b);
    else delete this.extra._hiddenColumns;
  }
  get rowCount() { return this.props.gridProperties.rowCount; }
  get columnCount() { return this.props.gridProperties.columnCount; }
  get id() { return this.props.sheetId; }
  get title() { return this.props.title; }
}

/**
 * @typedef {{sheet: Sheet, r: number, c: number, deps: Array<{sheet: Sheet|null, r1: number, r2: number,
 *   c1: number, c2: number}>}} FormulaEntry
 */

const KEY = (/** @type {number} */ r, /** @type {number} */ c) => r * 20000 + c;

class Workbook {
  /** @param {string} id */
  constructor(id) {
    this.id = id;
    /** @type {Record<string, any>} */
    this.props = {};
    /** @type {Sheet[]} */
    this.sheets = [];
    /** @type {DevMeta[]} */
    this.dm = [];
    /** @type {any[]} */
    this.formats = [];
    /** @type {Map<string, number>} */
    this.formatIds = new Map();
    /** @type {any[]} */
    this.validations = [];
    /** @type {Map<string, number>} */
    this.validationIds = new Map();
    /** Drive file fields that are not the title. @type {Record<string, any>} */
    this.drive = {};
    /** Other top-level resource parts kept as given (namedRanges, ...). @type {Record<string, any>} */
    this.extra = {};
    this.gen = nextGen();
    /** Row shells made in this generation (compact() packs them). @type {Row[]} */
    this.written = [];
    /** @type {any} */
    this.snapshot = null;
    this.registryBuilt = false;
  }

  // ------------------------------------------------------------------------------------------ lookup

  /** @param {number} id */
  sheetById(id) {
    return this.sheets.find((s) => s.id === id);
  }

  /** @param {string} title exact first, then case-insensitive (as Google resolves A1 sheet names) */
  sheetByTitle(title) {
    return this.sheets.find((s) => s.title === title)
      || this.sheets.find((s) => s.title.toLowerCase() === title.toLowerCase());
  }

  /** @param {number} id @param {string} requestKind */
  requireSheet(id, requestKind) {
    const s = this.sheetById(Number(id ?? 0));
    if (!s) throw badRequest(`${requestKind}No grid with id: ${id ?? 0}`);
    return s;
  }

  /**
   * Resolves A1 notation to a sheet and bounds (null = unbounded).
   * @param {string} a1
   */
  resolve(a1) {
    const p = parseA1(a1);
    if (!p) throw badRequest(`Unable to parse range: ${a1}`);
    const sheet = p.sheetName === null ? this.sheets[0] : this.sheetByTitle(p.sheetName);
    if (!sheet) throw badRequest(`Unable to parse range: ${a1}`);
    return { sheet, bounds: p, text: p.text };
  }

  cellCount() {
    let n = 0;
    for (const s of this.sheets) n += s.rowCount * s.columnCount;
    return n;
  }

  /** @param {number} extra @param {string} requestKind */
  checkCellLimit(extra, requestKind) {
    if (this.cellCount() + extra > CELL_LIMIT) {
      throw badRequest(`${requestKind}This action would increase the number of cells in the workbook above the limit of 10000000 cells.`);
    }
  }

  // ------------------------------------------------------------------------------------------ cells

  /** @param {Sheet} sheet @param {number} r @returns {Row|undefined} */
  row(sheet, r) {
    return sheet.rows[r];
  }

  /** A row that may be written in the current transaction (copied on first write). @param {Sheet} sheet @param {number} r @returns {Row} */
  wrow(sheet, r) {
    let row = sheet.rows[r];
    if (!row) {
      row = { v: [], g: this.gen };
      while (sheet.rows.length < r) sheet.rows.push(undefined);
      sheet.rows[r] = row;
      this.written.push(row);
      return row;
    }
    if (row.g !== this.gen) {
      row = shareRow(row, this.gen);
      sheet.rows[r] = row;
      this.written.push(row);
      if ((this.written.length & 4095) === 0) reclaim(); // a batch over a big sheet makes garbage fast
    }
    return row;
  }

  /**
   * Packs the rows written since the last call: value arrays copied once to drop the spare capacity that growing
   * cell by cell left, side tables as `packSides` makes them. A transaction that writes 100,000 rows then holds
   * compact rows, and rows with the same formats share one table.
   */
  compact() {
    for (const row of this.written) {
      if (row.g !== this.gen) continue;
      if (!(row.s && row.s & SHARED.v)) row.v = row.v.slice();
      packSides(row);
    }
    this.written = [];
  }

  /**
   * Makes every row of the workbook shared: after this neither the workbook nor anything that took its rows
   * (a copy) changes a row in place. @returns {number} the workbook's new generation
   */
  release() {
    this.gen = nextGen();
    return this.gen;
  }

  /** @param {Sheet} sheet @param {number} r @param {number} c */
  value(sheet, r, c) {
    const row = sheet.rows[r];
    if (!row) return null;
    const v = row.v[c];
    return v === undefined ? null : v;
  }

  /** @param {Row} row */
  static trim(row) {
    const v = row.v;
    let n = v.length;
    while (n > 0 && (v[n - 1] === undefined || v[n - 1] === null || v[n - 1] === '')) n--;
    if (n !== v.length) ownV(row).length = n;
  }

  /** @param {Row|undefined} row */
  static isEmptyRow(row) {
    if (!row) return true;
    for (const x of row.v) if (x !== undefined && x !== null && x !== '') return false;
    return !row.f || Object.keys(row.f).length === 0;
  }

  /**
   * Sets a cell's value (and formula). A formula keeps the current value until recalculation.
   * @param {Sheet} sheet @param {number} r @param {number} c
   * @param {any} value null/undefined/'' clears
   * @param {string|null} [formula]
   */
  setValue(sheet, r, c, value, formula) {
    tick();
    const row = this.wrow(sheet, r);
    const v = ownV(row);
    if (formula) {
      const f = ownSide(row, 'f') || (row.f = {});
      f[c] = formula;
      if (value !== undefined) v[c] = value;
      this.registerFormula(sheet, r, c, formula);
    } else {
      if (row.f && c in row.f) {
        delete /** @type {Record<number, string>} */ (ownSide(row, 'f'))[c];
        this.unregisterFormula(sheet, r, c);
      }
      if (value === null || value === undefined || value === '') {
        if (c < v.length) v[c] = undefined;
      } else {
        while (v.length < c) v.push(undefined);
        v[c] = value;
      }
    }
    Workbook.trim(row);
  }

  /**
   * Store one copy of each distinct JSON value (formats and rules repeat across many cells) and return its id.
   * @param {any[]} table @param {Map<string, number>} ids @param {any} value
   */
  static intern(table, ids, value) {
    const key = JSON.stringify(value);
    let id = ids.get(key);
    if (id === undefined) {
      id = table.length;
      table.push(JSON.parse(key));
      ids.set(key, id);
    }
    return id;
  }

  /** @param {any} fmt userEnteredFormat JSON @returns {number} */
  internFormat(fmt) {
    return Workbook.intern(this.formats, this.formatIds, fmt);
  }

  /** @param {any} rule DataValidationRule JSON @returns {number} */
  internValidation(rule) {
    return Workbook.intern(this.validations, this.validationIds, rule);
  }

  /** @param {Sheet} sheet @param {number} r @param {number} c @returns {any} userEnteredFormat or undefined */
  formatAt(sheet, r, c) {
    const row = sheet.rows[r];
    if (!row || !row.fm) return undefined;
    const id = row.fm[c];
    return id === undefined ? undefined : this.formats[id];
  }

  /**
   * Set or clear (value undefined) one cell of a row's sparse side table: fm formats, dv validation, nt notes.
   * @param {Sheet} sheet @param {number} r @param {number} c @param {'fm'|'dv'|'nt'} table @param {any} value
   */
  setSide(sheet, r, c, table, value) {
    tick();
    if (value === undefined) { // clearing what is not there changes nothing (and copies no row)
      const old = sheet.rows[r];
      if (!old || !old[table] || !(c in /** @type {Record<number, any>} */ (old[table]))) return;
    }
    const row = this.wrow(sheet, r);
    const m = ownSide(row, table);
    if (value === undefined) {
      if (m) delete m[c];
    } else {
      (m || (/** @type {any} */ (row)[table] = {}))[c] = value;
    }
  }

  /** @param {Sheet} sheet @param {number} r @param {number} c @param {any} fmt undefined clears */
  setFormat(sheet, r, c, fmt) {
    const empty = fmt === undefined || fmt === null || (typeof fmt === 'object' && Object.keys(fmt).length === 0);
    this.setSide(sheet, r, c, 'fm', empty ? undefined : this.internFormat(fmt));
  }

  /** @param {Sheet} sheet @param {number} r @param {number} c @param {any} rule undefined clears */
  setValidation(sheet, r, c, rule) {
    this.setSide(sheet, r, c, 'dv', rule ? this.internValidation(rule) : undefined);
  }

  /** @param {Sheet} sheet @param {number} r @param {number} c @param {string|undefined} note */
  setNote(sheet, r, c, note) {
    this.setSide(sheet, r, c, 'nt', note || undefined);
  }

  // ------------------------------------------------------------------------------------ transactions

  /** Starts an all-or-nothing edit. Cheap: copies row arrays (pointers), not rows. */
  begin() {
    this.gen = nextGen();
    this.written = [];
    this.snapshot = {
      props: structuredClone(this.props),
      sheets: this.sheets.map((s) => ({ sheet: s, props: structuredClone(s.props), rows: s.rows.slice(),
        extra: structuredClone(s.extra) })),
      dm: structuredClone(this.dm),
      formats: this.formats.length,
      validations: this.validations.length,
      drive: structuredClone(this.drive),
      extra: structuredClone(this.extra),
    };
  }

  commit() {
    this.snapshot = null;
    this.compact();
  }

  rollback() {
    const snap = this.snapshot;
    if (!snap) return;
    this.props = snap.props;
    this.sheets = snap.sheets.map((/** @type {any} */ x) => {
      x.sheet.props = x.props;
      x.sheet.rows = x.rows;
      x.sheet.extra = x.extra;
      return x.sheet;
    });
    this.dm = snap.dm;
    for (const f of this.formats.splice(snap.formats)) this.formatIds.delete(JSON.stringify(f));
    for (const v of this.validations.splice(snap.validations)) this.validationIds.delete(JSON.stringify(v));
    this.drive = snap.drive;
    this.extra = snap.extra;
    this.snapshot = null;
    this.invalidateFormulas();
    this.gen = nextGen(); // rows copied during the failed edit are no longer owned by anyone
    this.written = [];
  }

  // -------------------------------------------------------------------------------- dimension edits

  /**
   * Inserts rows or columns [start, end) and moves everything after them (cells, formats, formulas and
   * references to them, developer metadata).
   * @param {Sheet} sheet @param {'ROWS'|'COLUMNS'} dim @param {number} start @param {number} end
   * @param {boolean} inheritFromBefore
   */
  insertDimension(sheet, dim, start, end, inheritFromBefore) {
    const n = end - start;
    const gp = sheet.props.gridProperties;
    const from = inheritFromBefore ? start - 1 : start; // the neighbour whose formats the new cells take
    if (dim === 'ROWS') {
      const source = from >= 0 ? sheet.rows[from] : undefined;
      const blanks = [];
      for (let i = 0; i < n; i++) {
        if (source && (source.fm || source.dv)) {
          /** @type {Row} */
          const r = { v: [], g: this.gen };
          if (source.fm) r.fm = { ...source.fm };
          if (source.dv) r.dv = { ...source.dv };
          blanks.push(r);
        } else blanks.push(undefined);
      }
      if (start < sheet.rows.length) sheet.rows.splice(start, 0, ...blanks);
      gp.rowCount += n;
    } else {
      for (let r = 0; r < sheet.rows.length; r++) {
        const old = sheet.rows[r];
        if (!old) continue;
        const touches = old.v.length > start || hasKeyAtOrAfter(old, start) || (from >= 0 && hasKeyAt(old, from));
        if (!touches) continue;
        const row = this.wrow(sheet, r);
        if (row.v.length > start) ownV(row).splice(start, 0, ...new Array(n).fill(undefined));
        for (const k of /** @type {const} */ (['f', 'fm', 'dv', 'nt'])) {
          const m = row[k];
          if (!m) continue;
          const inherit = (k === 'fm' || k === 'dv') && from >= 0 ? m[from] : undefined;
          replaceSide(row, k, shiftKeys(m, start, n));
          if (inherit !== undefined) {
            const own = /** @type {Record<number, any>} */ (ownSide(row, k));
            for (let c = start; c < end; c++) own[c] = inherit;
          }
        }
      }
      gp.columnCount += n;
      sheet.hiddenColumns = sheet.hiddenColumns.map((c) => (c >= start ? c + n : c));
    }
    for (const d of this.dm) {
      if ((d.loc.type === 'ROW' || d.loc.type === 'COLUMN') && d.loc.sheetId === sheet.id
        && (d.loc.type === 'ROW') === (dim === 'ROWS') && d.loc.index >= start) d.loc.index += n;
    }
    this.shiftReferences(sheet, dim, start, n);
  }

  /**
   * Deletes rows or columns [start, end): their cells, formats and developer metadata go; references to
   * them become #REF!.
   * @param {Sheet} sheet @param {'ROWS'|'COLUMNS'} dim @param {number} start @param {number} end
   */
  deleteDimension(sheet, dim, start, end) {
    const n = end - start;
    const gp = sheet.props.gridProperties;
    if (dim === 'ROWS') {
      if (start < sheet.rows.length) sheet.rows.splice(start, n);
      gp.rowCount -= n;
      if (gp.frozenRowCount) gp.frozenRowCount = Math.max(0, gp.frozenRowCount - overlap(0, gp.frozenRowCount, start, end));
    } else {
      for (let r = 0; r < sheet.rows.length; r++) {
        const old = sheet.rows[r];
        if (!old || !(old.v.length > start || hasKeyAtOrAfter(old, start))) continue;
        const row = this.wrow(sheet, r);
        if (row.v.length > start) ownV(row).splice(start, n);
        for (const k of /** @type {const} */ (['f', 'fm', 'dv', 'nt'])) {
          const m = row[k];
          if (m) replaceSide(row, k, shiftKeys(m, start, -n));
        }
        Workbook.trim(row);
      }
      gp.columnCount -= n;
      sheet.hiddenColumns = sheet.hiddenColumns.filter((c) => c < start || c >= end).map((c) => (c >= end ? c - n : c));
      if (gp.frozenColumnCount) gp.frozenColumnCount = Math.max(0, gp.frozenColumnCount - overlap(0, gp.frozenColumnCount, start, end));
    }
    this.dm = this.dm.filter((d) => {
      if ((d.loc.type !== 'ROW' && d.loc.type !== 'COLUMN') || d.loc.sheetId !== sheet.id) return true;
      if ((d.loc.type === 'ROW') !== (dim === 'ROWS')) return true;
      if (d.loc.index >= end) d.loc.index -= n;
      else if (d.loc.index >= start) return false;
      return true;
    });
    this.shiftReferences(sheet, dim, start, -n);
  }

  /**
   * Moves rows or columns [start, end) to `dest`, an index in the coordinates before the move (Google's
   * `destinationIndex`): cells, formats, validation, notes, hidden columns and developer metadata go with them,
   * and every reference to a moved cell follows it. The caller checked that `dest` is not inside the range.
   * @param {Sheet} sheet @param {'ROWS'|'COLUMNS'} dim @param {number} start @param {number} end @param {number} dest
   */
  moveDimension(sheet, dim, start, end, dest) {
    const map = moveMap(start, end, dest);
    const lo = Math.min(start, dest), hi = Math.max(end, dest); // only indices in [lo, hi) change
    if (hi - lo === end - start) return; // dest is start or end: nothing moves
    /** @template T @param {T[]} list */
    const permute = (list) => {
      const moved = list.slice(lo, hi);
      while (list.length < hi) list.push(/** @type {any} */ (undefined));
      for (let i = lo; i < hi; i++) list[map(i)] = moved[i - lo];
    };
    if (dim === 'ROWS') {
      if (lo < sheet.rows.length) {
        permute(sheet.rows); // row objects move as they are: the transaction's snapshot holds the old array
        while (sheet.rows.length && !sheet.rows[sheet.rows.length - 1]) sheet.rows.pop();
      }
    } else {
      for (let r = 0; r < sheet.rows.length; r++) {
        const old = sheet.rows[r];
        if (!old || !(old.v.length > lo || hasKeyAtOrAfter(old, lo))) continue;
        const row = this.wrow(sheet, r);
        permute(ownV(row));
        for (const k of /** @type {const} */ (['f', 'fm', 'dv', 'nt'])) {
          const m = row[k];
          if (m) replaceSide(row, k, mapKeys(m, map));
        }
        Workbook.trim(row);
      }
      sheet.hiddenColumns = sheet.hiddenColumns.map(map);
    }
    for (const d of this.dm) {
      if ((d.loc.type === 'ROW' || d.loc.type === 'COLUMN') && d.loc.sheetId === sheet.id
        && (d.loc.type === 'ROW') === (dim === 'ROWS')) d.loc.index = map(d.loc.index);
    }
    this.remapReferences(sheet, (b) => F.mapBounds(b, dim, map), () => false);
    // Ranges that gained or lost rows/columns, and order-sensitive results, are recomputed.
    const span = dim === 'ROWS' ? { r1: lo, r2: hi - 1, c1: 0, c2: Infinity } : { r1: 0, r2: Infinity, c1: lo, c2: hi - 1 };
    this.recalc([{ sheet, ...span }]);
  }

  /**
   * Pastes the cells of `src` [r0, r1) x [c0, c1) at (dr0, dc0) of `dst`, `times` copies down and across
   * (copyPaste): what the paste type carries replaces what was there, an empty source cell clears it, and a
   * pasted formula's relative references move by the offset (formula.js offsetReferences). The source is read
   * whole before anything is written, so source and destination may overlap. The caller checked the grid.
   * @param {Sheet} src @param {{r0: number, r1: number, c0: number, c1: number}} from
   * @param {Sheet} dst @param {number} dr0 @param {number} dc0 @param {{down: number, across: number}} times
   * @param {'PASTE_NORMAL'|'PASTE_VALUES'|'PASTE_FORMAT'|'PASTE_FORMULA'|'PASTE_DATA_VALIDATION'} type
   */
  copyPaste(src, from, dst, dr0, dc0, times, type) {
    const h = from.r1 - from.r0, w = from.c1 - from.c0;
    const cells = [];
    for (let r = from.r0; r < from.r1; r++) {
      const row = src.rows[r];
      for (let c = from.c0; c < from.c1; c++) {
        const v = row ? row.v[c] : undefined;
        cells.push({ v: v === '' ? undefined : v, f: row && row.f ? row.f[c] : undefined,
          fm: row && row.fm ? row.fm[c] : undefined, dv: row && row.dv ? row.dv[c] : undefined,
          nt: row && row.nt ? row.nt[c] : undefined });
      }
    }
    const values = type === 'PASTE_NORMAL' || type === 'PASTE_VALUES' || type === 'PASTE_FORMULA';
    const formats = type === 'PASTE_NORMAL' || type === 'PASTE_FORMAT';
    const rules = type === 'PASTE_NORMAL' || type === 'PASTE_FORMAT' || type === 'PASTE_DATA_VALIDATION';
    /** @type {Array<{sheet: Sheet, r: number, c: number}>} */
    const formulaCells = [];
    for (let i = 0; i < times.down; i++) {
      for (let j = 0; j < times.across; j++) {
        for (let k = 0; k < cells.length; k++) {
          const cell = cells[k];
          const sr = from.r0 + Math.floor(k / w), sc = from.c0 + (k % w);
          const r = dr0 + i * h + (sr - from.r0), c = dc0 + j * w + (sc - from.c0);
          if (values) {
            if (cell.f && type !== 'PASTE_VALUES') {
              this.setValue(dst, r, c, cell.v, F.offsetReferences(cell.f, r - sr, c - sc));
              formulaCells.push({ sheet: dst, r, c });
            } else this.setValue(dst, r, c, cell.v, null);
          }
          if (formats) this.setSide(dst, r, c, 'fm', cell.fm);
          if (rules) this.setSide(dst, r, c, 'dv', cell.dv);
          if (type === 'PASTE_NORMAL') this.setSide(dst, r, c, 'nt', cell.nt);
        }
      }
    }
    if (values) {
      this.recalc([{ sheet: dst, r1: dr0, r2: dr0 + h * times.down - 1, c1: dc0, c2: dc0 + w * times.across - 1 }],
        formulaCells);
    }
  }

  /**
   * Rewrite every formula of every sheet with `rewrite(text, sheet)`; changed formulas for which
   * `recalculate(next)` holds are recomputed.
   * @param {(text: string, sheet: Sheet) => string} rewrite @param {(next: string) => boolean} recalculate
   */
  rewriteFormulas(rewrite, recalculate) {
    const recompute = [];
    for (const s of this.sheets) {
      for (let r = 0; r < s.rows.length; r++) {
        const row = s.rows[r];
        if (!row || !row.f) continue;
        for (const key of Object.keys(row.f)) {
          const c = Number(key);
          const text = row.f[c];
          const next = rewrite(text, s);
          if (next !== text) {
            const w = this.wrow(s, r);
            /** @type {Record<number, string>} */ (ownSide(w, 'f'))[c] = next;
            if (recalculate(next)) recompute.push({ sheet: s, r, c });
          }
        }
      }
    }
    this.invalidateFormulas();
    if (recompute.length) this.recalc([], recompute);
  }

  /**
   * Rewrites formulas on every sheet that refer to `sheet` after an insert (count > 0) or delete (count < 0).
   * @param {Sheet} sheet @param {'ROWS'|'COLUMNS'} dim @param {number} start @param {number} count
   */
  shiftReferences(sheet, dim, start, count) {
    this.remapReferences(sheet, (b) => F.shiftBounds(b, dim, start, count), (next) => next.includes('#REF!'));
  }

  /**
   * Rewrites, in every formula of every sheet, the references to `sheet` with `fn` (new bounds, null for
   * #REF!, undefined to keep them); see rewriteFormulas for `recalculate`.
   * @param {Sheet} sheet @param {(b: import('./formula').RefBounds) => any} fn @param {(next: string) => boolean} recalculate
   */
  remapReferences(sheet, fn, recalculate) {
    this.rewriteFormulas((text, s) => F.rewriteReferences(text, (name, b) => {
      const target = name === null ? s : this.sheetByTitle(name);
      return target === sheet ? fn(b) : undefined;
    }), recalculate);
  }

  /**
   * Formulas that name a renamed sheet follow it; those naming a deleted sheet become #REF!.
   * @param {string} oldTitle @param {string|null} newTitle null when the sheet was deleted
   */
  renameReferences(oldTitle, newTitle) {
    const old = oldTitle.toLowerCase();
    this.rewriteFormulas((text) => (!text.includes('!') ? text : F.rewriteReferences(text, () => undefined,
      (name) => (name.toLowerCase() === old ? (newTitle === null ? '#REF!' : newTitle) : undefined))), () => true);
  }

  // ---------------------------------------------------------------------------------------- formulas

  invalidateFormulas() {
    this.registryBuilt = false;
    for (const s of this.sheets) s.formulaIndex = null;
  }

  ensureRegistry() {
    if (this.registryBuilt) return;
    for (const s of this.sheets) {
      s.formulaIndex = new Map();
      for (let r = 0; r < s.rows.length; r++) {
        const row = s.rows[r];
        if (!row || !row.f) continue;
        for (const key of Object.keys(row.f)) this.compileInto(s, r, Number(key), row.f[/** @type {any} */ (key)]);
      }
    }
    this.registryBuilt = true;
  }

  /** @param {Sheet} sheet @param {number} r @param {number} c @param {string} text */
  compileInto(sheet, r, c, text) {
    const tree = parseCached(text);
    // Only the ranges a formula reads are kept; its tree is parsed again when it is evaluated, so 100,000
    // formulas do not hold 100,000 syntax trees.
    const deps = tree ? F.references(tree).map((d) => ({
      sheet: d.sheet === null ? sheet : this.sheetByTitle(d.sheet) || null,
      r1: d.r1 ?? 0, r2: d.r2 ?? Infinity, c1: d.c1 ?? 0, c2: d.c2 ?? Infinity,
    })) : [];
    /** @type {Map<number, FormulaEntry>} */ (sheet.formulaIndex).set(KEY(r, c), { sheet, r, c, deps });
  }

  /** @param {Sheet} sheet @param {number} r @param {number} c @param {string} text */
  registerFormula(sheet, r, c, text) {
    if (this.registryBuilt && sheet.formulaIndex) this.compileInto(sheet, r, c, text);
  }

  /** @param {Sheet} sheet @param {number} r @param {number} c */
  unregisterFormula(sheet, r, c) {
    if (this.registryBuilt && sheet.formulaIndex) sheet.formulaIndex.delete(KEY(r, c));
  }

  /**
   * Recomputes the formulas that depend on changed cells, and the given formula cells.
   * @param {Array<{sheet: Sheet, r1: number, r2: number, c1: number, c2: number}>} changed (inclusive bounds)
   * @param {Array<{sheet: Sheet, r: number, c: number}>} [formulaCells]
   * @param {boolean} [all] recompute every formula
   */
  recalc(changed, formulaCells = [], all = false) {
    this.ensureRegistry();
    /** @type {Set<FormulaEntry>} */
    const dirty = new Set();
    if (all) {
      for (const s of this.sheets) for (const e of /** @type {Map<number, FormulaEntry>} */ (s.formulaIndex).values()) dirty.add(e);
    } else {
      for (const fc of formulaCells) {
        const e = fc.sheet.formulaIndex && fc.sheet.formulaIndex.get(KEY(fc.r, fc.c));
        if (e) dirty.add(e);
      }
      let frontier = changed.slice();
      for (const e of dirty) frontier.push({ sheet: e.sheet, r1: e.r, r2: e.r, c1: e.c, c2: e.c });
      let anyFormulas = false;
      for (const s of this.sheets) if (s.formulaIndex && s.formulaIndex.size) anyFormulas = true;
      while (frontier.length && anyFormulas) {
        /** @type {typeof frontier} */
        const next = [];
        for (const s of this.sheets) {
          for (const e of /** @type {Map<number, FormulaEntry>} */ (s.formulaIndex).values()) {
            if (dirty.has(e)) continue;
            if (e.deps.some((d) => frontier.some((ch) => ch.sheet === d.sheet && d.r1 <= ch.r2 && ch.r1 <= d.r2
              && d.c1 <= ch.c2 && ch.c1 <= d.c2))) {
              dirty.add(e);
              next.push({ sheet: e.sheet, r1: e.r, r2: e.r, c1: e.c, c2: e.c });
            }
          }
        }
        frontier = next.length > 2000 ? [] : next;
        if (next.length > 2000) { // too many to chase one by one: recompute all
          for (const s of this.sheets) for (const e of /** @type {Map<number, FormulaEntry>} */ (s.formulaIndex).values()) dirty.add(e);
        }
      }
    }
    if (!dirty.size) return;
    /** @type {Map<FormulaEntry, number>} 1 = in progress, 2 = done */
    const state = new Map();
    const evalEntry = (/** @type {FormulaEntry} */ e) => {
      const st = state.get(e);
      if (st === 2) return;
      if (st === 1) throw CIRCULAR;
      state.set(e, 1);
      let result;
      try {
        const row = e.sheet.rows[e.r];
        const tree = row && row.f && row.f[e.c] ? parseCached(row.f[e.c]) : null;
        result = tree ? F.evaluate(tree, this.evalContext(e.sheet, dirty, state, evalEntry))
          : { value: F.err('#ERROR!', 'Formula parse error.') };
      } catch (ex) {
        if (ex !== CIRCULAR) throw ex;
        result = { value: F.err('#REF!', 'Circular dependency detected. To resolve with iterative calculation, see File > Spreadsheet Settings.') };
      }
      const current = e.sheet.rows[e.r], value = result.value;
      const same = current && value !== null && value !== undefined && value !== '' && current.v[e.c] === value;
      if (!result.unsupported && !same) { // an unchanged result leaves a shared row shared
        const row = this.wrow(e.sheet, e.r);
        const v = ownV(row);
        while (v.length < e.c) v.push(undefined);
        v[e.c] = result.value === '' ? '' : result.value;
        Workbook.trim(row);
      }
      state.set(e, 2);
    };
    let n = 0;
    for (const e of dirty) {
      evalEntry(e);
      if ((++n & 4095) === 0) reclaim();
    }
  }

  /**
   * @param {Sheet} home
   * @param {Set<FormulaEntry>} dirty
   * @param {Map<FormulaEntry, number>} state
   * @param {(e: FormulaEntry) => void} evalEntry
   * @returns {import('./formula').EvalContext & any}
   */
  evalContext(home, dirty, state, evalEntry) {
    const sheetOf = (/** @type {string|null} */ name) => (name === null ? home : this.sheetByTitle(name));
    const read = (/** @type {Sheet} */ s, /** @type {number} */ r, /** @type {number} */ c) => {
      const row = s.rows[r];
      if (row && row.f && c in row.f && s.formulaIndex) {
        const e = s.formulaIndex.get(KEY(r, c));
        if (e && dirty.has(e) && state.get(e) !== 2) evalEntry(e);
      }
      const v = s.rows[r] ? /** @type {Row} */ (s.rows[r]).v[c] : undefined;
      return v === undefined || v === '' ? null : v;
    };
    return {
      cell: (/** @type {string|null} */ name, /** @type {number} */ r, /** @type {number} */ c) => {
        const s = sheetOf(name);
        if (!s) return F.err('#REF!', `Unresolved sheet name '${name}'.`);
        if (r >= s.rowCount || c >= s.columnCount) return F.err('#REF!', 'Reference does not exist.');
        return read(s, r, c);
      },
      range: (/** @type {string|null} */ name, /** @type {any} */ b) => {
        const s = sheetOf(name);
        if (!s) return F.err('#REF!', `Unresolved sheet name '${name}'.`);
        const r1 = b.r1 ?? 0, c1 = b.c1 ?? 0;
        const r2 = Math.min(b.r2 ?? s.rowCount - 1, s.rowCount - 1);
        const c2 = Math.min(b.c2 ?? s.columnCount - 1, s.columnCount - 1);
        const out = [];
        for (let r = r1; r <= r2; r++) {
          const row = [];
          for (let c = c1; c <= c2; c++) row.push(read(s, r, c));
          out.push(row);
        }
        return out;
      },
    };
  }

  // ------------------------------------------------------------------------------------------ metadata

  /** @param {DevMeta} d */
  static locationJson(d) {
    const loc = d.loc;
    if (loc.type === 'SPREADSHEET') return { locationType: 'SPREADSHEET', spreadsheet: true };
    if (loc.type === 'SHEET') return { locationType: 'SHEET', sheetId: loc.sheetId };
    return {
      locationType: loc.type,
      dimensionRange: dimensionRangeJson(loc.sheetId, loc.type === 'ROW' ? 'ROWS' : 'COLUMNS', loc.index, loc.index + 1),
    };
  }

  /** @param {DevMeta} d */
  static metadataJson(d) {
    /** @type {Record<string, any>} */
    const out = { metadataId: d.id, metadataKey: d.key };
    if (d.value !== undefined) out.metadataValue = d.value;
    out.location = Workbook.locationJson(d);
    out.visibility = d.visibility;
    return out;
  }

  /** @param {Sheet} sheet @param {Partial<{startRowIndex: number|null, endRowIndex: number|null, startColumnIndex: number|null, endColumnIndex: number|null}>} b */
  rangeText(sheet, b) {
    return toA1(b, sheet.title);
  }
}

const CIRCULAR = Symbol('circular');

/** @type {Map<string, any>} recently parsed formulas (text -> tree, or null for a parse error) */
const PARSED = new Map();
/** @param {string} text */
function parseCached(text) {
  let tree = PARSED.get(text);
  if (tree === undefined) {
    try {
      tree = F.parse(text);
    } catch {
      tree = null;
    }
    if (PARSED.size >= 20000) PARSED.clear();
    PARSED.set(text, tree);
  }
  return tree;
}

/** @param {Row} row @param {number} start */
function hasKeyAtOrAfter(row, start) {
  for (const k of /** @type {const} */ (['f', 'fm', 'dv', 'nt'])) {
    const m = row[k];
    if (m) for (const key of Object.keys(m)) if (Number(key) >= start) return true;
  }
  return false;
}

/** @param {Row} row @param {number} c */
function hasKeyAt(row, c) {
  return !!((row.fm && c in row.fm) || (row.dv && c in row.dv));
}

/** @template T @param {Record<number, T>} m @param {number} start @param {number} delta @returns {Record<number, T>} */
function shiftKeys(m, start, delta) {
  let moves = false;
  for (const key of Object.keys(m)) if (Number(key) >= start) moves = true;
  if (!moves) return m; // nothing at or after `start`: the same table (still shareable)
  /** @type {Record<number, T>} */
  const out = {};
  for (const key of Object.keys(m)) {
    const c = Number(key);
    if (c < start) out[c] = m[c];
    else if (delta > 0) out[c + delta] = m[c];
    else if (c >= start - delta) out[c + delta] = m[c];
  }
  return out;
}

/**
 * Where each index goes when [start, end) moves to `dest` (in the coordinates before the move): the block
 * lands at dest (dest - its length when moving forward) and what lay between shifts over to make room.
 * @param {number} start @param {number} end @param {number} dest not inside (start, end)
 * @returns {(i: number) => number}
 */
function moveMap(start, end, dest) {
  const n = end - start;
  if (dest <= start) return (i) => (i >= dest && i < start ? i + n : i >= start && i < end ? i - start + dest : i);
  return (i) => (i >= end && i < dest ? i - n : i >= start && i < end ? i - start + dest - n : i);
}

/** @template T @param {Record<number, T>} m @param {(i: number) => number} map @returns {Record<number, T>} */
function mapKeys(m, map) {
  let moves = false;
  for (const key of Object.keys(m)) if (map(Number(key)) !== Number(key)) moves = true;
  if (!moves) return m;
  /** @type {Record<number, T>} */
  const out = {};
  for (const key of Object.keys(m)) out[map(Number(key))] = m[/** @type {any} */ (key)];
  return out;
}

/** @param {number} a0 @param {number} a1 @param {number} b0 @param {number} b1 */
function overlap(a0, a1, b0, b1) {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/**
 * A GridRange as Google writes it: fields that are 0 are left out (proto3 JSON), so the first sheet's range
 * has no `sheetId`.
 * @param {number} sheetId @param {number|null|undefined} r0 @param {number|null|undefined} r1
 * @param {number|null|undefined} c0 @param {number|null|undefined} c1
 */
function gridRangeJson(sheetId, r0, r1, c0, c1) {
  /** @type {Record<string, number>} */
  const out = {};
  if (sheetId) out.sheetId = sheetId;
  if (r0) out.startRowIndex = r0;
  if (r1 !== null && r1 !== undefined) out.endRowIndex = r1;
  if (c0) out.startColumnIndex = c0;
  if (c1 !== null && c1 !== undefined) out.endColumnIndex = c1;
  return out;
}

/** @param {number} sheetId @param {string} dimension @param {number} start @param {number} end */
function dimensionRangeJson(sheetId, dimension, start, end) {
  /** @type {Record<string, any>} */
  const out = {};
  if (sheetId) out.sheetId = sheetId;
  out.dimension = dimension;
  if (start) out.startIndex = start;
  out.endIndex = end;
  return out;
}

module.exports = { Workbook, Sheet, CELL_LIMIT, MAX_COLUMNS, gridRangeJson, dimensionRangeJson, KEY, nextGen, packSides, shareTables };
