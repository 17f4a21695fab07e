// @ts-check
'use strict';
/**
 * The Google-like profile (issue 13), for benchmarks and rehearsals; off by default and in ordinary tests.
 * When on, the emulator enforces Google's per-minute Sheets read and write quotas per user and per project
 * (Google's 429 body), and answers each call after a latency of its kind (a fixed part, plus parts
 * proportional to the bytes and, for a copy, to the cells), with setTimeout, so concurrent requests overlap
 * as they do on Google. The figures are in `profiles/<name>.json`, each with its source; switch it with
 * `--profile NAME [--profile-overrides JSON]` or `POST /_emulator/profile {name, overrides}`.
 *
 * What counts (Google's "Usage limits" page): a read is any method that retrieves data (get, search,
 * values.get/batchGet); a write any method that changes a spreadsheet (update, clear, batchUpdate, create,
 * copyTo); a batch is one request. Drive and scripts.run spend no Sheets quota. Inside an execution, the
 * Advanced Sheets service's calls spend the quota of the execution's user in the same project (see the
 * `advancedServiceCalls` source); SpreadsheetApp/DriveApp calls do not.
 */
const fs = require('node:fs');
const path = require('node:path');

const PROFILES_DIR = path.join(__dirname, 'profiles');
const MIB = 1024 * 1024;

/** @typedef {'read'|'write'} Metric */
/** @typedef {{kind: string, quota: Metric|null}} Call */
/** @typedef {{fixedMs: number, perMiBMs?: number, perMillionCellsMs?: number, source: string}} Latency */
/** @typedef {{value: any, source: string}} Figure */
/**
 * @typedef {{name: string, description?: string, quota: Record<string, Figure>, latencyScale: Figure,
 *   latency: Record<string, Latency>}} Settings
 */

/**
 * What a REST request is for the profile: its latency kind and the Sheets quota it spends (null: none).
 * @param {string} method @param {string} pathname path without the query
 * @returns {Call|null}
 */
function classify(method, pathname) {
  if (pathname === '/v4/spreadsheets') return { kind: 'sheets.create', quota: 'write' };
  const sheets = /^\/v4\/spreadsheets\/[^/:]+(.*)$/.exec(pathname);
  if (sheets) {
    const rest = sheets[1];
    if (rest === '' || rest === ':getByDataFilter') return { kind: 'sheets.get', quota: 'read' };
    if (/^\/developerMetadata(:search|\/)/.test(rest)) return { kind: 'sheets.developerMetadata.search', quota: 'read' };
    if (rest.startsWith('/values')) {
      const read = method === 'GET' || rest === '/values:batchGetByDataFilter';
      return read ? { kind: 'sheets.values.read', quota: 'read' } : { kind: 'sheets.values.write', quota: 'write' };
    }
    return method === 'GET' ? { kind: 'sheets.get', quota: 'read' } : { kind: 'sheets.batchUpdate', quota: 'write' };
  }
  const drive = /^\/drive\/v3\/files(\/[^/]+)?(\/copy)?$/.exec(pathname);
  if (drive) {
    if (drive[2]) return { kind: 'drive.copy', quota: null };
    if (!drive[1]) return { kind: 'drive.list', quota: null };
    return { kind: method === 'GET' ? 'drive.get' : 'drive.update', quota: null };
  }
  if (/^\/v1\/scripts\/[^/:]+:run$/.test(pathname)) return { kind: 'script.executionStart', quota: null };
  return null;
}

/**
 * Google's 429 for a Sheets per-minute quota, as public reports quote it: the message names the metric and
 * the limit ("... per minute per user" or "... per minute" for the project), the ErrorInfo carries the quota's
 * metadata and a Help link follows (github.com/n8n-io/n8n/issues/16750 for WriteRequestsPerMinutePerProject;
 * r-lib/gargle tests/testthat/_snaps for ReadRequestsPerMinutePerUser, quota_limit_value 60).
 * @param {Metric} metric @param {'user'|'project'} scope @param {number} limit @param {string} projectNumber
 */
function quotaBody(metric, scope, limit, projectNumber = '000000000000') {
  const Metric = metric === 'read' ? 'Read' : 'Write';
  const limitName = `${Metric} requests per minute${scope === 'user' ? ' per user' : ''}`;
  return {
    error: {
      code: 429,
      message: `Quota exceeded for quota metric '${Metric} requests' and limit '${limitName}' of service ` +
        `'sheets.googleapis.com' for consumer 'project_number:${projectNumber}'.`,
      status: 'RESOURCE_EXHAUSTED',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'RATE_LIMIT_EXCEEDED',
          domain: 'googleapis.com',
          metadata: {
            quota_limit: `${Metric}RequestsPerMinutePer${scope === 'user' ? 'User' : 'Project'}`,
            quota_unit: scope === 'user' ? '1/min/{project}/{user}' : '1/min/{project}',
            quota_location: 'global',
            quota_limit_value: String(limit),
            consumer: `projects/${projectNumber}`,
            service: 'sheets.googleapis.com',
            quota_metric: `sheets.googleapis.com/${metric}_requests`,
          },
        },
        {
          '@type': 'type.googleapis.com/google.rpc.Help',
          links: [{ description: 'Request a higher quota limit.', url: 'https://cloud.google.com/docs/quotas/help/request_increase' }],
        },
      ],
    },
  };
}

/**
 * `base` with `overrides` laid over it; only settings the profile has may be overridden (a typo is an error).
 * @param {any} base @param {any} overrides @param {string} where
 * @returns {any}
 */
function merge(base, overrides, where) {
  if (overrides === undefined || overrides === null) return base;
  if (typeof base !== 'object' || base === null) {
    if (typeof base === 'number' && !(typeof overrides === 'number' && overrides >= 0)) {
      throw new Error(`profile setting ${where} must be a non-negative number`);
    }
    return overrides;
  }
  // A figure may be given as its bare value: {"quota": {"readPerMinutePerUser": 5}, "latencyScale": 0}.
  if ('value' in base && (typeof overrides !== 'object' || overrides === null)) {
    return { ...base, value: merge(base.value, overrides, where), source: 'override' };
  }
  if (typeof overrides !== 'object' || Array.isArray(overrides)) throw new Error(`profile setting ${where} must be an object`);
  /** @type {Record<string, any>} */
  const out = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const at = where ? `${where}.${key}` : key;
    // A latency kind may gain a proportional part it lacks (perMiBMs, perMillionCellsMs).
    const known = key in base || (/^latency\.[^.]+$/.test(where) && (key === 'perMiBMs' || key === 'perMillionCellsMs'));
    if (!known) throw new Error(`unknown profile setting ${at}`);
    out[key] = merge(key in base ? base[key] : 0, value, at);
  }
  return out;
}

/**
 * The settings of profile `name` (`profiles/<name>.json`) with `overrides` applied.
 * @param {string} name @param {any} [overrides] @param {string} [dir]
 * @returns {Settings}
 */
function loadSettings(name, overrides, dir = PROFILES_DIR) {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad profile name ${JSON.stringify(name)}`);
  const file = path.join(dir, `${name}.json`);
  if (!fs.existsSync(file)) {
    const known = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    throw new Error(`unknown profile ${name} (known: off, ${known.join(', ')})`);
  }
  return merge(JSON.parse(fs.readFileSync(file, 'utf8')), overrides, '');
}

/** @returns {{accepted: number, rejected: number, peakPerMinute: number}} */
const counts = () => ({ accepted: 0, rejected: 0, peakPerMinute: 0 });

class Profile {
  /** @param {{now?: () => number, dir?: string}} [options] now: clock in ms (tests) */
  constructor(options = {}) {
    this.now = options.now || Date.now;
    this.dir = options.dir || PROFILES_DIR;
    /** @type {Settings|null} */
    this.settings = null;
    /** @type {Record<string, number>} */
    this.calls = {};
    /** @type {Record<string, number>} */
    this.latencyTotals = {};
    /** Accepted requests' times per quota bucket (`read:project`, `read:user:EMAIL`...). @type {Map<string, number[]>} */
    this.buckets = new Map();
    this.quota = { read: counts(), write: counts() };
  }

  /** Switch to profile `name` ('off': none), counters cleared. @param {string} name @param {any} [overrides] */
  set(name, overrides) {
    this.settings = name === 'off' ? null : loadSettings(name, overrides, this.dir);
    this.calls = {};
    this.latencyTotals = {};
    this.buckets = new Map();
    this.quota = { read: counts(), write: counts() };
  }

  get name() {
    return this.settings ? this.settings.name : 'off';
  }

  /** The times accepted in the window ending now, oldest first. @param {string} key @param {number} now */
  inWindow(key, now) {
    const windowMs = Number(this.settings && this.settings.quota.windowMs.value);
    const stamps = this.buckets.get(key) || [];
    while (stamps.length && stamps[0] <= now - windowMs) stamps.shift();
    this.buckets.set(key, stamps);
    return stamps;
  }

  /**
   * Spends the call's quota for `user`; Google's 429 body when the user's or the project's quota is used up
   * (the request is then not counted), else null.
   * @param {Call|null} call @param {string|null|undefined} user
   */
  admit(call, user) {
    if (!this.settings || !call || !call.quota) return null;
    const q = this.settings.quota;
    const metric = call.quota;
    const now = this.now();
    const project = this.inWindow(`${metric}:project`, now);
    const own = this.inWindow(`${metric}:user:${user || ''}`, now);
    const perUser = Number(q[`${metric}PerMinutePerUser`].value);
    const perProject = Number(q[`${metric}PerMinutePerProject`].value);
    const count = this.quota[metric];
    if (own.length >= perUser || project.length >= perProject) {
      count.rejected += 1;
      const scope = own.length >= perUser ? 'user' : 'project';
      return quotaBody(metric, scope, scope === 'user' ? perUser : perProject, String(q.projectNumber.value));
    }
    own.push(now);
    project.push(now);
    count.accepted += 1;
    count.peakPerMinute = Math.max(count.peakPerMinute, project.length);
    return null;
  }

  /**
   * The latency (ms) of one call of `kind`, counted in the totals; 0 when off or for a kind without a figure.
   * @param {string} kind @param {{bytes?: number, cells?: number}} [size] bytes: the response of a read, the
   *   request of a write; cells: the source's grid cells (copies)
   */
  latency(kind, size = {}) {
    if (!this.settings) return 0;
    const figure = this.settings.latency[kind];
    if (!figure) return 0;
    const scale = Number(this.settings.latencyScale.value);
    const ms = Math.round(scale * (figure.fixedMs + (figure.perMiBMs || 0) * (size.bytes || 0) / MIB +
      (figure.perMillionCellsMs || 0) * (size.cells || 0) / 1e6));
    this.calls[kind] = (this.calls[kind] || 0) + 1;
    this.latencyTotals[kind] = (this.latencyTotals[kind] || 0) + ms;
    return ms;
  }

  /** For `GET /_emulator/state`. */
  describe() {
    return { name: this.name, calls: { ...this.calls }, quota: { reads: { ...this.quota.read }, writes: { ...this.quota.write } },
      latencyMs: { ...this.latencyTotals } };
  }
}

/** Resolves after `ms` (0: on the next turn), never blocking other requests. @param {number} ms */
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * The grid cells of a spreadsheet (rows x columns of every sheet), what a copy's latency grows with; 0 for an
 * unknown one (the copy then fails as it would anyway).
 * @param {any} engine @param {string} id
 */
function gridCells(engine, id) {
  try {
    const resource = engine.getSpreadsheet(id, {});
    return (resource.sheets || []).reduce((/** @type {number} */ n, /** @type {any} */ s) => {
      const g = (s.properties && s.properties.gridProperties) || {};
      return n + (Number(g.rowCount) || 0) * (Number(g.columnCount) || 0);
    }, 0);
  } catch {
    return 0;
  }
}

module.exports = { Profile, classify, quotaBody, loadSettings, gridCells, wait, PROFILES_DIR };
