// @ts-check
'use strict';
/**
 * HtmlService in the runtime (templates, scriptlets, escaping, include, HtmlOutput), sidebars and dialogs (bound
 * runs only, the script.container.ui scope), and the served page's google.script.run driven over a real socket
 * (handlers, user objects, illegal parameters, private functions, at most 10 calls at a time).
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const vm = require('node:vm');
const { Engine } = require('../engine');
const { createRuntime } = require('../runtime');
const { createServer } = require('../server');
const { zeues } = require('./helpers');

const FIXTURES = path.join(__dirname, '..', '..', 'tests', 'emulator', 'fixtures', 'html');
const SCRIPT = path.join(FIXTURES, 'script');
const UI_SCOPE = 'https://www.googleapis.com/auth/script.container.ui';

/** @param {string} [dir] */
function runtimeFor(dir = SCRIPT) {
  const { engine, id } = zeues(new Engine({}));
  return { rt: createRuntime({ engine, scriptDir: dir, executionLimitMs: 20000 }), id };
}

const { rt, id: SID } = runtimeFor();
/** A bound run (a menu item clicked by `userEmail`). @param {string} functionName @param {any[]} [parameters] */
const bound = (functionName, parameters = [], userEmail = 'owner@example.com') =>
  rt.run({ functionName, parameters, spreadsheetId: SID, menu: { uiAnswers: [], userEmail } });
/** @param {string} source @param {Record<string, any>} [fields] */
const render = async (source, fields = {}) => {
  const r = await rt.run({ functionName: 'render', parameters: [source, fields] });
  assert.ok(!r.error, JSON.stringify(r.error));
  return /** @type {string} */ (r.result);
};

test('the project\'s .html files are loaded, named without the extension', () => {
  assert.deepEqual(rt.project.htmlFiles.map((f) => f.name), ['Panel', 'Style']);
  assert.ok(!rt.project.files.some((f) => f.name === 'Panel'), 'HTML files are not code');
});

test('printing scriptlets escape & < > " \' in HTML text and attributes; force-printing does not', async () => {
  const note = '<b>"Tom" & \'Jerry\'</b>';
  assert.equal(await render('<p><?= note ?></p>', { note }),
    '<p>&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;</p>');
  assert.equal(await render('<a title="<?= note ?>">x</a>', { note }),
    '<a title="&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;">x</a>');
  assert.equal(await render('<?!= note ?>', { note }), note);
  assert.equal(await render('<?!= note; ?>|<?= 1 + 1; ?>', { note: 'x' }), 'x|2', 'a trailing ; is allowed');
});

test('inside <script> a printing scriptlet gives a JavaScript literal', async () => {
  const out = await render('<script>var a = <?= s ?>; var n = <?= n ?>; var b = <?= b ?>; var z = <?= z ?>;</script><p><?= s ?></p>',
    { s: "it's </script>", n: 3, b: true, z: null });
  assert.equal(out, "<script>var a = 'it\\x27s \\x3c\\x2fscript\\x3e'; var n =  3 ; var b =  true ; var z =  null ;</script>" +
    '<p>it&#39;s &lt;/script&gt;</p>');
  // The literal evaluates back to the value.
  assert.equal(vm.runInNewContext(/var a = (.*?);/.exec(out)?.[1] || ''), "it's </script>");
});

test('standard scriptlets run code around the HTML; fields and the script\'s globals are in scope', async () => {
  const out = await render('<? for (var i = 0; i < items.length; i++) { ?><li><?= items[i] ?></li><? } ?>' +
    '<? if (items.length > 5) { ?>many<? } else { ?>few<? } ?>|<?= GREETING ?>|<?= shout(\'hola\') ?>',
  { items: ['a', 'b'] });
  assert.equal(out, '<li>a</li><li>b</li>few|Hola|HOLA');
  const missing = await rt.run({ functionName: 'render', parameters: ['<?= nope ?>', {}] });
  assert.match(missing.error?.errorMessage || '', /^ReferenceError: nope is not defined/);
});

test('include(name) and createHtmlOutputFromFile: raw file content, scriptlets not run; missing files refused', async () => {
  const r = await bound('openSidebar');
  assert.ok(!r.error, JSON.stringify(r.error));
  const shown = rt.dialog(r.dialogs?.[0].id || '');
  assert.ok(shown);
  assert.match(shown.html, /<style>h1 \{ color: #333; \}<\/style>/, 'include() put Style.html in');
  assert.match(shown.html, /<h1>Hola, owner@example\.com<\/h1>/);
  assert.match(shown.html, /<li>uno<\/li>\s*<li>dos<\/li>/);
  const raw = await rt.run({ functionName: 'fileContent', parameters: ['Panel.html'] });
  assert.match(String(raw.result), /<\?= GREETING \?>/, 'an HtmlOutput from a file is not evaluated');
  const missing = await rt.run({ functionName: 'fileContent', parameters: ['Nope'] });
  assert.equal(missing.error?.errorMessage, 'Exception: No HTML file named Nope was found.');
});

test('HtmlOutput and HtmlTemplate methods', async () => {
  const r = await rt.run({ functionName: 'outputMethods' });
  assert.ok(!r.error, JSON.stringify(r.error));
  assert.deepEqual(r.result, {
    content: '<p>a</p><b>c</b>&lt;i&gt;', title: 'T', width: 320, height: 200, meta: [['viewport', 'width=device-width']],
    cleared: '', set: 'new', asTemplate: '2', raw: '<?= 1 + 1 ?>', evaluated: '2', sandbox: 'IFRAME', fromBlob: '<p>blob</p>',
  });
});

test('getCode() is JavaScript that eval() turns into the HtmlOutput, binding the variables in scope', async () => {
  const r = await rt.run({ functionName: 'evalCode', parameters: ['<i><?= who ?></i>'] });
  assert.deepEqual(r.result, { content: '<i>Ana &amp; Bea</i>', commented: true });
});

test('showSidebar and dialogs are recorded with the run; a new sidebar replaces the open one', async () => {
  const first = await bound('openSidebar');
  const modal = await bound('openDialog');
  const second = await bound('openSidebar');
  const other = await bound('openSidebar', [], 'editor@example.com');
  assert.deepEqual(modal.dialogs?.map((d) => [d.kind, d.title]), [['modal', 'Un diálogo']]);
  assert.deepEqual(first.dialogs?.map((d) => [d.kind, d.title]), [['sidebar', 'Panel de prueba']]);
  const open = rt.openDialogs().map((d) => d.id);
  assert.ok(!open.includes(first.dialogs?.[0].id || ''), 'the first sidebar was replaced');
  for (const r of [modal, second, other]) assert.ok(open.includes(r.dialogs?.[0].id || ''));
  const d = rt.dialog(modal.dialogs?.[0].id || '');
  assert.equal(d?.width, 400);
  assert.equal(d?.userEmail, 'owner@example.com');
  assert.equal(rt.dialog(other.dialogs?.[0].id || '')?.userEmail, 'editor@example.com');
  assert.ok(d?.functions.includes('whoAmI') && !d?.functions.includes('secret_'), 'public functions only');
});

test('showSidebar needs an HtmlOutput (an HtmlTemplate not evaluated is refused)', async () => {
  const r = await bound('openTemplateNotEvaluated');
  assert.equal(r.error?.errorMessage,
    "Exception: The parameters (HtmlService.HtmlTemplate) don't match the method signature for SpreadsheetApp.Ui.showSidebar.");
  assert.deepEqual(r.dialogs, []);
});

test('an API run has no UI: getUi() is refused before any sidebar', async () => {
  const r = await rt.run({ functionName: 'openSidebar' });
  assert.equal(r.error?.errorMessage, 'Exception: Cannot call SpreadsheetApp.getUi() from this context.');
  assert.equal(r.dialogs, undefined);
});

test('without script.container.ui in oauthScopes, HtmlService works but showSidebar is refused', async () => {
  const { rt: noUi, id } = runtimeFor(path.join(FIXTURES, 'noui'));
  assert.equal((await noUi.run({ functionName: 'build' })).result, '<p>x</p>');
  const r = await noUi.run({ functionName: 'openSidebar', spreadsheetId: id, menu: { uiAnswers: [] } });
  assert.equal(r.error?.errorMessage, 'Exception: You do not have permission to call Ui.showSidebar. Required permissions: ' + UI_SCOPE);
  assert.deepEqual(noUi.openDialogs(), []);
});

// -- the page's google.script.run, over HTTP ---------------------------------------------------------------------

async function startServer() {
  const { engine, id } = zeues(new Engine({}));
  engine.bindScript(id);
  const runtime = createRuntime({ engine, scriptDir: SCRIPT, executionLimitMs: 20000 });
  const { server } = createServer({ engine, runtime, deploymentId: 'AKfycbHtml', scriptDir: SCRIPT });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  const origin = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`;
  const menu = await (await fetch(origin + '/_emulator/menu-run', { method: 'POST',
    body: JSON.stringify({ spreadsheetId: id, function: 'openSidebar', userEmail: 'editor@example.com' }) })).json();
  const [dialog] = menu.dialogs;
  const html = await (await fetch(dialog.url)).text();
  // The page's own first script is the injected client: run it in a context with fetch (counting calls in flight).
  const client = /<script>(\(function clientRuntime[\s\S]*?)<\/script>/.exec(html)?.[1];
  assert.ok(client, 'the client runtime is injected');
  const flight = { now: 0, max: 0 };
  const context = vm.createContext({
    setTimeout, console,
    /** @param {string} url @param {any} init */
    fetch: async (url, init) => {
      flight.max = Math.max(flight.max, ++flight.now);
      try {
        return await fetch(origin + url, init);
      } finally {
        flight.now--;
      }
    },
  });
  vm.runInContext(client, context);
  /** Calls google.script.run.<name>(...args) through `prepare(runner)`; resolves with what a handler got. */
  const call = (/** @type {string} */ name, /** @type {any[]} */ args, prepare = (/** @type {any} */ r) => r) =>
    new Promise((resolve) => {
      const runner = prepare(context.google.script.run)
        .withSuccessHandler((/** @type {any} */ value, /** @type {any} */ user) => resolve({ ok: true, value, user }))
        .withFailureHandler((/** @type {any} */ error, /** @type {any} */ user) => resolve({ ok: false, error, user }));
      runner[name](...args);
    });
  return { server, origin, dialog, html, context, call, flight, id, engine };
}

test('the page is served with google.script.run first in <head>; GET /_emulator/ui lists it', async (t) => {
  const s = await startServer();
  t.after(() => s.server.close());
  assert.match(s.html, /^<!DOCTYPE html>\s*<html>\s*<head><script>\(function clientRuntime/);
  assert.match(s.dialog.url, /^http:\/\/127\.0\.0\.1:\d+\/_emulator\/ui\/[0-9a-f-]{36}$/);
  const list = await (await fetch(s.origin + '/_emulator/ui')).json();
  assert.deepEqual(list.map((/** @type {any} */ d) => [d.id, d.kind, d.title, d.spreadsheetId, d.userEmail, d.url]),
    [[s.dialog.id, 'sidebar', 'Panel de prueba', s.id, 'editor@example.com', s.dialog.url]]);
  assert.equal((await fetch(s.origin + '/_emulator/ui/nope')).status, 404);
});

test('google.script.run: success and failure handlers, user objects, new runners from each with…', async (t) => {
  const s = await startServer();
  t.after(() => s.server.close());
  const who = /** @type {any} */ (await s.call('whoAmI', [], (r) => r.withUserObject({ tag: 7 })));
  assert.deepEqual(who, { ok: true, value: { user: 'editor@example.com', sheet: s.id }, user: { tag: 7 } },
    'a bound run of the spreadsheet by the user who opened the sidebar');
  const failed = /** @type {any} */ (await s.call('fail', [], (r) => r.withUserObject('u')));
  assert.equal(failed.ok, false);
  assert.ok(failed.error instanceof vm.runInContext('Error', s.context), 'an Error of the page');
  assert.equal(failed.error.name, 'ScriptError');
  assert.equal(failed.error.message, 'Error: falló a propósito');
  assert.equal(failed.user, 'u');
  const base = s.context.google.script.run;
  assert.notEqual(base.withSuccessHandler(() => {}), base, 'each with… returns a new runner');
  assert.equal(typeof base.whoAmI, 'function');
  assert.equal(base.secret_, undefined, 'private functions are not on the runner');
  const direct = await (await fetch(s.dialog.url + '/run', { method: 'POST', body: JSON.stringify({ function: 'secret_' }) })).json();
  assert.deepEqual(direct, { error: { message: 'Script function not found: secret_', name: 'ScriptError' } });
  assert.deepEqual(await s.call('nothing', []), { ok: true, value: null, user: undefined }, 'nothing returned: null');
  assert.deepEqual(await s.call('returnsDate', []), { ok: true, value: null, user: undefined }, 'a Date returned: null');
  assert.deepEqual(await s.call('writeCell', ['hola']), { ok: true, value: 'hola', user: undefined });
  assert.equal(s.engine.valuesGet(s.id, 'Operaciones!A1', {}).values[0][0], 'hola');
});

test('google.script.run parameters: primitives, arrays and objects pass; Dates, functions and cycles throw', async (t) => {
  const s = await startServer();
  t.after(() => s.server.close());
  const echo = /** @type {any} */ (await s.call('echo', [vm.runInContext('({a: [1, undefined, "x"], b: {c: null}, d: undefined})', s.context)]));
  assert.deepEqual(echo.value, { value: { a: [1, null, 'x'], b: { c: null } }, type: '[object Object]' });
  const flight = s.flight.max;
  // Refused at the call, before anything is sent: the call throws, no handler runs.
  await assert.rejects(s.call('echo', [vm.runInContext('new Date()', s.context)]),
    { name: 'TypeError', message: 'Failed due to illegal value in property: 0' });
  await assert.rejects(s.call('echo', ['ok', vm.runInContext('({when: {at: function () {}}})', s.context)]),
    { message: 'Failed due to illegal value in property: at' });
  await assert.rejects(s.call('echo', [vm.runInContext('var o = {}; o.self = o; o', s.context)]),
    { message: 'Failed due to circular reference.' });
  await assert.rejects(s.call('echo', [vm.runInContext('new Map()', s.context)]),
    { message: 'Failed due to illegal value in property: 0' });
  assert.equal(s.flight.max, flight, 'nothing was sent');
});

test('google.script.run: calls run concurrently, at most 10 at a time; a poll is answered while a lock is held', async (t) => {
  const s = await startServer();
  t.after(() => s.server.close());
  const naps = Array.from({ length: 12 }, () => s.call('nap', [300]));
  const results = /** @type {any[]} */ (await Promise.all(naps));
  assert.ok(results.every((r) => r.ok && r.value === 'rested 300'));
  assert.equal(s.flight.max, 10, 'the 11th and 12th calls waited for a free place');
  s.flight.max = 0;
  // One call holds the document lock; another call meanwhile is answered and sees the lock taken.
  const holder = s.call('holdLock', [1500]);
  for (;;) {
    const state = await (await fetch(s.origin + '/_emulator/state')).json();
    if (state.locks.length) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(await s.call('tryLock', []), { ok: true, value: false, user: undefined });
  assert.deepEqual(await holder, { ok: true, value: 'held 1500', user: undefined });
});
