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
 * @param {string} kind
 * @param {any} payload
 */
function post(kind, payload) {
  host.post(kind, JSON.stringify(payload));
}

module.exports = { call, engine, post, info: host.info };
