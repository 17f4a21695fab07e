'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { zeues, apiError, rowData } = require('./helpers');

const bu = (engine, id, ...requests) => engine.batchUpdate(id, { requests });
const colMeta = (key, value, sheetId, index) => ({ createDeveloperMetadata: { developerMetadata: {
  metadataKey: key, metadataValue: value, visibility: 'DOCUMENT',
  location: { dimensionRange: { sheetId, dimension: 'COLUMNS', startIndex: index, endIndex: index + 1 } } } } });
const find = (engine, id, lookup) => (engine.developerMetadataSearch(id, { dataFilters: [{ developerMetadataLookup: lookup }] })
  .matchedDeveloperMetadata || []).map((m) => m.developerMetadata);

test('the v3.0 shape: append columns, header, defaults, tags, validation, schema version in one batch', () => {
  const { engine, id } = zeues();
  const res = bu(engine, id,
    { appendDimension: { sheetId: 0, dimension: 'COLUMNS', length: 3 } },
    { updateCells: { range: { sheetId: 0, startRowIndex: 0, endRowIndex: 4, startColumnIndex: 6, endColumnIndex: 9 }, fields: 'userEnteredValue',
      rows: rowData([['Ocupado_Por', 'Fecha_Ocupacion', 'version'], [null, null, 0], [null, null, 0], [null, null, 0]]) } },
    colMeta('zeues.column', 'Ocupado_Por', 0, 6), colMeta('zeues.column', 'Fecha_Ocupacion', 0, 7), colMeta('zeues.column', 'version', 0, 8),
    { setDataValidation: { range: { sheetId: 77, startRowIndex: 1, endRowIndex: 20, startColumnIndex: 2, endColumnIndex: 3 },
      rule: { condition: { type: 'ONE_OF_LIST', values: [{ userEnteredValue: 'INICIAR_ARM' }, { userEnteredValue: 'TOMAR_SPOOL' }] }, strict: false, showCustomUi: true } } },
    { createDeveloperMetadata: { developerMetadata: { metadataKey: 'zeues.schema_version', metadataValue: '3.0', visibility: 'DOCUMENT', location: { spreadsheet: true } } } },
    { addSheet: { properties: { title: '_zeues_migrations', hidden: true, gridProperties: { rowCount: 100, columnCount: 9 } } } },
  );
  assert.equal(res.replies.length, 8);
  assert.deepEqual(res.replies[0], {});
  assert.equal(res.replies[7].addSheet.properties.title, '_zeues_migrations');
  assert.equal(res.replies[7].addSheet.properties.hidden, true);
  const ss = engine.getSpreadsheet(id);
  assert.equal(ss.sheets[0].properties.gridProperties.columnCount, 9);
  assert.deepEqual(ss.developerMetadata.map((d) => d.metadataKey), ['zeues.schema_version']);
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!G1:I4', { valueRenderOption: 'UNFORMATTED_VALUE' }).values,
    [['Ocupado_Por', 'Fecha_Ocupacion', 'version'], ['', '', 0], ['', '', 0], ['', '', 0]]);
  const tags = find(engine, id, { metadataKey: 'zeues.column', locationType: 'COLUMN', visibility: 'DOCUMENT' });
  assert.deepEqual(tags.map((t) => [t.metadataValue, t.location.dimensionRange.startIndex]), [['Ocupado_Por', 6], ['Fecha_Ocupacion', 7], ['version', 8]]);
  // sheetId 0 is left out of a DimensionRange, as Google writes proto3 JSON.
  assert.deepEqual(tags[0].location, { locationType: 'COLUMN', dimensionRange: { dimension: 'COLUMNS', startIndex: 6, endIndex: 7 } });
  const dv = engine.getSpreadsheet(id, { ranges: ['Metadata!C2'], includeGridData: true }).sheets[0].data[0].rowData[0].values[0].dataValidation;
  assert.equal(dv.condition.type, 'ONE_OF_LIST');
  // Validation does not block API writes.
  engine.valuesUpdate(id, 'Metadata!C2', { values: [['TYPO']] }, { valueInputOption: 'RAW' });
  assert.deepEqual(engine.valuesGet(id, 'Metadata!C2').values, [['TYPO']]);
});

test('metadata moves with its column and dies with it; formulas follow', () => {
  const { engine, id } = zeues();
  const made = bu(engine, id, colMeta('zeues.column', 'Armador', 0, 3),
    { createDeveloperMetadata: { developerMetadata: { metadataKey: 'row', visibility: 'PROJECT', location: { dimensionRange: { sheetId: 0, dimension: 'ROWS', startIndex: 2, endIndex: 3 } } } } },
    { createDeveloperMetadata: { developerMetadata: { metadataKey: 'sheet', visibility: 'DOCUMENT', location: { sheetId: 77 } } } });
  const mid = made.replies[0].createDeveloperMetadata.developerMetadata.metadataId;
  bu(engine, id, { insertDimension: { range: { sheetId: 0, dimension: 'COLUMNS', startIndex: 1, endIndex: 3 } } });
  assert.equal(engine.developerMetadataGet(id, mid).location.dimensionRange.startIndex, 5);
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!H2', { valueRenderOption: 'FORMULA' }).values, [['=D2+G2']]);
  assert.deepEqual(engine.valuesGet(id, "'My Sheet'!A1", { valueRenderOption: 'FORMULA' }).values, [['=SUM(Operaciones!D2:D4)']]);
  bu(engine, id, { insertDimension: { range: { sheetId: 0, dimension: 'ROWS', startIndex: 1, endIndex: 2 } } });
  assert.equal(find(engine, id, { metadataKey: 'row' })[0].location.dimensionRange.startIndex, 3);
  bu(engine, id, { deleteDimension: { range: { sheetId: 0, dimension: 'COLUMNS', startIndex: 4, endIndex: 6 } } });
  assert.deepEqual(find(engine, id, { metadataKey: 'zeues.column' }), []);
  assert.equal(apiError(() => engine.developerMetadataGet(id, mid)).code, 404);
  bu(engine, id, { deleteDimension: { range: { sheetId: 0, dimension: 'COLUMNS', startIndex: 3, endIndex: 4 } } });
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!E3', { valueRenderOption: 'FORMULA' }).values, [['=#REF!+D3']]);
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!E3').values, [['#REF!']]);
  bu(engine, id, { deleteSheet: { sheetId: 77 } });
  assert.deepEqual(find(engine, id, { metadataKey: 'sheet' }), []);
  // Lookups by id, value, location (exact and intersecting).
  bu(engine, id, colMeta('k', 'v1', 0, 1), colMeta('k', 'v2', 0, 2));
  assert.deepEqual(find(engine, id, { metadataKey: 'k', metadataValue: 'v2' }).map((d) => d.metadataValue), ['v2']);
  const loc = { dimensionRange: { sheetId: 0, dimension: 'COLUMNS', startIndex: 1, endIndex: 2 } };
  assert.deepEqual(find(engine, id, { metadataLocation: loc, locationMatchingStrategy: 'EXACT_LOCATION' }).map((d) => d.metadataValue), ['v1']);
  const rowLoc = { dimensionRange: { sheetId: 0, dimension: 'ROWS', startIndex: 3, endIndex: 4 } };
  assert.deepEqual(find(engine, id, { metadataLocation: rowLoc }).map((d) => d.metadataKey).sort(), ['k', 'k', 'row']);
  const del = bu(engine, id, { deleteDeveloperMetadata: { dataFilter: { developerMetadataLookup: { metadataKey: 'k' } } } });
  assert.equal(del.replies[0].deleteDeveloperMetadata.deletedDeveloperMetadata.length, 2);
  const up = bu(engine, id, { updateDeveloperMetadata: { dataFilters: [{ developerMetadataLookup: { metadataKey: 'row' } }],
    developerMetadata: { metadataValue: 'new' }, fields: 'metadataValue' } });
  assert.equal(up.replies[0].updateDeveloperMetadata.developerMetadata[0].metadataValue, 'new');
});

test('an invalid request anywhere leaves the workbook byte-identical', () => {
  const { engine, id } = zeues();
  const before = JSON.stringify(engine.getSpreadsheet(id, { includeGridData: true }));
  const err = apiError(() => bu(engine, id,
    { insertDimension: { range: { sheetId: 0, dimension: 'COLUMNS', startIndex: 0, endIndex: 2 } } },
    { updateCells: { start: { sheetId: 0, rowIndex: 0, columnIndex: 0 }, rows: rowData([['changed']]), fields: 'userEnteredValue' } },
    colMeta('zeues.column', 'x', 0, 1),
    { addSheet: { properties: { title: 'new' } } },
    { updateSheetProperties: { properties: { sheetId: 0, title: 'Renamed' }, fields: 'title' } },
    { deleteDimension: { range: { sheetId: 0, dimension: 'ROWS', startIndex: 0, endIndex: 11 } } }));
  assert.equal(err.message, "Invalid requests[5].deleteDimension: Cannot delete a row that doesn't exist. Tried to delete row index 10 but there are only 10 rows.");
  assert.equal(JSON.stringify(engine.getSpreadsheet(id, { includeGridData: true })), before);
  // and the next good batch works from the untouched state
  bu(engine, id, { updateCells: { start: { sheetId: 0, rowIndex: 0, columnIndex: 0 }, rows: rowData([['ok']]), fields: 'userEnteredValue' } });
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!A1:B1').values, [['ok', 'NV']]);
});

test('limits and Google\'s messages', () => {
  const { engine, id } = zeues();
  const msg = (...requests) => apiError(() => bu(engine, id, ...requests)).message;
  assert.equal(msg({ deleteDimension: { range: { sheetId: 0, dimension: 'COLUMNS', startIndex: 0, endIndex: 6 } } }),
    "Invalid requests[0].deleteDimension: You can't delete all the columns on the sheet.");
  assert.equal(msg({ deleteDimension: { range: { sheetId: 0, dimension: 'ROWS', startIndex: 1, endIndex: 10 } } }),
    'Invalid requests[0].deleteDimension: Sorry, it is not possible to delete all non-frozen rows.');
  assert.equal(msg({ insertDimension: { range: { sheetId: 0, dimension: 'ROWS', startIndex: 1, endIndex: 2_000_000 } } }),
    'Invalid requests[0].insertDimension: This action would increase the number of cells in the workbook above the limit of 10000000 cells.');
  assert.equal(msg({ appendDimension: { sheetId: 0, dimension: 'COLUMNS', length: 18_273 } }),
    'Invalid requests[0].appendDimension: This action would increase the number of columns in the sheet above the limit of 18278.');
  assert.equal(msg({ updateSheetProperties: { properties: { sheetId: 0, gridProperties: { rowCount: 2_000_000 } }, fields: 'gridProperties.rowCount' } }),
    'Invalid requests[0].updateSheetProperties: This action would increase the number of cells in the workbook above the limit of 10000000 cells.');
  assert.equal(msg({ addSheet: { properties: { title: 'metadata' } } }),
    'Invalid requests[0].addSheet: A sheet with the name "metadata" already exists. Please enter another name.');
  assert.equal(msg({ deleteSheet: { sheetId: 5 } }), 'Invalid requests[0].deleteSheet: No grid with id: 5');
  assert.equal(msg({ updateCells: { start: { sheetId: 0, rowIndex: 0, columnIndex: 6 }, rows: rowData([['x']]), fields: 'userEnteredValue' } }),
    'Invalid requests[0].updateCells: Range (Operaciones!G1) exceeds grid limits. Max rows: 10, max columns: 6');
  assert.equal(msg({ sortRange: {} }), 'Invalid requests[0].sortRange: The local emulator does not implement sortRange.');
  assert.equal(msg({ fooBar: {} }), 'Invalid JSON payload received. Unknown name "fooBar" at \'requests[0]\': Cannot find field.');
  assert.equal(apiError(() => engine.batchUpdate(id, { requests: [] })).message, 'Must specify at least one request.');
  assert.match(msg({ createDeveloperMetadata: { developerMetadata: { metadataKey: 'k', visibility: 'DOCUMENT',
    location: { dimensionRange: { sheetId: 0, dimension: 'COLUMNS', startIndex: 0, endIndex: 2 } } } } }), /single row or column/);
  assert.match(msg({ createDeveloperMetadata: { developerMetadata: { metadataKey: 'k', location: { spreadsheet: true } } } }), /visibility/);
});

test('sheet requests: add, duplicate, update properties, resize, delete, repeatCell, spreadsheet properties', () => {
  const { engine, id } = zeues();
  const dup = bu(engine, id, { duplicateSheet: { sourceSheetId: 0, newSheetName: 'Copia' } }).replies[0].duplicateSheet.properties;
  assert.equal(dup.index, 1);
  assert.deepEqual(engine.valuesGet(id, 'Copia!A2:F2', { valueRenderOption: 'FORMULA' }).values[0][5], '=B2+E2');
  bu(engine, id, { updateSheetProperties: { properties: { sheetId: dup.sheetId, title: 'Copia 2', index: 0, gridProperties: { rowCount: 5, frozenRowCount: 2 } },
    fields: 'title,index,gridProperties(rowCount,frozenRowCount)' } });
  const ss = engine.getSpreadsheet(id);
  assert.deepEqual(ss.sheets.map((s) => s.properties.title), ['Copia 2', 'Operaciones', 'Metadata', 'My Sheet']);
  assert.deepEqual(ss.sheets[0].properties.gridProperties, { rowCount: 5, columnCount: 6, frozenRowCount: 2 });
  bu(engine, id, { updateSheetProperties: { properties: { sheetId: 0, title: 'Ops' }, fields: 'title' } });
  assert.deepEqual(engine.valuesGet(id, "'My Sheet'!A1", { valueRenderOption: 'FORMULA' }).values, [['=SUM(Ops!B2:B4)']]);
  bu(engine, id, { repeatCell: { range: { sheetId: 0, startRowIndex: 1, endRowIndex: 4, startColumnIndex: 4, endColumnIndex: 5 },
    cell: { userEnteredFormat: { numberFormat: { type: 'NUMBER', pattern: '#,##0.00' } } }, fields: 'userEnteredFormat.numberFormat' } });
  assert.deepEqual(engine.valuesGet(id, 'Ops!E2:E4').values, [['10,00'], ['20,00'], ['30,50']]);
  bu(engine, id, { updateSpreadsheetProperties: { properties: { title: 'Nuevo', locale: 'en_US' }, fields: 'title,locale' } });
  assert.deepEqual(engine.valuesGet(id, 'Ops!C2:E2').values, [['28-01-2026', 'MR(93)', '10.00']]);
  assert.equal(engine.driveGet(id).name, 'Nuevo');
  bu(engine, id, { appendCells: { sheetId: 77, rows: rowData([['u9', 't', 'PAUSAR_SPOOL', 'TEST-01']]), fields: 'userEnteredValue' } });
  assert.deepEqual(engine.valuesGet(id, 'Metadata!A3:D3').values, [['u9', 't', 'PAUSAR_SPOOL', 'TEST-01']]);
  bu(engine, id, { deleteSheet: { sheetId: dup.sheetId } });
  assert.equal(engine.getSpreadsheet(id).sheets.length, 3);
  const masked = engine.getSpreadsheet(id, { fields: 'sheets.properties.title,spreadsheetId' });
  assert.deepEqual(masked, { spreadsheetId: id, sheets: [{ properties: { title: 'Ops' } }, { properties: { title: 'Metadata' } }, { properties: { title: 'My Sheet' } }] });
  const withData = engine.getSpreadsheet(id, { ranges: ['Ops!A1:B2', 'Ops!E3'], includeGridData: true });
  assert.equal(withData.sheets.length, 1);
  assert.equal(withData.sheets[0].data.length, 2);
  assert.deepEqual(withData.sheets[0].data[1].startRow, 2);
  assert.deepEqual(withData.sheets[0].data[1].rowData[0].values[0].formattedValue, '20.00');
});

test('Drive: get, copy with metadata, list queries, trash, delete', () => {
  const { engine, id } = zeues();
  bu(engine, id, colMeta('zeues.column', 'Armador', 0, 3));
  assert.deepEqual(engine.driveGet(id), { kind: 'drive#file', id, name: 'ZEUES test', mimeType: 'application/vnd.google-apps.spreadsheet' });
  const copy = engine.driveCopy(id, { name: 'ZEUES backup 1' }, { fields: 'id,name,parents' });
  assert.notEqual(copy.id, id);
  assert.deepEqual(engine.valuesGet(copy.id, 'Operaciones'), { ...engine.valuesGet(id, 'Operaciones') });
  assert.equal(find(engine, copy.id, { metadataKey: 'zeues.column' })[0].metadataValue, 'Armador');
  engine.valuesUpdate(copy.id, 'Operaciones!A2', { values: [['changed']] }, { valueInputOption: 'RAW' });
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!A2').values, [['MK-1335-CW-25238-011']]);
  assert.deepEqual(engine.driveList({ q: "name = 'ZEUES backup 1'", fields: 'files(id)' }), { files: [{ id: copy.id }] });
  assert.equal(engine.driveList({ q: "name contains 'backup' and mimeType = 'application/vnd.google-apps.spreadsheet'" }).files.length, 1);
  assert.equal(engine.driveList({ q: `'${copy.parents[0]}' in parents and trashed = false` }).files.length, 2);
  engine.driveUpdate(copy.id, { trashed: true });
  assert.equal(engine.driveList({ q: 'trashed = false' }).files.length, 1);
  assert.equal(engine.driveGet(copy.id, { fields: 'trashed' }).trashed, true);
  const page = engine.driveList({ pageSize: 1, orderBy: 'name' });
  assert.equal(page.files.length, 1);
  assert.ok(page.nextPageToken);
  assert.equal(engine.driveList({ pageSize: 1, pageToken: page.nextPageToken, orderBy: 'name' }).files.length, 1);
  engine.driveDelete(copy.id);
  assert.deepEqual(apiError(() => engine.driveGet(copy.id)).errors[0].reason, 'notFound');
  assert.equal(apiError(() => engine.valuesGet(copy.id, 'A1')).code, 404);
  assert.equal(apiError(() => engine.driveList({ q: "title = 'x'" })).message, 'Invalid Value');
});

test('hidden columns: set, returned, moved by inserts, deleted with their column, copied, rolled back', () => {
  const { engine, id } = zeues();
  const hidden = (sid = id) => engine.getSpreadsheet(sid, { ranges: ['Operaciones!1:1'], includeGridData: true })
    .sheets[0].data[0].columnMetadata.flatMap((dp, c) => (dp.hiddenByUser ? [c] : []));
  const hide = (start, end, value = true) => ({ updateDimensionProperties: { properties: { hiddenByUser: value },
    fields: 'hiddenByUser', range: { sheetId: 0, dimension: 'COLUMNS', startIndex: start, endIndex: end } } });
  bu(engine, id, hide(1, 3));
  assert.deepEqual(hidden(), [1, 2]);
  // Not a sheet property: the resource stays Google-shaped.
  assert.deepEqual(Object.keys(engine.getSpreadsheet(id).sheets[0]).sort(), ['properties']);
  bu(engine, id, { insertDimension: { range: { sheetId: 0, dimension: 'COLUMNS', startIndex: 2, endIndex: 3 } } });
  assert.deepEqual(hidden(), [1, 3]);
  bu(engine, id, { appendDimension: { sheetId: 0, dimension: 'COLUMNS', length: 2 } });
  assert.deepEqual(hidden(), [1, 3]);
  bu(engine, id, { deleteDimension: { range: { sheetId: 0, dimension: 'COLUMNS', startIndex: 0, endIndex: 2 } } });
  assert.deepEqual(hidden(), [1]);
  const copy = engine.driveCopy(id, { name: 'copy' });
  assert.deepEqual(hidden(copy.id), [1]);
  assert.ok(apiError(() => bu(engine, id, hide(0, 1), { deleteSheet: { sheetId: 12345 } })));
  assert.deepEqual(hidden(), [1]);
  bu(engine, id, hide(0, 6, false));
  assert.deepEqual(hidden(), []);
  const created = engine.createSpreadsheet({ sheets: [{ properties: { title: 'H' },
    data: [{ columnMetadata: [{}, { hiddenByUser: true }, { hiddenByUser: false }, { hiddenByUser: true }] }] }] });
  assert.deepEqual(engine.getSpreadsheet(created.spreadsheetId, { includeGridData: true }).sheets[0].data[0].columnMetadata
    .flatMap((dp, c) => (dp.hiddenByUser ? [c] : [])), [1, 3]);
});

test('formulas follow a renamed sheet and become #REF! when it is deleted', () => {
  const { engine, id } = zeues();
  const formula = () => engine.valuesGet(id, "'My Sheet'!A1", { valueRenderOption: 'FORMULA' }).values;
  bu(engine, id, { updateSheetProperties: { properties: { sheetId: 0, title: 'Ops' }, fields: 'title' } });
  assert.deepEqual(formula(), [['=SUM(Ops!B2:B4)']]);
  bu(engine, id, { addSheet: { properties: { sheetId: 5, title: 'Spare' } } });
  bu(engine, id, { deleteSheet: { sheetId: 0 } });
  assert.deepEqual(formula(), [['=SUM(#REF!)']]);
  assert.deepEqual(engine.valuesGet(id, "'My Sheet'!A1").values, [['#REF!']]);
});
