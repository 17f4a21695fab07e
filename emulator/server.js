#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * The local Google emulator: Sheets API v4, Drive API v3 and the Apps Script API's scripts.run on
 * 127.0.0.1, over one engine, plus a control surface for tests under /_emulator/.
 *
 *   node emulator/server.js --port 0 --data DIR --script appsscript [--deployment-id ID] [--request-limit-ms N]
 *     [--profile google [--profile-overrides JSON]]
 *
 * prints `{"url": "http://127.0.0.1:PORT", "deploymentId": "..."}` once listening. SIGTERM persists and
 * exits 0. See emulator/README.md.
 */
const http = require('node:http');
const path = require('node:path');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { Engine, LARGE_BODY_BYTES } = require('./engine');
const { ApiError, badRequest, notFound } = require('./engine/errors');
const mask = require('./engine/fieldmask');
const { Faults, faultedEngine, errorBody } = require('./faults');
const { classify, gridCells, wait } = require('./profile');
const auth = require('./auth');
const { createUiRoutes } = require('./ui-server');

const SHEETS_STANDARD = new Set(['alt', 'fields', 'key', 'access_token', 'prettyPrint', 'quotaUser', 'upload_protocol',
  'uploadType', 'callback', 'oauth_token', '$.xgafv', 'userIp']);

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {Record<string, string>} */
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error('unexpected argument ' + a);
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else out[a.slice(2)] = argv[++i];
  }
  return out;
}

/** A stable `AKfycb…`-shaped id for a script folder. @param {string} scriptDir */
function defaultDeploymentId(scriptDir) {
  const digest = crypto.createHash('sha256').update(path.resolve(scriptDir)).digest('base64url');
  return ('AKfycb' + digest + digest).slice(0, 72);
}

/** The Sheets API's processing limit: "When Sheets processes a request for more than 180 seconds, the request
 * returns a timeout error" (developers.google.com/workspace/sheets/api/limits). */
const REQUEST_LIMIT_MS = 180_000;

/**
 * @param {{engine: Engine, runtime: any, deploymentId: string, scriptDir: string|null, faults?: Faults,
 *   requestLimitMs?: number}} deps requestLimitMs: time limit of a Sheets/Drive request (0: none)
 */
function createServer({ engine, runtime, deploymentId, faults = new Faults(), requestLimitMs = REQUEST_LIMIT_MS }) {
  const script = { hang: false, loseReply: 0, loseReplyFunction: /** @type {string|null} */ (null) };
  const limits = { configured: requestLimitMs, requestMs: requestLimitMs };
  /** Sheets/Drive requests in flight and when their time is up. @type {WeakMap<http.ServerResponse, {at: number, expired: boolean}>} */
  const deadlines = new WeakMap();

  /**
   * Requests the Google-like profile delays (profile.js): their latency kind, whether the answer's size counts
   * (a read) or the request's (`bytes`), and a copy's source cells.
   * @type {WeakMap<http.ServerResponse, {kind: string, read: boolean, bytes: number, cells: number}>}
   */
  const profiled = new WeakMap();

  /** @param {http.ServerResponse} res @param {number} status @param {any} body @param {string} text */
  const answer = (res, status, body, text) => {
    if (res.destroyed) return;
    const deadline = deadlines.get(res);
    if (deadline && (deadline.expired || Date.now() >= deadline.at)) {
      // Past the limit Google answers its timeout, whatever the request did meanwhile (a write stays applied).
      status = 503;
      body = errorBody(503, null);
      text = JSON.stringify(body);
    }
    if (body === undefined) {
      res.writeHead(status, { 'Content-Length': 0 });
      res.end();
      return;
    }
    res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };

  /** @param {http.ServerResponse} res @param {number} status @param {any} body */
  const send = (res, status, body) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const call = profiled.get(res);
    if (!call) return answer(res, status, body, text);
    // Under the profile Google's latency comes first, on a timer: other requests are served meanwhile.
    profiled.delete(res);
    const ms = faults.profile.latency(call.kind, { bytes: call.read ? Buffer.byteLength(text) : call.bytes, cells: call.cells });
    setTimeout(() => answer(res, status, body, text), ms);
    return undefined;
  };

  /**
   * The Google-like profile at a request's start (after its token is checked): Google's 429 when the caller's or
   * the project's Sheets quota is used up (answered: true), else its latency is set up for `send`; scripts.run
   * first waits for its execution to start.
   * @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {URL} url @returns {Promise<boolean>}
   */
  const profileGate = async (req, res, url) => {
    const profile = faults.profile;
    const call = profile.settings ? classify(req.method || 'GET', url.pathname) : null;
    if (!call) return false;
    const caller = auth.callerOf(req, url);
    const over = profile.admit(call, caller && caller.email);
    if (over) {
      await readBody(req);
      send(res, 429, over);
      return true;
    }
    if (call.kind === 'script.executionStart') {
      await wait(profile.latency(call.kind));
      return false;
    }
    const copied = /^\/drive\/v3\/files\/([^/]+)\/copy$/.exec(url.pathname);
    profiled.set(res, { kind: call.kind, read: call.quota === 'read', bytes: Number(req.headers['content-length']) || 0,
      cells: copied ? gridCells(engine, decodeURIComponent(copied[1])) : 0 });
    return false;
  };

  /** @param {http.IncomingMessage} req @returns {Promise<Buffer>} */
  const readBody = (req) => new Promise((resolve, reject) => {
    // With a Content-Length, fill one buffer as data arrives: a 300 MB workbook then costs 300 MB, not 600.
    const length = Number(req.headers['content-length']);
    if (Number.isSafeInteger(length) && length > 0) {
      const buf = Buffer.allocUnsafe(length);
      let at = 0;
      req.on('data', (/** @type {Buffer} */ c) => {
        if (at + c.length > length) {
          req.destroy();
          reject(badRequest('The request body is longer than its Content-Length.'));
          return;
        }
        c.copy(buf, at);
        at += c.length;
      });
      req.on('end', () => resolve(at === length ? buf : buf.subarray(0, at)));
      req.on('error', reject);
      return;
    }
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

  /** @param {Buffer} buf */
  const json = (buf) => {
    if (!buf.length) return {};
    try {
      return JSON.parse(buf.toString('utf8'));
    } catch (e) {
      throw badRequest(`Invalid JSON payload received. ${/** @type {Error} */ (e).message}`);
    }
  };

  /**
   * Query parameters as the APIs read them: repeated `ranges` become a list, `true`/`false` booleans.
   * @param {URLSearchParams} sp @param {string[]} allowed route parameters (null: any) @param {boolean} strict
   */
  const params = (sp, allowed, strict) => {
    /** @type {Record<string, any>} */
    const out = {};
    for (const key of new Set(sp.keys())) {
      if (strict && !allowed.includes(key) && !SHEETS_STANDARD.has(key)) {
        throw badRequest(`Invalid JSON payload received. Unknown name "${key}": Cannot bind query parameter. Field '${key}' could not be found in request message.`);
      }
      const all = sp.getAll(key);
      out[key] = key === 'ranges' ? all : all[all.length - 1];
      if (out[key] === 'true') out[key] = true;
      else if (out[key] === 'false') out[key] = false;
    }
    return out;
  };

  /** @param {any} value @param {string|undefined} fields */
  const partial = (value, fields) => {
    if (!fields || value === undefined) return value;
    let m;
    try {
      m = mask.parse(String(fields));
    } catch {
      throw badRequest(`Invalid field selection ${fields}`);
    }
    return mask.apply(value, m);
  };

  /**
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   * @param {URL} url
   */
  async function sheets(req, res, url) {
    const m = /^\/v4\/spreadsheets(?:\/([^/:]+))?(.*)$/.exec(url.pathname);
    if (!m) throw notFound();
    const id = m[1] ? decodeURIComponent(m[1]) : null;
    const rest = m[2];
    const method = req.method;
    const sp = url.searchParams;
    if (!id) {
      if (rest === '' && method === 'POST') {
        params(sp, [], true);
        // A big workbook is parsed as it arrives, never held whole in memory (engine/bigjson.js).
        const length = Number(req.headers['content-length']);
        const created = length > LARGE_BODY_BYTES ? await engine.createSpreadsheetFromStream(req, length)
          : engine.createSpreadsheetFromJson(await readBody(req));
        return send(res, 200, partial(created, sp.get('fields') || undefined));
      }
      throw notFound();
    }
    if (rest === '' && method === 'GET') {
      const p = params(sp, ['ranges', 'includeGridData', 'excludeTablesInBandedRanges'], true);
      return send(res, 200, engine.getSpreadsheet(id, p));
    }
    if (rest === ':batchUpdate' && method === 'POST') {
      params(sp, [], true);
      const body = json(await readBody(req));
      return send(res, 200, partial(engine.batchUpdate(id, body), sp.get('fields') || undefined));
    }
    if (rest === '/values:batchGet' && method === 'GET') {
      const p = params(sp, ['ranges', 'valueRenderOption', 'dateTimeRenderOption', 'majorDimension'], true);
      return send(res, 200, partial(engine.valuesBatchGet(id, p), p.fields));
    }
    if (rest === '/values:batchUpdate' && method === 'POST') {
      params(sp, [], true);
      return send(res, 200, partial(engine.valuesBatchUpdate(id, json(await readBody(req))), sp.get('fields') || undefined));
    }
    if (rest === '/values:batchClear' && method === 'POST') {
      params(sp, [], true);
      return send(res, 200, partial(engine.valuesBatchClear(id, json(await readBody(req))), sp.get('fields') || undefined));
    }
    if (rest === '/developerMetadata:search' && method === 'POST') {
      params(sp, [], true);
      return send(res, 200, partial(engine.developerMetadataSearch(id, json(await readBody(req))), sp.get('fields') || undefined));
    }
    const dm = /^\/developerMetadata\/([^/]+)$/.exec(rest);
    if (dm && method === 'GET') {
      params(sp, [], true);
      return send(res, 200, partial(engine.developerMetadataGet(id, decodeURIComponent(dm[1])), sp.get('fields') || undefined));
    }
    const vm = /^\/values\/(.+?)(:append|:clear)?$/.exec(rest);
    if (vm) {
      const range = decodeURIComponent(vm[1]);
      if (vm[2] === ':append' && method === 'POST') {
        const p = params(sp, ['valueInputOption', 'insertDataOption', 'includeValuesInResponse', 'responseValueRenderOption',
          'responseDateTimeRenderOption'], true);
        return send(res, 200, partial(engine.valuesAppend(id, range, json(await readBody(req)), p), p.fields));
      }
      if (vm[2] === ':clear' && method === 'POST') {
        params(sp, [], true);
        await readBody(req);
        return send(res, 200, partial(engine.valuesClear(id, range), sp.get('fields') || undefined));
      }
      if (!vm[2] && method === 'GET') {
        const p = params(sp, ['valueRenderOption', 'dateTimeRenderOption', 'majorDimension'], true);
        return send(res, 200, partial(engine.valuesGet(id, range, p), p.fields));
      }
      if (!vm[2] && method === 'PUT') {
        const p = params(sp, ['valueInputOption', 'includeValuesInResponse', 'responseValueRenderOption',
          'responseDateTimeRenderOption'], true);
        return send(res, 200, partial(engine.valuesUpdate(id, range, json(await readBody(req)), p), p.fields));
      }
    }
    throw notFound();
  }

  /**
   * @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {URL} url
   */
  async function driveApi(req, res, url) {
    const m = /^\/drive\/v3\/files(?:\/([^/]+))?(\/copy)?$/.exec(url.pathname);
    if (!m) throw notFound();
    const p = params(url.searchParams, [], false);
    const id = m[1] ? decodeURIComponent(m[1]) : null;
    if (!id && req.method === 'GET') return send(res, 200, engine.driveList(p));
    if (!id) throw new ApiError(501, 'UNIMPLEMENTED', 'The local emulator does not implement files.create.');
    if (m[2] && req.method === 'POST') return send(res, 200, engine.driveCopy(id, json(await readBody(req)), p));
    if (m[2]) throw notFound();
    if (req.method === 'GET') {
      if (p.alt === 'media') {
        engine.driveGet(id);
        const message = 'Only files with binary content can be downloaded. Use Export with Docs Editors files.';
        throw new ApiError(403, '', message, [{ message, domain: 'global', reason: 'fileNotDownloadable', location: 'alt', locationType: 'parameter' }]);
      }
      return send(res, 200, engine.driveGet(id, p));
    }
    if (req.method === 'PATCH') return send(res, 200, engine.driveUpdate(id, json(await readBody(req)), p));
    if (req.method === 'DELETE') {
      engine.driveDelete(id);
      return send(res, 204, undefined);
    }
    throw notFound();
  }

  /** The Operation Google returns for a finished run. @param {any} outcome */
  const operation = (outcome) => {
    if (outcome.error) {
      /** @type {Record<string, any>} */
      const detail = { '@type': 'type.googleapis.com/google.apps.script.v1.ExecutionError',
        errorMessage: outcome.error.errorMessage, errorType: outcome.error.errorType || 'ScriptError' };
      if (outcome.error.scriptStackTraceElements) detail.scriptStackTraceElements = outcome.error.scriptStackTraceElements;
      return { done: true, error: { code: 3, message: 'ScriptError', details: [detail] } };
    }
    /** @type {Record<string, any>} */
    const response = { '@type': 'type.googleapis.com/google.apps.script.v1.ExecutionResponse' };
    if ('result' in outcome && outcome.result !== undefined) response.result = outcome.result;
    return { done: true, response };
  };

  /**
   * @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {URL} url
   */
  async function scriptsRun(req, res, url) {
    const m = /^\/v1\/scripts\/([^/:]+):run$/.exec(url.pathname);
    if (!m || req.method !== 'POST') throw notFound();
    params(url.searchParams, [], true);
    const body = json(await readBody(req));
    if (decodeURIComponent(m[1]) !== deploymentId) throw notFound();
    if (!body || typeof body.function !== 'string' || !body.function) {
      throw badRequest('Request contains an invalid argument.');
    }
    if (!runtime) throw new ApiError(500, 'INTERNAL', 'The emulator has no Apps Script runtime (emulator/runtime missing).');
    const hang = script.hang;
    script.hang = false;
    const lose = script.loseReply > 0 && (!script.loseReplyFunction || script.loseReplyFunction === body.function);
    if (lose) script.loseReply -= 1;
    const outcome = await runtime.run({ functionName: body.function, parameters: Array.isArray(body.parameters) ? body.parameters : [], hang });
    if (lose) {
      req.socket.destroy();
      return undefined;
    }
    return send(res, 200, operation(outcome));
  }

  /**
   * @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {URL} url
   */
  async function control(req, res, url) {
    const route = url.pathname.slice('/_emulator/'.length);
    if (route === 'state' && req.method === 'GET') {
      return send(res, 200, { ...engine.state(), locks: runtime && runtime.heldLocks ? runtime.heldLocks() : [],
        faults: faults.describe(), requestLimitMs: limits.requestMs, profile: faults.profile.describe() });
    }
    if (req.method !== 'POST') throw notFound();
    const body = json(await readBody(req));
    switch (route) {
      case 'reset':
        faults.reset();
        script.hang = false;
        script.loseReply = 0;
        script.loseReplyFunction = null;
        engine.faults.afterValidation = 0;
        if (runtime && runtime.setExecutionLimit) runtime.setExecutionLimit(0);
        limits.requestMs = limits.configured;
        return send(res, 200, {});
      case 'faults':
        if (body.afterValidation) {
          engine.faults.afterValidation += Number(body.count) || 1;
          return send(res, 200, {});
        }
        try {
          if (body.quotaPerMinute !== undefined) faults.setQuota(body);
          else faults.add(body);
        } catch (e) {
          throw badRequest(/** @type {Error} */ (e).message);
        }
        return send(res, 200, {});
      case 'profile':
        // The Google-like profile (profile.js): {name: "google" | "off", overrides?}; `reset` turns it off.
        try {
          faults.profile.set(String(body.name || ''), body.overrides);
        } catch (e) {
          throw badRequest(/** @type {Error} */ (e).message);
        }
        return send(res, 200, { ...faults.profile.describe(), settings: faults.profile.settings });
      case 'script':
        if (body.executionLimitMs !== undefined && runtime && runtime.setExecutionLimit) runtime.setExecutionLimit(Number(body.executionLimitMs));
        if (body.hang !== undefined) script.hang = !!body.hang;
        if (body.loseReply !== undefined) {
          script.loseReply = Number(body.loseReply) || 0;
          script.loseReplyFunction = body.function ? String(body.function) : null;
        }
        return send(res, 200, {});
      case 'bind':
        return send(res, 200, engine.bindScript(String(body.spreadsheetId), body.bound !== false));
      case 'menu-run': {
        if (!runtime) throw new ApiError(500, 'INTERNAL', 'The emulator has no Apps Script runtime.');
        const target = String(body.spreadsheetId);
        // Only a spreadsheet with a bound script has menus and triggers (a copy of one has its own copy).
        if (!engine.boundScript(target)) {
          throw new ApiError(400, 'FAILED_PRECONDITION', `Emulator: spreadsheet ${target} has no bound Apps Script ` +
            'project, so there is nothing to run in it (spreadsheets.create and SpreadsheetApp.create make none; ' +
            'bind one with POST /_emulator/bind, or copy a spreadsheet that has one).');
        }
        const outcome = await runtime.run({
          functionName: String(body.function), parameters: Array.isArray(body.parameters) ? body.parameters : [],
          spreadsheetId: target, menu: { uiAnswers: Array.isArray(body.uiAnswers) ? body.uiAnswers : [],
            userEmail: body.userEmail ? String(body.userEmail) : undefined },
        });
        /** @type {Record<string, any>} */
        const out = { alerts: outcome.alerts || [], menus: outcome.menus || [] };
        if ('result' in outcome && outcome.result !== undefined) out.result = outcome.result;
        if (outcome.error) out.error = outcome.error;
        if (outcome.toasts) out.toasts = outcome.toasts;
        if (outcome.logs) out.logs = outcome.logs;
        if (outcome.dialogs) out.dialogs = ui.described(req, outcome.dialogs);
        return send(res, 200, out);
      }
      case 'flush':
        engine.flush();
        return send(res, 200, {});
      case 'request-limit': {
        // Like `script`'s executionLimitMs: a short limit for tests; 0 (or none) restores the configured one.
        const ms = Number(body.limitMs ?? 0);
        if (!Number.isFinite(ms) || ms < 0) throw badRequest('limitMs must be a non-negative number');
        limits.requestMs = ms || limits.configured;
        return send(res, 200, { requestLimitMs: limits.requestMs });
      }
      case 'credentials':
        // An authorized-user file for clients (tests, the demo, the operator's rehearsal): see auth.js.
        return send(res, 200, auth.authorizedUser({ scopes: Array.isArray(body.scopes) ? body.scopes.map(String) : [],
          email: body.email ? String(body.email) : undefined, lifetimeS: Number(body.lifetimeS) || undefined,
          tokenUri: `http://${req.headers.host}/token` }));
      default:
        throw notFound();
    }
  }

  // Sidebars and dialogs shown by bound runs: their pages and google.script.run (ui-server.js).
  const ui = createUiRoutes({ runtime, send, readBody, json });

  /** Reads: GETs, and the POSTs that only search or read. @param {http.IncomingMessage} req @param {URL} url */
  const isSheetsRead = (req, url) => req.method === 'GET' ||
    /(developerMetadata:search|:getByDataFilter|values:batchGetByDataFilter)$/.test(url.pathname);

  /**
   * Waits `ms`, but not past the request's deadline (marking it expired when the wait is cut short).
   * @param {number} ms @param {{at: number, expired: boolean}|undefined} deadline
   */
  const hold = (ms, deadline) => new Promise((resolve) => {
    const wait = deadline ? Math.min(ms, Math.max(0, deadline.at - Date.now())) : ms;
    setTimeout(() => {
      if (deadline && wait < ms) deadline.expired = true;
      resolve(undefined);
    }, wait);
  });

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url || '/', 'http://127.0.0.1');
    try {
      const rest = url.pathname.startsWith('/v4/spreadsheets') || url.pathname.startsWith('/drive/v3/');
      const deadline = rest && limits.requestMs > 0 ? { at: Date.now() + limits.requestMs, expired: false } : undefined;
      if (deadline) deadlines.set(res, deadline);
      if (!url.pathname.startsWith('/_emulator/')) {
        const fault = faults.take(req.method || 'GET', url.pathname + url.search);
        if (fault) {
          if (fault.latencyMs) await hold(fault.latencyMs, deadline);
          if (deadline && deadline.expired && (fault.drop || fault.status)) {
            // The timeout comes first; a request held by latency alone goes on below and is applied.
            await readBody(req);
            send(res, 503, errorBody(503, null));
            return;
          }
          if (fault.drop) {
            req.socket.destroy();
            return;
          }
          if (fault.status) {
            await readBody(req);
            send(res, fault.status, fault.body);
            return;
          }
        }
      }
      if (url.pathname.startsWith('/v4/spreadsheets')) {
        auth.requireRestScope(auth.callerOf(req, url), isSheetsRead(req, url) ? auth.REST_SCOPES.sheetsRead
          : auth.REST_SCOPES.sheetsWrite, 'sheets');
        if (await profileGate(req, res, url)) return;
        await sheets(req, res, url);
      } else if (url.pathname.startsWith('/drive/v3/')) {
        auth.requireRestScope(auth.callerOf(req, url), req.method === 'GET' ? auth.REST_SCOPES.driveRead
          : auth.REST_SCOPES.driveWrite, 'drive');
        if (await profileGate(req, res, url)) return;
        await driveApi(req, res, url);
      } else if (url.pathname.startsWith('/v1/scripts/')) {
        // Only a known deployment checks the token: Google answers 404 for an unknown one first.
        if (runtime && /^\/v1\/scripts\/([^/:]+):run$/.exec(url.pathname)?.[1] === deploymentId) {
          auth.requireScriptScopes(auth.callerOf(req, url), runtime.grantedScopes());
          await profileGate(req, res, url);
        }
        await scriptsRun(req, res, url);
      }
      else if (ui.handles(url)) await ui.handle(req, res, url);
      else if (url.pathname.startsWith('/_emulator/')) await control(req, res, url);
      else if (url.pathname === '/token' && req.method === 'POST') {
        const grant = auth.tokenGrant((await readBody(req)).toString('utf8'));
        send(res, grant.status, grant.body);
      }
      else throw notFound();
    } catch (e) {
      if (res.headersSent || res.destroyed) return;
      if (e instanceof ApiError) send(res, e.code, e.toJSON());
      else {
        const err = /** @type {Error} */ (e);
        process.stderr.write(`emulator: internal error on ${req.method} ${url.pathname}: ${err && err.stack}\n`);
        send(res, 500, { error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } });
      }
    }
  });
  server.keepAliveTimeout = 60_000;
  server.requestTimeout = 0;
  return { server, faults, script };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const port = Number(args.port || 0);
  const dataDir = args.data ? path.resolve(args.data) : null;
  const scriptDir = args.script ? path.resolve(args.script) : null;
  const deploymentId = args['deployment-id'] || defaultDeploymentId(scriptDir || process.cwd());
  const engine = new Engine({ dataDir });
  const faults = new Faults();
  // The Google-like profile from the start (benchmarks, rehearsals): profile.js, profiles/NAME.json.
  if (args.profile) faults.profile.set(args.profile, args['profile-overrides'] ? JSON.parse(args['profile-overrides']) : undefined);
  let runtime = null;
  if (scriptDir) {
    if (!fs.existsSync(scriptDir)) throw new Error(`--script folder not found: ${scriptDir}`);
    const { createRuntime } = require('./runtime');
    // Scripts reach the engine through the fault surface too: their API calls can fail or lag on Google.
    runtime = createRuntime({ engine: faultedEngine(engine, faults), scriptDir, executionLimitMs: args['execution-limit-ms'] ? Number(args['execution-limit-ms']) : undefined, dataDir: dataDir || undefined });
  }
  const requestLimitMs = args['request-limit-ms'] === undefined ? undefined : Number(args['request-limit-ms']);
  if (requestLimitMs !== undefined && !(requestLimitMs >= 0)) throw new Error('--request-limit-ms must be a non-negative number');
  const { server } = createServer({ engine, runtime, deploymentId, scriptDir, faults, requestLimitMs });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.close();
    try {
      if (runtime) await runtime.close();
      engine.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  server.listen(port, '127.0.0.1', () => {
    const address = /** @type {import('node:net').AddressInfo} */ (server.address());
    process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${address.port}`, deploymentId }) + '\n');
  });
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`emulator: ${e && e.stack || e}\n`);
    process.exit(1);
  });
}

module.exports = { createServer, defaultDeploymentId, parseArgs, REQUEST_LIMIT_MS };
