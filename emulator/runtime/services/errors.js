'use strict';
/**
 * The errors Apps Script services throw. Built-in service failures are `Exception`s (name "Exception",
 * so String(e) and the Execution API's errorMessage read "Exception: <text>"); Advanced services throw
 * GoogleJsonResponseException with "API call to <method> failed with error: <API message>".
 * Evaluated inside the script's context, so these are the script's own Error subclasses.
 */

class Exception extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'Exception';
  }
}

class GoogleJsonResponseException extends Error {
  /**
   * @param {string} apiMethod e.g. "sheets.spreadsheets.batchUpdate"
   * @param {{code: number, message: string, status?: string}} apiError
   */
  constructor(apiMethod, apiError) {
    super('API call to ' + apiMethod + ' failed with error: ' + apiError.message);
    this.name = 'GoogleJsonResponseException';
    this.details = { code: apiError.code, message: apiError.message };
  }
}

/** An engine ApiError as received over the host bridge. */
class ApiFailure extends Error {
  /** @param {{code: number, status: string, message: string}} e */
  constructor(e) {
    super(e.message);
    this.name = 'ApiFailure';
    this.code = e.code;
    this.status = e.status;
  }
}

/** Google's text for a range that does not fit in its sheet's grid. */
const COORDINATES_OUTSIDE = 'The coordinates of the range are outside the dimensions of the sheet.';

/** Google's text for a missing spreadsheet in SpreadsheetApp.openById. */
const OPEN_BY_ID_FAILED = 'Unexpected error while getting the method or property openById on object SpreadsheetApp.';

/**
 * Turns an engine error met inside a built-in (non-Advanced) service into the Exception Google shows.
 * The REST message carries a request path ("Invalid requests[0].insertDimension: ...") that built-in
 * services do not show.
 * @param {any} err
 */
function toException(err) {
  if (!(err instanceof ApiFailure)) return err;
  let message = String(err.message).replace(/^Invalid requests\[\d+\]\.\w+: /, '');
  if (/would increase the number of cells in the workbook above the limit/.test(message)) {
    message = 'This action would increase the number of cells in the workbook above the limit of 10000000 cells.';
  } else if (/exceeds grid limits/.test(message)) {
    message = COORDINATES_OUTSIDE;
  }
  return new Exception(message);
}

module.exports = { Exception, GoogleJsonResponseException, ApiFailure, toException, OPEN_BY_ID_FAILED, COORDINATES_OUTSIDE };
