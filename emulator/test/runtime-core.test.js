// @ts-check
'use strict';
/**
 * The Apps Script runtime without spreadsheets: file loading order, the Apps Script API's JSON conversion,
 * ExecutionError shapes and texts, time limit, LockService between concurrent runs, PropertiesService
 * durability, Utilities/Session/Logger, and menu runs with scripted dialog answers.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createRuntime } = require('../runtime');
const { convertResult } = require('../runtime/result');

const FIXTURES = path.join(__dirname, 'fixtures');
const LOCK_TIMEOUT = 'Exception: Lock timeout: another process was holding the lock for too long.';

/** No spreadsheet work in these tests. */
const noEngine = {};

/** @param {string} dir @param {object} [extra] */
function runtimeFor(dir, extra) {
  return createRuntime(Object.assign({ engine: noEngine, scriptDir: path.join(FIXTURES, dir), executionLimitMs: 10000 }, extra || {}));
}

test('files load in clasp push order: filePushOrder first, then by path; .claspignore applies', async () => {
  const rt = runtimeFor('order/src');
  assert.deepEqual(rt.project.files.map((f) => f.name), ['z_first', 'lib/c', 'a', 'B']);
  const r = await rt.run({ functionName: 'loadOrder' });
  assert.deepEqual(r.result, ['z_first', 'lib/c', 'a', 'B']);
});

test('without .clasp.json files load sorted by path with localeCompare', async () => {
  const rt = runtimeFor('plain');
  const r = await rt.run({ functionName: 'loadOrder' });
  assert.deepEqual(r.result, ['A', 'b', 'c']);
});

test('results go through the Apps Script API JSON conversion', async () => {
  const rt = runtimeFor('basic');
  const nested = await rt.run({ functionName: 'returnsNested' });
  assert.deepEqual(nested.result, { text: 'a', n: 1.5, ok: true, none: null, list: [1, null, 'x', [2]] });
  assert.ok(!('result' in (await rt.run({ functionName: 'returnsNothing' }))), 'no result field for undefined');
  assert.deepEqual((await rt.run({ functionName: 'returnsNaN' })).result, [null, null, null]);
  const date = await rt.run({ functionName: 'returnsDate' });
  assert.ok(!('result' in date) && !date.error);
  assert.match(date.logs.map((l) => l.message).join('\n'), /contains a Date/);
  assert.ok(!('result' in (await rt.run({ functionName: 'returnsSpreadsheetApp' }))));
  assert.equal((await rt.run({ functionName: 'echo', parameters: [0] })).result, 0);
  assert.equal((await rt.run({ functionName: 'echo', parameters: [''] })).result, '');
  assert.equal((await rt.run({ functionName: 'echo', parameters: [null] })).result, null);
});

test('parameters arrive as the script realm\'s own arrays and objects', async () => {
  const rt = runtimeFor('basic');
  const r = await rt.run({ functionName: 'parameterKinds', parameters: [[1], { a: 1 }, 'x'] });
  assert.deepEqual(r.result, [true, true, 'object', true, 'x']);
});

test('convertResult handles cycles and undefined the way the API does', () => {
  const cyclic = /** @type {any} */ ({ a: 1 });
  cyclic.self = cyclic;
  assert.deepEqual(convertResult(cyclic).has, false);
  assert.deepEqual(convertResult(undefined), { has: false });
  assert.deepEqual(convertResult({ a: undefined, b: [undefined] }), { has: true, value: { b: [null] } });
});

test('a thrown Error becomes an ExecutionError with name: message and the script stack', async () => {
  const rt = runtimeFor('basic');
  const r = await rt.run({ functionName: 'throwsError' });
  assert.ok(!('result' in r));
  assert.deepEqual(r.error, {
    errorMessage: 'Error: BRIDGE_DRIFT: column moved',
    errorType: 'ScriptError',
    scriptStackTraceElements: [{ function: 'helper', lineNumber: 6 }, { function: 'throwsError', lineNumber: 3 }],
  });
  const typeError = await rt.run({ functionName: 'throwsTypeError' });
  assert.match(typeError.error?.errorMessage || '', /^TypeError: Cannot read properties of null/);
  assert.deepEqual(typeError.error?.scriptStackTraceElements, [{ function: 'throwsTypeError', lineNumber: 10 }]);
  assert.equal((await rt.run({ functionName: 'throwsString' })).error?.errorMessage, 'plain text');
  assert.equal((await rt.run({ functionName: 'throwsCustom' })).error?.errorMessage, 'BridgeError: custom');
});

test('unknown, private and non-function names are "Script function not found"', async () => {
  const rt = runtimeFor('basic');
  for (const name of ['nope', 'privateHelper_', 'notAFunction']) {
    const r = await rt.run({ functionName: name });
    assert.deepEqual(r.error, { errorMessage: 'Script function not found: ' + name, errorType: 'ScriptError' });
  }
});

test('getUi() is refused in an API run with Google\'s text', async () => {
  const rt = runtimeFor('basic');
  const r = await rt.run({ functionName: 'usesUiInApiRun' });
  assert.equal(r.error?.errorMessage, 'Exception: Cannot call SpreadsheetApp.getUi() from this context.');
  assert.equal(r.alerts, undefined);
  assert.equal((await rt.run({ functionName: 'activeSpreadsheetId' })).result, null);
});

test('a run past the execution limit is stopped with Google\'s timeout error', async () => {
  const rt = runtimeFor('basic');
  rt.setExecutionLimit(300);
  const t0 = Date.now();
  const r = await rt.run({ functionName: 'spins' });
  assert.deepEqual(r.error, { errorMessage: 'Exceeded maximum execution time', errorType: 'ScriptError' });
  assert.ok(Date.now() - t0 < 3000);
  const hung = await rt.run({ functionName: 'echo', parameters: [1], hang: true });
  assert.equal(hung.error?.errorMessage, 'Exceeded maximum execution time');
  rt.setExecutionLimit(10000);
  assert.equal((await rt.run({ functionName: 'echo', parameters: [1] })).result, 1);
});

test('Utilities: SimpleDateFormat in time zones, signed digests, base64, uuid, blobs', async () => {
  const rt = runtimeFor('basic');
  const r = /** @type {any} */ ((await rt.run({ functionName: 'utilities' })).result);
  assert.equal(r.santiago, '28-01-2026 13:56:25'); // summer time, UTC-3
  assert.equal(r.utc, '2026-01-28T16:56:25.007Z');
  assert.equal(r.gmtOffset, '19:56 +03:00 +0300');
  assert.equal(r.names, "Wednesday, 28 January 26 1:56 PM o'clock '");
  assert.equal(r.winter, '08:00 -0400'); // winter time, UTC-4
  assert.deepEqual(r.sha256.slice(0, 4), [-70, 120, 22, -65]); // ba 78 16 bf
  assert.equal(r.sha256.length, 32);
  assert.deepEqual(r.md5, r.md5Bytes);
  assert.equal(Buffer.from(r.md5.map((/** @type {number} */ b) => b & 255)).toString('hex'), '900150983cd24fb0d6963f7d28e17f72');
  assert.match(r.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(r.b64, Buffer.from('hola ñ').toString('base64'));
  assert.equal(r.b64Bytes, '/wAB');
  assert.equal(r.b64WebSafe, '-_8=');
  assert.deepEqual(r.decoded, [-1, 0, 1]);
  assert.equal(r.blob, 'texto');
  assert.equal(r.hmac.length, 4);
});

test('Session reports the owner and the manifest time zone; Logger and console are captured', async () => {
  const rt = runtimeFor('basic', { userEmail: 'dueno@example.com' });
  assert.deepEqual((await rt.run({ functionName: 'session' })).result, {
    active: 'dueno@example.com', effective: 'dueno@example.com', tz: 'America/Santiago',
  });
  const logged = await rt.run({ functionName: 'logging' });
  assert.equal(logged.result, 'plain\nformatted one and 2\n');
  assert.deepEqual(logged.logs.map((l) => [l.level, l.message]), [
    ['INFO', 'plain'], ['INFO', 'formatted one and 2'], ['INFO', 'console {"a":1}'], ['WARNING', 'careful'], ['ERROR', 'bad'],
  ]);
});

test('LockService: a second run waits for the lock, or times out with Google\'s text', async () => {
  const rt = runtimeFor('basic');
  const holder = rt.run({ functionName: 'holdLock', parameters: [400] });
  await new Promise((r) => setTimeout(r, 150));
  const [held, waited, timedOut, tried] = await Promise.all([
    holder,
    rt.run({ functionName: 'waitForLock', parameters: [5000] }),
    rt.run({ functionName: 'waitForLock', parameters: [50] }),
    rt.run({ functionName: 'tryForLock', parameters: [50] }),
  ]);
  const h = /** @type {any} */ (held.result);
  const w = /** @type {any} */ (waited.result);
  assert.ok(w.got >= h.released, 'the waiter got the lock only after the holder released it');
  assert.equal(timedOut.error?.errorMessage, LOCK_TIMEOUT);
  assert.deepEqual(tried.result, { ok: false, has: false, after: false });
  assert.deepEqual((await rt.run({ functionName: 'tryForLock', parameters: [0] })).result, { ok: true, has: true, after: false });
  assert.equal((await rt.run({ functionName: 'documentLockIsSeparate' })).result, true);
});

test('a run stopped by the time limit loses its lock', async () => {
  const rt = runtimeFor('basic');
  rt.setExecutionLimit(300);
  const stuck = rt.run({ functionName: 'holdLockForever' });
  await new Promise((r) => setTimeout(r, 100));
  rt.setExecutionLimit(10000);
  const waiter = await rt.run({ functionName: 'waitForLock', parameters: [5000] });
  assert.equal((await stuck).error?.errorMessage, 'Exceeded maximum execution time');
  assert.ok(!waiter.error, JSON.stringify(waiter.error));
});

test('a run stopped while waiting for a lock leaves the queue', async () => {
  const rt = runtimeFor('basic');
  const holder = rt.run({ functionName: 'holdLock', parameters: [500] });
  await new Promise((r) => setTimeout(r, 100));
  rt.setExecutionLimit(200);
  const killed = await rt.run({ functionName: 'waitForLock', parameters: [60000] });
  assert.equal(killed.error?.errorMessage, 'Exceeded maximum execution time');
  rt.setExecutionLimit(0);
  await holder;
  const next = await rt.run({ functionName: 'tryForLock', parameters: [0] });
  assert.deepEqual(next.result, { ok: true, has: true, after: false });
});

test('PropertiesService stores survive a restart of the runtime', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-props-'));
  const first = runtimeFor('basic', { dataDir });
  assert.equal((await first.run({ functionName: 'setProps', parameters: [{ a: 'x', b: 2 }] })).result, true);
  await first.close();
  const second = runtimeFor('basic', { dataDir });
  assert.deepEqual((await second.run({ functionName: 'readProps' })).result, {
    all: { a: 'x', b: '2' }, one: 'x', missing: null, keys: ['a', 'b'], doc: 'D', user: '7',
  });
  assert.deepEqual((await second.run({ functionName: 'deleteProps' })).result, { after: ['b'], end: [] });
});

test('a menu run records onOpen menus', async () => {
  const rt = runtimeFor('basic');
  const r = await rt.run({ functionName: 'onOpen', spreadsheetId: 'ss-1', menu: { uiAnswers: [] } });
  assert.ok(!r.error, JSON.stringify(r.error));
  assert.deepEqual(r.menus, [{
    name: 'Fixture Menu',
    items: [{ caption: 'Do it', functionName: 'doIt' }, { separator: true }, { caption: 'Status', functionName: 'status' }],
  }]);
  assert.deepEqual(r.alerts, []);
  assert.equal((await rt.run({ functionName: 'activeSpreadsheetId', spreadsheetId: 'ss-1', menu: {} })).result, 'ss-1');
});

test('alerts take the scripted answers in order, then CLOSE', async () => {
  const rt = runtimeFor('basic');
  const yes = await rt.run({ functionName: 'confirmTwice', spreadsheetId: 'ss-1', menu: { uiAnswers: ['YES', 'NO', 'OK'] } });
  assert.deepEqual(yes.result, ['YES', 'NO', true, true]);
  assert.deepEqual(yes.alerts, [
    { title: 'Apply?', prompt: 'Apply the change now?', buttons: 'YES_NO', answer: 'YES' },
    { title: 'Really?', prompt: 'Sure?', buttons: 'YES_NO_CANCEL', answer: 'NO' },
    { title: '', prompt: 'Done', buttons: 'OK', answer: 'OK' },
  ]);
  const none = await rt.run({ functionName: 'confirmTwice', spreadsheetId: 'ss-1', menu: { uiAnswers: ['NO'] } });
  assert.deepEqual(none.result, ['NO', 'CLOSE', false, false]);
  const wrong = await rt.run({ functionName: 'confirmTwice', spreadsheetId: 'ss-1', menu: { uiAnswers: ['OK'] } });
  assert.match(wrong.error?.errorMessage || '', /scripted answer "OK" is not a button of this dialog \(YES_NO\)/);
});

test('an alert releases the locks the execution holds', async () => {
  const rt = runtimeFor('basic');
  const r = await rt.run({ functionName: 'lockThenAlert', spreadsheetId: 'ss-1', menu: { uiAnswers: ['OK'] } });
  assert.deepEqual(r.result, { before: true, after: false });
});

test('Utilities.sleep blocks only its own execution', async () => {
  const rt = runtimeFor('basic');
  const t0 = Date.now();
  const [a, b] = await Promise.all([
    rt.run({ functionName: 'sleeps', parameters: [300] }),
    rt.run({ functionName: 'sleeps', parameters: [300] }),
  ]);
  assert.ok(/** @type {number} */ (a.result) >= 290 && /** @type {number} */ (b.result) >= 290);
  assert.ok(Date.now() - t0 < 1500, 'the two sleeps ran side by side');
});
