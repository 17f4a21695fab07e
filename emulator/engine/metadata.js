// @ts-check
'use strict';
/**
 * Developer metadata: locations, lookups (DataFilter.developerMetadataLookup) and the search/get/create/
 * update/delete operations. Metadata lives on the spreadsheet, a sheet, or one whole row or column; the
 * workbook moves row/column metadata with its row/column and drops it when that is deleted.
 */
const { badRequest, notFound } = require('./errors');
const { Workbook } = require('./workbook');

const VISIBILITIES = ['DOCUMENT', 'PROJECT'];

/**
 * A location from the API into the workbook's form.
 * @param {Workbook} wb @param {any} loc @param {string} kind request prefix for messages
 * @returns {import('./workbook').DevMeta['loc']}
 */
function locationFromJson(wb, loc, kind) {
  if (!loc || typeof loc !== 'object') throw badRequest(`${kind}A developer metadata location must be specified.`);
  if (loc.spreadsheet) return { type: 'SPREADSHEET' };
  if (loc.dimensionRange) {
    const dr = loc.dimensionRange;
    const sheet = wb.requireSheet(dr.sheetId ?? 0, kind);
    const dim = dr.dimension;
    if (dim !== 'ROWS' && dim !== 'COLUMNS') throw badRequest(`${kind}A dimension must be specified.`);
    const start = dr.startIndex ?? 0;
    const end = dr.endIndex;
    if (end === undefined || end === null || end - start !== 1) {
      throw badRequest(`${kind}Developer metadata may only be associated with a single row or column, not a range of them or an unbounded one.`);
    }
    const count = dim === 'ROWS' ? sheet.rowCount : sheet.columnCount;
    if (start < 0 || start >= count) throw badRequest(`${kind}The dimension range is outside the sheet (${dim === 'ROWS' ? 'rows' : 'columns'}: ${count}).`);
    return { type: dim === 'ROWS' ? 'ROW' : 'COLUMN', sheetId: sheet.id, index: start };
  }
  if (loc.sheetId !== undefined && loc.sheetId !== null) {
    const sheet = wb.requireSheet(loc.sheetId, kind);
    return { type: 'SHEET', sheetId: sheet.id };
  }
  if (loc.locationType === 'SHEET') {
    const sheet = wb.requireSheet(0, kind);
    return { type: 'SHEET', sheetId: sheet.id };
  }
  throw badRequest(`${kind}A developer metadata location must be specified.`);
}

/**
 * Does metadata `d` sit on a location matching `target` (a lookup's metadataLocation)?
 * @param {import('./workbook').DevMeta} d @param {any} target parsed location or a grid area
 * @param {boolean} exact
 */
function locationMatches(d, target, exact) {
  const loc = d.loc;
  if (target.type === 'SPREADSHEET') return loc.type === 'SPREADSHEET';
  if (loc.type === 'SPREADSHEET') return false;
  if (target.type === 'SHEET') {
    if (exact) return loc.type === 'SHEET' && loc.sheetId === target.sheetId;
    return loc.sheetId === target.sheetId;
  }
  // A row/column span, or a grid area {type: 'AREA', sheetId, r0, r1, c0, c1}.
  if (loc.sheetId !== target.sheetId) return false;
  if (target.type === 'AREA') {
    if (loc.type === 'SHEET') return true;
    if (loc.type === 'ROW') return loc.index >= target.r0 && loc.index < target.r1;
    return loc.index >= target.c0 && loc.index < target.c1;
  }
  const sameKind = (loc.type === 'ROW') === (target.type === 'ROW');
  if (exact) return loc.type !== 'SHEET' && sameKind && loc.index === target.index;
  if (loc.type === 'SHEET') return true;
  if (sameKind) return loc.index >= target.index && loc.index < target.end;
  return true; // a column always crosses a row of the same sheet
}

/**
 * @param {Workbook} wb @param {any} lookup DeveloperMetadataLookup
 * @returns {(d: import('./workbook').DevMeta) => boolean}
 */
function lookupPredicate(wb, lookup) {
  const kind = '';
  /** @type {any} */
  let target = null;
  if (lookup.metadataLocation) {
    const ml = lookup.metadataLocation;
    if (ml.dimensionRange) {
      const dr = ml.dimensionRange;
      const sheet = wb.requireSheet(dr.sheetId ?? 0, kind);
      const start = dr.startIndex ?? 0;
      const count = dr.dimension === 'ROWS' ? sheet.rowCount : sheet.columnCount;
      target = { type: dr.dimension === 'ROWS' ? 'ROW' : 'COLUMN', sheetId: sheet.id, index: start, end: dr.endIndex ?? count };
    } else target = locationFromJson(wb, ml, kind);
    if (target.type === 'ROW' || target.type === 'COLUMN') target.end = target.end ?? target.index + 1;
  }
  const exact = lookup.locationMatchingStrategy === 'EXACT_LOCATION';
  return (d) => {
    if (lookup.metadataId !== undefined && lookup.metadataId !== null && Number(lookup.metadataId) !== d.id) return false;
    if (lookup.metadataKey !== undefined && lookup.metadataKey !== null && lookup.metadataKey !== d.key) return false;
    if (lookup.metadataValue !== undefined && lookup.metadataValue !== null && lookup.metadataValue !== d.value) return false;
    if (lookup.visibility && lookup.visibility !== 'DEVELOPER_METADATA_VISIBILITY_UNSPECIFIED' && lookup.visibility !== d.visibility) return false;
    if (lookup.locationType && lookup.locationType !== 'DEVELOPER_METADATA_LOCATION_TYPE_UNSPECIFIED' && lookup.locationType !== d.loc.type) return false;
    if (target && !locationMatches(d, target, exact)) return false;
    return true;
  };
}

/**
 * A DataFilter as a predicate over metadata (lookup, or the metadata on rows/columns crossing a range).
 * @param {Workbook} wb @param {any} filter
 */
function filterPredicate(wb, filter) {
  if (!filter || typeof filter !== 'object') throw badRequest('Invalid dataFilter: a filter must be specified.');
  if (filter.developerMetadataLookup) return lookupPredicate(wb, filter.developerMetadataLookup);
  /** @type {any} */
  let area;
  if (filter.a1Range !== undefined) {
    const { sheet, bounds } = wb.resolve(filter.a1Range);
    area = { type: 'AREA', sheetId: sheet.id, r0: bounds.startRowIndex ?? 0, r1: bounds.endRowIndex ?? sheet.rowCount,
      c0: bounds.startColumnIndex ?? 0, c1: bounds.endColumnIndex ?? sheet.columnCount };
  } else if (filter.gridRange) {
    const g = filter.gridRange;
    const sheet = wb.requireSheet(g.sheetId ?? 0, '');
    area = { type: 'AREA', sheetId: sheet.id, r0: g.startRowIndex ?? 0, r1: g.endRowIndex ?? sheet.rowCount,
      c0: g.startColumnIndex ?? 0, c1: g.endColumnIndex ?? sheet.columnCount };
  } else throw badRequest('Invalid dataFilter: a filter must be specified.');
  return (/** @type {import('./workbook').DevMeta} */ d) => locationMatches(d, area, false);
}

/** @param {Workbook} wb @param {any} body SearchDeveloperMetadataRequest */
function search(wb, body = {}) {
  const filters = Array.isArray(body.dataFilters) ? body.dataFilters : [];
  const preds = filters.map((/** @type {any} */ f) => filterPredicate(wb, f));
  const matched = [];
  for (const d of wb.dm) {
    const hits = filters.filter((/** @type {any} */ _f, /** @type {number} */ i) => preds[i](d));
    if (hits.length) matched.push({ developerMetadata: Workbook.metadataJson(d), dataFilters: structuredClone(hits) });
  }
  return matched.length ? { matchedDeveloperMetadata: matched } : {};
}

/** @param {Workbook} wb @param {any} metadataId */
function get(wb, metadataId) {
  const id = Number(metadataId);
  const d = wb.dm.find((x) => x.id === id);
  if (!d) throw notFound(`No developer metadata with ID: ${metadataId}`);
  return Workbook.metadataJson(d);
}

/**
 * @param {Workbook} wb @param {any} req CreateDeveloperMetadataRequest @param {string} kind
 * @param {() => number} randomId
 */
function create(wb, req, kind, randomId) {
  const md = req && req.developerMetadata;
  if (!md) throw badRequest(`${kind}developerMetadata is required.`);
  if (!md.metadataKey) throw badRequest(`${kind}Developer metadata must have a key specified.`);
  if (!VISIBILITIES.includes(md.visibility)) throw badRequest(`${kind}Developer metadata must have a visibility specified.`);
  let id = md.metadataId;
  if (id !== undefined && id !== null) {
    id = Number(id);
    if (!Number.isInteger(id) || id <= 0) throw badRequest(`${kind}Developer metadata ID must be positive.`);
    if (wb.dm.some((x) => x.id === id)) throw badRequest(`${kind}Developer metadata with ID ${id} already exists.`);
  } else {
    do id = randomId(); while (wb.dm.some((x) => x.id === id));
  }
  /** @type {import('./workbook').DevMeta} */
  const d = { id, key: String(md.metadataKey), visibility: md.visibility, loc: locationFromJson(wb, md.location, kind) };
  if (md.metadataValue !== undefined && md.metadataValue !== null) d.value = String(md.metadataValue);
  wb.dm.push(d);
  return { developerMetadata: Workbook.metadataJson(d) };
}

/** @param {Workbook} wb @param {any} req DeleteDeveloperMetadataRequest @param {string} kind */
function remove(wb, req, kind) {
  if (!req || !req.dataFilter) throw badRequest(`${kind}A data filter must be specified.`);
  const pred = filterPredicate(wb, req.dataFilter);
  const deleted = wb.dm.filter(pred);
  wb.dm = wb.dm.filter((d) => !pred(d));
  return deleted.length ? { deletedDeveloperMetadata: deleted.map((d) => Workbook.metadataJson(d)) } : {};
}

/** @param {Workbook} wb @param {any} req UpdateDeveloperMetadataRequest @param {string} kind */
function update(wb, req, kind) {
  const filters = req && Array.isArray(req.dataFilters) ? req.dataFilters : [];
  if (!filters.length) throw badRequest(`${kind}At least one data filter must be specified.`);
  if (!req.fields) throw badRequest(`${kind}'fields' must be specified.`);
  const fields = String(req.fields) === '*' ? ['metadataKey', 'metadataValue', 'visibility', 'location', 'metadataId']
    : String(req.fields).split(',').map((s) => s.trim());
  const preds = filters.map((/** @type {any} */ f) => filterPredicate(wb, f));
  const src = req.developerMetadata || {};
  const hits = wb.dm.filter((d) => preds.some((/** @type {any} */ p) => p(d)));
  for (const d of hits) {
    for (const f of fields) {
      if (f === 'metadataKey') {
        if (!src.metadataKey) throw badRequest(`${kind}Developer metadata must have a key specified.`);
        d.key = String(src.metadataKey);
      } else if (f === 'metadataValue') {
        if (src.metadataValue === undefined || src.metadataValue === null) delete d.value;
        else d.value = String(src.metadataValue);
      } else if (f === 'visibility') {
        if (!VISIBILITIES.includes(src.visibility)) throw badRequest(`${kind}Developer metadata must have a visibility specified.`);
        d.visibility = src.visibility;
      } else if (f === 'location') d.loc = locationFromJson(wb, src.location, kind);
      else if (f === 'metadataId') {
        if (src.metadataId !== undefined && Number(src.metadataId) !== d.id) throw badRequest(`${kind}The metadata ID cannot be changed.`);
      } else throw badRequest(`${kind}Invalid field mask: ${f}`);
    }
  }
  return hits.length ? { developerMetadata: hits.map((d) => Workbook.metadataJson(d)) } : {};
}

module.exports = { search, get, create, remove, update, locationFromJson };
