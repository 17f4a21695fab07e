'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { zeues, apiError } = require('./helpers');

test('reads: render options, trimming, echoed range', () => {
  const { engine, id } = zeues();
  const all = engine.valuesGet(id, 'Operaciones');
  assert.equal(all.range, 'Operaciones!A1:F10');
  assert.equal(all.majorDimension, 'ROWS');
  assert.deepEqual(all.values[1], ['MK-1335-CW-25238-011', '100', '28-01-2026', 'MR(93)', '10', '110']);
  assert.deepEqual(all.values[2], ['MK-1335-CW-25238-012', '200', '', '', '20', '220']);
  assert.equal(all.values.length, 4); // trailing empty rows dropped
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!C2:C3', { valueRenderOption: 'UNFORMATTED_VALUE' }).values, [[46050]]);
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!C2', { valueRenderOption: 'UNFORMATTED_VALUE', dateTimeRenderOption: 'FORMATTED_STRING' }).values, [['28-01-2026']]);
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!E4:F4', { valueRenderOption: 'FORMULA' }).values, [[30.5, '=B4+E4']]);
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!E4:F4').values, [['30,5', '330,5']]);
  const cols = engine.valuesGet(id, 'Operaciones!A1:C4', { majorDimension: 'COLUMNS' });
  assert.deepEqual(cols.values[2], ['Fecha_Armado', '28-01-2026', '', 'legacy 30/7/2025']);
  const empty = engine.valuesGet(id, 'Operaciones!A8:B9');
  assert.deepEqual(empty, { range: 'Operaciones!A8:B9', majorDimension: 'ROWS' });
  // Bounded past the grid: clipped; starting outside: Google's error.
  assert.equal(engine.valuesGet(id, 'Operaciones!A1:Z5000').range, 'Operaciones!A1:F10');
  assert.equal(engine.valuesGet(id, 'Operaciones!B:B').range, 'Operaciones!B1:B10');
  assert.equal(engine.valuesGet(id, 'Operaciones!2:3').range, 'Operaciones!A2:F3');
  assert.equal(engine.valuesGet(id, "'My Sheet'!A1").range, "'My Sheet'!A1");
  assert.deepEqual(engine.valuesGet(id, "'My Sheet'!A1:B1").values, [['600', 'MK-1335-CW-25238-011!']]);
  assert.deepEqual(apiError(() => engine.valuesGet(id, 'Operaciones!G1')),
    { code: 400, message: 'Range (Operaciones!G1) exceeds grid limits. Max rows: 10, max columns: 6', status: 'INVALID_ARGUMENT' });
  assert.equal(apiError(() => engine.valuesGet(id, 'Nope!A1')).message, 'Unable to parse range: Nope!A1');
  assert.equal(apiError(() => engine.valuesGet(id, 'A1', { valueRenderOption: 'PRETTY' })).message,
    'Invalid value at \'value_render_option\' (type.googleapis.com/google.apps.sheets.v4.ValueRenderOption), "PRETTY"');
  assert.equal(apiError(() => engine.valuesGet('nope', 'A1')).code, 404);
  const batch = engine.valuesBatchGet(id, { ranges: ['Metadata!A1:B1', 'Operaciones!A2'] });
  assert.deepEqual(batch.valueRanges.map((v) => v.values), [[['id', 'timestamp']], [['MK-1335-CW-25238-011']]]);
  assert.deepEqual(engine.valuesBatchGet(id, {}), { spreadsheetId: id });
});

test('writes: RAW, USER_ENTERED, recalculation, limits', () => {
  const { engine, id } = zeues();
  const r = engine.valuesUpdate(id, 'Operaciones!B3', { values: [['250']] }, { valueInputOption: 'USER_ENTERED' });
  assert.deepEqual(r, { spreadsheetId: id, updatedRange: 'Operaciones!B3', updatedRows: 1, updatedColumns: 1, updatedCells: 1 });
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!B3:F3', { valueRenderOption: 'UNFORMATTED_VALUE' }).values, [[250, '', '', 20, 270]]);
  assert.deepEqual(engine.valuesGet(id, "'My Sheet'!A1", { valueRenderOption: 'UNFORMATTED_VALUE' }).values, [[650]]);
  engine.valuesUpdate(id, 'Operaciones!C3:D3', { values: [['29-01-2026', "'=not a formula"]] }, { valueInputOption: 'USER_ENTERED' });
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!C3:D3').values, [['29-01-2026', '=not a formula']]);
  engine.valuesUpdate(id, 'Operaciones!C3:D3', { values: [['29-01-2026', '=1+2']] }, { valueInputOption: 'RAW' });
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!C3:D3', { valueRenderOption: 'UNFORMATTED_VALUE' }).values, [['29-01-2026', '=1+2']]);
  // null skips a cell, '' clears it
  engine.valuesUpdate(id, 'Operaciones!A4:B4', { values: [[null, '']] }, { valueInputOption: 'RAW' });
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!A4:B4').values, [['TEST-01']]);
  assert.equal(apiError(() => engine.valuesUpdate(id, 'Operaciones!A1', { values: [['x']] }, {})).message,
    "'valueInputOption' is required but not specified");
  assert.equal(apiError(() => engine.valuesUpdate(id, 'Operaciones!A1:B2', { values: [['a'], ['b'], ['c']] }, { valueInputOption: 'RAW' })).message,
    'Requested writing within range [Operaciones!A1:B2], but tried writing to row [3]');
  assert.equal(apiError(() => engine.valuesUpdate(id, 'Operaciones!A1:B2', { values: [['a', 'b', 'c']] }, { valueInputOption: 'RAW' })).message,
    'Requested writing within range [Operaciones!A1:B2], but tried writing to column [C]');
  assert.equal(apiError(() => engine.valuesUpdate(id, 'Operaciones!G1', { values: [['x']] }, { valueInputOption: 'RAW' })).message,
    'Range (Operaciones!G1) exceeds grid limits. Max rows: 10, max columns: 6');
  assert.equal(apiError(() => engine.valuesUpdate(id, 'Operaciones!F1', { values: [['x', 'y']] }, { valueInputOption: 'RAW' })).message,
    'Range (Operaciones!F1) exceeds grid limits. Max rows: 10, max columns: 6');
  const withData = engine.valuesUpdate(id, 'Metadata!A3', { values: [['u2', 'x']] }, { valueInputOption: 'RAW', includeValuesInResponse: true });
  assert.deepEqual(withData.updatedData, { range: 'Metadata!A3:B3', majorDimension: 'ROWS', values: [['u2', 'x']] });
  const cols = engine.valuesUpdate(id, 'Metadata!C5', { majorDimension: 'COLUMNS', values: [['a', 'b']] }, { valueInputOption: 'RAW' });
  assert.equal(cols.updatedRange, 'Metadata!C5:C6');
  const b = engine.valuesBatchUpdate(id, { valueInputOption: 'RAW', data: [{ range: 'Metadata!D10', values: [['x']] }, { range: "'My Sheet'!C1", values: [[1, 2]] }] });
  assert.equal(b.totalUpdatedCells, 3);
  assert.equal(b.totalUpdatedSheets, 2);
  assert.equal(b.responses.length, 2);
});

test('append finds the table and grows the grid', () => {
  const { engine, id } = zeues();
  const a = engine.valuesAppend(id, 'Metadata!A1', { values: [['u2', '28-01-2026 10:00:00', 'TOMAR_SPOOL', 'TEST-01']] },
    { valueInputOption: 'USER_ENTERED' });
  assert.equal(a.tableRange, 'Metadata!A1:D2');
  assert.equal(a.updates.updatedRange, 'Metadata!A3:D3');
  const big = Array.from({ length: 25 }, (_, i) => ['r' + i]);
  const g = engine.valuesAppend(id, 'Metadata', { values: big }, { valueInputOption: 'RAW' });
  assert.equal(g.updates.updatedRange, 'Metadata!A4:A28');
  assert.equal(engine.getSpreadsheet(id).sheets[1].properties.gridProperties.rowCount, 28);
  const ins = engine.valuesAppend(id, 'Operaciones!A1:F4', { values: [['NEW']] }, { valueInputOption: 'RAW', insertDataOption: 'INSERT_ROWS' });
  assert.equal(ins.updates.updatedRange, 'Operaciones!A5');
  assert.equal(engine.getSpreadsheet(id).sheets[0].properties.gridProperties.rowCount, 11);
  const none = engine.valuesAppend(id, "'My Sheet'!D5", { values: [['z']] }, { valueInputOption: 'RAW' });
  assert.equal(none.tableRange, undefined);
  assert.equal(none.updates.updatedRange, "'My Sheet'!D5");
  assert.match(apiError(() => engine.valuesAppend(id, 'Metadata!A1', { values: [['a', 'b', 'c', 'd', 'e']] }, { valueInputOption: 'RAW' })).message,
    /exceeds grid limits/);
});

test('clear keeps formats and recalculates', () => {
  const { engine, id } = zeues();
  assert.deepEqual(engine.valuesClear(id, 'Operaciones!B2:B4'), { spreadsheetId: id, clearedRange: 'Operaciones!B2:B4' });
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!F2:F4', { valueRenderOption: 'UNFORMATTED_VALUE' }).values, [[10], [20], [30.5]]);
  engine.valuesClear(id, 'Operaciones!C2');
  engine.valuesUpdate(id, 'Operaciones!C2', { values: [[46051]] }, { valueInputOption: 'RAW' });
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!C2').values, [['29-01-2026']]);
  assert.deepEqual(engine.valuesBatchClear(id, { ranges: ['Metadata!A2:D2'] }).clearedRanges, ['Metadata!A2:D2']);
});

test('formulas: arithmetic, functions, errors, unsupported keep their last value', () => {
  const { engine, id } = zeues();
  const put = (range, v) => engine.valuesUpdate(id, range, { values: [v] }, { valueInputOption: 'USER_ENTERED' });
  const raw = (range) => engine.valuesGet(id, range, { valueRenderOption: 'UNFORMATTED_VALUE' }).values;
  put("'My Sheet'!A2:G2", ['=2+3*4', '=(2+3)*4', '=10/0', '=SUM(Operaciones!B:B)', '=A2&"-"&B2', '=IF(A2>10,"big","small")', '=-2^2']);
  assert.deepEqual(raw("'My Sheet'!A2:G2"), [[14, 20, '#DIV/0!', 600, '14-20', 'big', 4]]);
  assert.deepEqual(engine.valuesGet(id, "'My Sheet'!C2", { valueRenderOption: 'FORMULA' }).values, [['=10/0']]);
  put("'My Sheet'!A3", ['=VLOOKUP(1,A:B,2,0)']);
  assert.deepEqual(engine.valuesGet(id, "'My Sheet'!A3", { valueRenderOption: 'FORMULA' }).values, [['=VLOOKUP(1,A:B,2,0)']]);
  put("'My Sheet'!A4", ['=sum(a2:b2)']);
  assert.deepEqual(engine.valuesGet(id, "'My Sheet'!A4", { valueRenderOption: 'FORMULA' }).values, [['=SUM(A2:B2)']]);
  assert.deepEqual(raw("'My Sheet'!A4"), [[34]]);
  put("'My Sheet'!A5:B5", ['=B5+1', '=A5+1']);
  assert.deepEqual(raw("'My Sheet'!A5:B5"), [['#REF!', '#REF!']]);
  const grid = engine.getSpreadsheet(id, { ranges: ["'My Sheet'!C2"], includeGridData: true });
  assert.deepEqual(grid.sheets[0].data[0].rowData[0].values[0].effectiveValue,
    { errorValue: { type: 'DIVIDE_BY_ZERO', message: 'Function DIVIDE parameter 2 cannot be zero.' } });
});
