// @ts-check
'use strict';
/**
 * Durable state in the data folder, safe against kill -9 at any instant:
 *
 * - `wb-<id>.jsonl`: one workbook per file (header line, one line per row, an end marker), written to a
 *   temporary file, fsync'd and renamed, so a file is always a whole workbook. Its header records `seq`, the
 *   last journal record it includes.
 * - `journal.log`: every later change, appended and fsync'd before the API answers, one line per record:
 *   `<crc32 hex> <json>`. A torn last line (crash mid-append) fails its checksum and is cut off on load.
 *
 * Loading reads every workbook file, then replays the journal records newer than each workbook's `seq`.
 * Compaction rewrites the workbooks that changed and starts a new journal (temporary file + rename).
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { Workbook, Sheet, shareTables } = require('./workbook');
const { reclaim } = require('./memory');

const FORMAT = 'zeues-emulator-workbook/2';
// Version 1 predates bound scripts (`drive.script`): every spreadsheet then ran the project as if it were bound
// to it, so a version 1 file loads as bound, to a project id derived from the spreadsheet id (stable across
// loads until the file is rewritten as version 2).
const FORMAT_V1 = 'zeues-emulator-workbook/1';

/** @type {(data: Buffer|string) => number} */
const crc32 = typeof (/** @type {any} */ (zlib).crc32) === 'function' ? /** @type {any} */ (zlib).crc32 : crc32js;

/** @type {number[]|null} */
let TABLE = null;
/** @param {Buffer|string} data */
function crc32js(data) {
  if (!TABLE) {
    TABLE = [];
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      TABLE.push(c >>> 0);
    }
  }
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** @param {string} dir */
function fsyncDir(dir) {
  try {
    const fd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  }
}

/** @param {string} file @param {(write: (s: string) => void) => void} produce */
function writeAtomic(file, produce) {
  const tmp = file + '.tmp-' + process.pid;
  const fd = fs.openSync(tmp, 'w');
  try {
    let chunk = '';
    const write = (/** @type {string} */ s) => {
      chunk += s;
      if (chunk.length > 1 << 20) {
        fs.writeSync(fd, chunk);
        chunk = '';
      }
    };
    produce(write);
    if (chunk) fs.writeSync(fd, chunk);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

/** @param {import('./workbook').Row|undefined} row */
function encodeRow(row) {
  if (!row) return '0';
  const parts = [row.v, row.f || 0, row.fm || 0, row.dv || 0, row.nt || 0];
  while (parts.length > 1 && parts[parts.length - 1] === 0) parts.pop();
  return JSON.stringify(parts);
}

/** @param {any} x @returns {import('./workbook').Row|undefined} */
function decodeRow(x) {
  if (x === 0) return undefined;
  /** @type {import('./workbook').Row} */
  const row = { v: x[0].map((/** @type {any} */ v) => (v === null ? undefined : v)), g: 0 };
  if (x[1]) row.f = x[1];
  if (x[2]) row.fm = x[2];
  if (x[3]) row.dv = x[3];
  if (x[4]) row.nt = x[4];
  shareTables(row);
  return row;
}

/**
 * The row of a workbook file's line, shared with an equal row loaded before.
 * @param {string} line @param {Map<number, import('./workbook').Row[]>} seen
 */
function sharedRow(line, seen) {
  if (line === '0') return undefined;
  const key = crc32(line);
  const candidates = seen.get(key);
  if (candidates) for (const row of candidates) if (encodeRow(row) === line) return row;
  const row = decodeRow(JSON.parse(line));
  if (row) {
    if (candidates) candidates.push(row);
    else seen.set(key, [row]);
  }
  return row;
}

class Store {
  /** @param {string} dir */
  constructor(dir) {
    this.dir = dir;
    fs.mkdirSync(dir, { recursive: true });
    this.journalPath = path.join(dir, 'journal.log');
    /** @type {number|null} */
    this.fd = null;
    this.journalBytes = 0;
  }

  /** @param {string} id */
  workbookPath(id) {
    return path.join(this.dir, `wb-${id}.jsonl`);
  }

  /** @param {Workbook} wb @param {number} seq */
  writeWorkbook(wb, seq) {
    writeAtomic(this.workbookPath(wb.id), (write) => {
      const header = {
        format: FORMAT, seq, id: wb.id, props: wb.props, drive: wb.drive, extra: wb.extra, dm: wb.dm,
        formats: wb.formats, validations: wb.validations,
        sheets: wb.sheets.map((s) => ({ props: s.props, extra: s.extra, rows: s.rows.length })),
      };
      write(JSON.stringify(header) + '\n');
      let total = 0;
      for (const s of wb.sheets) {
        for (const row of s.rows) {
          if ((total & 4095) === 0) reclaim(); // the encoded lines are garbage at once
          write(encodeRow(row) + '\n');
          total++;
        }
      }
      write(JSON.stringify({ end: total }) + '\n');
    });
  }

  /** @param {string} id */
  removeWorkbook(id) {
    try {
      fs.unlinkSync(this.workbookPath(id));
      fsyncDir(this.dir);
    } catch (e) {
      if (/** @type {any} */ (e).code !== 'ENOENT') throw e;
    }
  }

  /**
   * @param {string} file
   * @param {Map<number, import('./workbook').Row[]>} [seen] rows already loaded, by the checksum of their line:
   *   an equal row (a copy's, a backup's) is shared instead of loaded again — rows are copy-on-write
   *   (workbook.js), so sharing them across workbooks is safe
   * @returns {{wb: Workbook, seq: number} | null} null for a file that is not a whole workbook
   */
  readWorkbook(file, seen = new Map()) {
    const buf = fs.readFileSync(file);
    let pos = 0;
    const line = () => {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) return null;
      const s = buf.toString('utf8', pos, nl);
      pos = nl + 1;
      return s;
    };
    const first = line();
    if (!first) return null;
    const h = JSON.parse(first);
    if (h.format !== FORMAT && h.format !== FORMAT_V1) return null;
    const wb = new Workbook(h.id);
    wb.props = h.props;
    wb.drive = h.drive || {};
    if (h.format === FORMAT_V1 && !wb.drive.script) {
      const digest = crypto.createHash('sha256').update('script:' + h.id).digest('base64url');
      wb.drive.script = { scriptId: ('1' + digest + digest).slice(0, 57) };
    }
    wb.extra = h.extra || {};
    wb.dm = h.dm || [];
    wb.formats = h.formats || [];
    wb.formats.forEach((f, i) => wb.formatIds.set(JSON.stringify(f), i));
    wb.validations = h.validations || [];
    wb.validations.forEach((v, i) => wb.validationIds.set(JSON.stringify(v), i));
    let total = 0;
    for (const sh of h.sheets) {
      const sheet = new Sheet(sh.props);
      sheet.extra = sh.extra || {};
      for (let i = 0; i < sh.rows; i++) {
        const l = line();
        if (l === null) return null;
        if ((total & 4095) === 0) reclaim();
        sheet.rows.push(sharedRow(l, seen));
        total++;
      }
      wb.sheets.push(sheet);
    }
    const end = line();
    if (!end || JSON.parse(end).end !== total) return null;
    return { wb, seq: h.seq };
  }

  /** @returns {Array<{wb: Workbook, seq: number}>} */
  loadWorkbooks() {
    const out = [];
    /** @type {Map<number, import('./workbook').Row[]>} */
    const seen = new Map();
    for (const name of fs.readdirSync(this.dir)) {
      const full = path.join(this.dir, name);
      if (name.includes('.tmp-')) {
        fs.rmSync(full, { force: true }); // a write that never reached its rename
        continue;
      }
      if (!/^wb-.*\.jsonl$/.test(name)) continue;
      const got = this.readWorkbook(full, seen);
      if (got) out.push(got);
    }
    return out;
  }

  /**
   * The journal's valid records; a torn or corrupt tail is cut off.
   * @returns {{base: number, records: any[]}}
   */
  loadJournal() {
    if (!fs.existsSync(this.journalPath)) return { base: 0, records: [] };
    const buf = fs.readFileSync(this.journalPath);
    let pos = 0;
    let base = 0;
    const records = [];
    let good = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) break;
      const text = buf.toString('utf8', pos, nl);
      const sp = text.indexOf(' ');
      const body = text.slice(sp + 1);
      if (sp !== 8 || parseInt(text.slice(0, 8), 16) !== crc32(body)) break;
      let rec;
      try {
        rec = JSON.parse(body);
      } catch {
        break;
      }
      if (rec.journal) base = rec.base || 0;
      else records.push(rec);
      pos = nl + 1;
      good = pos;
    }
    if (good < buf.length) fs.truncateSync(this.journalPath, good);
    this.journalBytes = good;
    return { base, records };
  }

  /** @param {any} record */
  append(record) {
    if (this.fd === null) {
      if (!fs.existsSync(this.journalPath)) this.resetJournal(record.q - 1);
      this.fd = fs.openSync(this.journalPath, 'a');
    }
    const body = JSON.stringify(record);
    const line = crc32(body).toString(16).padStart(8, '0') + ' ' + body + '\n';
    fs.writeSync(this.fd, line); // a string: a big batch is not copied into a Buffer first
    fs.fdatasyncSync(this.fd);
    this.journalBytes += Buffer.byteLength(line);
  }

  /** Starts an empty journal whose records will follow `base`. @param {number} base */
  resetJournal(base) {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
    const body = JSON.stringify({ journal: 1, base });
    writeAtomic(this.journalPath, (write) => write(crc32(body).toString(16).padStart(8, '0') + ' ' + body + '\n'));
    this.journalBytes = 0;
  }

  close() {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}

module.exports = { Store, crc32, encodeRow, decodeRow };
