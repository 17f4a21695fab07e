'use strict';
/**
 * Data validation builders (list rules), translated to and from the Sheets API DataValidationRule.
 * As on Google, a rule built here allows invalid data unless setAllowInvalid(false) is called, and
 * validation never blocks script or API writes.
 */
const { DataValidationCriteria, memberOf } = require('./enums');
const { Exception } = require('./errors');

class DataValidation {
  /** @param {{type: any, values: any[], allowInvalid: boolean, helpText: string|null}} spec */
  constructor(spec) { this._spec = spec; }
  get __appsScriptClass() { return 'Spreadsheet.DataValidation'; }
  copy() { return new DataValidationBuilder(Object.assign({}, this._spec, { values: this._spec.values.slice() })); }
  getAllowInvalid() { return this._spec.allowInvalid; }
  getCriteriaType() { return this._spec.type; }
  getCriteriaValues() { return this._spec.values.slice(); }
  getHelpText() { return this._spec.helpText; }
}

class DataValidationBuilder {
  /** @param {any} [spec] */
  constructor(spec) {
    this._spec = spec || { type: null, values: [], allowInvalid: true, helpText: null };
  }
  get __appsScriptClass() { return 'Spreadsheet.DataValidationBuilder'; }
  build() {
    if (!this._spec.type) throw new Exception('You must specify a criteria type before building the data validation rule.');
    return new DataValidation(Object.assign({}, this._spec, { values: this._spec.values.slice() }));
  }
  copy() { return new DataValidationBuilder(Object.assign({}, this._spec, { values: this._spec.values.slice() })); }
  getAllowInvalid() { return this._spec.allowInvalid; }
  getCriteriaType() { return this._spec.type; }
  getCriteriaValues() { return this._spec.values.slice(); }
  getHelpText() { return this._spec.helpText; }
  requireValueInList(values, showDropdown) {
    if (!Array.isArray(values)) {
      throw new Exception("The parameters (" + typeof values + ") don't match the method signature for SpreadsheetApp.DataValidationBuilder.requireValueInList.");
    }
    this._spec.type = DataValidationCriteria.VALUE_IN_LIST;
    this._spec.values = [values.map(String), showDropdown === undefined ? true : !!showDropdown];
    return this;
  }
  setAllowInvalid(allowInvalidData) {
    this._spec.allowInvalid = !!allowInvalidData;
    return this;
  }
  setHelpText(helpText) {
    this._spec.helpText = helpText === null || helpText === undefined ? null : String(helpText);
    return this;
  }
}

/**
 * The Sheets API rule for a DataValidation (null clears validation).
 * @param {DataValidation|null} rule
 */
function toApiRule(rule) {
  if (rule === null || rule === undefined) return undefined;
  if (!(rule instanceof DataValidation)) {
    throw new Exception("The parameters (" + typeof rule + ") don't match the method signature for SpreadsheetApp.Range.setDataValidation.");
  }
  const spec = rule._spec;
  if (spec.type !== DataValidationCriteria.VALUE_IN_LIST) {
    throw new Exception('Emulator: only requireValueInList rules are supported');
  }
  const out = {
    condition: { type: 'ONE_OF_LIST', values: spec.values[0].map((v) => ({ userEnteredValue: v })) },
    strict: !spec.allowInvalid,
    showCustomUi: !!spec.values[1],
  };
  if (spec.helpText) out.inputMessage = spec.helpText;
  return out;
}

/**
 * A DataValidation from a Sheets API rule, or null.
 * @param {any} apiRule
 */
function fromApiRule(apiRule) {
  if (!apiRule || !apiRule.condition) return null;
  const cond = apiRule.condition;
  const values = (cond.values || []).map((v) => v.userEnteredValue);
  /** @type {any} */
  let type;
  /** @type {any[]} */
  let criteriaValues;
  if (cond.type === 'ONE_OF_LIST') {
    type = DataValidationCriteria.VALUE_IN_LIST;
    criteriaValues = [values, !!apiRule.showCustomUi];
  } else {
    type = memberOf(DataValidationCriteria, cond.type) || cond.type;
    criteriaValues = values;
  }
  return new DataValidation({
    type, values: criteriaValues, allowInvalid: !apiRule.strict, helpText: apiRule.inputMessage || null,
  });
}

module.exports = { DataValidation, DataValidationBuilder, toApiRule, fromApiRule };
