// @ts-check
'use strict';
/**
 * Parses a (possibly huge) Spreadsheet JSON body without materialising every cell object at once: the
 * `rowData` arrays are cut out of the text, everything else is JSON.parse'd, and each `rowData` becomes a
 * lazy iterable that parses its rows in small batches straight from the body's bytes. A 100,000-spool
 * workbook (~300 MB of JSON) then needs the body buffer plus the compact rows, not gigabytes of objects.
 */

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a, LBRACKET = 0x5b, RBRACKET = 0x5d, LBRACE = 0x7b, RBRACE = 0x7d, COMMA = 0x2c;
const KEY = Buffer.from('rowData');
const BATCH = 2000;

/** @param {Buffer} buf @param {number} i index of an opening quote @returns {number} index after the closing quote */
function skipString(buf, i) {
  let j = i + 1;
  for (;;) {
    const q = buf.indexOf(QUOTE, j);
    if (q < 0) throw new SyntaxError('Unterminated string in JSON');
    let k = q - 1, slashes = 0;
    while (buf[k] === BACKSLASH) { slashes++; k--; }
    if (slashes % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** @param {Buffer} buf @param {number} i */
function skipWs(buf, i) {
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++;
  return i;
}

/**
 * @param {Buffer} buf @param {number} i index of '[' @returns {{elements: Array<[number, number]>, end: number}}
 */
function scanArray(buf, i) {
  /** @type {Array<[number, number]>} */
  const elements = [];
  let depth = 0;
  let start = -1;
  let j = i + 1;
  for (;;) {
    if (j >= buf.length) throw new SyntaxError('Unterminated array in JSON');
    const b = buf[j];
    if (b === QUOTE) {
      if (depth === 0 && start < 0) start = j;
      j = skipString(buf, j);
      continue;
    }
    if (b === LBRACE || b === LBRACKET) {
      if (depth === 0 && start < 0) start = j;
      depth++;
    } else if (b === RBRACE || (b === RBRACKET && depth > 0)) {
      depth--;
    } else if (depth === 0) {
      if (b === COMMA || b === RBRACKET) {
        if (start >= 0) {
          let e = j;
          while (e > start && (buf[e - 1] === 0x20 || buf[e - 1] === 0x0a || buf[e - 1] === 0x0d || buf[e - 1] === 0x09)) e--;
          elements.push([start, e]);
        }
        start = -1;
        if (b === RBRACKET) return { elements, end: j + 1 };
      } else if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09 && start < 0) start = j;
    }
    j++;
  }
}

/** A rowData array parsed lazily. */
class LazyRows {
  /** @param {Buffer} buf @param {Array<[number, number]>} elements */
  constructor(buf, elements) {
    this.buf = buf;
    this.elements = elements;
  }
  get length() { return this.elements.length; }
  *[Symbol.iterator]() {
    const els = this.elements;
    for (let i = 0; i < els.length; i += BATCH) {
      const last = Math.min(i + BATCH, els.length) - 1;
      const text = '[' + this.buf.toString('utf8', els[i][0], els[last][1]) + ']';
      const rows = JSON.parse(text);
      for (const r of rows) yield r;
    }
  }
}

/**
 * @param {Buffer} buf the JSON text
 * @returns {any} the parsed value, with every `rowData` array replaced by a LazyRows
 */
function parseLarge(buf) {
  /** @type {Buffer[]} */
  const pieces = [];
  /** @type {LazyRows[]} */
  const lazies = [];
  let last = 0;
  let i = 0;
  while (i < buf.length) {
    const q = buf.indexOf(QUOTE, i);
    if (q < 0) break;
    const end = skipString(buf, q);
    if (end - q - 2 === KEY.length && buf.compare(KEY, 0, KEY.length, q + 1, end - 1) === 0) {
      let k = skipWs(buf, end);
      if (buf[k] === COLON) {
        k = skipWs(buf, k + 1);
        if (buf[k] === LBRACKET) {
          const { elements, end: after } = scanArray(buf, k);
          pieces.push(buf.subarray(last, k));
          pieces.push(Buffer.from(`{"__lazyRows":${lazies.length}}`));
          lazies.push(new LazyRows(buf, elements));
          last = after;
          i = after;
          continue;
        }
      }
    }
    i = end;
  }
  pieces.push(buf.subarray(last));
  return JSON.parse(Buffer.concat(pieces).toString('utf8'), (_k, v) =>
    (v && typeof v === 'object' && !Array.isArray(v) && typeof v.__lazyRows === 'number' && Object.keys(v).length === 1
      ? lazies[v.__lazyRows] : v));
}

module.exports = { parseLarge, LazyRows };
