// @ts-check
'use strict';
/**
 * The engine: every spreadsheet and Drive file, the operations of the Sheets v4 and Drive v3 APIs on them
 * (Google-shaped JSON in and out, ApiError on failure), and their durability.
 *
 * Each change runs in a transaction on its workbook (rolled back on any error, so a batchUpdate is
 * all-or-nothing) and is journaled before the method returns. A journal record carries the time and the
 * random seed the change used, so replaying it after a restart rebuilds exactly the same state.
 */
const crypto = require('node:crypto');
const os = require('node:os');
const { ApiError, notFound, badRequest } = require('./errors');
const { buildWorkbook, getSpreadsheet } = require('./spreadsheet');
const { applyRequests } = require('./requests');
const values = require('./values');
const metadata = require('./metadata');
const drive = require('./drive');
const { parseLarge, spoolLarge, LARGE_BODY_BYTES } = require('./bigjson');
const { Store } = require('./persist');
const { Workbook, Sheet } = require('./workbook');
const { reclaim } = require('./memory');

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const COMPACT_BYTES = 64 * 1024 * 1024;

/** @param {number} seed @returns {() => number} uniform [0, 1) */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Engine {
  /** @param {{dataDir?: string|null}} [options] null/undefined dataDir keeps everything in memory */
  constructor(options = {}) {
    this.dataDir = options.dataDir || null;
    /** @type {Map<string, Workbook>} */
    this.workbooks = new Map();
    this.store = this.dataDir ? new Store(this.dataDir) : null;
    this.seq = 0;
    /** @type {Set<string>} workbooks changed since their file was written */
    this.dirty = new Set();
    this.now = Date.now();
    this.random = mulberry32(crypto.randomInt(2 ** 31));
    /** @type {{afterValidation: number}} */
    this.faults = { afterValidation: 0 };
    this.opened = false;
    this.open();
  }

  // ------------------------------------------------------------------------------------- lifecycle

  open() {
    if (this.opened) return;
    this.opened = true;
    if (!this.store) return;
    const fileSeq = new Map();
    for (const { wb, seq } of this.store.loadWorkbooks()) {
      this.workbooks.set(wb.id, wb);
      fileSeq.set(wb.id, seq);
      this.seq = Math.max(this.seq, seq);
    }
    const { base, records } = this.store.loadJournal();
    this.seq = Math.max(this.seq, base);
    for (const rec of records) {
      this.seq = Math.max(this.seq, rec.q);
      const wb = this.workbooks.get(rec.w);
      if (!wb || rec.q <= (fileSeq.get(rec.w) ?? Infinity)) continue;
      this.now = rec.t;
      this.random = mulberry32(rec.s);
      try {
        this.apply(rec.m, wb, rec.a);
        // A crash between journaling a delete and removing the file: finish the removal now.
        if (rec.m === 'driveDelete') this.store.removeWorkbook(rec.w);
      } catch {
        // It succeeded when it was journaled; a failure here would be an engine bug, not a reason to stop.
      }
      this.dirty.add(rec.w);
    }
  }

  /** Makes everything durable and starts a fresh journal. */
  flush() {
    if (!this.store) return;
    for (const id of this.dirty) {
      const wb = this.workbooks.get(id);
      if (wb) this.store.writeWorkbook(wb, this.seq);
    }
    this.dirty.clear();
    this.store.resetJournal(this.seq);
  }

  close() {
    this.flush();
    if (this.store) this.store.close();
  }

  // ---------------------------------------------------------------------------------------- helpers

  newSpreadsheetId() {
    let id = '1';
    for (let i = 0; i < 43; i++) id += ID_CHARS[crypto.randomInt(64)];
    return id;
  }

  /** An Apps Script project id, shaped like Google's (57 characters starting with `1`). */
  newScriptId() {
    let id = '1';
    for (let i = 0; i < 56; i++) id += ID_CHARS[crypto.randomInt(64)];
    return id;
  }

  randomInt31() {
    return 1 + Math.floor(this.random() * 2147483646);
  }

  get ids() {
    return { randomSheetId: () => this.randomInt31(), randomMetadataId: () => this.randomInt31() };
  }

  /** @param {string} id */
  workbook(id) {
    const wb = this.workbooks.get(String(id));
    if (!wb) throw notFound();
    return wb;
  }

  iso() {
    return new Date(this.now).toISOString();
  }

  /**
   * Runs a change as a transaction and journals it.
   * @param {string} method @param {string} id @param {any[]} args
   */
  mutate(method, id, args) {
    reclaim();
    const wb = this.workbook(id);
    this.now = Date.now();
    const seed = crypto.randomInt(2 ** 31);
    this.random = mulberry32(seed);
    const result = this.apply(method, wb, args, true);
    if (this.store) {
      const q = ++this.seq;
      this.store.append({ q, w: wb.id, m: method, a: args, t: this.now, s: seed });
      this.dirty.add(wb.id);
      if (method === 'driveDelete') {
        this.store.removeWorkbook(wb.id);
        this.dirty.delete(wb.id);
      }
      if (this.store.journalBytes > COMPACT_BYTES) this.flush();
    }
    return result;
  }

  /**
   * The change itself (live and on replay).
   * @param {string} method @param {Workbook} wb @param {any[]} args @param {boolean} [live]
   */
  apply(method, wb, args, live = false) {
    if (method === 'driveDelete') {
      this.workbooks.delete(wb.id);
      return undefined;
    }
    if (method === 'bindScript') {
      // A script project is not part of the file's contents: its modifiedTime stays.
      if (args[0]) wb.drive.script = { scriptId: String(args[0]) };
      else delete wb.drive.script;
      return undefined;
    }
    wb.begin();
    try {
      let result;
      switch (method) {
        case 'batchUpdate': {
          const replies = applyRequests(wb, args[0], this.ids);
          if (live && this.faults.afterValidation > 0) {
            this.faults.afterValidation -= 1;
            throw new ApiError(500, 'INTERNAL', 'Internal error encountered.');
          }
          result = { spreadsheetId: wb.id, replies };
          break;
        }
        case 'valuesUpdate': result = values.update(wb, args[0], args[1], args[2]); break;
        case 'valuesAppend': result = values.append(wb, args[0], args[1], args[2]); break;
        case 'valuesBatchUpdate': result = values.batchUpdate(wb, args[0]); break;
        case 'valuesClear': result = values.clear(wb, args[0]); break;
        case 'valuesBatchClear': result = values.batchClear(wb, args[0]); break;
        case 'driveUpdate': result = this.applyDriveUpdate(wb, args[0], args[1]); break;
        default: throw new Error('unknown change ' + method);
      }
      wb.drive.modifiedTime = this.iso();
      wb.commit();
      return result;
    } catch (e) {
      wb.rollback();
      throw e;
    }
  }

  /** @param {Workbook} wb */
  persistNew(wb) {
    this.workbooks.set(wb.id, wb);
    if (this.store) this.store.writeWorkbook(wb, ++this.seq);
    reclaim();
  }

  // --------------------------------------------------------------------------------------- Sheets v4

  /** @param {any} resource Spreadsheet */
  createSpreadsheet(resource) {
    this.now = Date.now();
    this.random = mulberry32(crypto.randomInt(2 ** 31));
    const wb = buildWorkbook(this.newSpreadsheetId(), resource, this.ids);
    wb.drive = { createdTime: this.iso(), modifiedTime: this.iso(), parents: [drive.ROOT_ID], trashed: false };
    this.persistNew(wb);
    return getSpreadsheet(wb, {});
  }

  /**
   * spreadsheets.create from the raw request body; parses huge bodies without holding every cell object.
   * @param {Buffer} body
   */
  createSpreadsheetFromJson(body) {
    return createFromText(() => (body.length > LARGE_BODY_BYTES ? parseLarge(body) : JSON.parse(body.toString('utf8') || '{}')),
      (resource) => this.createSpreadsheet(resource));
  }

  /**
   * spreadsheets.create from a request body stream (a big workbook): the body goes to a spool file as it arrives
   * and is parsed from there (bigjson.js), so neither the body nor its cell objects are ever held whole.
   * @param {import('node:stream').Readable} stream @param {number} [length] the announced Content-Length
   */
  async createSpreadsheetFromStream(stream, length) {
    const dir = this.dataDir || os.tmpdir(); // the spool file is 0600 and removed once parsed
    let spooled;
    try {
      spooled = await spoolLarge(stream, dir, length);
    } catch (e) {
      if (e instanceof SyntaxError) throw badRequest(`Invalid JSON payload received. ${e.message}`);
      throw e;
    }
    try {
      return createFromText(() => spooled.value, (resource) => this.createSpreadsheet(resource));
    } finally {
      spooled.close();
    }
  }

  /** @param {string} id @param {any} [o] */
  getSpreadsheet(id, o = {}) {
    reclaim(); // the previous answer's garbage, before making the next one
    return getSpreadsheet(this.workbook(id), o || {});
  }

  /** @param {string} id @param {any} body */
  batchUpdate(id, body) {
    const result = this.mutate('batchUpdate', id, [body]);
    if (body && body.includeSpreadsheetInResponse) {
      result.updatedSpreadsheet = getSpreadsheet(this.workbook(id), {
        ranges: body.responseRanges, includeGridData: body.responseIncludeGridData,
      });
    }
    return result;
  }

  /** @param {string} id @param {string} range @param {any} [o] */
  valuesGet(id, range, o = {}) {
    reclaim();
    return values.get(this.workbook(id), range, o || {});
  }

  /** @param {string} id @param {any} [o] */
  valuesBatchGet(id, o = {}) {
    reclaim();
    return values.batchGet(this.workbook(id), o || {});
  }

  /** @param {string} id @param {string} range @param {any} body @param {any} [o] */
  valuesUpdate(id, range, body, o = {}) {
    return this.mutate('valuesUpdate', id, [range, body, o || {}]);
  }

  /** @param {string} id @param {string} range @param {any} body @param {any} [o] */
  valuesAppend(id, range, body, o = {}) {
    return this.mutate('valuesAppend', id, [range, body, o || {}]);
  }

  /** @param {string} id @param {any} body */
  valuesBatchUpdate(id, body) {
    return this.mutate('valuesBatchUpdate', id, [body || {}]);
  }

  /** @param {string} id @param {string} range */
  valuesClear(id, range) {
    return this.mutate('valuesClear', id, [range]);
  }

  /** @param {string} id @param {any} body */
  valuesBatchClear(id, body) {
    return this.mutate('valuesBatchClear', id, [body || {}]);
  }

  /** @param {string} id @param {any} body */
  developerMetadataSearch(id, body) {
    return metadata.search(this.workbook(id), body || {});
  }

  /** @param {string} id @param {number|string} metadataId */
  developerMetadataGet(id, metadataId) {
    return metadata.get(this.workbook(id), metadataId);
  }

  // ---------------------------------------------------------------------------------------- Drive v3

  /** @param {string} fileId */
  driveFile(fileId) {
    const wb = this.workbooks.get(String(fileId));
    if (!wb) throw drive.fileNotFound(String(fileId));
    return wb;
  }

  /** @param {string} fileId @param {any} [o] */
  driveGet(fileId, o = {}) {
    return drive.maskFile(drive.fileJson(this.driveFile(fileId)), o && o.fields);
  }

  /** @param {string} fileId @param {any} body @param {any} [o] */
  driveCopy(fileId, body, o = {}) {
    const src = this.driveFile(fileId);
    body = body || {};
    this.now = Date.now();
    const wb = cloneWorkbook(src, this.newSpreadsheetId());
    wb.props.title = body.name ? String(body.name) : `Copy of ${src.props.title}`;
    wb.drive = {
      createdTime: this.iso(), modifiedTime: this.iso(), trashed: false,
      parents: Array.isArray(body.parents) && body.parents.length ? body.parents.map(String) : (src.drive.parents || [drive.ROOT_ID]),
    };
    if (body.description) wb.drive.description = String(body.description);
    // Copying a spreadsheet copies its container-bound script: a new project with the same code.
    if (src.drive.script) wb.drive.script = { scriptId: this.newScriptId(), copiedFrom: src.drive.script.scriptId };
    this.persistNew(wb);
    return drive.maskFile(drive.fileJson(wb), o && o.fields);
  }

  /**
   * @param {{q?: string, fields?: string, pageSize?: number|string, pageToken?: string, orderBy?: string}} [o]
   */
  driveList(o = {}) {
    o = o || {};
    const pred = drive.parseQuery(o.q || '');
    const size = o.pageSize === undefined || o.pageSize === null || o.pageSize === '' ? 100 : Number(o.pageSize);
    if (!Number.isInteger(size) || size < 1 || size > 1000) throw drive.invalidValue('pageSize');
    const all = [...this.workbooks.values()].map((wb) => drive.fileJson(wb)).filter(pred).sort(drive.sorter(o.orderBy));
    let start = 0;
    if (o.pageToken) {
      start = Number(Buffer.from(String(o.pageToken), 'base64url').toString('utf8'));
      if (!Number.isInteger(start) || start < 0) throw drive.invalidValue('pageToken');
    }
    const page = all.slice(start, start + size);
    /** @type {Record<string, any>} */
    const out = { kind: 'drive#fileList', incompleteSearch: false, files: page };
    if (start + size < all.length) out.nextPageToken = Buffer.from(String(start + size)).toString('base64url');
    if (o.fields) return drive.maskFile(out, String(o.fields));
    out.files = page.map((f) => drive.maskFile(f, undefined));
    return out;
  }

  /** @param {string} fileId @param {any} body @param {any} [o] {fields, addParents, removeParents} */
  driveUpdate(fileId, body, o = {}) {
    this.driveFile(fileId);
    return this.mutate('driveUpdate', String(fileId), [body || {}, o || {}]);
  }

  /** @param {Workbook} wb @param {any} body @param {any} o */
  applyDriveUpdate(wb, body, o) {
    for (const k of Object.keys(body)) {
      if (['id', 'kind', 'mimeType', 'createdTime', 'owners'].includes(k) && body[k] !== drive.fileJson(wb)[/** @type {'id'} */ (k)]) {
        throw new ApiError(403, '', `The resource body includes fields which are not directly writable.`,
          [{ message: 'The resource body includes fields which are not directly writable.', domain: 'global', reason: 'fieldNotWritable' }]);
      }
    }
    if (body.name !== undefined) wb.props.title = String(body.name);
    if (body.trashed !== undefined) wb.drive.trashed = !!body.trashed;
    if (body.starred !== undefined) wb.drive.starred = !!body.starred;
    if (body.description !== undefined) wb.drive.description = body.description === null ? undefined : String(body.description);
    const parents = new Set(wb.drive.parents || [drive.ROOT_ID]);
    for (const p of String(o.addParents || '').split(',').filter(Boolean)) parents.add(p);
    for (const p of String(o.removeParents || '').split(',').filter(Boolean)) parents.delete(p);
    wb.drive.parents = [...parents];
    wb.drive.version = (wb.drive.version || 1) + 1;
    wb.drive.modifiedTime = this.iso();
    return drive.maskFile(drive.fileJson(wb), o.fields);
  }

  /** @param {string} fileId */
  driveDelete(fileId) {
    this.driveFile(fileId);
    this.mutate('driveDelete', String(fileId), []);
    return undefined;
  }

  // --------------------------------------------------------------------------------------- emulator

  /**
   * Binds a new Apps Script project to the spreadsheet, or (`bound` false) removes its binding. On Google a
   * bound script is made in the editor (Extensions > Apps Script), never by `spreadsheets.create`; this is the
   * control surface's stand-in (`POST /_emulator/bind`). Binding a bound spreadsheet keeps its project.
   * @param {string} id @param {boolean} [bound]
   * @returns {{spreadsheetId: string, scriptId: string|null}}
   */
  bindScript(id, bound = true) {
    const wb = this.workbook(id);
    if (!!wb.drive.script !== !!bound) this.mutate('bindScript', wb.id, [bound ? this.newScriptId() : null]);
    return { spreadsheetId: wb.id, scriptId: this.boundScript(wb.id) };
  }

  /** The id of the script project bound to the spreadsheet, null when it has none. @param {string} id */
  boundScript(id) {
    const script = this.workbook(id).drive.script;
    return script ? String(script.scriptId) : null;
  }

  /** Ids for tests (`GET /_emulator/state`). */
  state() {
    const ids = [...this.workbooks.keys()];
    /** @type {Record<string, string>} */
    const boundScripts = {};
    for (const wb of this.workbooks.values()) if (wb.drive.script) boundScripts[wb.id] = String(wb.drive.script.scriptId);
    return { spreadsheets: ids, driveFiles: ids, boundScripts };
  }
}

/**
 * Parses a create body and builds from it; JSON errors (in the skeleton or in a lazily parsed row batch) are
 * Google's 400.
 * @param {() => any} parse @param {(resource: any) => any} create
 */
function createFromText(parse, create) {
  let resource;
  try {
    resource = parse();
  } catch (e) {
    throw badRequest(`Invalid JSON payload received. ${/** @type {Error} */ (e).message}`);
  }
  try {
    return create(resource);
  } catch (e) {
    if (e instanceof SyntaxError) throw badRequest(`Invalid JSON payload received. ${e.message}`);
    throw e;
  }
}

/**
 * A copy of a workbook under a new id (Drive files.copy): cells, formats, metadata with their ids. The rows are
 * shared with the source, copy-on-write (workbook.js): neither side changes a shared row in place, so a copy
 * costs the row arrays until one side writes, and a write to either never shows in the other.
 * @param {Workbook} src @param {string} id
 */
function cloneWorkbook(src, id) {
  const wb = new Workbook(id);
  src.release();
  wb.props = structuredClone(src.props);
  wb.dm = structuredClone(src.dm);
  wb.formats = structuredClone(src.formats);
  wb.formats.forEach((f, i) => wb.formatIds.set(JSON.stringify(f), i));
  wb.validations = structuredClone(src.validations);
  wb.validations.forEach((v, i) => wb.validationIds.set(JSON.stringify(v), i));
  wb.extra = structuredClone(src.extra);
  wb.sheets = src.sheets.map((s) => {
    const sheet = new Sheet(structuredClone(s.props));
    sheet.extra = structuredClone(s.extra);
    sheet.rows = s.rows.slice();
    return sheet;
  });
  return wb;
}

module.exports = { Engine, ApiError, LARGE_BODY_BYTES, mulberry32 };
