// @ts-check
'use strict';
/**
 * Parses a (possibly huge) Spreadsheet JSON body without materialising every cell object at once, and without
 * holding the body in memory: the `rowData` arrays are cut out of the bytes as they arrive (a resumable scanner,
 * fed chunk by chunk), everything else is JSON.parse'd, and each `rowData` becomes a lazy iterable that parses
 * its rows in small batches from where the bytes are — the body's buffer (`parseLarge`) or a spool file on disk
 * the request was streamed to (`spoolLarge`). A 100,000-spool workbook (~310 MB of JSON) then costs the compact
 * rows plus one batch of parsed rows, not the body plus gigabytes of objects.
 */
const fs = require('node:fs');
const path = require('node:path');

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a, LBRACKET = 0x5b, RBRACKET = 0x5d, LBRACE = 0x7b, RBRACE = 0x7d, COMMA = 0x2c;
const KEY = Buffer.from('rowData');
const BATCH = 2000;
/** Bodies above this are parsed lazily (and, from a request, streamed to a spool file). */
const LARGE_BODY_BYTES = 8 * 1024 * 1024;

/** @param {number} b */
const isWs = (b) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Finds the `rowData` arrays of a JSON text fed in chunks. Outside them the bytes go to the skeleton (the text
 * with each array replaced by `{"__lazyRows":N}`); inside them only each element's byte range is kept.
 */
class RowDataScanner {
  constructor() {
    this.pos = 0; // absolute offset of the next byte
    this.inString = false;
    this.escape = false;
    this.match = 0; // bytes of the current string matching KEY, -1 once it cannot
    this.afterKey = 0; // 1: a "rowData" string just closed, 2: and its ':' was seen
    this.inArray = false;
    this.depth = 0; // nesting inside the current rowData array
    this.elemStart = -1;
    this.elemEnd = -1;
    /** @type {number[]} */
    this.starts = [];
    /** @type {number[]} */
    this.ends = [];
    /** @type {Array<{starts: number[], ends: number[]}>} */
    this.arrays = [];
    /** @type {Buffer[]} */
    this.skeleton = [];
  }

  /** @param {Buffer} chunk */
  push(chunk) {
    let copyFrom = this.inArray ? -1 : 0; // start of the skeleton bytes of this chunk
    const base = this.pos;
    const n = chunk.length;
    let nextBs = -1; // the next backslash at or after i, once looked up
    for (let i = 0; i < n; i++) {
      if (this.inString && !this.escape && this.match < 0) {
        // Jump to the string's next quote or backslash (most of the body is text inside strings).
        if (nextBs < i) nextBs = chunk.indexOf(BACKSLASH, i) >>> 0; // none: 2^32 - 1, past any chunk
        let q = chunk.indexOf(QUOTE, i);
        if (q < 0 || nextBs < q) q = nextBs;
        if (q >= n) break;
        i = q;
      }
      const b = chunk[i];
      if (this.inString) {
        if (this.escape) {
          this.escape = false;
          this.match = -1;
        } else if (b === BACKSLASH) {
          this.escape = true;
          this.match = -1;
        } else if (b === QUOTE) {
          this.inString = false;
          if (this.inArray) this.elemEnd = base + i + 1;
          else this.afterKey = this.match === KEY.length ? 1 : 0;
        } else if (this.match >= 0) {
          this.match = this.match < KEY.length && KEY[this.match] === b ? this.match + 1 : -1;
        }
        continue;
      }
      if (this.inArray) {
        if (isWs(b)) continue;
        if (this.depth === 0 && (b === COMMA || b === RBRACKET)) {
          if (this.elemStart >= 0) {
            this.starts.push(this.elemStart);
            this.ends.push(this.elemEnd);
          } else if (b === COMMA || this.starts.length) {
            throw new SyntaxError(`Unexpected token ${String.fromCharCode(b)} in JSON at position ${base + i}`);
          }
          this.elemStart = -1;
          if (b === RBRACKET) {
            this.skeleton.push(Buffer.from(`{"__lazyRows":${this.arrays.length}}`));
            this.arrays.push({ starts: this.starts, ends: this.ends });
            this.starts = [];
            this.ends = [];
            this.inArray = false;
            copyFrom = i + 1;
          }
          continue;
        }
        if (this.elemStart < 0) this.elemStart = base + i;
        this.elemEnd = base + i + 1;
        if (b === QUOTE) {
          this.inString = true;
          this.match = -1;
        } else if (b === LBRACE || b === LBRACKET) this.depth++;
        else if (b === RBRACE || b === RBRACKET) this.depth--;
        continue;
      }
      if (b === QUOTE) {
        this.inString = true;
        this.match = 0;
        this.afterKey = 0;
      } else if (isWs(b)) {
        // whitespace keeps the state
      } else if (this.afterKey === 1 && b === COLON) {
        this.afterKey = 2;
      } else if (this.afterKey === 2 && b === LBRACKET) {
        this.skeleton.push(Buffer.from(chunk.subarray(copyFrom, i)));
        this.inArray = true;
        this.depth = 0;
        this.elemStart = -1;
        this.afterKey = 0;
      } else {
        this.afterKey = 0;
      }
    }
    if (!this.inArray && copyFrom >= 0 && copyFrom < n) this.skeleton.push(Buffer.from(chunk.subarray(copyFrom)));
    this.pos += n;
  }

  /**
   * @param {(start: number, end: number) => string} read the text of a byte range of the whole input
   * @returns {any} the parsed value, each `rowData` array a LazyRows
   */
  finish(read) {
    if (this.inArray || this.inString) throw new SyntaxError('Unexpected end of JSON input');
    const lazies = this.arrays.map((a) => new LazyRows(read, a.starts, a.ends));
    const text = Buffer.concat(this.skeleton).toString('utf8');
    this.skeleton = [];
    return JSON.parse(text, (_k, v) =>
      (v && typeof v === 'object' && !Array.isArray(v) && typeof v.__lazyRows === 'number' && Object.keys(v).length === 1
        ? lazies[v.__lazyRows] : v));
  }
}

/** A rowData array parsed lazily, BATCH rows at a time. */
class LazyRows {
  /** @param {(start: number, end: number) => string} read @param {number[]} starts @param {number[]} ends */
  constructor(read, starts, ends) {
    this.read = read;
    this.starts = starts;
    this.ends = ends;
  }
  get length() { return this.starts.length; }
  *[Symbol.iterator]() {
    const n = this.starts.length;
    for (let i = 0; i < n; i += BATCH) {
      const last = Math.min(i + BATCH, n) - 1;
      const rows = JSON.parse('[' + this.read(this.starts[i], this.ends[last]) + ']');
      for (const r of rows) yield r;
    }
  }
}

/**
 * @param {Buffer} buf the JSON text
 * @returns {any} the parsed value, with every `rowData` array replaced by a LazyRows
 */
function parseLarge(buf) {
  const scanner = new RowDataScanner();
  scanner.push(buf);
  return scanner.finish((start, end) => buf.toString('utf8', start, end));
}

let spools = 0;

/**
 * Streams a request body to a spool file in `dir` while scanning it, so the body is never held in memory.
 * Resolves to the parsed value (rowData arrays lazy, read from the spool) and `close()`, which removes the
 * spool: call it once the value has been consumed. The file name has `.tmp-` in it, so a spool left by a crash
 * is removed when the data folder is next loaded (persist.js).
 * @param {import('node:stream').Readable} stream @param {string} dir @param {number} [limit] bytes announced
 * @returns {Promise<{value: any, close: () => void}>}
 */
function spoolLarge(stream, dir, limit = Infinity) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `upload.tmp-${process.pid}-${++spools}`);
  const fd = fs.openSync(file, 'w+', 0o600);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  };
  const scanner = new RowDataScanner();
  return new Promise((resolve, reject) => {
    /** @type {any} */
    let failed = null;
    const fail = (/** @type {any} */ e) => {
      if (failed) return;
      failed = e;
      close();
      reject(e);
    };
    stream.on('data', (/** @type {Buffer} */ chunk) => {
      if (failed) return;
      try {
        if (scanner.pos + chunk.length > limit) {
          const { badRequest } = require('./errors');
          throw badRequest('The request body is longer than its Content-Length.');
        }
        fs.writeSync(fd, chunk, 0, chunk.length, scanner.pos);
        scanner.push(chunk);
      } catch (e) {
        stream.destroy();
        fail(e);
      }
    });
    let ended = false;
    stream.on('error', fail);
    stream.on('close', () => {
      if (!ended) fail(new Error('the request was closed before its end'));
    });
    stream.on('end', () => {
      ended = true;
      if (failed) return;
      try {
        const read = (/** @type {number} */ start, /** @type {number} */ end) => {
          const b = Buffer.allocUnsafe(end - start);
          let at = 0;
          while (at < b.length) {
            const got = fs.readSync(fd, b, at, b.length - at, start + at);
            if (got <= 0) throw new SyntaxError('Unexpected end of JSON input');
            at += got;
          }
          return b.toString('utf8');
        };
        resolve({ value: scanner.finish(read), close });
      } catch (e) {
        fail(e);
      }
    });
  });
}

module.exports = { parseLarge, spoolLarge, LazyRows, RowDataScanner, LARGE_BODY_BYTES };
