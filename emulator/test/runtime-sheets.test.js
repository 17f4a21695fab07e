// @ts-check
'use strict';
/**
 * SpreadsheetApp, the Advanced Sheets service and DriveApp, run by the Apps Script runtime on the engine:
 * reads and writes with SpreadsheetApp's value rules, grid changes, developer metadata, data validation,
 * copies, and Google's error texts for the common mistakes.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createRuntime } = require('../runtime');
const { Engine } = require('../engine');

const SCRIPT_DIR = path.join(__dirname, 'fixtures', 'sheets');

/** A fresh real engine in a temporary data folder. */
function makeEngine() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-sheets-'));
  return { engine: new Engine({ dataDir }), dataDir };
}

/** A small v2.1-like workbook: a full grid (no spare column), a date cell, a log sheet. */
const WORKBOOK = {
  properties: { title: 'ZEUES fixture', locale: 'es_CL', timeZone: 'America/Santiago' },
  sheets: [
    {
      properties: { sheetId: 0, title: 'Operaciones', gridProperties: { rowCount: 5, columnCount: 4 } },
      data: [{
        startRow: 0,
        startColumn: 0,
        rowData: [
          { values: ['id', 'NV', 'TAG_SPOOL', 'Fecha_Armado'].map((s) => ({ userEnteredValue: { stringValue: s } })) },
          {
            values: [
              { userEnteredValue: { numberValue: 1 } },
              { userEnteredValue: { stringValue: 'NV-1' } },
              { userEnteredValue: { stringValue: 'MK-1335-CW-25238-011' } },
              { userEnteredValue: { numberValue: 46050 }, userEnteredFormat: { numberFormat: { type: 'DATE', pattern: 'dd-MM-yyyy' } } },
            ],
          },
          {
            values: [
              { userEnteredValue: { numberValue: 2 } },
              { userEnteredValue: { boolValue: true } },
              { userEnteredValue: { stringValue: 'TEST-01' } },
            ],
          },
        ],
      }],
    },
    { properties: { sheetId: 1, title: 'Metadata', gridProperties: { rowCount: 20, columnCount: 6 } } },
  ],
};

/**
 * @param {any} engine
 */
function newWorkbook(engine) {
  return engine.createSpreadsheet(JSON.parse(JSON.stringify(WORKBOOK)));
}

/** @type {{engine: any, dataDir: string}} */
let env;
/** @type {ReturnType<typeof createRuntime>} */
let rt;

test.before(async () => {
  env = makeEngine();
  rt = createRuntime({ engine: env.engine, scriptDir: SCRIPT_DIR, executionLimitMs: 20000, dataDir: env.dataDir });
});

/**
 * Runs a fixture function on a fresh workbook and returns its result (failing on a script error).
 * @param {string} functionName
 * @param {any[]} [extra]
 * @returns {Promise<{result: any, id: string}>}
 */
async function runOnNew(functionName, extra) {
  const created = await newWorkbook(env.engine);
  const id = created.spreadsheetId;
  const r = await rt.run({ functionName, parameters: [id].concat(extra || []) });
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  return { result: r.result, id };
}

test('reads: names, grid, last row/column, header, A1 ranges', async () => {
  const { result, id } = await runOnNew('describe');
  assert.equal(result.id, id);
  assert.equal(result.name, 'ZEUES fixture');
  assert.equal(result.url, 'https://docs.google.com/spreadsheets/d/' + id + '/edit');
  assert.deepEqual(result.sheets, ['Operaciones', 'Metadata']);
  assert.equal(result.missingSheet, null, 'getSheetByName is case-sensitive');
  assert.equal(result.maxRows, 5);
  assert.equal(result.maxColumns, 4);
  assert.equal(result.lastRow, 3);
  assert.equal(result.lastColumn, 4);
  assert.deepEqual(result.header, ['id', 'NV', 'TAG_SPOOL', 'Fecha_Armado']);
  assert.equal(result.dataRange, 'A1:D3');
  assert.deepEqual(result.a1, [['NV-1', 'MK-1335-CW-25238-011'], [true, 'TEST-01']]);
  assert.equal(result.index, 1);
  assert.equal(result.sheetId, 0);
});

test('getValues gives numbers, booleans, strings, Dates (in the spreadsheet zone) and "" for empty cells', async () => {
  const { result } = await runOnNew('readKinds');
  assert.deepEqual(result.types, [['number', 'string', 'string', 'Date'], ['number', 'boolean', 'string', 'string']]);
  assert.equal(result.date, '2026-01-28T03:00:00.000Z'); // midnight in Santiago (UTC-3 in January)
  assert.deepEqual(result.formulas, [['', '', '', '']]);
  assert.equal(result.value, 'NV-1');
  assert.equal(result.displayDate, '28-01-2026');
});

test('writes: strings as typed by a user, numbers, booleans, formulas, blanks', async () => {
  const { result } = await runOnNew('writeAndRead');
  assert.deepEqual(result.formulas, [['', '', '', '=1+1'], ['', '', '', '']]);
  assert.deepEqual(result.values[0].slice(0, 3), ['text', 42, true]);
  assert.deepEqual(result.values[1], [7, '007', '', '']);
  assert.equal(result.lastRow, 3);
  assert.equal(result.blank, true);
  assert.equal(result.values[0][3], 2);
  assert.deepEqual(result.display[0], ['text', '42', 'TRUE', '2']);
});

test('a Date written with setValue reads back as the same instant', async () => {
  const { result } = await runOnNew('writeDate');
  assert.deepEqual(result, { isDate: true, iso: '2026-01-28T16:56:25.000Z' });
});

test('clearContent empties the range', async () => {
  const { id } = await runOnNew('writeAndRead');
  const r = await rt.run({ functionName: 'clearIt', parameters: [id] });
  assert.deepEqual(r.result, [['', '', '', ''], ['', '', '', '']]);
});

test('range, shape and lookup mistakes give Google\'s error texts', async () => {
  const { result } = await runOnNew('rangeErrors');
  assert.deepEqual(result, {
    rowPastGrid: 'Exception: The coordinates of the range are outside the dimensions of the sheet.',
    colPastGrid: 'Exception: The coordinates of the range are outside the dimensions of the sheet.',
    a1PastGrid: 'Exception: The coordinates of the range are outside the dimensions of the sheet.',
    rowZero: 'Exception: The starting row of the range is too small.',
    colZero: 'Exception: The starting column of the range is too small.',
    noRows: 'Exception: The number of rows in the range must be at least 1.',
    noCols: 'Exception: The number of columns in the range must be at least 1.',
    badA1: 'Exception: Range not found',
    deleteRowsPast: 'Exception: Those rows are out of bounds.',
    deleteColsPast: 'Exception: Those columns are out of bounds.',
    insertColsPast: 'Exception: Those columns are out of bounds.',
    deleteAllCols: 'Exception: Sorry, it is not possible to delete all non-frozen columns.',
    tooFewRows: 'Exception: The number of rows in the data does not match the number of rows in the range. The data has 1 but the range has 2.',
    tooManyCols: 'Exception: The number of columns in the data does not match the number of columns in the range. The data has 3 but the range has 2.',
    notArray: "Exception: The parameters (String) don't match the method signature for SpreadsheetApp.Range.setValues.",
    openMissing: 'Exception: Unexpected error while getting the method or property openById on object SpreadsheetApp.',
    driveMissing: 'Exception: No item with the given ID could be found, or you do not have permission to access it.',
  });
});

test('insertColumnsAfter grows a full grid; new header cells are written after the last column', async () => {
  const { result, id } = await runOnNew('addColumns', [['Ocupado_Por', 'Fecha_Ocupacion', 'version']]);
  assert.deepEqual(result, {
    before: 4,
    after: 7,
    header: ['id', 'NV', 'TAG_SPOOL', 'Fecha_Armado', 'Ocupado_Por', 'Fecha_Ocupacion', 'version'],
  });
  const dropped = await rt.run({ functionName: 'dropColumn', parameters: [id, 6] });
  assert.deepEqual(dropped.result, ['id', 'NV', 'TAG_SPOOL', 'Fecha_Armado', 'Ocupado_Por', 'version']);
});

test('sheets: insert, hide, grow, refuse a duplicate name, delete', async () => {
  const { result } = await runOnNew('sheetsOps');
  assert.equal(result.hidden, true);
  assert.equal(result.rows, 1005);
  assert.deepEqual(result.names, ['Operaciones', 'Metadata', '_hist']);
  assert.match(result.duplicate, /^Exception: A sheet with the name "_hist" already exists/);
  assert.deepEqual(result.afterDelete, ['Operaciones', 'Metadata']);
});

test('developer metadata: whole columns, spreadsheet and sheet; finder; arbitrary ranges refused', async () => {
  const { result, id } = await runOnNew('tagColumns');
  assert.deepEqual(result.columns, [
    { value: 'Ocupado_Por', type: 'COLUMN', column: 3, a1: 'C1:C5', visibility: 'DOCUMENT' },
    { value: 'version', type: 'COLUMN', column: 4, a1: 'D1:D5', visibility: 'DOCUMENT' },
  ]);
  assert.deepEqual(result.schema, [['zeues.schema_version', '3.0']]);
  assert.deepEqual(result.sheetLevel, [['zeues.sheet', null]]);
  assert.deepEqual(result.onColumnC, ['Ocupado_Por']);
  assert.equal(result.inSheet, 3);
  const arbitrary = 'Exception: Adding developer metadata to arbitrary ranges is not currently supported. Developer metadata may only be added to the top-level spreadsheet, an individual sheet, or an entire row or column.';
  assert.equal(result.arbitrary, arbitrary);
  assert.equal(result.cell, arbitrary);
  const moved = await rt.run({ functionName: 'columnTagsAfterInsert', parameters: [id] });
  assert.deepEqual(moved.result, [['Ocupado_Por', 4], ['version', 5]], 'tags move with their columns');
  const removed = await rt.run({ functionName: 'removeTags', parameters: [id] });
  assert.deepEqual(removed.result, { columns: ['Ocupado_Por'], schema: '2.1' });
});

test('list validation is warning-only and reads back', async () => {
  const { result } = await runOnNew('listValidation');
  assert.deepEqual(result, {
    type: 'VALUE_IN_LIST',
    values: [['INICIAR_ARM', 'TOMAR_SPOOL'], true],
    allowInvalid: true,
    written: 'NOT_IN_LIST',
    none: null,
  });
});

test('Spreadsheet.copy makes a backup with a new id, its sheets and metadata; DriveApp finds and trashes it', async () => {
  const { id } = await runOnNew('tagColumns');
  const r = await rt.run({ functionName: 'backup', parameters: [id, 'ZEUES backup 1'] });
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  const b = /** @type {any} */ (r.result);
  assert.equal(b.differentId, true);
  assert.equal(b.copyName, 'ZEUES backup 1');
  assert.equal(b.fileName, 'ZEUES backup 1');
  assert.match(b.url, new RegExp(b.copyId));
  assert.deepEqual(b.found, [b.copyId]);
  assert.deepEqual(b.copySheets, ['Operaciones', 'Metadata']);
  assert.equal(b.copyTags, 1);
  assert.equal(b.makeCopy, 'second copy');
  assert.equal(b.mime, 'application/vnd.google-apps.spreadsheet');
  const trashed = await rt.run({ functionName: 'trash', parameters: [b.copyId] });
  assert.equal(trashed.result, true);
});

test('the cell limit refuses a column insert with Google\'s text', async () => {
  const created = await env.engine.createSpreadsheet({
    properties: { title: 'big' },
    sheets: [{ properties: { title: 'Big', gridProperties: { rowCount: 1000000, columnCount: 10 } } }],
  });
  const r = await rt.run({ functionName: 'growPastCellLimit', parameters: [created.spreadsheetId] });
  assert.equal(r.result, 'Exception: This action would increase the number of cells in the workbook above the limit of 10000000 cells.');
});

test('the Advanced Sheets service uses Google\'s argument order and error type', async () => {
  const { result } = await runOnNew('advanced');
  assert.deepEqual(result, {
    replies: 1,
    columns: 5,
    got: [['x', 'y', 5], ['appended']],
    batch: [[['x']], [['5']]], // batchGet defaults to FORMATTED_VALUE
    cleared: true,
    search: true,
    isArray: true,
  });
  const { result: err } = await runOnNew('advancedError');
  assert.equal(err.name, 'GoogleJsonResponseException');
  assert.equal(err.isError, true);
  assert.equal(err.code, 400);
  assert.match(err.text, /^GoogleJsonResponseException: API call to sheets\.spreadsheets\.batchUpdate failed with error: /);
});
