'use strict';
/**
 * Apps Script enums: singleton objects that print as their name (String(Button.YES) === "YES") and compare
 * by identity, as in Google's runtime.
 */

/**
 * @param {string[]} names
 * @returns {Record<string, any>}
 */
function makeEnum(names) {
  const e = {};
  names.forEach((n, i) => {
    e[n] = Object.freeze({
      toString() { return n; },
      toJSON() { return n; },
      name() { return n; },
      ordinal() { return i; },
    });
  });
  return Object.freeze(e);
}

/**
 * Finds the enum member for a value given as a member or its name.
 * @param {Record<string, any>} enumObject
 * @param {any} value
 */
function memberOf(enumObject, value) {
  if (value === undefined || value === null) return undefined;
  const name = String(value);
  return Object.prototype.hasOwnProperty.call(enumObject, name) ? enumObject[name] : undefined;
}

const Button = makeEnum(['CLOSE', 'OK', 'CANCEL', 'YES', 'NO']);
const ButtonSet = makeEnum(['OK', 'OK_CANCEL', 'YES_NO', 'YES_NO_CANCEL']);
const DeveloperMetadataLocationType = makeEnum(['SPREADSHEET', 'SHEET', 'ROW', 'COLUMN']);
const DeveloperMetadataVisibility = makeEnum(['DOCUMENT', 'PROJECT']);
const DataValidationCriteria = makeEnum([
  'DATE_AFTER', 'DATE_BEFORE', 'DATE_BETWEEN', 'DATE_EQUAL_TO', 'DATE_IS_VALID_DATE', 'DATE_NOT_BETWEEN',
  'DATE_ON_OR_AFTER', 'DATE_ON_OR_BEFORE', 'NUMBER_BETWEEN', 'NUMBER_EQUAL_TO', 'NUMBER_GREATER_THAN',
  'NUMBER_GREATER_THAN_OR_EQUAL_TO', 'NUMBER_LESS_THAN', 'NUMBER_LESS_THAN_OR_EQUAL_TO', 'NUMBER_NOT_BETWEEN',
  'NUMBER_NOT_EQUAL_TO', 'TEXT_CONTAINS', 'TEXT_DOES_NOT_CONTAIN', 'TEXT_EQUAL_TO', 'TEXT_IS_VALID_EMAIL',
  'TEXT_IS_VALID_URL', 'VALUE_IN_LIST', 'VALUE_IN_RANGE', 'CUSTOM_FORMULA', 'CHECKBOX',
]);
const Dimension = makeEnum(['COLUMNS', 'ROWS']);
const DigestAlgorithm = makeEnum(['MD2', 'MD5', 'SHA_1', 'SHA_256', 'SHA_384', 'SHA_512']);
const MacAlgorithm = makeEnum(['HMAC_MD5', 'HMAC_SHA_1', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512']);
const Charset = makeEnum(['US_ASCII', 'UTF_8']);

module.exports = {
  makeEnum, memberOf, Button, ButtonSet, DeveloperMetadataLocationType, DeveloperMetadataVisibility,
  DataValidationCriteria, Dimension, DigestAlgorithm, MacAlgorithm, Charset,
};
