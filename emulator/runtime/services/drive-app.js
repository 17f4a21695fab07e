'use strict';
/**
 * DriveApp basics on the engine's Drive v3 files: getFileById, getFilesByName, and File's name, URL,
 * trash and copy. Like Google's DriveApp, name searches also return trashed files (check isTrashed()).
 */
const rpc = require('./rpc');
const { Exception, ApiFailure } = require('./errors');

const FILE_FIELDS = 'id,name,mimeType,trashed,createdTime,modifiedTime,webViewLink';
const NOT_FOUND = 'No item with the given ID could be found, or you do not have permission to access it.';

/** @param {any} e */
function driveError(e) {
  if (e instanceof ApiFailure) return new Exception(e.code === 404 ? NOT_FOUND : String(e.message));
  return e;
}

/** @param {string} id */
function fetchFile(id) {
  try {
    return rpc.engine('driveGet', String(id), { fields: FILE_FIELDS });
  } catch (e) {
    throw driveError(e);
  }
}

/** @param {any} f */
function urlOf(f) {
  if (f.webViewLink) return f.webViewLink;
  if (f.mimeType === 'application/vnd.google-apps.spreadsheet') {
    return 'https://docs.google.com/spreadsheets/d/' + f.id + '/edit?usp=drivesdk';
  }
  return 'https://drive.google.com/file/d/' + f.id + '/view?usp=drivesdk';
}

class File {
  /** @param {string} id */
  constructor(id) { this._id = id; }
  get __appsScriptClass() { return 'Drive.File'; }
  _meta() { return fetchFile(this._id); }
  getId() { return this._id; }
  getName() { return this._meta().name; }
  setName(name) {
    try {
      rpc.engine('driveUpdate', this._id, { name: String(name) });
    } catch (e) {
      throw driveError(e);
    }
    return this;
  }
  getMimeType() { return this._meta().mimeType; }
  getUrl() { return urlOf(this._meta()); }
  isTrashed() { return !!this._meta().trashed; }
  setTrashed(trashed) {
    try {
      rpc.engine('driveUpdate', this._id, { trashed: !!trashed });
    } catch (e) {
      throw driveError(e);
    }
    return this;
  }
  getDateCreated() { const m = this._meta(); return m.createdTime ? new Date(m.createdTime) : null; }
  getLastUpdated() { const m = this._meta(); return m.modifiedTime ? new Date(m.modifiedTime) : null; }
  // makeCopy() | makeCopy(name) | makeCopy(name, destination); folders are not emulated.
  makeCopy(name, destination) {
    const body = name === undefined || typeof name !== 'string' ? {} : { name };
    try {
      const copy = rpc.engine('driveCopy', this._id, body, { fields: 'id' });
      return new File(copy.id);
    } catch (e) {
      throw driveError(e);
    }
  }
}

class FileIterator {
  /** @param {string} q */
  constructor(q) {
    this._q = q;
    this._buffer = [];
    this._token = undefined;
    this._done = false;
  }
  get __appsScriptClass() { return 'Drive.FileIterator'; }
  _fill() {
    while (!this._buffer.length && !this._done) {
      const page = rpc.engine('driveList', {
        q: this._q, fields: 'nextPageToken,files(id)', pageSize: 100, pageToken: this._token,
      });
      this._buffer.push(...(page.files || []).map((f) => f.id));
      this._token = page.nextPageToken;
      if (!this._token) this._done = true;
    }
  }
  hasNext() {
    this._fill();
    return this._buffer.length > 0;
  }
  next() {
    this._fill();
    if (!this._buffer.length) throw new Exception('Cannot retrieve the next object: iterator has reached the end.');
    return new File(this._buffer.shift());
  }
}

class DriveAppService {
  get __appsScriptClass() { return 'Drive.DriveApp'; }
  getFileById(id) {
    const meta = fetchFile(id);
    return new File(meta.id);
  }
  getFilesByName(name) {
    const escaped = String(name).replace(/\\/g, '\\\\').replace(/'/g, "\\'");
    return new FileIterator("name = '" + escaped + "'");
  }
}

module.exports = { DriveAppService, File, FileIterator };
