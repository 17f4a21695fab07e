// @ts-check
'use strict';
/**
 * The one error type the engine throws. It carries what Google puts in an error body, so the HTTP layer
 * serialises it as is: `{"error": {"code", "message", "status"}}` (Drive adds an `errors` array).
 */

class ApiError extends Error {
  /**
   * @param {number} code HTTP status
   * @param {string} status Google's canonical status, e.g. INVALID_ARGUMENT
   * @param {string} message Google's message text
   * @param {Array<Record<string, string>>} [errors] legacy `errors` list (Drive v3 sends it)
   */
  constructor(code, status, message, errors) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.errors = errors;
    /** @type {Array<Record<string, any>> | undefined} `details` of the body (ErrorInfo, ExecutionError) */
    this.details = undefined;
  }

  /** The JSON error body Google sends. */
  toJSON() {
    /** @type {Record<string, any>} */
    const error = { code: this.code, message: this.message };
    if (this.errors) error.errors = this.errors;
    if (this.status) error.status = this.status;
    if (this.details) error.details = this.details;
    return { error };
  }
}

/** @param {string} message */
const badRequest = (message) => new ApiError(400, 'INVALID_ARGUMENT', message);
/** @param {string} [message] */
const notFound = (message = 'Requested entity was not found.') => new ApiError(404, 'NOT_FOUND', message);
/** @param {string} message */
const internal = (message) => new ApiError(500, 'INTERNAL', message);

module.exports = { ApiError, badRequest, notFound, internal };
