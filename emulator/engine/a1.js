// @ts-check
'use strict';
/**
 * A1 notation as the Sheets API reads and writes it.
 *
 * - `Sheet1!A1:B2`, `A1:B2` (first sheet), `Sheet1!A:B`, `Sheet1!1:2`, `Sheet1!A2:B` (to the last row),
 *   `Sheet1!A2:2` (to the last column), `Sheet1!A1` (one cell), `Sheet1` (the whole sheet).
 * - A quoted name may hold spaces and `!`; a quote inside it is doubled: `'Jon''s Data'!A1`.
 * - Text that reads as a cell reference is one, even when a sheet has that name (Google reads `CRM26` as a
 *   cell of the first sheet), so such names must be quoted.
 * - Google echoes a name unquoted only when it is a plain identifier that cannot be read as a reference.
 */

const MAX_COLUMNS = 18278; // ZZZ

/** @param {number} index 0-based @returns {string} */
function columnLetters(index) {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** @param {string} letters @returns {number} 0-based */
function columnIndex(letters) {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/** @param {string} title */
function needsQuotes(title) {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(title)) return true;
  if (/^[A-Za-z]{1,3}[0-9]+$/.test(title)) return true; // reads as a cell (A1, tab01, CRM26)
  if (/^[Rr][0-9]*[Cc][0-9]*$/.test(title)) return true; // reads as R1C1
  if (/^(true|false)$/i.test(title)) return true;
  return false;
}

/** @param {string} title @returns {string} the title as it appears before `!` */
function quoteSheetName(title) {
  return needsQuotes(title) ? "'" + title.replace(/'/g, "''") + "'" : title;
}

const CELL = /^(\$?[A-Za-z]{1,3})?(\$?[0-9]+)?$/;

/**
 * @typedef {{startRowIndex: number|null, endRowIndex: number|null, startColumnIndex: number|null,
 *   endColumnIndex: number|null}} Bounds
 * @typedef {Bounds & {sheetName: string|null, text: string}} ParsedA1
 */

/**
 * Parses the part after `!`. Returns null when it is not a range.
 * @param {string} part
 * @returns {(Bounds & {text: string}) | null}
 */
function parseCells(part) {
  const halves = part.split(':');
  if (halves.length > 2 || part === '') return null;
  const cells = [];
  for (const h of halves) {
    const m = CELL.exec(h);
    if (!m || (!m[1] && !m[2])) return null;
    const col = m[1] ? columnIndex(m[1].replace('$', '')) : null;
    const row = m[2] ? Number(m[2].replace('$', '')) - 1 : null;
    if (row !== null && (row < 0 || !Number.isSafeInteger(row))) return null;
    if (col !== null && col >= MAX_COLUMNS) return null;
    cells.push({ col, row });
  }
  if (cells.length === 1) {
    const { col, row } = cells[0];
    if (col === null || row === null) return null; // `A` or `1` alone is a name, not a range
    return { startRowIndex: row, endRowIndex: row + 1, startColumnIndex: col, endColumnIndex: col + 1,
      text: columnLetters(col) + (row + 1) };
  }
  const [a, b] = cells;
  const full = (/** @type {{col: number|null, row: number|null}} */ c) => c.col !== null && c.row !== null;
  const colOnly = (/** @type {{col: number|null, row: number|null}} */ c) => c.col !== null && c.row === null;
  const rowOnly = (/** @type {{col: number|null, row: number|null}} */ c) => c.col === null && c.row !== null;
  /** @type {Bounds} */
  const bounds = { startRowIndex: null, endRowIndex: null, startColumnIndex: null, endColumnIndex: null };
  const ac = /** @type {number} */ (a.col), bc = /** @type {number} */ (b.col);
  const ar = /** @type {number} */ (a.row), br = /** @type {number} */ (b.row);
  if (full(a) && full(b)) {
    Object.assign(bounds, { startRowIndex: Math.min(ar, br), endRowIndex: Math.max(ar, br) + 1,
      startColumnIndex: Math.min(ac, bc), endColumnIndex: Math.max(ac, bc) + 1 });
  } else if (colOnly(a) && colOnly(b)) {
    Object.assign(bounds, { startColumnIndex: Math.min(ac, bc), endColumnIndex: Math.max(ac, bc) + 1 });
  } else if (rowOnly(a) && rowOnly(b)) {
    Object.assign(bounds, { startRowIndex: Math.min(ar, br), endRowIndex: Math.max(ar, br) + 1 });
  } else if (full(a) && colOnly(b)) { // A2:B -> down to the last row
    Object.assign(bounds, { startRowIndex: ar, startColumnIndex: Math.min(ac, bc), endColumnIndex: Math.max(ac, bc) + 1 });
  } else if (full(a) && rowOnly(b)) { // A2:5 -> right to the last column
    Object.assign(bounds, { startColumnIndex: ac, startRowIndex: Math.min(ar, br), endRowIndex: Math.max(ar, br) + 1 });
  } else if (colOnly(a) && full(b)) { // A:B5 -> from the first row
    Object.assign(bounds, { startRowIndex: 0, endRowIndex: br + 1,
      startColumnIndex: Math.min(ac, bc), endColumnIndex: Math.max(ac, bc) + 1 });
  } else {
    return null;
  }
  return { ...bounds, text: formatBounds(bounds) };
}

/**
 * Parses A1 notation. Returns null when the text cannot be a range (the caller answers
 * "Unable to parse range: ...").
 * @param {string} text
 * @returns {ParsedA1 | null}
 */
function parseA1(text) {
  if (typeof text !== 'string' || text === '') return null;
  /** @type {string|null} */
  let sheetName = null;
  let rest = null;
  if (text.startsWith("'")) {
    let i = 1;
    let name = '';
    for (;;) {
      if (i >= text.length) return null;
      if (text[i] === "'") {
        if (text[i + 1] === "'") {
          name += "'";
          i += 2;
          continue;
        }
        break;
      }
      name += text[i++];
    }
    sheetName = name;
    const after = text.slice(i + 1);
    if (after === '') rest = null;
    else if (after.startsWith('!')) rest = after.slice(1);
    else return null;
    if (name === '') return null;
  } else {
    const bang = text.lastIndexOf('!');
    if (bang >= 0) {
      sheetName = text.slice(0, bang);
      rest = text.slice(bang + 1);
      if (sheetName === '' || sheetName.includes("'")) return null;
    } else {
      const cells = parseCells(text);
      if (cells) return { sheetName: null, ...cells };
      sheetName = text;
    }
  }
  if (rest === null || rest === '') {
    if (rest === '') return null;
    return { sheetName, startRowIndex: null, endRowIndex: null, startColumnIndex: null, endColumnIndex: null, text: '' };
  }
  const cells = parseCells(rest);
  if (!cells) return null;
  return { sheetName, ...cells };
}

/**
 * The part after `!` for bounds, in the form Google writes it (`A1:B2`, `A1`, `A:B`, `1:2`, `A2:B`, `A2:2`).
 * Returns '' for a whole sheet.
 * @param {Bounds} b
 */
function formatBounds(b) {
  const { startRowIndex: r0, endRowIndex: r1, startColumnIndex: c0, endColumnIndex: c1 } = b;
  const rowsOpen = r0 === null && r1 === null;
  const colsOpen = c0 === null && c1 === null;
  if (rowsOpen && colsOpen) return '';
  if (rowsOpen) return columnLetters(c0 ?? 0) + ':' + columnLetters((c1 ?? MAX_COLUMNS) - 1);
  if (colsOpen) return ((r0 ?? 0) + 1) + ':' + (r1 ?? 0);
  const start = columnLetters(c0 ?? 0) + ((r0 ?? 0) + 1);
  if (r1 !== null && c1 !== null && r1 - (r0 ?? 0) === 1 && c1 - (c0 ?? 0) === 1) return start;
  if (r1 === null) return start + ':' + columnLetters((c1 ?? 1) - 1);
  if (c1 === null) return start + ':' + r1;
  return start + ':' + columnLetters(c1 - 1) + r1;
}

/**
 * A GridRange (0-based, end exclusive, null/undefined = unbounded) as `Sheet!A1:B2`.
 * @param {Partial<Bounds>} gridRange
 * @param {string} sheetTitle
 */
function toA1(gridRange, sheetTitle) {
  const b = {
    startRowIndex: gridRange.startRowIndex ?? null,
    endRowIndex: gridRange.endRowIndex ?? null,
    startColumnIndex: gridRange.startColumnIndex ?? null,
    endColumnIndex: gridRange.endColumnIndex ?? null,
  };
  const cells = formatBounds(b);
  return quoteSheetName(sheetTitle) + (cells ? '!' + cells : '');
}

module.exports = { parseA1, toA1, columnLetters, columnIndex, quoteSheetName, formatBounds, MAX_COLUMNS };
