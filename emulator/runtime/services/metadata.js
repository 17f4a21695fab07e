'use strict';
/**
 * Developer metadata through SpreadsheetApp: DeveloperMetadata, its location, and the finder. Searches use
 * the engine's developerMetadata.search; the scope of a sheet or range finder is applied here.
 */
const enums = require('./enums');
const { toException } = require('./errors');
const rpc = require('./rpc');

const LOCATION_TYPES = ['SPREADSHEET', 'SHEET', 'ROW', 'COLUMN'];

/** Google leaves out a zero sheetId (proto3 JSON drops default values). @param {any} o */
function sheetIdOf(o) {
  return (o && o.sheetId) || 0;
}

/** @param {string} method @param {...any} args */
function eng(method, ...args) {
  try {
    return rpc.engine(method, ...args);
  } catch (e) {
    throw toException(e);
  }
}

class DeveloperMetadataLocation {
  /** @param {any} ss Spreadsheet @param {any} location API DeveloperMetadataLocation */
  constructor(ss, location) {
    this._ss = ss;
    this._loc = location || {};
  }
  get __appsScriptClass() { return 'Spreadsheet.DeveloperMetadataLocation'; }
  _type() {
    if (this._loc.locationType) return this._loc.locationType;
    if (this._loc.spreadsheet) return 'SPREADSHEET';
    if (this._loc.sheetId !== undefined) return 'SHEET';
    if (this._loc.dimensionRange) return this._loc.dimensionRange.dimension === 'ROWS' ? 'ROW' : 'COLUMN';
    return 'SPREADSHEET';
  }
  getLocationType() { return enums.DeveloperMetadataLocationType[this._type()]; }
  getSpreadsheet() { return this._type() === 'SPREADSHEET' ? this._ss : null; }
  getSheet() {
    if (this._type() === 'SHEET') return this._ss.getSheetById(sheetIdOf(this._loc));
    return null;
  }
  /** The whole rows/columns the metadata is on, as a Range. */
  _span() {
    const d = this._loc.dimensionRange;
    const sheet = this._ss.getSheetById(sheetIdOf(d));
    if (!sheet) return null;
    const start = d.startIndex || 0;
    const n = d.endIndex - start;
    return d.dimension === 'ROWS'
      ? sheet.getRange(start + 1, 1, n, sheet.getMaxColumns())
      : sheet.getRange(1, start + 1, sheet.getMaxRows(), n);
  }
  getRow() { return this._type() === 'ROW' ? this._span() : null; }
  getColumn() { return this._type() === 'COLUMN' ? this._span() : null; }
}

class DeveloperMetadata {
  /** @param {any} ss Spreadsheet @param {any} json API DeveloperMetadata */
  constructor(ss, json) {
    this._ss = ss;
    this._json = json;
  }
  get __appsScriptClass() { return 'Spreadsheet.DeveloperMetadata'; }
  getId() { return this._json.metadataId; }
  getKey() { return this._json.metadataKey; }
  getValue() { return this._json.metadataValue === undefined ? null : this._json.metadataValue; }
  getVisibility() { return enums.DeveloperMetadataVisibility[this._json.visibility || 'DOCUMENT']; }
  getLocation() { return new DeveloperMetadataLocation(this._ss, this._json.location); }
  remove() {
    this._ss._batch([{ deleteDeveloperMetadata: { dataFilter: { developerMetadataLookup: { metadataId: this.getId() } } } }]);
  }
  /** @param {any} change @param {string} fields */
  _update(change, fields) {
    this._ss._batch([{
      updateDeveloperMetadata: {
        dataFilters: [{ developerMetadataLookup: { metadataId: this.getId() } }],
        developerMetadata: change,
        fields,
      },
    }]);
    Object.assign(this._json, change);
    return this;
  }
  setKey(key) { return this._update({ metadataKey: String(key) }, 'metadataKey'); }
  setValue(value) { return this._update({ metadataValue: String(value) }, 'metadataValue'); }
  setVisibility(visibility) { return this._update({ visibility: String(visibility) }, 'visibility'); }
}

/**
 * Whether an API location lies in a finder's scope.
 * @param {any} loc API DeveloperMetadataLocation
 * @param {any} scope {kind: 'spreadsheet'} | {kind: 'sheet', sheetId} | {kind: 'range', sheetId, r1, r2, c1, c2, rows, cols}
 * @param {boolean} intersecting
 */
function inScope(loc, scope, intersecting) {
  if (scope.kind === 'spreadsheet') return true;
  const d = loc.dimensionRange;
  if (scope.kind === 'sheet') return d ? sheetIdOf(d) === scope.sheetId : loc.locationType === 'SHEET' && sheetIdOf(loc) === scope.sheetId;
  if (!d || sheetIdOf(d) !== scope.sheetId) return false;
  const start = d.startIndex || 0;
  const [lo, hi, otherLo, otherHi, otherMax] = d.dimension === 'ROWS'
    ? [scope.r1, scope.r2, scope.c1, scope.c2, scope.cols]
    : [scope.c1, scope.c2, scope.r1, scope.r2, scope.rows];
  if (intersecting) return start < hi && d.endIndex > lo;
  // Wholly contained: the range covers the metadata's rows (columns) across the whole sheet.
  return start >= lo && d.endIndex <= hi && otherLo === 0 && otherHi === otherMax;
}

/**
 * Runs developerMetadata.search for a lookup (all location types when none is given), scoped here.
 * @param {any} ss Spreadsheet
 * @param {any} lookup API DeveloperMetadataLookup criteria
 * @param {any} scope
 * @param {boolean} intersecting
 */
function search(ss, lookup, scope, intersecting) {
  const types = lookup.locationType ? [lookup.locationType] : LOCATION_TYPES;
  const dataFilters = types.map((t) => ({ developerMetadataLookup: Object.assign({}, lookup, { locationType: t }) }));
  const reply = eng('developerMetadataSearch', ss._id, { dataFilters });
  const seen = new Set();
  const out = [];
  for (const m of reply.matchedDeveloperMetadata || []) {
    const md = m.developerMetadata;
    if (seen.has(md.metadataId)) continue;
    seen.add(md.metadataId);
    if (!inScope(md.location || {}, scope, intersecting)) continue;
    out.push(new DeveloperMetadata(ss, md));
  }
  return out;
}

class DeveloperMetadataFinder {
  /** @param {any} ss Spreadsheet @param {any} scope */
  constructor(ss, scope) {
    this._ss = ss;
    this._scope = scope;
    this._lookup = {};
    this._intersecting = false;
  }
  get __appsScriptClass() { return 'Spreadsheet.DeveloperMetadataFinder'; }
  withId(id) { this._lookup.metadataId = Number(id); return this; }
  withKey(key) { this._lookup.metadataKey = String(key); return this; }
  withValue(value) { this._lookup.metadataValue = String(value); return this; }
  withVisibility(visibility) { this._lookup.visibility = String(visibility); return this; }
  withLocationType(locationType) { this._lookup.locationType = String(locationType); return this; }
  onIntersectingLocations() { this._intersecting = true; return this; }
  find() { return search(this._ss, this._lookup, this._scope, this._intersecting); }
}

module.exports = { DeveloperMetadata, DeveloperMetadataLocation, DeveloperMetadataFinder, search };
