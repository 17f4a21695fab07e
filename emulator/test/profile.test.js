// @ts-check
'use strict';
/**
 * The Google-like profile (emulator/profile.js): Google's 429 body and its rolling window on an injected clock,
 * the write quota, per-user against per-project limits, latency that is asynchronous and grows with the
 * response (and a copy's cells), Advanced-service calls billed to the execution's user, and `reset` turning it
 * off. Latency is checked by lower bounds and ordering, never by a wall-time upper bound.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Engine } = require('../engine');
const { createServer } = require('../server');
const { Faults, faultedEngine } = require('../faults');
const { createRuntime } = require('../runtime');
const { loadSettings } = require('../profile');
const { zeues, rowData } = require('./helpers');
const { mintAccessToken } = require('../auth');

const DEPLOYMENT = 'AKfycbProfileTest';
const SCOPES = ['https://www.googleapis.com/auth/spreadsheets', 'https://www.googleapis.com/auth/drive'];
/** @param {string} [email] */
const bearer = (email) => ({ authorization: 'Bearer ' + mintAccessToken({ scopes: SCOPES, email }) });

/** A project using the Advanced Sheets service and Spreadsheet.copy, in a temporary folder. */
function advancedProject() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'profile-project-'));
  fs.writeFileSync(path.join(dir, 'appsscript.json'), JSON.stringify({
    timeZone: 'America/Santiago', runtimeVersion: 'V8',
    dependencies: { enabledAdvancedServices: [{ userSymbol: 'Sheets', serviceId: 'sheets', version: 'v4' }] },
    oauthScopes: ['https://www.googleapis.com/auth/spreadsheets'],
  }));
  fs.writeFileSync(path.join(dir, 'Code.gs'), `
function readTimes(id, n) {
  var out = [];
  for (var i = 0; i < n; i++) {
    try { Sheets.Spreadsheets.Values.get(id, 'Operaciones!A1'); out.push('ok'); }
    catch (e) { out.push(String(e)); }
  }
  return out;
}
function copyIt(id) { return SpreadsheetApp.openById(id).copy('backup').getId(); }
`);
  return dir;
}

/**
 * A server on a fresh engine with the small ZEUES workbook; `clock` drives the quota windows.
 * @param {{clock?: () => number, script?: boolean}} [options]
 */
async function start(options = {}) {
  const { engine, id } = zeues(new Engine({}));
  const faults = new Faults(options.clock || Date.now);
  const runtime = options.script ? createRuntime({ engine: faultedEngine(engine, faults), scriptDir: advancedProject() })
    : { grantedScopes: () => [SCOPES[0]], run: async () => ({ result: 'ran', logs: [] }), setExecutionLimit() {} };
  const { server } = createServer({ engine, runtime, deploymentId: DEPLOYMENT, scriptDir: null, faults });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://127.0.0.1:${address.port}`;
  /** @param {string} method @param {string} p @param {any} [body] @param {string} [email] */
  const call = async (method, p, body, email) => {
    const headers = { 'content-type': 'application/json', ...(p.startsWith('/_emulator/') ? {} : bearer(email)) };
    const res = await fetch(url + p, { method, body: body === undefined ? undefined : JSON.stringify(body), headers });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  /** @param {any} overrides */
  const profile = async (overrides) => {
    const r = await call('POST', '/_emulator/profile', { name: 'google', overrides });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  const state = async () => (await call('GET', '/_emulator/state')).body;
  const close = async () => {
    server.close();
    if (options.script) await /** @type {any} */ (runtime).close();
  };
  return { engine, id, url, call, profile, state, close };
}

/** Elapsed milliseconds of `fn`. @param {() => Promise<any>} fn */
async function timed(fn) {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

const readPath = (/** @type {string} */ id) => `/v4/spreadsheets/${id}/values/Operaciones!A1`;
const writePath = (/** @type {string} */ id) => `/v4/spreadsheets/${id}/values/Metadata!A5?valueInputOption=RAW`;

test('google.json: every figure has a source; the quotas are the published ones', () => {
  const settings = loadSettings('google');
  for (const [name, figure] of Object.entries(settings.quota)) assert.ok(figure.source, name);
  for (const [kind, figure] of Object.entries(settings.latency)) {
    assert.ok(figure.source, kind);
    assert.ok(figure.fixedMs > 0, kind);
  }
  assert.deepEqual([settings.quota.readPerMinutePerProject.value, settings.quota.readPerMinutePerUser.value,
    settings.quota.writePerMinutePerProject.value, settings.quota.writePerMinutePerUser.value], [300, 60, 300, 60]);
  assert.throws(() => loadSettings('google', { latency: { 'sheets.values.raed': { fixedMs: 1 } } }), /unknown profile setting latency.sheets.values.raed/);
  assert.throws(() => loadSettings('google', { quota: { readPerMinutePerUser: -1 } }), /non-negative number/);
  assert.throws(() => loadSettings('nope'), /unknown profile nope/);
});

test('read quota: Google\'s exact 429 body, and a rolling 60 s window on the injected clock', async (t) => {
  let now = 1_000_000;
  const s = await start({ clock: () => now });
  t.after(s.close);
  await s.profile({ quota: { readPerMinutePerUser: 2 }, latencyScale: 0 });
  assert.equal((await s.call('GET', readPath(s.id))).status, 200);
  now += 30_000;
  assert.equal((await s.call('GET', `/v4/spreadsheets/${s.id}?fields=spreadsheetId`)).status, 200);
  const over = await s.call('GET', readPath(s.id));
  assert.deepEqual(over, { status: 429, body: { error: {
    code: 429,
    message: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service " +
      "'sheets.googleapis.com' for consumer 'project_number:000000000000'.",
    status: 'RESOURCE_EXHAUSTED',
    details: [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED', domain: 'googleapis.com',
        metadata: { quota_limit: 'ReadRequestsPerMinutePerUser', quota_unit: '1/min/{project}/{user}', quota_location: 'global',
          quota_limit_value: '2', consumer: 'projects/000000000000', service: 'sheets.googleapis.com',
          quota_metric: 'sheets.googleapis.com/read_requests' } },
      { '@type': 'type.googleapis.com/google.rpc.Help',
        links: [{ description: 'Request a higher quota limit.', url: 'https://cloud.google.com/docs/quotas/help/request_increase' }] },
    ],
  } } });
  // developerMetadata.search is a read too (a POST); Drive is not Sheets quota.
  assert.equal((await s.call('POST', `/v4/spreadsheets/${s.id}/developerMetadata:search`, { dataFilters: [] })).status, 429);
  assert.equal((await s.call('GET', '/drive/v3/files')).status, 200);
  now += 30_000; // the first read is now exactly 60 s old: out of the window
  assert.equal((await s.call('GET', readPath(s.id))).status, 200);
  assert.equal((await s.call('GET', readPath(s.id))).status, 429); // the second is 30 s old, the third just taken
  const st = await s.state();
  assert.equal(st.profile.name, 'google');
  assert.deepEqual(st.profile.quota.reads, { accepted: 3, rejected: 3, peakPerMinute: 2 });
  assert.deepEqual(st.profile.quota.writes, { accepted: 0, rejected: 0, peakPerMinute: 0 });
});

test('write quota: writes are counted apart from reads, with the write text', async (t) => {
  const s = await start({ clock: () => 5_000 });
  t.after(s.close);
  await s.profile({ quota: { writePerMinutePerUser: 1 }, latencyScale: 0 });
  assert.equal((await s.call('PUT', writePath(s.id), { values: [['a']] })).status, 200);
  const over = await s.call('POST', `/v4/spreadsheets/${s.id}:batchUpdate`, { requests: [{ addSheet: {} }] });
  assert.equal(over.status, 429);
  assert.equal(over.body.error.message, "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per " +
    "minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'.");
  assert.equal(over.body.error.details[0].metadata.quota_limit, 'WriteRequestsPerMinutePerUser');
  assert.equal(over.body.error.details[0].metadata.quota_metric, 'sheets.googleapis.com/write_requests');
  assert.equal((await s.engine.valuesGet(s.id, 'Metadata!A5', {})).values[0][0], 'a');
  assert.equal((await s.call('GET', readPath(s.id))).status, 200); // reads have their own quota
  assert.deepEqual((await s.state()).profile.quota.writes, { accepted: 1, rejected: 1, peakPerMinute: 1 });
});

test('per user and per project: each user has 60 of the project\'s 300 (here 2 of 3)', async (t) => {
  const s = await start({ clock: () => 7_000 });
  t.after(s.close);
  await s.profile({ quota: { readPerMinutePerUser: 2, readPerMinutePerProject: 3 }, latencyScale: 0 });
  assert.equal((await s.call('GET', readPath(s.id), undefined, 'a@example.com')).status, 200);
  assert.equal((await s.call('GET', readPath(s.id), undefined, 'a@example.com')).status, 200);
  const userOver = await s.call('GET', readPath(s.id), undefined, 'a@example.com');
  assert.equal(userOver.body.error.details[0].metadata.quota_limit, 'ReadRequestsPerMinutePerUser');
  assert.equal((await s.call('GET', readPath(s.id), undefined, 'b@example.com')).status, 200);
  const projectOver = await s.call('GET', readPath(s.id), undefined, 'b@example.com');
  assert.equal(projectOver.status, 429);
  assert.equal(projectOver.body.error.message, "Quota exceeded for quota metric 'Read requests' and limit 'Read requests " +
    "per minute' of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'.");
  assert.deepEqual(projectOver.body.error.details[0].metadata, { quota_limit: 'ReadRequestsPerMinutePerProject',
    quota_unit: '1/min/{project}', quota_location: 'global', quota_limit_value: '3', consumer: 'projects/000000000000',
    service: 'sheets.googleapis.com', quota_metric: 'sheets.googleapis.com/read_requests' });
});

test('latency: a read waits its fixed part plus its size\'s, asynchronously; copies grow with cells', async (t) => {
  const s = await start();
  t.after(s.close);
  // A sheet of 3,000 x 8 cells: its full read is ~200 KB of JSON, the one-cell read a few bytes.
  const big = s.engine.createSpreadsheet({ sheets: [{ properties: { title: 'Big', gridProperties: { rowCount: 3000, columnCount: 8 } },
    data: [{ rowData: rowData(Array.from({ length: 3000 }, (_, i) => Array.from({ length: 8 }, (_, j) => `cell ${i}-${j}`))) }] }] }).spreadsheetId;
  await s.profile({ latency: { 'sheets.values.read': { fixedMs: 40, perMiBMs: 2000 }, 'sheets.batchUpdate': { fixedMs: 400 },
    'drive.copy': { fixedMs: 10, perMillionCellsMs: 20000 } } });
  const small = await timed(() => s.call('GET', `/v4/spreadsheets/${big}/values/Big!A1`));
  const large = await timed(() => s.call('GET', `/v4/spreadsheets/${big}/values/Big!A1:H3000`));
  assert.equal(small.value.status, 200);
  assert.equal(large.value.body.values.length, 3000);
  const bytes = JSON.stringify(large.value.body).length;
  assert.ok(bytes > 150_000, `response of ${bytes} bytes`);
  assert.ok(small.ms >= 39, `small read took ${small.ms} ms`);
  assert.ok(large.ms >= 39 + 2000 * bytes / (1024 * 1024) - 2, `large read took ${large.ms} ms for ${bytes} bytes`);
  let st = await s.state();
  assert.equal(st.profile.calls['sheets.values.read'], 2);
  assert.ok(st.profile.latencyMs['sheets.values.read'] >= 80 + 2000 * bytes / (1024 * 1024) - 2);

  // Asynchronous: a quick read sent while a slow batchUpdate waits is answered first.
  /** @type {string[]} */
  const order = [];
  const slow = s.call('POST', `/v4/spreadsheets/${s.id}:batchUpdate`, { requests: [{ addSheet: {} }] }).then(() => order.push('batchUpdate'));
  const quick = s.call('GET', readPath(s.id)).then(() => order.push('read'));
  await Promise.all([slow, quick]);
  assert.deepEqual(order, ['read', 'batchUpdate']);

  // A Drive copy of the 24,000-cell sheet waits 10 ms + 20 s per million cells (480 ms) at least.
  const copy = await timed(() => s.call('POST', `/drive/v3/files/${big}/copy`, {}));
  assert.equal(copy.value.status, 200);
  assert.ok(copy.ms >= 10 + 480 - 2, `copy took ${copy.ms} ms`);
  st = await s.state();
  assert.equal(st.profile.latencyMs['drive.copy'], 490);
});

test('scripts.run waits for its execution to start', async (t) => {
  const s = await start();
  t.after(s.close);
  await s.profile({ latency: { 'script.executionStart': { fixedMs: 150 } } });
  const run = await timed(() => s.call('POST', `/v1/scripts/${DEPLOYMENT}:run`, { function: 'x' }));
  assert.equal(run.value.body.response.result, 'ran');
  assert.ok(run.ms >= 149, `scripts.run took ${run.ms} ms`);
  assert.deepEqual((await s.state()).profile.calls, { 'script.executionStart': 1 });
});

test('inside an execution: Advanced calls spend the user\'s quota, a copy takes its latency without blocking the server', async (t) => {
  const s = await start({ script: true });
  t.after(s.close);
  await s.profile({ quota: { readPerMinutePerUser: 3 }, latency: { 'sheets.values.read': { fixedMs: 5 },
    'drive.copy': { fixedMs: 600 }, 'apps.serviceCall': { fixedMs: 1 }, 'script.executionStart': { fixedMs: 1 } } });
  // One REST read by the owner, then the owner's execution reads three times: the third is over the quota.
  assert.equal((await s.call('GET', readPath(s.id))).status, 200);
  let r = await s.call('POST', `/v1/scripts/${DEPLOYMENT}:run`, { function: 'readTimes', parameters: [s.id, 3] });
  assert.deepEqual(r.body.response.result.slice(0, 2), ['ok', 'ok']);
  assert.equal(r.body.response.result[2], "GoogleJsonResponseException: API call to sheets.spreadsheets.values.get failed with " +
    "error: Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service " +
    "'sheets.googleapis.com' for consumer 'project_number:000000000000'.");
  // The same bucket: the owner's REST reads are refused now, another user's are not.
  assert.equal((await s.call('GET', readPath(s.id))).status, 429);
  assert.equal((await s.call('GET', readPath(s.id), undefined, 'other@example.com')).status, 200);
  let st = await s.state();
  assert.deepEqual(st.profile.quota.reads, { accepted: 4, rejected: 2, peakPerMinute: 4 });

  // Spreadsheet.copy (a built-in service: no Sheets quota) waits its latency; the server answers meanwhile.
  /** @type {string[]} */
  const order = [];
  const started = performance.now();
  const copying = s.call('POST', `/v1/scripts/${DEPLOYMENT}:run`, { function: 'copyIt', parameters: [s.id] })
    .then((res) => { order.push('copy'); return res; });
  await new Promise((resolve) => setTimeout(resolve, 150));
  await s.call('GET', '/drive/v3/files', undefined, 'other@example.com').then(() => order.push('list'));
  r = await copying;
  assert.match(r.body.response.result, /\S/);
  assert.deepEqual(order, ['list', 'copy']);
  assert.ok(performance.now() - started >= 600, 'the execution took the copy latency');
  st = await s.state();
  assert.ok(st.profile.latencyMs['drive.copy'] >= 600);
  assert.ok(st.profile.calls['apps.serviceCall'] >= 1, 'openById is a built-in service call');
  assert.equal(st.profile.quota.reads.accepted, 4, 'SpreadsheetApp spent no Sheets quota');
});

test('reset turns the profile off; off is the default', async (t) => {
  const s = await start({ clock: () => 9_000 });
  t.after(s.close);
  assert.equal((await s.state()).profile.name, 'off');
  await s.profile({ quota: { readPerMinutePerUser: 1 }, latencyScale: 0 });
  assert.equal((await s.call('GET', readPath(s.id))).status, 200);
  assert.equal((await s.call('GET', readPath(s.id))).status, 429);
  assert.equal((await s.call('POST', '/_emulator/reset', {})).status, 200);
  const st = await s.state();
  assert.deepEqual(st.profile, { name: 'off', calls: {}, quota: { reads: { accepted: 0, rejected: 0, peakPerMinute: 0 },
    writes: { accepted: 0, rejected: 0, peakPerMinute: 0 } }, latencyMs: {} });
  for (let i = 0; i < 5; i++) assert.equal((await s.call('GET', readPath(s.id))).status, 200);
  const bad = await s.call('POST', '/_emulator/profile', { name: 'google', overrides: { quota: { perMinute: 3 } } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /unknown profile setting quota.perMinute/);
  assert.equal((await s.call('POST', '/_emulator/profile', { name: 'off' })).body.name, 'off');
});
