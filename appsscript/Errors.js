// @ts-check
// Every refusal is thrown as `ZEUES_<CODE>: what is wrong — what to do`. The orchestrator maps the code to an
// exit code; the menu shows the text. The codes (ERROR_CODES) are part of the API: they are defined once, in
// orchestrator/contract/errors.py, and generated into Contract.js.

/**
 * @param {string} code one of ERROR_CODES
 * @param {string} message what is wrong and what to do
 * @returns {never}
 */
function fail_(code, message) {
  throw new Error(code + ': ' + message);
}

/**
 * @param {unknown} condition
 * @param {string} message
 * @returns {asserts condition}
 */
function require_(condition, message) {
  if (!condition) fail_(ERROR_CODES.INVALID_REQUEST, message);
}
