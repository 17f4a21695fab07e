// @ts-check
'use strict';
/**
 * The bridge's header rule (appsscript/Sheets.js normalizeHeader_, columnNameProblem_) against the vectors the
 * Python side runs too (orchestrator/contract/header-vectors.json): one rule, two implementations, one table.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const ROOT = path.join(__dirname, '..', '..');
const vectors = JSON.parse(fs.readFileSync(path.join(ROOT, 'orchestrator', 'contract', 'header-vectors.json'), 'utf8'));
const context = vm.createContext({});
// Contract.js holds the rule's character classes (generated from orchestrator/domain/columns.py).
for (const name of ['Contract.js', 'Sheets.js']) {
  vm.runInContext(fs.readFileSync(path.join(ROOT, 'appsscript', name), 'utf8'), context, { filename: name });
}
const bridge = /** @type {{normalizeHeader_: (n: string) => string, columnNameProblem_: (n: string) => string}} */ (
  /** @type {unknown} */ (context));

test('every vector normalises to its key', () => {
  const wrong = vectors.keys.filter((/** @type {{name: string, key: string}} */ v) => bridge.normalizeHeader_(v.name) !== v.key)
    .map((/** @type {{name: string, key: string}} */ v) => `${JSON.stringify(v.name)} -> ${JSON.stringify(bridge.normalizeHeader_(v.name))}, want ${JSON.stringify(v.key)}`);
  assert.deepEqual(wrong, []);
  assert.ok(vectors.keys.length >= 100);
});

test('names that must match do', () => {
  for (const [a, b] of vectors.same) assert.equal(bridge.normalizeHeader_(a), bridge.normalizeHeader_(b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
});

test('refused column names name the code point and its position; allowed ones pass', () => {
  for (const v of vectors.refused) {
    const problem = bridge.columnNameProblem_(v.name);
    assert.ok(problem.includes(`has ${v.codePoint} at position ${v.position}:`), `${JSON.stringify(v.name)}: ${problem}`);
  }
  for (const name of vectors.allowed) assert.equal(bridge.columnNameProblem_(name), '', name);
});
