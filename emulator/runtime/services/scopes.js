'use strict';
/**
 * OAuth scopes in the Apps Script runtime: which scopes each service method needs, and the guard that makes a
 * call without one of them fail the way Google fails it.
 *
 * Google's rule (developers.google.com/apps-script/concepts/scopes, "Setting explicit scopes"): a manifest that
 * lists `oauthScopes` is granted exactly those; a call that needs another throws
 *   Exception: You do not have permission to call Session.getActiveUser. Required permissions:
 *   https://www.googleapis.com/auth/userinfo.email
 * and, when any of several scopes would do, "Required permissions: (A || B)" (the text quoted in many public
 * threads, e.g. "You do not have permission to call SpreadsheetApp.openById. Required permissions:
 * https://www.googleapis.com/auth/spreadsheets"). Advanced services call the REST API with the script's token,
 * so a missing scope comes back as the API's 403 "Request had insufficient authentication scopes." inside a
 * GoogleJsonResponseException. A manifest without `oauthScopes` gets Google's automatic detection, which grants
 * what the code uses (`detectScopes`).
 *
 * The table follows the "Authorization" section of each method's reference page
 * (developers.google.com/apps-script/reference/<service>/<class>#<method>); a class entry `'*'` is the scopes of
 * every method of that class unless a method has its own entry; methods that need no scope are absent or `[]`.
 */
const { Exception, GoogleJsonResponseException } = require('./errors');

const AUTH = 'https://www.googleapis.com/auth/';
const SPREADSHEETS = AUTH + 'spreadsheets';
const SPREADSHEETS_CURRENT = AUTH + 'spreadsheets.currentonly';
const SPREADSHEETS_READONLY = AUTH + 'spreadsheets.readonly';
const DRIVE = AUTH + 'drive';
const DRIVE_FILE = AUTH + 'drive.file';
const DRIVE_READONLY = AUTH + 'drive.readonly';
const CONTAINER_UI = AUTH + 'script.container.ui';
const USERINFO_EMAIL = AUTH + 'userinfo.email';

const SHEET_SERVICE = [SPREADSHEETS_CURRENT, SPREADSHEETS];
const SHEETS_API_READ = [DRIVE, DRIVE_FILE, DRIVE_READONLY, SPREADSHEETS, SPREADSHEETS_READONLY];
const SHEETS_API_WRITE = [DRIVE, DRIVE_FILE, SPREADSHEETS];
const DRIVE_READ = [DRIVE_READONLY, DRIVE];

/** @type {Record<string, Record<string, string[]>>} class name -> method (or '*') -> scopes, any one suffices */
const REQUIRED = {
  // SpreadsheetApp: the active spreadsheet needs currentonly or spreadsheets; opening another one needs
  // spreadsheets; builders and getUi need none.
  SpreadsheetApp: {
    '*': SHEET_SERVICE, open: [SPREADSHEETS], openById: [SPREADSHEETS], openByUrl: [SPREADSHEETS],
    create: [SPREADSHEETS], getUi: [], newDataValidation: [],
  },
  Spreadsheet: { '*': SHEET_SERVICE },
  Sheet: { '*': SHEET_SERVICE },
  Range: { '*': SHEET_SERVICE },
  DeveloperMetadata: { '*': SHEET_SERVICE },
  DeveloperMetadataFinder: { '*': SHEET_SERVICE },
  DeveloperMetadataLocation: { '*': SHEET_SERVICE },
  DataValidation: { '*': SHEET_SERVICE },
  DataValidationBuilder: { '*': SHEET_SERVICE },
  Ui: { '*': [CONTAINER_UI] },
  Menu: { '*': [CONTAINER_UI] },
  // Advanced Sheets service = the Sheets REST API's scopes (developers.google.com/sheets/api/reference/rest).
  SpreadsheetsCollection: { get: SHEETS_API_READ, batchUpdate: SHEETS_API_WRITE, create: SHEETS_API_WRITE },
  ValuesCollection: { '*': SHEETS_API_WRITE, get: SHEETS_API_READ, batchGet: SHEETS_API_READ },
  DeveloperMetadataCollection: { '*': SHEETS_API_READ },
  DriveApp: { '*': DRIVE_READ },
  File: { '*': DRIVE_READ, setName: [DRIVE], setTrashed: [DRIVE], makeCopy: [DRIVE] },
  Session: { getActiveUser: [USERINFO_EMAIL], getEffectiveUser: [USERINFO_EMAIL] },
};

/** The REST method name of an Advanced Sheets call, for its error text. */
const ADVANCED_PREFIX = /** @type {Record<string, string>} */ ({
  SpreadsheetsCollection: 'sheets.spreadsheets.',
  ValuesCollection: 'sheets.spreadsheets.values.',
  DeveloperMetadataCollection: 'sheets.spreadsheets.developerMetadata.',
});

/**
 * Automatic detection, for a manifest without `oauthScopes`: Google scans the code and grants the broad scope of
 * each service it sees used (SpreadsheetApp or the Advanced Sheets service -> spreadsheets, DriveApp -> drive,
 * getUi -> script.container.ui, the user's email -> userinfo.email).
 * @param {string[]} sources the project's code files
 */
function detectScopes(sources) {
  const code = sources.join('\n');
  /** @type {Array<[RegExp, string]>} */
  const rules = [
    [/\bSpreadsheetApp\b|\bSheets\.Spreadsheets\b/, SPREADSHEETS], [/\bDriveApp\b/, DRIVE],
    [/\.getUi\s*\(/, CONTAINER_UI], [/\bget(Active|Effective)User\s*\(/, USERINFO_EMAIL],
  ];
  return rules.filter(([pattern]) => pattern.test(code)).map(([, scope]) => scope);
}

/**
 * @param {string} className
 * @param {string} method
 * @returns {string[]}
 */
function requiredScopes(className, method) {
  const entry = REQUIRED[className];
  if (!entry) return [];
  return entry[method] || entry['*'] || [];
}

/** @param {string[]} scopes */
function permissionsText(scopes) {
  return scopes.length === 1 ? scopes[0] : '(' + scopes.join(' || ') + ')';
}

/**
 * Wraps every method of the given classes so a call without a granted scope throws Google's error.
 * @param {Array<Function>} classes constructors evaluated in the script's context
 * @param {string[]} granted
 */
function guardClasses(classes, granted) {
  const have = new Set(granted);
  for (const cls of classes) {
    const proto = cls.prototype;
    const className = String(Object.getOwnPropertyDescriptor(proto, '__appsScriptClass')?.get?.call(proto) || cls.name)
      .split('.').pop() || cls.name;
    if (!REQUIRED[className]) continue;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (name === 'constructor' || !descriptor || typeof descriptor.value !== 'function' || name.startsWith('_')) continue;
      const needs = requiredScopes(className, name);
      if (!needs.length) continue;
      const original = descriptor.value;
      const advanced = ADVANCED_PREFIX[className];
      const guarded = /** @this {any} */ function (/** @type {any[]} */ ...args) {
        if (!needs.some((s) => have.has(s))) {
          if (advanced) {
            throw new GoogleJsonResponseException(advanced + name,
              { code: 403, message: 'Request had insufficient authentication scopes.' });
          }
          throw new Exception('You do not have permission to call ' + className + '.' + name +
            '. Required permissions: ' + permissionsText(needs));
        }
        return original.apply(this, args);
      };
      // Keep name and arity: the type-fidelity test compares them with @types/google-apps-script.
      Object.defineProperty(guarded, 'name', { value: original.name });
      Object.defineProperty(guarded, 'length', { value: original.length });
      Object.defineProperty(proto, name, { ...descriptor, value: guarded });
    }
  }
}

module.exports = { REQUIRED, detectScopes, requiredScopes, guardClasses, USERINFO_EMAIL };
