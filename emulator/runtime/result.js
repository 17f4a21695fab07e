// @ts-check
'use strict';
/**
 * What a `scripts.run` caller receives: the function's return value converted the way the Apps Script API
 * does, and a thrown error turned into an ExecutionError.
 *
 * Conversion (Google documents only "primitive types such as a string, number, array, object, or boolean";
 * the rest is the emulator's decision, listed in emulator/README.md):
 * - `undefined` (or no return) -> no `result` field; `undefined` inside an array -> null, inside an object
 *   -> the key is left out; functions likewise;
 * - NaN and +/-Infinity -> null;
 * - a Date, or an Apps Script object, anywhere in the value -> no `result` at all (Google cannot return
 *   them; google.script.run documents the same and hands the client null), with a log line saying why;
 * - a cycle -> no `result`, with a log line.
 */

const UNCONVERTIBLE = Symbol('unconvertible');

/**
 * @param {unknown} value the function's return value (may come from the vm context realm)
 * @returns {{has: boolean, value?: unknown, reason?: string}}
 */
function convertResult(value) {
  /** @type {string|undefined} */
  let reason;
  const seen = new Set();
  /** @param {unknown} v @returns {unknown} */
  const conv = (v) => {
    if (v === null) return null;
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        return Number.isFinite(v) ? v : null;
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
      case 'bigint':
        reason = 'a BigInt cannot be returned';
        throw UNCONVERTIBLE;
      default:
        break;
    }
    const obj = /** @type {object} */ (v);
    const tag = Object.prototype.toString.call(obj);
    if (tag === '[object Date]') {
      reason = 'the return value contains a Date; the Apps Script API cannot return Dates (return a string)';
      throw UNCONVERTIBLE;
    }
    if (/** @type {any} */ (obj).__appsScriptClass) {
      reason = 'the return value contains an Apps Script object (' + /** @type {any} */ (obj).__appsScriptClass + ')';
      throw UNCONVERTIBLE;
    }
    if (seen.has(obj)) {
      reason = 'the return value contains a cycle';
      throw UNCONVERTIBLE;
    }
    seen.add(obj);
    let out;
    if (Array.isArray(obj)) {
      out = obj.map((item) => {
        const c = conv(item);
        return c === undefined ? null : c;
      });
    } else {
      /** @type {Record<string, unknown>} */
      const o = {};
      for (const key of Object.keys(obj)) {
        const c = conv(/** @type {any} */ (obj)[key]);
        if (c !== undefined) o[key] = c;
      }
      out = o;
    }
    seen.delete(obj);
    return out;
  };
  try {
    const converted = conv(value);
    return converted === undefined ? { has: false } : { has: true, value: converted };
  } catch (e) {
    if (e === UNCONVERTIBLE) return { has: false, reason };
    throw e;
  }
}

/**
 * The ExecutionError for a thrown value. errorMessage is what `String(error)` gives for an Error
 * ("TypeError: x is not a function", "Exception: Lock timeout: ..."), errorType is always "ScriptError",
 * as in Google's responses; the stack keeps only frames in the project's own files.
 * @param {unknown} err
 * @param {Set<string>} scriptFiles file names given to the vm for the project's files
 */
function convertError(err, scriptFiles) {
  /** @type {{errorMessage: string, errorType: string, scriptStackTraceElements?: Array<{function?: string, lineNumber: number}>}} */
  const out = { errorMessage: errorMessageOf(err), errorType: 'ScriptError' };
  const stack = err && typeof err === 'object' && typeof (/** @type {any} */ (err).stack) === 'string' ? /** @type {any} */ (err).stack : '';
  const elements = stackElements(stack, scriptFiles);
  if (elements.length) out.scriptStackTraceElements = elements;
  return out;
}

/** @param {unknown} err */
function errorMessageOf(err) {
  if (err && typeof err === 'object' && Object.prototype.toString.call(err) === '[object Error]') {
    const e = /** @type {any} */ (err);
    const name = e.name === undefined ? 'Error' : String(e.name);
    const message = e.message === undefined ? '' : String(e.message);
    if (!name) return message;
    if (!message) return name;
    return name + ': ' + message;
  }
  try {
    return String(err);
  } catch {
    return 'Error';
  }
}

/**
 * Parses V8 stack lines ("    at fn (Code.js:12:5)", "    at Code.js:3:1").
 * @param {string} stack
 * @param {Set<string>} scriptFiles
 */
function stackElements(stack, scriptFiles) {
  /** @type {Array<{function?: string, lineNumber: number}>} */
  const out = [];
  for (const line of stack.split('\n')) {
    const m = /^\s*at (?:(?:async )?(.*?) \()?(.+?):(\d+):(\d+)\)?$/.exec(line);
    if (!m) continue;
    const file = m[2];
    if (!scriptFiles.has(file)) continue;
    /** @type {{function?: string, lineNumber: number}} */
    const el = {};
    if (m[1]) el.function = m[1].replace(/^Object\./, '');
    el.lineNumber = Number(m[3]);
    out.push(/** @type {{function?: string, lineNumber: number}} */ (el));
  }
  return out;
}

module.exports = { convertResult, convertError, errorMessageOf };
