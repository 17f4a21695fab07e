// @ts-check
'use strict';
/**
 * Keeps the emulator's heap near what it holds. V8 lets garbage pile up to several times the live heap before a
 * full collection; with a 100,000-row workbook (~300 MB live) and reads and batches that each make hundreds of MB
 * of short-lived objects, that was gigabytes of resident memory. `reclaim()` runs a full collection once the heap
 * has grown by SLACK since the last one, so the peak stays about live + SLACK. Without access to the collector
 * (a runtime that refuses the flag) it does nothing.
 */
const v8 = require('node:v8');
const vm = require('node:vm');

const SLACK = 192 * 1024 * 1024;

/** @type {(() => void) | null} */
let collect = null;
try {
  v8.setFlagsFromString('--expose-gc');
  collect = vm.runInNewContext('gc');
} catch {
  collect = null;
}
let floor = 0;

function reclaim() {
  if (!collect) return;
  const used = v8.getHeapStatistics().used_heap_size;
  if (used < floor + SLACK) return;
  collect();
  floor = v8.getHeapStatistics().used_heap_size;
}

module.exports = { reclaim };
