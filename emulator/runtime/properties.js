// @ts-check
'use strict';
/**
 * PropertiesService storage: script, document and user stores of string values, durable across restarts.
 * Kept in one JSON file (written to a temporary file and renamed, so a crash never leaves half a file).
 */
const fs = require('node:fs');
const path = require('node:path');

class PropertyStore {
  /** @param {string|null} file null keeps the properties in memory only */
  constructor(file) {
    this.file = file;
    /** @type {Record<string, Record<string, string>>} */
    this.stores = {};
    if (file && fs.existsSync(file)) {
      try {
        this.stores = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        // A corrupt file cannot come from our atomic writes; start empty rather than refuse to run.
        this.stores = {};
      }
    }
  }

  /** @param {string} store */
  get(store) {
    return { ...(this.stores[store] || {}) };
  }

  /**
   * @param {string} store
   * @param {Record<string, string>} values
   * @param {boolean} deleteAllOthers
   */
  set(store, values, deleteAllOthers) {
    this.stores[store] = { ...(deleteAllOthers ? {} : this.stores[store] || {}), ...values };
    this._save();
  }

  /** @param {string} store @param {string} key */
  delete(store, key) {
    if (this.stores[store]) delete this.stores[store][key];
    this._save();
  }

  /** @param {string} store */
  deleteAll(store) {
    delete this.stores[store];
    this._save();
  }

  _save() {
    if (!this.file) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = this.file + '.tmp-' + process.pid;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, JSON.stringify(this.stores));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
  }
}

module.exports = { PropertyStore };
