'use strict';
/**
 * The Advanced Sheets service (`Sheets`), on the same engine as the REST API, with the Advanced-service
 * argument order (request body first, then ids, then optionalArgs) and its errors:
 * GoogleJsonResponseException "API call to sheets.spreadsheets.<method> failed with error: <message>".
 */
const rpc = require('./rpc');
const { GoogleJsonResponseException, ApiFailure } = require('./errors');

/**
 * @param {string} apiMethod
 * @param {string} engineMethod
 * @param {any[]} args
 */
function callApi(apiMethod, engineMethod, args) {
  try {
    return rpc.advanced(engineMethod, ...args);
  } catch (e) {
    if (e instanceof ApiFailure) throw new GoogleJsonResponseException(apiMethod, e);
    throw e;
  }
}

/** @param {any} args */
function opts(args) {
  return args && typeof args === 'object' ? args : {};
}

class ValuesCollection {
  get __appsScriptClass() { return 'Sheets.Collection.Spreadsheets.ValuesCollection'; }
  get(spreadsheetId, range, optionalArgs) {
    return callApi('sheets.spreadsheets.values.get', 'valuesGet', [spreadsheetId, range, opts(optionalArgs)]);
  }
  batchGet(spreadsheetId, optionalArgs) {
    return callApi('sheets.spreadsheets.values.batchGet', 'valuesBatchGet', [spreadsheetId, opts(optionalArgs)]);
  }
  update(resource, spreadsheetId, range, optionalArgs) {
    return callApi('sheets.spreadsheets.values.update', 'valuesUpdate', [spreadsheetId, range, resource, opts(optionalArgs)]);
  }
  append(resource, spreadsheetId, range, optionalArgs) {
    return callApi('sheets.spreadsheets.values.append', 'valuesAppend', [spreadsheetId, range, resource, opts(optionalArgs)]);
  }
  batchUpdate(resource, spreadsheetId) {
    return callApi('sheets.spreadsheets.values.batchUpdate', 'valuesBatchUpdate', [spreadsheetId, resource]);
  }
  clear(resource, spreadsheetId, range) {
    return callApi('sheets.spreadsheets.values.clear', 'valuesClear', [spreadsheetId, range]);
  }
  batchClear(resource, spreadsheetId) {
    return callApi('sheets.spreadsheets.values.batchClear', 'valuesBatchClear', [spreadsheetId, resource]);
  }
}

class DeveloperMetadataCollection {
  get __appsScriptClass() { return 'Sheets.Collection.Spreadsheets.DeveloperMetadataCollection'; }
  get(spreadsheetId, metadataId) {
    return callApi('sheets.spreadsheets.developerMetadata.get', 'developerMetadataGet', [spreadsheetId, metadataId]);
  }
  search(resource, spreadsheetId) {
    return callApi('sheets.spreadsheets.developerMetadata.search', 'developerMetadataSearch', [spreadsheetId, resource]);
  }
}

class SpreadsheetsCollection {
  constructor() {
    this.Values = new ValuesCollection();
    this.DeveloperMetadata = new DeveloperMetadataCollection();
  }
  get __appsScriptClass() { return 'Sheets.Collection.SpreadsheetsCollection'; }
  batchUpdate(resource, spreadsheetId) {
    return callApi('sheets.spreadsheets.batchUpdate', 'batchUpdate', [spreadsheetId, resource]);
  }
  get(spreadsheetId, optionalArgs) {
    return callApi('sheets.spreadsheets.get', 'getSpreadsheet', [spreadsheetId, opts(optionalArgs)]);
  }
  create(resource) {
    return callApi('sheets.spreadsheets.create', 'createSpreadsheet', [resource]);
  }
}

class SheetsAdvancedService {
  constructor() {
    this.Spreadsheets = new SpreadsheetsCollection();
  }
  get __appsScriptClass() { return 'Sheets'; }
}

module.exports = { SheetsAdvancedService, SpreadsheetsCollection, ValuesCollection, DeveloperMetadataCollection };
