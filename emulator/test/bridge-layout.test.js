// @ts-check
'use strict';
/**
 * The bridge's column moves after an apply (appsscript/Layout.js moveRequest_): each request, applied with the
 * documented MoveDimensionRequest semantics (destinationIndex in the coordinates before the move), must leave the
 * columns in the order moveRequest_ says — the new columns right after the last v2.1 column.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const ROOT = path.join(__dirname, '..', '..');
const context = vm.createContext({});
for (const name of ['Contract.js', 'Sheets.js', 'Layout.js']) {
  vm.runInContext(fs.readFileSync(path.join(ROOT, 'appsscript', name), 'utf8'), context, { filename: name });
}
const bridge = /** @type {{moveRequest_: (sheetId: number, ids: number[], start: number, n: number, after: number) => any}} */ (
  /** @type {unknown} */ (context));

/** Google's moveDimension on a list of column identities. @param {number[]} cols @param {any} req */
function move(cols, req) {
  const { startIndex: s, endIndex: e } = req.moveDimension.source;
  const dest = req.moveDimension.destinationIndex;
  const block = cols.slice(s, e);
  const rest = cols.slice(0, s).concat(cols.slice(e));
  const at = dest > s ? dest - (e - s) : dest;
  return rest.slice(0, at).concat(block, rest.slice(at));
}

/** @param {number} n */
const range = (n) => Array.from({ length: n }, (_, i) => i);

test('a block that landed left of the last old column moves right after it', () => {
  // 0..9 old, 10 the person's column inserted at C made the block land at 7..9 with the last old column at 10.
  const ids = range(11);
  const req = bridge.moveRequest_(0, ids, 7, 3, 10);
  assert.deepEqual(move(range(11), req), ids);
  assert.deepEqual(ids, [0, 1, 2, 3, 4, 5, 6, 10, 7, 8, 9]);
});

test('a block that landed right of a gap moves left, next to the last old column', () => {
  const ids = range(10);
  const req = bridge.moveRequest_(0, ids, 6, 3, 4);
  assert.deepEqual(move(range(10), req), ids);
  assert.deepEqual(ids, [0, 1, 2, 3, 4, 6, 7, 8, 5, 9]);
});

test('columns split apart are gathered one by one, in order, after the last old column', () => {
  const ids = range(12);
  /** @type {number[]} */
  let cols = range(12);
  // New columns at 2, 5 and 11; the last old column is 9.
  [[2, 9], [5, 2], [11, 5]].forEach(([col, after]) => {
    cols = move(cols, bridge.moveRequest_(0, ids, ids.indexOf(col), 1, after));
    assert.deepEqual(cols, ids);
  });
  assert.deepEqual(ids.slice(ids.indexOf(9), ids.indexOf(9) + 4), [9, 2, 5, 11]);
});
