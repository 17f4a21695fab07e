// @ts-check
'use strict';
/**
 * Fault injection for tests (`POST /_emulator/faults`): the next N requests whose path matches a regex fail
 * with a Google-shaped error, lose their connection, or wait first; or a per-minute quota answers 429 to the
 * requests over it in any rolling 60-second window. Cleared by `POST /_emulator/reset`.
 */

const { Profile, classify, quotaBody, gridCells, wait } = require('./profile');

const QUOTA_WINDOW_MS = 60_000;

/**
 * What Google counts as a Sheets read request: GETs under /v4/spreadsheets/ and developerMetadata.search.
 * @param {string} method @param {string} path
 */
function isSheetsRead(method, path) {
  if (!path.startsWith('/v4/spreadsheets/')) return false;
  return method === 'GET' || (method === 'POST' && /\/developerMetadata:search(\?|$)/.test(path));
}

const STATUS_TEXT = /** @type {Record<number, [string, string]>} */ ({
  400: ['INVALID_ARGUMENT', 'Request contains an invalid argument.'],
  403: ['PERMISSION_DENIED', 'The caller does not have permission'],
  404: ['NOT_FOUND', 'Requested entity was not found.'],
  429: ['RESOURCE_EXHAUSTED', "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'."],
  500: ['INTERNAL', 'Internal error encountered.'],
  502: ['UNAVAILABLE', 'Bad Gateway'],
  503: ['UNAVAILABLE', 'The service is currently unavailable.'],
  504: ['DEADLINE_EXCEEDED', 'The request timed out.'],
});

/**
 * @typedef {{re: RegExp, method: string|null, count: number, status: number|null, drop: boolean, latencyMs: number,
 *   message: string|null}} Rule
 */

/**
 * @typedef {{perMinute: number, re: RegExp|null, method: string|null, stamps: number[], accepted: number,
 *   rejected: number, peak: number}} Quota
 */

class Faults {
  /** @param {() => number} [now] clock in ms (tests) */
  constructor(now = Date.now) {
    /** @type {Rule[]} */
    this.rules = [];
    /** @type {Quota|null} */
    this.quota = null;
    this.now = now;
    /** The Google-like profile (profile.js): off until switched on; `reset` turns it off. */
    this.profile = new Profile({ now });
  }

  reset() {
    this.rules = [];
    this.quota = null;
    this.profile.set('off');
  }

  /**
   * A per-minute quota, as Google's "read requests per minute per user" (the emulator has one user): a matching
   * request answered while `perMinute` were already accepted in the last 60 s gets 429 (and is not counted).
   * Without `path`, what matches is a Sheets read (GET under /v4/spreadsheets/, developerMetadata.search).
   * @param {{quotaPerMinute: number, path?: string, method?: string}} spec
   */
  setQuota(spec) {
    const perMinute = Number(spec.quotaPerMinute);
    if (!Number.isInteger(perMinute) || perMinute < 1) throw new Error('quotaPerMinute must be a positive integer');
    let re = null;
    try {
      re = spec.path ? new RegExp(spec.path) : null;
    } catch (e) {
      throw new Error('bad path regex: ' + /** @type {Error} */ (e).message);
    }
    this.quota = { perMinute, re, method: spec.method ? String(spec.method).toUpperCase() : null, stamps: [],
      accepted: 0, rejected: 0, peak: 0 };
  }

  /** For `GET /_emulator/state`: the rules still waiting, and the quota's counts. */
  describe() {
    const q = this.quota;
    return {
      pending: this.rules.map((r) => ({ path: r.re.source, method: r.method, count: r.count })),
      quota: q && { perMinute: q.perMinute, path: q.re ? q.re.source : null, accepted: q.accepted, rejected: q.rejected,
        inWindow: q.stamps.filter((t) => t > this.now() - QUOTA_WINDOW_MS).length, peakInWindow: q.peak },
    };
  }

  /** @param {string} method @param {string} path @returns {boolean} true: over the quota */
  overQuota(method, path) {
    const q = this.quota;
    if (!q) return false;
    const matches = q.re ? q.re.test(path) && (!q.method || q.method === method) : isSheetsRead(method, path);
    if (!matches) return false;
    const now = this.now();
    while (q.stamps.length && q.stamps[0] <= now - QUOTA_WINDOW_MS) q.stamps.shift();
    if (q.stamps.length >= q.perMinute) {
      q.rejected += 1;
      return true;
    }
    q.stamps.push(now);
    q.accepted += 1;
    q.peak = Math.max(q.peak, q.stamps.length);
    return false;
  }

  /**
   * @param {{path?: string, method?: string, count?: number, status?: number, drop?: boolean, latencyMs?: number,
   *   message?: string}} spec
   */
  add(spec) {
    let re;
    try {
      re = new RegExp(spec.path || '.*');
    } catch (e) {
      throw new Error('bad path regex: ' + /** @type {Error} */ (e).message);
    }
    const count = spec.count === undefined ? 1 : Number(spec.count);
    if (!Number.isInteger(count) || count < 1) throw new Error('count must be a positive integer');
    if (spec.status !== undefined && !STATUS_TEXT[Number(spec.status)]) throw new Error('unsupported status ' + spec.status);
    this.rules.push({
      re, method: spec.method ? String(spec.method).toUpperCase() : null, count,
      status: spec.status === undefined ? null : Number(spec.status), drop: !!spec.drop,
      latencyMs: Number(spec.latencyMs) || 0, message: spec.message || null,
    });
  }

  /**
   * The rule that applies to this request, counting it down.
   * @param {string} method @param {string} path path with query
   * @returns {{status: number|null, drop: boolean, latencyMs: number, body: any} | null}
   */
  take(method, path) {
    if (this.overQuota(method, path)) {
      const limit = this.quota ? this.quota.perMinute : 60;
      return { status: 429, drop: false, latencyMs: 0, body: quotaBody('read', 'user', limit) };
    }
    for (const rule of this.rules) {
      if (rule.method && rule.method !== method) continue;
      if (!rule.re.test(path)) continue;
      rule.count -= 1;
      if (rule.count <= 0) this.rules.splice(this.rules.indexOf(rule), 1);
      const body = rule.status ? errorBody(rule.status, rule.message) : null;
      return { status: rule.status, drop: rule.drop, latencyMs: rule.latencyMs, body };
    }
    return null;
  }
}

/**
 * Google's error body for `code` (429 is the read-quota answer: Google's per-user read-quota body, ErrorInfo and
 * Help included, profile.js `quotaBody`). @param {number} code @param {string|null} message
 */
function errorBody(code, message) {
  const [status, text] = STATUS_TEXT[code];
  if (code === 429) {
    const body = quotaBody('read', 'user', 60);
    if (message) body.error.message = message;
    return body;
  }
  return { error: { code, message: message || text, status } };
}

module.exports = { Faults, STATUS_TEXT, isSheetsRead, errorBody };

/**
 * The REST request an engine call stands for, so faults aimed at a path also reach the calls a script makes
 * (the Advanced Sheets service, DriveApp, SpreadsheetApp all go through the engine).
 * @param {string} method @param {any[]} args @returns {[string, string] | null} [HTTP method, path]
 */
function restEquivalent(method, args) {
  const id = encodeURIComponent(String(args[0]));
  const range = () => encodeURIComponent(String(args[1]));
  switch (method) {
    case 'createSpreadsheet': return ['POST', '/v4/spreadsheets'];
    case 'getSpreadsheet': return ['GET', `/v4/spreadsheets/${id}`];
    case 'batchUpdate': return ['POST', `/v4/spreadsheets/${id}:batchUpdate`];
    case 'valuesGet': return ['GET', `/v4/spreadsheets/${id}/values/${range()}`];
    case 'valuesBatchGet': return ['GET', `/v4/spreadsheets/${id}/values:batchGet`];
    case 'valuesUpdate': return ['PUT', `/v4/spreadsheets/${id}/values/${range()}`];
    case 'valuesAppend': return ['POST', `/v4/spreadsheets/${id}/values/${range()}:append`];
    case 'valuesBatchUpdate': return ['POST', `/v4/spreadsheets/${id}/values:batchUpdate`];
    case 'valuesClear': return ['POST', `/v4/spreadsheets/${id}/values/${range()}:clear`];
    case 'valuesBatchClear': return ['POST', `/v4/spreadsheets/${id}/values:batchClear`];
    case 'developerMetadataSearch': return ['POST', `/v4/spreadsheets/${id}/developerMetadata:search`];
    case 'developerMetadataGet': return ['GET', `/v4/spreadsheets/${id}/developerMetadata/${range()}`];
    case 'driveGet': return ['GET', `/drive/v3/files/${id}`];
    case 'driveCopy': return ['POST', `/drive/v3/files/${id}/copy`];
    case 'driveList': return ['GET', '/drive/v3/files'];
    case 'driveUpdate': return ['PATCH', `/drive/v3/files/${id}`];
    case 'driveDelete': return ['DELETE', `/drive/v3/files/${id}`];
    default: return null;
  }
}

/** @param {any} value JSON size in bytes */
const jsonBytes = (value) => Buffer.byteLength(JSON.stringify(value) || '');

/**
 * The engine as scripts see it: each call first meets the faults of its REST equivalent, then the Google-like
 * profile when it is on. A delayed call returns a Promise (the runtime awaits it, the server keeps serving); a
 * failing one throws the ApiError Google would have answered; a dropped connection becomes a 500.
 * `callAs({advanced, user}, method, args)` is a call from the Advanced Sheets service, which spends the Sheets
 * quota of the execution's `user` (profile.js); other calls (SpreadsheetApp, DriveApp) spend none.
 * @param {any} engine @param {Faults} faults
 */
function faultedEngine(engine, faults) {
  const { ApiError } = require('./engine/errors');

  /**
   * With the profile on: the quota (Advanced calls), then the call, then its latency (a Promise of the result).
   * @param {{advanced: boolean, user?: string}} caller @param {string} method @param {any[]} args
   * @param {[string, string] | null} rest
   */
  const profiled = (caller, method, args, rest) => {
    const profile = faults.profile;
    const call = rest ? classify(rest[0], rest[1]) : null;
    if (caller.advanced) {
      const over = profile.admit(call, caller.user);
      if (over) throw new ApiError(429, over.error.status, over.error.message);
    }
    // A copy's time grows with the source's cells (Spreadsheet.copy, File.makeCopy are Drive copies).
    const cells = method === 'driveCopy' ? gridCells(engine, args[0]) : 0;
    const result = engine[method](...args);
    let ms;
    if (method === 'driveCopy') ms = profile.latency('drive.copy', { cells });
    else if (caller.advanced && call) ms = profile.latency(call.kind, { bytes: jsonBytes(call.quota === 'read' ? result : args) });
    else ms = profile.latency('apps.serviceCall');
    return wait(ms).then(() => result);
  };

  /** @param {{advanced: boolean, user?: string}} caller @param {string} method @param {any[]} args */
  const invoke = (caller, method, args) => {
    const rest = restEquivalent(method, args);
    const fault = rest && faults.take(rest[0], rest[1]);
    const fail = () => {
      if (fault && fault.drop) throw new ApiError(500, 'INTERNAL', 'Internal error encountered.');
      if (fault && fault.status) throw new ApiError(fault.status, fault.body.error.status, fault.body.error.message);
      return faults.profile.settings ? profiled(caller, method, args, rest) : engine[method](...args);
    };
    if (!fault || !fault.latencyMs) return fail();
    return new Promise((resolve, reject) => setTimeout(() => {
      try {
        resolve(fail());
      } catch (e) {
        reject(e);
      }
    }, fault.latencyMs));
  };

  return new Proxy(engine, {
    get(target, prop, receiver) {
      if (prop === 'callAs') {
        return (/** @type {{advanced: boolean, user?: string}} */ caller, /** @type {string} */ method,
          /** @type {any[]} */ args) => invoke(caller, method, args);
      }
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (/** @type {any[]} */ ...args) => invoke({ advanced: false }, prop, args);
    },
  });
}

module.exports.faultedEngine = faultedEngine;
module.exports.restEquivalent = restEquivalent;
