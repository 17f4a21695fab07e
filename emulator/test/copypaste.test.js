'use strict';
// copyPaste as the Sheets v4 reference documents it (emulator/README.md, "copyPaste").
const test = require('node:test');
const assert = require('node:assert/strict');
const { zeues, apiError } = require('./helpers');

const bu = (engine, id, ...requests) => engine.batchUpdate(id, { requests });
const grid = (sheetId, r0, r1, c0, c1) => ({ sheetId, startRowIndex: r0, endRowIndex: r1, startColumnIndex: c0, endColumnIndex: c1 });
const cells = (engine, id, range) => engine.getSpreadsheet(id, { ranges: [range], includeGridData: true })
  .sheets[0].data[0].rowData.map((r) => (r.values || []).map((v) => v));
const formulas = (engine, id, range) => engine.valuesGet(id, range, { valueRenderOption: 'FORMULA' }).values;

test('PASTE_NORMAL to another sheet: values, formulas (relative references moved), formats and validation', () => {
  const { engine, id } = zeues();
  bu(engine, id,
    { setDataValidation: { range: grid(0, 1, 4, 3, 4), rule: { condition: { type: 'ONE_OF_LIST', values: [{ userEnteredValue: 'MR(93)' }] } } } },
    { addSheet: { properties: { sheetId: 5, title: 'Capture', gridProperties: { rowCount: 10, columnCount: 8 } } } },
    // Columns C:F of Operaciones to C:F of Capture (no offset), and F alone to H (two columns right).
    { copyPaste: { source: grid(0, 0, 10, 2, 6), destination: grid(5, 0, 10, 2, 6), pasteType: 'PASTE_NORMAL' } },
    { copyPaste: { source: grid(0, 0, 4, 5, 6), destination: grid(5, 0, 4, 7, 8) } });
  assert.deepEqual(formulas(engine, id, 'Capture!C1:F4'), formulas(engine, id, 'Operaciones!C1:F4'));
  assert.deepEqual(formulas(engine, id, 'Capture!H1:H4'), [['Precio Total'], ['=D2+G2'], ['=D3+G3'], ['=D4+G4']]);
  const src = cells(engine, id, 'Operaciones!C2:D2')[0];
  const dst = cells(engine, id, 'Capture!C2:D2')[0];
  assert.deepEqual(dst[0].userEnteredFormat, src[0].userEnteredFormat); // the date's number format
  assert.equal(dst[1].dataValidation.condition.type, 'ONE_OF_LIST');
  // A formula on the capture sheet reads the capture's own cells now (B is empty there).
  assert.deepEqual(engine.valuesGet(id, 'Capture!F2', { valueRenderOption: 'UNFORMATTED_VALUE' }).values, [[10]]);
});

test('a round trip back to the source with the reverse offset gives the same formulas, and an empty cell clears', () => {
  const { engine, id } = zeues();
  const before = formulas(engine, id, 'Operaciones!A1:F4');
  bu(engine, id,
    { addSheet: { properties: { sheetId: 5, title: 'Capture', gridProperties: { rowCount: 10, columnCount: 8 } } } },
    { copyPaste: { source: grid(0, 0, 10, 5, 6), destination: grid(5, 0, 10, 6, 7) } },
    { updateCells: { range: grid(0, 0, 10, 5, 6), fields: 'userEnteredValue' } },
    { copyPaste: { source: grid(5, 0, 10, 6, 7), destination: grid(0, 0, 10, 5, 6) } },
    { copyPaste: { source: grid(5, 5, 6, 0, 1), destination: grid(0, 1, 2, 3, 4) } }); // an empty cell over D2
  const after = formulas(engine, id, 'Operaciones!A1:F4');
  before[1][3] = '';
  assert.deepEqual(after, before);
});

test('a reference moved before column A becomes #REF!; absolute parts stay', () => {
  const { engine, id } = zeues();
  bu(engine, id, { updateCells: { range: grid(0, 5, 6, 4, 6), fields: 'userEnteredValue', rows: [{ values: [
    { userEnteredValue: { formulaValue: '=A2+$B$2' } }, { userEnteredValue: { formulaValue: '=Metadata!B2' } }] }] } },
  { copyPaste: { source: grid(0, 5, 6, 4, 6), destination: grid(0, 6, 7, 1, 3) } });
  assert.deepEqual(formulas(engine, id, 'Operaciones!B7:C7'), [['=#REF!+$B$2', '=Metadata!#REF!']]);
});

test('PASTE_VALUES pastes results without formulas or formats; PASTE_FORMAT only formats', () => {
  const { engine, id } = zeues();
  bu(engine, id, { copyPaste: { source: grid(0, 1, 2, 2, 6), destination: grid(0, 6, 7, 2, 6), pasteType: 'PASTE_VALUES' } });
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!C7:F7', { valueRenderOption: 'FORMULA' }).values, [[46050, 'MR(93)', 10, 110]]);
  assert.equal(cells(engine, id, 'Operaciones!C7')[0][0].userEnteredFormat, undefined);
  bu(engine, id, { copyPaste: { source: grid(0, 1, 2, 2, 3), destination: grid(0, 7, 8, 2, 3), pasteType: 'PASTE_FORMAT' } });
  const c8 = cells(engine, id, 'Operaciones!C8')[0][0];
  assert.equal(c8.userEnteredValue, undefined);
  assert.equal(c8.userEnteredFormat.numberFormat.type, 'DATE');
});

test('a destination a multiple of the source is filled by repeats; a smaller one still gets the whole source', () => {
  const { engine, id } = zeues();
  bu(engine, id, { copyPaste: { source: grid(0, 1, 2, 4, 5), destination: grid(0, 5, 9, 4, 5), pasteType: 'PASTE_VALUES' } },
    { copyPaste: { source: grid(0, 1, 4, 1, 2), destination: grid(0, 5, 6, 0, 1), pasteType: 'PASTE_VALUES' } });
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!A6:E9', { valueRenderOption: 'UNFORMATTED_VALUE' }).values,
    [[100, '', '', '', 10], [200, '', '', '', 10], [300, '', '', '', 10], ['', '', '', '', 10]]);
});

test('outside the grid is refused and the whole batch is left undone', () => {
  const { engine, id } = zeues();
  const before = formulas(engine, id, 'Operaciones!A1:F10');
  const err = apiError(() => bu(engine, id,
    { updateCells: { range: grid(0, 1, 2, 0, 1), fields: 'userEnteredValue' } },
    { copyPaste: { source: grid(0, 0, 10, 0, 2), destination: grid(0, 5, 6, 0, 1) } }));
  assert.equal(err.code, 400);
  assert.match(err.message, /^Invalid requests\[1\]\.copyPaste: Range .* exceeds grid limits/);
  assert.deepEqual(formulas(engine, id, 'Operaciones!A1:F10'), before);
  const odd = apiError(() => bu(engine, id, { copyPaste: { source: grid(0, 0, 1, 0, 1), destination: grid(0, 1, 2, 0, 1),
    pasteOrientation: 'TRANSPOSE' } }));
  assert.match(odd.message, /does not implement pasteOrientation TRANSPOSE/);
});
