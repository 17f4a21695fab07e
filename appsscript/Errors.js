// @ts-check
// Every refusal is thrown as `ZEUES_<CODE>: what is wrong — what to do`. The orchestrator maps the code to an
// exit code; the menu shows the text. Keep the codes stable: they are part of the API.

var ERROR_CODES = {
  INVALID_REQUEST: 'ZEUES_INVALID_REQUEST',
  NOT_FOUND: 'ZEUES_NOT_FOUND',
  LOCK_BUSY: 'ZEUES_LOCK_BUSY',
  HOLD: 'ZEUES_HOLD',
  BLOCKED: 'ZEUES_BLOCKED',
  DRIFT: 'ZEUES_DRIFT',
  CONFLICT: 'ZEUES_CONFLICT',
  CHECKSUM: 'ZEUES_CHECKSUM',
  ORDER: 'ZEUES_ORDER',
  CELL_LIMIT: 'ZEUES_CELL_LIMIT',
  FAILED: 'ZEUES_FAILED',
  IS_BACKUP: 'ZEUES_IS_BACKUP',
};

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
