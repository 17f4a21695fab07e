'use strict';
/**
 * PropertiesService: string key/value stores shared by every execution and kept across emulator restarts.
 * Each call reads or writes the main thread's store, so a value set by one run is seen by the next.
 */
const rpc = require('./rpc');
const host = require('./host');

class Properties {
  /** @param {string} store */
  constructor(store) { this._store = store; }
  get __appsScriptClass() { return 'Properties.Properties'; }
  getProperty(key) {
    const all = rpc.call('props.get', { store: this._store });
    return Object.prototype.hasOwnProperty.call(all, String(key)) ? all[String(key)] : null;
  }
  getProperties() {
    return Object.assign({}, rpc.call('props.get', { store: this._store }));
  }
  getKeys() { return Object.keys(rpc.call('props.get', { store: this._store })); }
  setProperty(key, value) {
    rpc.call('props.set', { store: this._store, values: { [String(key)]: String(value) }, deleteAllOthers: false });
    return this;
  }
  setProperties(properties, deleteAllOthers) {
    const values = {};
    for (const k of Object.keys(properties || {})) values[k] = String(properties[k]);
    rpc.call('props.set', { store: this._store, values, deleteAllOthers: !!deleteAllOthers });
    return this;
  }
  deleteProperty(key) {
    rpc.call('props.delete', { store: this._store, key: String(key) });
    return this;
  }
  deleteAllProperties() {
    rpc.call('props.deleteAll', { store: this._store });
    return this;
  }
}

class PropertiesServiceImpl {
  get __appsScriptClass() { return 'Properties.PropertiesService'; }
  getScriptProperties() { return new Properties('script'); }
  // The project is bound to one container, so it has one document store whichever way it runs.
  getDocumentProperties() { return new Properties('document'); }
  getUserProperties() { return new Properties('user:' + host.info.userEmail); }
}

module.exports = { PropertiesServiceImpl, Properties };
