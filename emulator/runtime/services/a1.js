'use strict';
/**
 * A1 notation for SpreadsheetApp (evaluated in the script's context, so it cannot share the engine's
 * parser): "Sheet!A1:B2", "'My sheet'!A:A", "1:3", "B2:B", "A1".
 */

/** @param {number} index 0-based */
function columnLetters(index) {
  let s = '';
  let n = index + 1;
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** @param {string} letters */
function columnNumber(letters) {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

/** @param {string} title */
function quoteSheet(title) {
  return "'" + String(title).replace(/'/g, "''") + "'";
}

/**
 * @param {string} text
 * @returns {{sheetName: string|null, r1: number|null, c1: number|null, r2: number|null, c2: number|null}|null}
 *   1-based, inclusive; null where unbounded; null result when the text is not A1 notation
 */
function parseA1(text) {
  let s = String(text).trim();
  let sheetName = null;
  const bang = s.lastIndexOf('!');
  if (bang >= 0) {
    sheetName = s.slice(0, bang);
    if (sheetName.startsWith("'") && sheetName.endsWith("'")) sheetName = sheetName.slice(1, -1).replace(/''/g, "'");
    s = s.slice(bang + 1);
  }
  const cell = /^\$?([A-Za-z]*)\$?(\d*)$/;
  const parts = s.split(':');
  if (parts.length < 1 || parts.length > 2) return null;
  const a = cell.exec(parts[0]);
  const b = parts.length === 2 ? cell.exec(parts[1]) : a;
  if (!a || !b || (!a[1] && !a[2]) || (!b[1] && !b[2])) return null;
  const num = (v) => (v ? Number(v) : null);
  const col = (v) => (v ? columnNumber(v) : null);
  let r1 = num(a[2]);
  let c1 = col(a[1]);
  let r2 = num(b[2]);
  let c2 = col(b[1]);
  // "A:A" / "1:1" leave the other dimension unbounded; "B2:B" leaves the end row open.
  if (parts.length === 1 && (r1 === null || c1 === null)) return null;
  if (r1 !== null && r2 !== null && r2 < r1) [r1, r2] = [r2, r1];
  if (c1 !== null && c2 !== null && c2 < c1) [c1, c2] = [c2, c1];
  if (r1 === 0 || r2 === 0) return null;
  if (r1 === null && r2 !== null) r1 = 1;
  if (c1 === null && c2 !== null) c1 = 1;
  return { sheetName, r1: r1 === null ? 1 : r1, c1: c1 === null ? 1 : c1, r2, c2 };
}

/**
 * @param {number} row 1-based @param {number} col @param {number} numRows @param {number} numCols
 */
function toA1(row, col, numRows, numCols) {
  const start = columnLetters(col - 1) + row;
  if (numRows === 1 && numCols === 1) return start;
  return start + ':' + columnLetters(col + numCols - 2) + (row + numRows - 1);
}

module.exports = { parseA1, toA1, columnLetters, columnNumber, quoteSheet };
