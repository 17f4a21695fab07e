'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { Engine } = require('../engine');
const { createServer } = require('../server');
const { zeues } = require('./helpers');
const { mintAccessToken, authorizedUser } = require('../auth');

const DEPLOYMENT = 'AKfycbTestDeployment';
const SPREADSHEETS = 'https://www.googleapis.com/auth/spreadsheets';
/** A token carrying the fake runtime's one scope (emulator/auth.js format). */
const BEARER = { authorization: 'Bearer ' + mintAccessToken({ scopes: [SPREADSHEETS] }) };
/** The owner's token for Sheets and Drive calls: Google refuses a call without one. */
const OWNER = { authorization: 'Bearer ' + mintAccessToken({ scopes: [SPREADSHEETS, 'https://www.googleapis.com/auth/drive'] }) };
/** @param {string} p */
const tokenFor = (p) => (p.startsWith('/_emulator/') ? {} : p.startsWith('/v1/scripts/') ? BEARER : OWNER);

/** A stand-in with the runtime's interface, so the HTTP side is tested alone. */
function fakeRuntime() {
  const calls = [];
  return {
    calls,
    limit: 0,
    setExecutionLimit(ms) { this.limit = ms; },
    grantedScopes() { return [SPREADSHEETS]; },
    async run(req) {
      calls.push(req);
      if (req.functionName === 'ok') return { result: { a: [1, 'b'] }, logs: [] };
      if (req.functionName === 'none') return { logs: [] };
      if (req.functionName === 'menu') return { result: 'menu done', alerts: [{ title: 'T', prompt: 'P', buttons: 'YES_NO', answer: req.menu.uiAnswers[0] }], menus: [{ name: 'ZEUES Migration' }], logs: [] };
      return { error: { errorMessage: 'Error: boom', errorType: 'ScriptError', scriptStackTraceElements: [{ function: 'bad', lineNumber: 3 }] }, logs: [] };
    },
  };
}

async function start() {
  const { engine, id } = zeues(new Engine({}));
  const runtime = fakeRuntime();
  const { server } = createServer({ engine, runtime, deploymentId: DEPLOYMENT, scriptDir: null });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  /** @param {string} method @param {string} p @param {any} [body] @param {Record<string, string>} [headers] */
  const call = async (method, p, body, headers) => {
    const res = await fetch(url + p, { method, body: body === undefined ? undefined : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(headers || tokenFor(p)) } });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return { engine, id, runtime, server, url, call };
}

test('Sheets, Drive and control routes over HTTP', async (t) => {
  const s = await start();
  t.after(() => s.server.close());
  const enc = encodeURIComponent("'My Sheet'!A1:B1");
  let r = await s.call('GET', `/v4/spreadsheets/${s.id}/values/${enc}?valueRenderOption=UNFORMATTED_VALUE&alt=json`);
  assert.deepEqual(r, { status: 200, body: { range: "'My Sheet'!A1:B1", majorDimension: 'ROWS', values: [[600, 'MK-1335-CW-25238-011!']] } });
  r = await s.call('GET', `/v4/spreadsheets/${s.id}/values:batchGet?ranges=Metadata!A1&ranges=Metadata!B1&fields=valueRanges(values)`);
  assert.deepEqual(r.body, { valueRanges: [{ values: [['id']] }, { values: [['timestamp']] }] });
  r = await s.call('PUT', `/v4/spreadsheets/${s.id}/values/Metadata!A3?valueInputOption=RAW`, { values: [['x']] });
  assert.equal(r.body.updatedRange, 'Metadata!A3');
  r = await s.call('POST', `/v4/spreadsheets/${s.id}/values/Metadata!A1:append?valueInputOption=RAW`, { values: [['y']] });
  assert.equal(r.body.updates.updatedRange, 'Metadata!A4');
  r = await s.call('POST', `/v4/spreadsheets/${s.id}/values/Metadata!A4:clear`, {});
  assert.equal(r.body.clearedRange, 'Metadata!A4');
  r = await s.call('GET', `/v4/spreadsheets/${s.id}/values/A1?bogus=1`);
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /Unknown name "bogus"/);
  r = await s.call('POST', `/v4/spreadsheets/${s.id}:batchUpdate`, { requests: [{ addSheet: {} }] });
  assert.equal(r.body.replies[0].addSheet.properties.title, 'Sheet4');
  r = await s.call('GET', `/v4/spreadsheets/${s.id}?fields=sheets.properties.title`);
  assert.deepEqual(r.body.sheets.map((x) => x.properties.title), ['Operaciones', 'Metadata', 'My Sheet', 'Sheet4']);
  r = await s.call('POST', '/v4/spreadsheets', { properties: { title: 'nuevo' } });
  assert.equal(r.body.sheets[0].properties.title, 'Sheet1');
  r = await s.call('GET', `/drive/v3/files?q=${encodeURIComponent("name = 'nuevo'")}&fields=files(id,name)&supportsAllDrives=true`);
  assert.equal(r.body.files[0].name, 'nuevo');
  r = await s.call('DELETE', `/drive/v3/files/${r.body.files[0].id}`);
  assert.equal(r.status, 204);
  r = await s.call('GET', '/_emulator/state');
  assert.deepEqual(r.body.spreadsheets, [s.id]);
  r = await s.call('GET', '/v4/spreadsheets/nope');
  assert.deepEqual(r, { status: 404, body: { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } } });
});

test('fault injection: status, drop, latency, afterValidation, reset', async (t) => {
  const s = await start();
  t.after(() => s.server.close());
  await s.call('POST', '/_emulator/faults', { path: '/values/', method: 'GET', count: 2, status: 503 });
  let r = await s.call('GET', `/v4/spreadsheets/${s.id}/values/A1`);
  assert.equal(r.status, 503);
  assert.equal(r.body.error.status, 'UNAVAILABLE');
  assert.equal((await s.call('PUT', `/v4/spreadsheets/${s.id}/values/A1?valueInputOption=RAW`, { values: [['w']] })).status, 200);
  assert.equal((await s.call('GET', `/v4/spreadsheets/${s.id}/values/A1`)).status, 503);
  assert.equal((await s.call('GET', `/v4/spreadsheets/${s.id}/values/A1`)).status, 200);
  await s.call('POST', '/_emulator/faults', { path: ':batchUpdate', status: 429 });
  r = await s.call('POST', `/v4/spreadsheets/${s.id}:batchUpdate`, { requests: [{ addSheet: {} }] });
  assert.equal(r.body.error.status, 'RESOURCE_EXHAUSTED');
  await s.call('POST', '/_emulator/faults', { path: '/values/', drop: true });
  await assert.rejects(s.call('GET', `/v4/spreadsheets/${s.id}/values/A1`));
  await s.call('POST', '/_emulator/faults', { path: '/values/', latencyMs: 200 });
  const t0 = Date.now();
  assert.equal((await s.call('GET', `/v4/spreadsheets/${s.id}/values/A1`)).status, 200);
  assert.ok(Date.now() - t0 >= 190);
  await s.call('POST', '/_emulator/faults', { afterValidation: true, count: 1 });
  const before = JSON.stringify(s.engine.getSpreadsheet(s.id, { includeGridData: true }));
  r = await s.call('POST', `/v4/spreadsheets/${s.id}:batchUpdate`, { requests: [{ addSheet: { properties: { title: 'x' } } }] });
  assert.equal(r.status, 500);
  assert.equal(JSON.stringify(s.engine.getSpreadsheet(s.id, { includeGridData: true })), before);
  assert.equal((await s.call('POST', `/v4/spreadsheets/${s.id}:batchUpdate`, { requests: [{ addSheet: { properties: { title: 'x' } } }] })).status, 200);
  await s.call('POST', '/_emulator/faults', { path: '.*', status: 500, count: 10 });
  await s.call('POST', '/_emulator/reset', {});
  assert.equal((await s.call('GET', `/v4/spreadsheets/${s.id}/values/A1`)).status, 200);
  assert.equal((await s.call('POST', '/_emulator/faults', { path: '(', status: 500 })).status, 400);
});

test('scripts.run: Operation envelope, errors, unknown deployment, lost replies, menu runs', async (t) => {
  const s = await start();
  t.after(() => s.server.close());
  const run = (fn, extra = {}) => s.call('POST', `/v1/scripts/${DEPLOYMENT}:run`, { function: fn, parameters: [1, 'x'], devMode: false, ...extra });
  assert.deepEqual(await run('ok'), { status: 200, body: { done: true, response: {
    '@type': 'type.googleapis.com/google.apps.script.v1.ExecutionResponse', result: { a: [1, 'b'] } } } });
  assert.deepEqual(s.runtime.calls[0], { functionName: 'ok', parameters: [1, 'x'], hang: false });
  assert.deepEqual((await run('none')).body, { done: true, response: { '@type': 'type.googleapis.com/google.apps.script.v1.ExecutionResponse' } });
  assert.deepEqual(await run('bad'), { status: 200, body: { done: true, error: { code: 3, message: 'ScriptError', details: [{
    '@type': 'type.googleapis.com/google.apps.script.v1.ExecutionError', errorMessage: 'Error: boom', errorType: 'ScriptError',
    scriptStackTraceElements: [{ function: 'bad', lineNumber: 3 }] }] } } });
  const missing = await s.call('POST', '/v1/scripts/AKfycbOther:run', { function: 'ok' });
  assert.deepEqual(missing, { status: 404, body: { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } } });
  await s.call('POST', '/_emulator/script', { loseReply: 1, hang: true, executionLimitMs: 1234 });
  assert.equal(s.runtime.limit, 1234);
  await assert.rejects(run('ok'));
  assert.equal(s.runtime.calls.at(-1).hang, true); // the run happened, the reply was lost
  assert.equal((await run('ok')).status, 200);
  assert.equal(s.runtime.calls.at(-1).hang, false);
  const calls = s.runtime.calls.length;
  const unbound = await s.call('POST', '/_emulator/menu-run', { spreadsheetId: s.id, function: 'menu', uiAnswers: ['YES'] });
  assert.equal(unbound.status, 400);
  assert.match(unbound.body.error.message, /has no bound Apps Script project/);
  assert.equal(s.runtime.calls.length, calls, 'nothing ran');
  const bound = await s.call('POST', '/_emulator/bind', { spreadsheetId: s.id });
  assert.match(bound.body.scriptId, /^1[A-Za-z0-9_-]{56}$/);
  assert.deepEqual((await s.call('POST', '/_emulator/bind', { spreadsheetId: s.id })).body, bound.body, 'rebinding keeps the project');
  const menu = await s.call('POST', '/_emulator/menu-run', { spreadsheetId: s.id, function: 'menu', uiAnswers: ['YES'] });
  assert.deepEqual(menu.body, { result: 'menu done', alerts: [{ title: 'T', prompt: 'P', buttons: 'YES_NO', answer: 'YES' }],
    menus: [{ name: 'ZEUES Migration' }], logs: [] });
  assert.equal(s.runtime.calls.at(-1).spreadsheetId, s.id);
  assert.equal((await s.call('POST', '/_emulator/menu-run', { spreadsheetId: 'nope', function: 'menu' })).status, 404);
});

test('bound scripts: create has none, a copy carries its own, bind and unbind', async (t) => {
  const s = await start();
  t.after(() => s.server.close());
  const state = async () => (await s.call('GET', '/_emulator/state')).body.boundScripts;
  assert.deepEqual(await state(), {});
  const { scriptId } = (await s.call('POST', '/_emulator/bind', { spreadsheetId: s.id })).body;
  const copy = (await s.call('POST', `/drive/v3/files/${s.id}/copy`, { name: 'backup' })).body.id;
  const plain = (await s.call('POST', '/v4/spreadsheets', { properties: { title: 'plain' } })).body.spreadsheetId;
  const plainCopy = (await s.call('POST', `/drive/v3/files/${plain}/copy`, {})).body.id;
  const bound = await state();
  assert.equal(bound[s.id], scriptId);
  assert.match(bound[copy], /^1[A-Za-z0-9_-]{56}$/);
  assert.notEqual(bound[copy], scriptId, 'a copy gets a new project with the same code');
  assert.ok(!(plain in bound) && !(plainCopy in bound), 'no script, none copied');
  await s.call('POST', '/_emulator/menu-run', { spreadsheetId: copy, function: 'menu', uiAnswers: ['NO'] });
  assert.equal(s.runtime.calls.at(-1).spreadsheetId, copy, 'a menu run on the copy is bound to the copy');
  assert.deepEqual((await s.call('POST', '/_emulator/bind', { spreadsheetId: copy, bound: false })).body,
    { spreadsheetId: copy, scriptId: null });
  assert.equal((await s.call('POST', '/_emulator/menu-run', { spreadsheetId: copy, function: 'menu' })).status, 400);
  assert.equal((await s.call('POST', '/_emulator/bind', { spreadsheetId: 'nope' })).status, 404);
});

test('server.js: ready line, SIGTERM persists and exits 0, restart keeps data', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emu-server-'));
  const serverJs = path.join(__dirname, '..', 'server.js');
  const startProc = () => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [serverJs, '--port', '0', '--data', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', (d) => resolve({ child, ready: JSON.parse(String(d)) }));
    child.on('error', reject);
  });
  let { child, ready } = await startProc();
  assert.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(ready.deploymentId, /^AKfycb[A-Za-z0-9_-]+$/);
  let res = await fetch(ready.url + '/v4/spreadsheets', { method: 'POST', headers: OWNER, body: JSON.stringify({ properties: { title: 'persist' } }) });
  const id = (await res.json()).spreadsheetId;
  await fetch(`${ready.url}/v4/spreadsheets/${id}/values/A1?valueInputOption=RAW`, { method: 'PUT', headers: OWNER, body: JSON.stringify({ values: [['kept']] }) });
  const code = await new Promise((resolve) => { child.on('exit', resolve); child.kill('SIGTERM'); });
  assert.equal(code, 0);
  ({ child, ready } = await startProc());
  res = await fetch(`${ready.url}/v4/spreadsheets/${id}/values/A1`, { headers: OWNER });
  assert.deepEqual((await res.json()).values, [['kept']]);
  await new Promise((resolve) => { child.on('exit', resolve); child.kill('SIGTERM'); });
});

test('faults also reach the engine calls scripts make', async () => {
  const { Faults, faultedEngine } = require('../faults');
  const { engine, id } = zeues(new Engine({}));
  const faults = new Faults();
  const seen = faultedEngine(engine, faults);
  faults.add({ path: ':batchUpdate', status: 429 });
  assert.throws(() => seen.batchUpdate(id, { requests: [{ addSheet: {} }] }), (e) => e.code === 429 && e.status === 'RESOURCE_EXHAUSTED');
  assert.equal(seen.batchUpdate(id, { requests: [{ addSheet: {} }] }).replies.length, 1);
  faults.add({ path: '/values/', method: 'GET', latencyMs: 100 });
  const t0 = Date.now();
  const pending = seen.valuesGet(id, 'Metadata!A1');
  assert.ok(pending instanceof Promise);
  assert.deepEqual((await pending).values, [['id']]);
  assert.ok(Date.now() - t0 >= 95);
  assert.deepEqual(seen.valuesGet(id, 'Metadata!A1').values, [['id']]);
  assert.equal(seen.dataDir, null);
});

test('read quota: 429 over N reads in any rolling 60 s, only reads counted, state, reset', async (t) => {
  const { Faults } = require('../faults');
  let now = 0;
  const faults = new Faults(() => now);
  faults.setQuota({ quotaPerMinute: 3 });
  const read = () => faults.take('GET', '/v4/spreadsheets/x/values:batchGet?ranges=A1');
  assert.equal(read(), null);
  now = 10_000;
  assert.equal(read(), null);
  assert.equal(faults.take('POST', '/v4/spreadsheets/x/developerMetadata:search'), null); // a read too
  assert.equal(faults.take('POST', '/v4/spreadsheets/x:batchUpdate'), null); // a write: not counted
  assert.equal(faults.take('GET', '/drive/v3/files/x'), null); // Drive has its own quota
  now = 59_999;
  const over = read();
  assert.equal(over.status, 429);
  assert.equal(over.body.error.status, 'RESOURCE_EXHAUSTED');
  assert.equal(over.body.error.details[0].reason, 'RATE_LIMIT_EXCEEDED');
  now = 60_000; // the first read left the window: one more fits, not two
  assert.equal(read(), null);
  assert.equal(read().status, 429);
  assert.deepEqual(faults.describe().quota, { perMinute: 3, path: null, accepted: 4, rejected: 2, inWindow: 3, peakInWindow: 3 });
  faults.setQuota({ quotaPerMinute: 1, path: ':batchUpdate', method: 'POST' });
  assert.equal(read(), null);
  assert.equal(faults.take('POST', '/v4/spreadsheets/x:batchUpdate'), null);
  assert.equal(faults.take('POST', '/v4/spreadsheets/x:batchUpdate').status, 429);
  assert.throws(() => faults.setQuota({ quotaPerMinute: 0 }), /positive integer/);

  const s = await start();
  t.after(() => s.server.close());
  assert.equal((await s.call('POST', '/_emulator/faults', { quotaPerMinute: 2 })).status, 200);
  await s.call('POST', '/_emulator/faults', { path: 'never-matches', count: 3, status: 500 });
  const get = () => s.call('GET', `/v4/spreadsheets/${s.id}/values/A1`);
  assert.equal((await get()).status, 200);
  assert.equal((await get()).status, 200);
  assert.equal((await get()).status, 429);
  assert.equal((await s.call('PUT', `/v4/spreadsheets/${s.id}/values/A1?valueInputOption=RAW`, { values: [['w']] })).status, 200);
  let state = (await s.call('GET', '/_emulator/state')).body;
  assert.deepEqual(state.faults, { pending: [{ path: 'never-matches', method: null, count: 3 }],
    quota: { perMinute: 2, path: null, accepted: 2, rejected: 1, inWindow: 2, peakInWindow: 2 } });
  await s.call('POST', '/_emulator/reset', {});
  assert.equal((await get()).status, 200);
  state = (await s.call('GET', '/_emulator/state')).body;
  assert.deepEqual(state.faults, { pending: [], quota: null });
});

test('scripts.run: a lost reply can be aimed at one function', async (t) => {
  const s = await start();
  t.after(() => s.server.close());
  const run = (fn) => s.call('POST', `/v1/scripts/${DEPLOYMENT}:run`, { function: fn, parameters: [] });
  await s.call('POST', '/_emulator/script', { loseReply: 1, function: 'none' });
  assert.equal((await run('ok')).status, 200); // another function: answered
  await assert.rejects(run('none')); // ran, reply lost
  assert.equal(s.runtime.calls.at(-1).functionName, 'none');
  assert.equal((await run('none')).status, 200); // only once
});

test('OAuth: scripts.run needs a token with every granted scope; REST calls check a given token; refresh grant', async (t) => {
  const s = await start();
  t.after(() => s.server.close());
  const path = `/v1/scripts/${DEPLOYMENT}:run`;
  const none = await s.call('POST', path, { function: 'ok' }, {});
  assert.equal(none.status, 401);
  assert.equal(none.body.error.status, 'UNAUTHENTICATED');
  assert.match(none.body.error.message, /^Request is missing required authentication credential/);
  const short = { authorization: 'Bearer ' + mintAccessToken({ scopes: ['https://www.googleapis.com/auth/drive.readonly'] }) };
  const refused = await s.call('POST', path, { function: 'ok' }, short);
  assert.equal(refused.status, 401);
  assert.equal(refused.body.error.details[0].errorMessage, 'Authorization is required to perform that action.');
  const expired = { authorization: 'Bearer ' + mintAccessToken({ scopes: [SPREADSHEETS], lifetimeS: -10 }) };
  assert.match((await s.call('POST', path, { function: 'ok' }, expired)).body.error.message, /invalid authentication credentials/);
  assert.equal((await s.call('POST', '/v1/scripts/AKfycbOther:run', { function: 'ok' }, {})).status, 404, 'unknown deployment first');
  assert.equal(s.runtime.calls.length, 0, 'nothing ran');

  assert.equal((await s.call('GET', `/v4/spreadsheets/${s.id}`, undefined, short)).status, 200, 'drive.readonly reads sheets');
  const write = await s.call('POST', `/v4/spreadsheets/${s.id}/values:batchClear`, { ranges: ['A1'] }, short);
  assert.equal(write.status, 403);
  assert.equal(write.body.error.details[0].reason, 'ACCESS_TOKEN_SCOPE_INSUFFICIENT');
  const anonymous = await s.call('POST', `/v4/spreadsheets/${s.id}/values:batchClear`, { ranges: ['A1'] }, {});
  assert.equal(anonymous.status, 403);
  assert.equal(anonymous.body.error.message, 'The request is missing a valid API key.');
  assert.equal((await s.call('GET', '/drive/v3/files', undefined, {})).body.error.errors[0].reason, 'forbidden');

  const file = authorizedUser({ scopes: [SPREADSHEETS, 'https://www.googleapis.com/auth/drive'], tokenUri: s.url + '/token' });
  const grant = async (/** @type {Record<string, string>} */ form) => {
    const res = await fetch(s.url + '/token', { method: 'POST', body: new URLSearchParams(form) });
    return { status: res.status, body: await res.json() };
  };
  const fresh = await grant({ grant_type: 'refresh_token', refresh_token: file.refresh_token, scope: SPREADSHEETS });
  assert.equal(fresh.status, 200);
  assert.equal(fresh.body.scope, SPREADSHEETS);
  assert.equal((await s.call('POST', path, { function: 'ok' }, { authorization: 'Bearer ' + fresh.body.access_token })).status, 200);
  assert.equal((await grant({ grant_type: 'refresh_token', refresh_token: file.refresh_token,
    scope: 'https://www.googleapis.com/auth/gmail.send' })).body.error, 'invalid_scope');
  assert.equal((await grant({ grant_type: 'refresh_token', refresh_token: 'nope' })).body.error, 'invalid_grant');
});
