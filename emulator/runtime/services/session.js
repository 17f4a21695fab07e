'use strict';
/**
 * Session: the run is executed as the spreadsheet owner (deployments "execute as me"), so the active and
 * effective users are the same account; the script time zone comes from appsscript.json.
 */
const host = require('./host');

class User {
  /** @param {string} email */
  constructor(email) { this._email = email; }
  get __appsScriptClass() { return 'Base.User'; }
  getEmail() { return this._email; }
  getUserLoginId() { return this._email; }
}

class SessionService {
  get __appsScriptClass() { return 'Base.Session'; }
  getActiveUser() { return new User(host.info.userEmail); }
  getEffectiveUser() { return new User(host.info.userEmail); }
  getScriptTimeZone() { return host.info.timeZone; }
  getActiveUserLocale() { return 'en'; }
  getTemporaryActiveUserKey() { return 'emulator-' + host.info.userEmail; }
}

module.exports = { SessionService, User };
