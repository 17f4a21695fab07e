'use strict';
/**
 * Session: the active and effective users are the same account, the one the run executes as: for an API run the
 * deployment's user (the owner), for a menu run the person who clicked the item (`/_emulator/menu-run`
 * `userEmail`). Google: getEffectiveUser "in most other scenarios ... returns the same account as getActiveUser()"
 * (it differs only for "execute as me" web apps and installable triggers, which the bridge does not use)
 * (developers.google.com/apps-script/reference/base/session). The script time zone comes from appsscript.json.
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
