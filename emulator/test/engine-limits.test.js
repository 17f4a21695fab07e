'use strict';
/**
 * Where Google fails, the emulator fails: the 50,000-character cell, reads that start outside the grid,
 * moveDimension's coordinates and validation, and the Sheets API's request time limit.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { Engine } = require('../engine');
const { createServer, REQUEST_LIMIT_MS } = require('../server');
const { ApiFailure, toException } = require('../runtime/services/errors');
const { zeues, apiError, rowData } = require('./helpers');
const { mintAccessToken } = require('../auth');
/** The owner's token: Google refuses a call without one. */
const OWNER = { authorization: 'Bearer ' + mintAccessToken({ scopes: ['https://www.googleapis.com/auth/spreadsheets',
  'https://www.googleapis.com/auth/drive'] }) };

const TOO_LONG = 'Your input contains more than the maximum of 50000 characters in a single cell.';
const bu = (engine, id, ...requests) => engine.batchUpdate(id, { requests });
const snapshot = (engine, id) => JSON.stringify(engine.getSpreadsheet(id, { includeGridData: true }));
const formulas = (engine, id, range) => engine.valuesGet(id, range, { valueRenderOption: 'FORMULA' }).values;
const unformatted = (engine, id, range) => engine.valuesGet(id, range, { valueRenderOption: 'UNFORMATTED_VALUE' }).values;

test('50,000 characters per cell: values.* writes, RAW and USER_ENTERED, text and formulas', () => {
  const { engine, id } = zeues();
  const max = 'x'.repeat(50_000);
  for (const valueInputOption of ['RAW', 'USER_ENTERED']) {
    engine.valuesUpdate(id, 'Metadata!A5', { values: [[max]] }, { valueInputOption });
    assert.equal(engine.valuesGet(id, 'Metadata!A5').values[0][0].length, 50_000);
    assert.deepEqual(apiError(() => engine.valuesUpdate(id, 'Metadata!A5', { values: [[max + 'y']] }, { valueInputOption })),
      { code: 400, message: TOO_LONG, status: 'INVALID_ARGUMENT' });
  }
  // A formula counts as the text sent: '=' and 50,000 characters is one too many.
  const formula = '="' + 'a'.repeat(49_997) + '"';
  assert.equal(formula.length, 50_000);
  engine.valuesUpdate(id, 'Metadata!B5', { values: [[formula]] }, { valueInputOption: 'USER_ENTERED' });
  assert.equal(formulas(engine, id, 'Metadata!B5')[0][0], formula);
  assert.equal(apiError(() => engine.valuesUpdate(id, 'Metadata!B5', { values: [['=' + max]] }, { valueInputOption: 'USER_ENTERED' })).message, TOO_LONG);
  // Numbers and booleans have no text to count.
  engine.valuesUpdate(id, 'Metadata!C5', { values: [[123456789, true]] }, { valueInputOption: 'RAW' });
  const before = snapshot(engine, id);
  assert.equal(apiError(() => engine.valuesAppend(id, 'Metadata!A1', { values: [['ok', max + 'y']] }, { valueInputOption: 'RAW', insertDataOption: 'INSERT_ROWS' })).message, TOO_LONG);
  // values.batchUpdate names the ValueRange (as public reports show: "Invalid data[4]: Your input ...") and is all-or-nothing.
  assert.deepEqual(apiError(() => engine.valuesBatchUpdate(id, { valueInputOption: 'RAW', data: [
    { range: 'Metadata!A6', values: [['applied?']] }, { range: 'Metadata!A7', values: [[null, max + 'y']] }] })),
  { code: 400, message: 'Invalid data[1]: ' + TOO_LONG, status: 'INVALID_ARGUMENT' });
  assert.equal(snapshot(engine, id), before);
});

test('50,000 characters per cell: batchUpdate requests and spreadsheets.create', () => {
  const { engine, id } = zeues();
  const long = { userEnteredValue: { stringValue: 'x'.repeat(50_001) } };
  const before = snapshot(engine, id);
  const cases = [
    ['updateCells', { updateCells: { start: { sheetId: 77, rowIndex: 5 }, fields: 'userEnteredValue', rows: [{ values: [long] }] } }],
    ['appendCells', { appendCells: { sheetId: 77, fields: '*', rows: [{ values: [{}, long] }] } }],
    ['repeatCell', { repeatCell: { range: { sheetId: 77, startRowIndex: 5, endRowIndex: 6 }, fields: 'userEnteredValue', cell: long } }],
    ['updateCells', { updateCells: { start: { sheetId: 77, rowIndex: 5 }, fields: 'userEnteredValue',
      rows: [{ values: [{ userEnteredValue: { formulaValue: '=' + 'A'.repeat(50_000) } }] }] } }],
  ];
  for (const [kind, req] of cases) {
    // A valid request before it is rolled back with it.
    const err = apiError(() => bu(engine, id, { appendDimension: { sheetId: 77, dimension: 'ROWS', length: 5 } }, req));
    assert.deepEqual(err, { code: 400, message: `Invalid requests[1].${kind}: ${TOO_LONG}`, status: 'INVALID_ARGUMENT' });
    assert.equal(snapshot(engine, id), before);
  }
  bu(engine, id, { updateCells: { start: { sheetId: 77, rowIndex: 5 }, fields: 'userEnteredValue',
    rows: [{ values: [{ userEnteredValue: { stringValue: 'x'.repeat(50_000) } }] }] } });
  assert.equal(engine.valuesGet(id, 'Metadata!A6').values[0][0].length, 50_000);
  // create: "Invalid sheets[0].data[0]: Your input contains ..." (the GridData that holds the cell).
  const count = engine.state().spreadsheets.length;
  assert.deepEqual(apiError(() => engine.createSpreadsheet({ sheets: [{ properties: { title: 'a' } },
    { properties: { title: 'b' }, data: [{ rowData: rowData([['ok']]) }, { startRow: 3, rowData: [{ values: [long] }] }] }] })),
  { code: 400, message: `Invalid sheets[1].data[1]: ${TOO_LONG}`, status: 'INVALID_ARGUMENT' });
  assert.equal(engine.state().spreadsheets.length, count);
});

test('50,000 characters per cell: SpreadsheetApp shows the same text as an Exception', () => {
  // Range.setValue(s) write through values.update (no request prefix); batchUpdate's prefix is stripped.
  for (const message of [TOO_LONG, `Invalid requests[0].updateCells: ${TOO_LONG}`]) {
    const e = toException(new ApiFailure({ code: 400, status: 'INVALID_ARGUMENT', message }));
    assert.equal(e.name, 'Exception');
    assert.equal(e.message, TOO_LONG);
  }
});

test('reads and the grid: values.get/batchGet and spreadsheets.get clip a range that ends past it, refuse one that starts past it', () => {
  const { engine, id } = zeues(); // Operaciones is 10 rows x 6 columns (A:F)
  const limits = 'exceeds grid limits. Max rows: 10, max columns: 6';
  // Starts inside, ends past: clipped, no error.
  assert.equal(engine.valuesGet(id, 'Operaciones!E3:Z200').range, 'Operaciones!E3:F10');
  assert.deepEqual(unformatted(engine, id, 'Operaciones!E3:Z200'), [[20, 220], [30.5, 330.5]]);
  assert.equal(engine.valuesGet(id, 'Operaciones!A1:Z').range, 'Operaciones!A1:F10');
  assert.equal(engine.valuesGet(id, 'Operaciones!A:A').range, 'Operaciones!A1:A10');
  assert.equal(engine.valuesGet(id, 'Operaciones!5:5').range, 'Operaciones!A5:F5');
  assert.equal(engine.valuesGet(id, 'Operaciones!9:30').range, 'Operaciones!A9:F10');
  // Starts past: 400 with the range as asked.
  for (const [range, text] of [['Operaciones!A11:B12', 'Operaciones!A11:B12'], ['Operaciones!G1:H2', 'Operaciones!G1:H2'],
    ['Operaciones!Z:Z', 'Operaciones!Z:Z'], ['Operaciones!11:11', 'Operaciones!11:11'], ['Operaciones!G2:H', 'Operaciones!G2:H'],
    ["'My Sheet'!AA1", "'My Sheet'!AA1"]]) {
    const err = apiError(() => engine.valuesGet(id, range));
    assert.equal(err.code, 400, range);
    assert.equal(err.status, 'INVALID_ARGUMENT');
    assert.equal(err.message, `Range (${text}) ${range.startsWith("'My") ? 'exceeds grid limits. Max rows: 1000, max columns: 26' : limits}`);
  }
  // batchGet: one range that starts past the grid fails the call.
  assert.match(apiError(() => engine.valuesBatchGet(id, { ranges: ['Operaciones!A1', 'Operaciones!A11'] })).message, /^Range \(Operaciones!A11\) exceeds/);
  assert.deepEqual(engine.valuesBatchGet(id, { ranges: ['Operaciones!F4:G11'] }).valueRanges.map((v) => v.range), ['Operaciones!F4:F10']);
  // A sheet that does not exist: "Unable to parse range".
  assert.deepEqual(apiError(() => engine.valuesGet(id, 'Nope!A1')), { code: 400, message: 'Unable to parse range: Nope!A1', status: 'INVALID_ARGUMENT' });
  assert.equal(apiError(() => engine.getSpreadsheet(id, { ranges: ['Nope!A1'] })).message, 'Unable to parse range: Nope!A1');

  // spreadsheets.get with ranges (and grid data) behaves the same way.
  const got = engine.getSpreadsheet(id, { ranges: ['Operaciones!E3:Z200'], includeGridData: true });
  assert.equal(got.sheets.length, 1);
  const gd = got.sheets[0].data[0];
  assert.equal(gd.startRow, 2);
  assert.equal(gd.startColumn, 4);
  assert.equal(gd.rowMetadata.length, 8); // rows 3..10
  assert.equal(gd.columnMetadata.length, 2); // E:F
  assert.deepEqual(gd.rowData.map((r) => r.values.map((c) => c.effectiveValue.numberValue)), [[20, 220], [30.5, 330.5]]);
  assert.equal(engine.getSpreadsheet(id, { ranges: ['Operaciones!A:A'], includeGridData: true }).sheets[0].data[0].rowMetadata.length, 10);
  for (const range of ['Operaciones!A11:B12', 'Operaciones!G:G', 'Operaciones!11:12']) {
    for (const includeGridData of [false, true]) {
      const err = apiError(() => engine.getSpreadsheet(id, { ranges: ['Metadata!A1', range], includeGridData }));
      assert.equal(err.code, 400);
      assert.equal(err.message, `Range (${range}) ${limits}`);
    }
  }
});

test('moveDimension: a tagged column moves right and left with its values, metadata and formulas', () => {
  const { engine, id } = zeues();
  const made = bu(engine, id, { createDeveloperMetadata: { developerMetadata: { metadataKey: 'zeues.column', metadataValue: 'NV',
    visibility: 'DOCUMENT', location: { dimensionRange: { sheetId: 0, dimension: 'COLUMNS', startIndex: 1, endIndex: 2 } } } } },
  { updateCells: { start: { sheetId: 0, rowIndex: 4, columnIndex: 1 }, fields: 'userEnteredValue,note,userEnteredFormat',
    rows: [{ values: [{ userEnteredValue: { formulaValue: '=SUM(B2:B3)' }, note: 'sum', userEnteredFormat: { textFormat: { bold: true } } }] }] } },
  { updateDimensionProperties: { range: { sheetId: 0, dimension: 'COLUMNS', startIndex: 1, endIndex: 2 }, properties: { hiddenByUser: true }, fields: 'hiddenByUser' } });
  const mid = made.replies[0].createDeveloperMetadata.developerMetadata.metadataId;
  const where = () => engine.developerMetadataGet(id, mid).location.dimensionRange;
  assert.deepEqual(unformatted(engine, id, 'Operaciones!B1:B5'), [['NV'], [100], [200], [300], [300]]);

  // Right: column B (1..2) to destinationIndex 4 lands after the old column D, at index 3.
  bu(engine, id, { moveDimension: { source: { sheetId: 0, dimension: 'COLUMNS', startIndex: 1, endIndex: 2 }, destinationIndex: 4 } });
  assert.deepEqual(unformatted(engine, id, 'Operaciones!A1:F1'), [['TAG_SPOOL', 'Fecha_Armado', 'Armador', 'NV', 'Precio A', 'Precio Total']]);
  assert.deepEqual(where(), { dimension: 'COLUMNS', startIndex: 3, endIndex: 4 });
  assert.deepEqual(formulas(engine, id, 'Operaciones!D5'), [['=SUM(D2:D3)']]);
  assert.deepEqual(unformatted(engine, id, 'Operaciones!D5'), [[300]]);
  // The formulas that read the moved column follow it, on this sheet and on others.
  assert.deepEqual(formulas(engine, id, 'Operaciones!F2'), [['=D2+E2']]);
  assert.deepEqual(formulas(engine, id, "'My Sheet'!A1"), [['=SUM(Operaciones!D2:D4)']]);
  assert.deepEqual(unformatted(engine, id, "'My Sheet'!A1"), [[600]]);
  const cell = engine.getSpreadsheet(id, { ranges: ['Operaciones!D5'], includeGridData: true }).sheets[0].data[0];
  assert.equal(cell.rowData[0].values[0].note, 'sum');
  assert.equal(cell.rowData[0].values[0].userEnteredFormat.textFormat.bold, true);
  assert.equal(cell.columnMetadata[0].hiddenByUser, true);
  assert.equal(cell.columnMetadata[0].developerMetadata[0].metadataId, mid);

  // Left: back to index 1 (destinationIndex is in the coordinates before the move).
  bu(engine, id, { moveDimension: { source: { sheetId: 0, dimension: 'COLUMNS', startIndex: 3, endIndex: 4 }, destinationIndex: 1 } });
  assert.deepEqual(where(), { dimension: 'COLUMNS', startIndex: 1, endIndex: 2 });
  assert.deepEqual(unformatted(engine, id, 'Operaciones!A1:F1'), [['TAG_SPOOL', 'NV', 'Fecha_Armado', 'Armador', 'Precio A', 'Precio Total']]);
  assert.deepEqual(formulas(engine, id, 'Operaciones!B5'), [['=SUM(B2:B3)']]);
  assert.deepEqual(formulas(engine, id, 'Operaciones!F2:F4'), [['=B2+E2'], ['=B3+E3'], ['=B4+E4']]);
  assert.deepEqual(formulas(engine, id, "'My Sheet'!A1"), [['=SUM(Operaciones!B2:B4)']]);
  // Left past the start: column B to 0.
  bu(engine, id, { moveDimension: { source: { sheetId: 0, dimension: 'COLUMNS', startIndex: 1, endIndex: 2 }, destinationIndex: 0 } });
  assert.deepEqual(where(), { dimension: 'COLUMNS', endIndex: 1 });
  assert.deepEqual(formulas(engine, id, 'Operaciones!A5'), [['=SUM(A2:A3)']]);
  assert.deepEqual(engine.getSpreadsheet(id, { ranges: ['Operaciones!A1:C1'], includeGridData: true }).sheets[0].data[0]
    .columnMetadata.map((c) => !!c.hiddenByUser), [true, false, false]);
});

test('moveDimension: rows as in Google\'s reference example, with row metadata; references follow their cells', () => {
  const engine = new Engine({});
  const { spreadsheetId: id } = engine.createSpreadsheet({ sheets: [{ properties: { title: 'S', gridProperties: { rowCount: 8, columnCount: 3 } },
    data: [{ rowData: rowData([[0], [1], [2], [3], [4], [null, '=SUM(A1:A4)'], [null, '=A2']]) }] }] });
  bu(engine, id, { createDeveloperMetadata: { developerMetadata: { metadataKey: 'row', visibility: 'DOCUMENT',
    location: { dimensionRange: { dimension: 'ROWS', startIndex: 2, endIndex: 3 } } } } });
  // "given A1..A5 of 0, 1, 2, 3, 4 ... the source would be ROWS [1..3), and the destination index would be 4 ...
  // The end result would be A1..A5 of 0, 3, 1, 2, 4."
  bu(engine, id, { moveDimension: { source: { dimension: 'ROWS', startIndex: 1, endIndex: 3 }, destinationIndex: 4 } });
  assert.deepEqual(unformatted(engine, id, 'S!A1:A5'), [[0], [3], [1], [2], [4]]);
  const meta = engine.developerMetadataSearch(id, { dataFilters: [{ developerMetadataLookup: { metadataKey: 'row' } }] });
  assert.deepEqual(meta.matchedDeveloperMetadata[0].developerMetadata.location.dimensionRange, { dimension: 'ROWS', startIndex: 3, endIndex: 4 });
  // Each reference follows the cells it names: =A2 (value 1) is now =A3; A1:A4's end cell (value 3) moved up to A2.
  assert.deepEqual(formulas(engine, id, 'S!B6:B7'), [['=SUM(A1:A2)'], ['=A3']]);
  assert.deepEqual(unformatted(engine, id, 'S!B6:B7'), [[3], [1]]);
  // Row 5 (value 4) moved between rows 1 and 2: it enters A1:A2, whose end follows its cell down.
  bu(engine, id, { moveDimension: { source: { dimension: 'ROWS', startIndex: 4, endIndex: 5 }, destinationIndex: 1 } });
  assert.deepEqual(unformatted(engine, id, 'S!A1:A5'), [[0], [4], [3], [1], [2]]);
  assert.deepEqual(formulas(engine, id, 'S!B6:B7'), [['=SUM(A1:A3)'], ['=A4']]);
  assert.deepEqual(unformatted(engine, id, 'S!B6:B7'), [[7], [1]]);
  // Moving the block to its own start or end changes nothing.
  const before = snapshot(engine, id);
  bu(engine, id, { moveDimension: { source: { dimension: 'ROWS', startIndex: 1, endIndex: 3 }, destinationIndex: 1 } },
    { moveDimension: { source: { dimension: 'ROWS', startIndex: 1, endIndex: 3 }, destinationIndex: 3 } });
  assert.equal(snapshot(engine, id), before);
});

test('moveDimension: validation, all-or-nothing', () => {
  const { engine, id } = zeues();
  const before = snapshot(engine, id);
  const move = (source, destinationIndex) => apiError(() => bu(engine, id,
    { moveDimension: { source: { sheetId: 0, dimension: 'COLUMNS', startIndex: 0, endIndex: 1 }, destinationIndex: 3 } },
    { moveDimension: { source, destinationIndex } })).message;
  const cols = (startIndex, endIndex) => ({ sheetId: 0, dimension: 'COLUMNS', startIndex, endIndex });
  const p = 'Invalid requests[1].moveDimension: ';
  assert.equal(move(cols(1, 3), 2), `${p}destinationIndex (2) must not be inside the source range [1, 3).`);
  assert.equal(move(cols(1, 2), 7), `${p}destinationIndex (7) must be between 0 and the number of columns (6).`);
  assert.equal(move(cols(1, 2), -1), `${p}destinationIndex (-1) must be between 0 and the number of columns (6).`);
  assert.equal(move(cols(5, 7), 0), `${p}Cannot move a column that doesn't exist. Tried to move column index 6 but there are only 6 columns.`);
  assert.equal(move(cols(2, 2), 0), `${p}source.endIndex must be greater than source.startIndex.`);
  assert.equal(move({ sheetId: 5, dimension: 'ROWS', startIndex: 0, endIndex: 1 }, 2), `${p}No grid with id: 5`);
  assert.equal(move({ sheetId: 0, startIndex: 0, endIndex: 1 }, 2), `${p}source.dimension must be ROWS or COLUMNS.`);
  assert.equal(move(undefined, 2), `${p}source must be specified.`);
  assert.equal(snapshot(engine, id), before);
});

test('request limit: a request held past it answers Google\'s timeout; its write is applied', async (t) => {
  assert.equal(REQUEST_LIMIT_MS, 180_000);
  const { engine, id } = zeues(new Engine({}));
  const { server } = createServer({ engine, runtime: null, deploymentId: 'AKfycbTest', scriptDir: null });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${server.address().port}`;
  const call = async (method, p, body) => {
    const res = await fetch(url + p, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: OWNER });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const timeout = { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' };
  assert.equal((await call('GET', '/_emulator/state')).body.requestLimitMs, 180_000);
  assert.deepEqual((await call('POST', '/_emulator/request-limit', { limitMs: 200 })).body, { requestLimitMs: 200 });

  // A write held 2 s by latency: the answer comes at the limit, and the write has landed.
  await call('POST', '/_emulator/faults', { path: '/values/', method: 'PUT', latencyMs: 2000 });
  let t0 = Date.now();
  let r = await call('PUT', `/v4/spreadsheets/${id}/values/Metadata!A5?valueInputOption=RAW`, { values: [['late write']] });
  assert.deepEqual(r, { status: 503, body: { error: timeout } });
  assert.ok(Date.now() - t0 < 1500, 'answered at the limit, not after the latency');
  assert.deepEqual(engine.valuesGet(id, 'Metadata!A5').values, [['late write']]);
  // Reads and batchUpdates time out the same way; Drive too.
  await call('POST', '/_emulator/faults', { path: ':batchUpdate', latencyMs: 1000 });
  r = await call('POST', `/v4/spreadsheets/${id}:batchUpdate`, { requests: [{ addSheet: { properties: { title: 'late' } } }] });
  assert.deepEqual(r.body, { error: timeout });
  assert.ok(engine.getSpreadsheet(id).sheets.some((s) => s.properties.title === 'late'));
  await call('POST', '/_emulator/faults', { path: '/drive/v3/', latencyMs: 1000 });
  assert.equal((await call('GET', `/drive/v3/files/${id}`)).status, 503);
  // A fault that would fail the request after its latency: the timeout is answered first, nothing applied.
  await call('POST', '/_emulator/faults', { path: '/values/', method: 'PUT', latencyMs: 1000, status: 500 });
  r = await call('PUT', `/v4/spreadsheets/${id}/values/Metadata!A6?valueInputOption=RAW`, { values: [['x']] });
  assert.deepEqual(r.body, { error: timeout });
  assert.equal(engine.valuesGet(id, 'Metadata!A6').values, undefined);
  await call('POST', '/_emulator/faults', { path: '/values/', method: 'GET', latencyMs: 1000, drop: true });
  assert.equal((await call('GET', `/v4/spreadsheets/${id}/values/A1`)).status, 503);
  // Under the limit nothing changes; the control surface is not limited.
  await call('POST', '/_emulator/faults', { path: '/values/', latencyMs: 50 });
  assert.equal((await call('GET', `/v4/spreadsheets/${id}/values/A1`)).status, 200);
  assert.equal((await call('GET', '/_emulator/state')).body.requestLimitMs, 200);
  // reset (and limitMs 0) restore the configured limit.
  await call('POST', '/_emulator/reset', {});
  assert.equal((await call('GET', '/_emulator/state')).body.requestLimitMs, 180_000);
  await call('POST', '/_emulator/request-limit', { limitMs: 100 });
  assert.deepEqual((await call('POST', '/_emulator/request-limit', { limitMs: 0 })).body, { requestLimitMs: 180_000 });
  assert.equal((await call('POST', '/_emulator/request-limit', { limitMs: -1 })).status, 400);
  await call('POST', '/_emulator/faults', { path: '/values/', latencyMs: 300 });
  assert.equal((await call('GET', `/v4/spreadsheets/${id}/values/A1`)).status, 200);
});
