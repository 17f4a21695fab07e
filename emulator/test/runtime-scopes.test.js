// @ts-check
'use strict';
/**
 * OAuth scopes in the runtime: a manifest with `oauthScopes` is granted exactly those, and a call needing
 * another throws Google's "You do not have permission to call X. Required permissions: ..." (built-in
 * services) or the API's 403 inside a GoogleJsonResponseException (Advanced services); without `oauthScopes`
 * automatic detection grants what the code uses.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { createRuntime } = require('../runtime');
const { zeues } = require('./helpers');

const FIXTURES = path.join(__dirname, 'fixtures');

/** @param {string} dir */
function runtimeFor(dir) {
  const { engine, id } = zeues();
  return { rt: createRuntime({ engine, scriptDir: path.join(FIXTURES, dir), executionLimitMs: 10000 }), id };
}

test('a call needing a scope the manifest does not list throws Google\'s permission text', async () => {
  const { rt, id } = runtimeFor('scoped');
  const who = await rt.run({ functionName: 'whoAmI' });
  assert.equal(who.error && who.error.errorMessage, 'Exception: You do not have permission to call Session.getActiveUser. ' +
    'Required permissions: https://www.googleapis.com/auth/userinfo.email');
  const open = await rt.run({ functionName: 'openIt', parameters: [id] });
  assert.equal(open.error && open.error.errorMessage, 'Exception: You do not have permission to call SpreadsheetApp.openById. ' +
    'Required permissions: https://www.googleapis.com/auth/spreadsheets');
  const drive = await rt.run({ functionName: 'driveFile', parameters: [id] });
  assert.equal(drive.error && drive.error.errorMessage, 'Exception: You do not have permission to call DriveApp.getFileById. ' +
    'Required permissions: (https://www.googleapis.com/auth/drive.readonly || https://www.googleapis.com/auth/drive)');
  const write = await rt.run({ functionName: 'advancedWrite', parameters: [id] });
  assert.equal(write.error && write.error.errorMessage, 'GoogleJsonResponseException: API call to ' +
    'sheets.spreadsheets.batchUpdate failed with error: Request had insufficient authentication scopes.');
});

test('granted scopes and scope-free services work', async () => {
  const { rt, id } = runtimeFor('scoped');
  assert.equal((await rt.run({ functionName: 'advancedGet', parameters: [id] })).result, 'ZEUES test');
  assert.equal((await rt.run({ functionName: 'timeZone' })).result, 'America/Santiago');
  assert.equal((await rt.run({ functionName: 'lockAndProps' })).result, 36);
  assert.deepEqual(rt.grantedScopes(), ['https://www.googleapis.com/auth/spreadsheets.readonly',
    'https://www.googleapis.com/auth/script.container.ui']);
});

test('without oauthScopes, automatic detection grants what the code uses', async () => {
  const { rt } = runtimeFor('basic');
  assert.ok(rt.grantedScopes().includes('https://www.googleapis.com/auth/userinfo.email'));
  const r = await rt.run({ functionName: 'session' });
  assert.ok(!r.error, JSON.stringify(r.error));
});
