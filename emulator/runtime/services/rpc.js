'use strict';
/**
 * Synchronous calls from service code to the main thread (engine, locks, properties, dialogs).
 * JSON strings both ways, parsed here so results are objects of the script's realm.
 */
const host = require('./host');
const { ApiFailure } = require('./errors');

/**
 * @param {string} kind
 * @param {any} payload
 */
function call(kind, payload) {
  const reply = JSON.parse(host.call(kind, JSON.stringify(payload === undefined ? null : payload)));
  if (reply.error) throw new ApiFailure(reply.error);
  return reply.result;
}

/**
 * Calls an Engine method (Google-shaped JSON in and out). Throws ApiFailure on an engine ApiError.
 * @param {string} method
 * @param {...any} args
 */
function engine(method, ...args) {
  return call('engine', { method, args });
}

/**
 * An Engine call from the Advanced Sheets service: like `engine`, and marked so the Google-like profile bills
 * it to the Sheets quota of the execution's user (emulator/profile.js).
 * @param {string} method
 * @param {...any} args
 */
function advanced(method, ...args) {
  return call('engine', { method, args, advanced: true, user: host.info.userEmail });
}

/**
 * @param {string} kind
 * @param {any} payload
 */
function post(kind, payload) {
  host.post(kind, JSON.stringify(payload));
}

module.exports = { call, engine, advanced, post, info: host.info };
