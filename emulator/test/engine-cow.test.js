'use strict';
/**
 * Copy-on-write copies (Drive files.copy shares rows with its source) and the streaming load of big bodies.
 *
 * The isolation test is differential: every operation runs on the sharing engine and on a reference engine
 * whose copies are independent workbooks built from the source's full JSON; after each step every workbook of
 * both must read the same, so a write that leaked through a shared row (into the source, a copy or a copy of a
 * copy) fails. Restarts (journal replay and compaction) run in the middle.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Readable } = require('node:stream');
const { Engine, mulberry32: prng } = require('../engine');
const { RowDataScanner, parseLarge, LARGE_BODY_BYTES } = require('../engine/bigjson');
const { zeues, rowData, apiError } = require('./helpers');

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'emu-cow-'));


/** Everything a reader can see of a workbook, without what differs between two engines (id, url). */
function view(/** @type {Engine} */ engine, /** @type {string} */ id) {
  const s = engine.getSpreadsheet(id, { includeGridData: true });
  delete s.spreadsheetId;
  delete s.spreadsheetUrl;
  return JSON.stringify(s);
}

/** The full resource of a workbook, as spreadsheets.create takes it (the reference engine's "copy"). */
function resource(/** @type {Engine} */ engine, /** @type {string} */ id) {
  const s = engine.getSpreadsheet(id, { includeGridData: true });
  delete s.spreadsheetId;
  delete s.spreadsheetUrl;
  return s;
}

test('a copy shares its rows with its source until one side writes', () => {
  const { engine, id } = zeues();
  const copy = engine.driveCopy(id, { name: 'backup' }).id;
  const src = /** @type {any} */ (engine).workbooks.get(id), dst = /** @type {any} */ (engine).workbooks.get(copy);
  assert.equal(dst.sheets[0].rows[1], src.sheets[0].rows[1], 'rows are shared, not copied');
  engine.valuesUpdate(copy, 'Operaciones!B2', { values: [['999']] }, { valueInputOption: 'USER_ENTERED' });
  assert.notEqual(dst.sheets[0].rows[1], src.sheets[0].rows[1]);
  assert.equal(dst.sheets[0].rows[2], src.sheets[0].rows[2], 'rows not written stay shared');
  assert.deepEqual(engine.valuesGet(id, 'Operaciones!B2:F2').values, [['100', '28-01-2026', 'MR(93)', '10', '110']]);
  assert.deepEqual(engine.valuesGet(copy, 'Operaciones!B2:F2').values, [['999', '28-01-2026', 'MR(93)', '10', '1009']]);
  // The value array is shared between the two shells of the written row until it is written too.
  engine.batchUpdate(id, { requests: [{ repeatCell: { range: { sheetId: 0, startRowIndex: 2, endRowIndex: 3 },
    cell: { note: 'n' }, fields: 'note' } }] });
  assert.equal(src.sheets[0].rows[2].v, dst.sheets[0].rows[2].v);
  assert.equal(engine.getSpreadsheet(copy, { ranges: 'Operaciones!A3', includeGridData: true }).sheets[0].data[0].rowData[0].values[0].note, undefined);
});

/**
 * One random operation, as [method, ...args] for both engines (ids are mapped per engine).
 * @param {() => number} rnd @param {{rows: number, cols: number}} grid of the target's Operaciones
 */
function randomOp(rnd, grid) {
  const pick = (/** @type {number} */ n) => Math.floor(rnd() * n);
  const sheetId = rnd() < 0.7 ? 0 : 77;
  const rows = sheetId === 0 ? grid.rows : 20, cols = sheetId === 0 ? grid.cols : 4;
  const title = sheetId === 0 ? 'Operaciones' : 'Metadata';
  const cell = () => `${title}!${String.fromCharCode(65 + pick(Math.min(cols, 26)))}${1 + pick(rows)}`;
  const values = [() => String(pick(1000)), () => 'txt' + pick(50), () => '=B2+1', () => '=SUM(Operaciones!B2:B4)', () => '', () => '3,5'];
  const range = () => {
    const r0 = pick(rows), c0 = pick(cols);
    return { sheetId, startRowIndex: r0, endRowIndex: Math.min(rows, r0 + 1 + pick(3)), startColumnIndex: c0,
      endColumnIndex: Math.min(cols, c0 + 1 + pick(3)) };
  };
  const k = pick(11);
  if (k <= 2) return ['valuesUpdate', cell(), { values: [[values[pick(values.length)]()]] }, { valueInputOption: 'USER_ENTERED' }];
  const dim = rnd() < 0.5 ? 'ROWS' : 'COLUMNS';
  const size = dim === 'ROWS' ? rows : cols;
  const requests = [];
  if (k === 3) {
    const at = pick(size);
    requests.push({ insertDimension: { range: { sheetId, dimension: dim, startIndex: at, endIndex: at + 1 + pick(2) },
      inheritFromBefore: at > 0 && rnd() < 0.5 } });
  } else if (k === 4 && size > 3) {
    const at = 1 + pick(size - 2);
    requests.push({ deleteDimension: { range: { sheetId, dimension: dim, startIndex: at, endIndex: at + 1 } } });
  } else if (k === 5 && size > 4) {
    const at = pick(size - 2);
    let dest = pick(size + 1);
    if (dest > at && dest < at + 2) dest = at + 2;
    requests.push({ moveDimension: { source: { sheetId, dimension: dim, startIndex: at, endIndex: at + 2 }, destinationIndex: dest } });
  } else if (k === 6) {
    const src = range();
    const h = src.endRowIndex - src.startRowIndex, w = src.endColumnIndex - src.startColumnIndex;
    const r0 = pick(rows - h + 1), c0 = pick(cols - w + 1);
    requests.push({ copyPaste: { source: src, destination: { sheetId, startRowIndex: r0, endRowIndex: r0 + h,
      startColumnIndex: c0, endColumnIndex: c0 + w }, pasteType: ['PASTE_NORMAL', 'PASTE_VALUES', 'PASTE_FORMAT'][pick(3)] } });
  } else if (k === 7) {
    requests.push({ repeatCell: { range: range(), cell: { userEnteredFormat: { numberFormat: { type: 'NUMBER', pattern: '0.0' } } },
      fields: 'userEnteredFormat.numberFormat' } });
  } else if (k === 8) {
    requests.push({ setDataValidation: { range: range(), rule: rnd() < 0.5 ? undefined
      : { condition: { type: 'ONE_OF_LIST', values: [{ userEnteredValue: 'A' }] }, strict: false } } });
  } else if (k === 9) {
    requests.push({ repeatCell: { range: range(), cell: { note: 'note ' + pick(9) }, fields: 'note' } });
  } else {
    // A batch that fails after changing things: all of it is rolled back.
    requests.push({ updateCells: { range: range(), rows: [{ values: [{ userEnteredValue: { stringValue: 'lost' } }] }],
      fields: 'userEnteredValue' } });
    requests.push({ deleteDimension: { range: { sheetId: 12345, dimension: 'ROWS', startIndex: 0, endIndex: 1 } } });
  }
  return ['batchUpdate', { requests }];
}

test('writes to a copy, its source or a copy of a copy never show in the others (differential, with restarts)', () => {
  const dir = tmp();
  let engine = zeues(new Engine({ dataDir: dir })).engine;
  const ref = new Engine({});
  const firstId = engine.state().spreadsheets[0];
  /** Parallel lists: the same workbook in the sharing engine and in the reference one. */
  const ids = [firstId], refIds = [ref.createSpreadsheet(resource(engine, firstId)).spreadsheetId];
  const rnd = prng(20261202);
  const check = (/** @type {string} */ step) => {
    ids.forEach((id, i) => assert.equal(view(engine, id), view(ref, refIds[i]), `${step}: workbook ${i} differs`));
  };
  check('start');
  for (let step = 0; step < 400; step++) {
    if (ids.length < 5 && rnd() < 0.06) {
      const i = Math.floor(rnd() * ids.length);
      ids.push(engine.driveCopy(ids[i], { name: 'copy ' + step }).id);
      const copied = resource(ref, refIds[i]);
      copied.properties.title = 'copy ' + step;
      refIds.push(ref.createSpreadsheet(copied).spreadsheetId);
      check(`copy of ${i} at step ${step}`);
      continue;
    }
    if (rnd() < 0.03) {
      // A restart: from the journal alone (as after kill -9), or after compaction (SIGTERM).
      if (rnd() < 0.5) engine.close();
      engine = new Engine({ dataDir: dir });
      check(`restart at step ${step}`);
      continue;
    }
    const i = Math.floor(rnd() * ids.length);
    const props = ref.getSpreadsheet(refIds[i]).sheets[0].properties.gridProperties;
    const [method, ...args] = randomOp(rnd, { rows: props.rowCount, cols: props.columnCount });
    const run = (/** @type {Engine} */ e, /** @type {string} */ id) => {
      try {
        return JSON.stringify(/** @type {any} */ (e)[method](id, ...args));
      } catch (err) {
        return 'error ' + JSON.stringify(/** @type {any} */ (err).toJSON ? /** @type {any} */ (err).toJSON() : String(err));
      }
    };
    assert.equal(run(engine, ids[i]).replaceAll(ids[i], 'ID'), run(ref, refIds[i]).replaceAll(refIds[i], 'ID'),
      `step ${step}: ${method} ${JSON.stringify(args)}`);
    check(`step ${step} (${method} on ${i})`);
  }
  engine.close();
  const reloaded = new Engine({ dataDir: dir });
  ids.forEach((id, i) => assert.equal(view(reloaded, id), view(ref, refIds[i]), `after the last restart: workbook ${i}`));
  reloaded.close();
});

test('a copy made inside a transaction-heavy history stays isolated after compaction and reload', () => {
  const dir = tmp();
  const { engine, id } = zeues(new Engine({ dataDir: dir }));
  const copy = engine.driveCopy(id, {}).id;
  const before = view(engine, id);
  engine.batchUpdate(copy, { requests: [
    { appendDimension: { sheetId: 0, dimension: 'COLUMNS', length: 3 } },
    { repeatCell: { range: { sheetId: 0, startRowIndex: 1, endRowIndex: 10, startColumnIndex: 6, endColumnIndex: 9 },
      cell: { userEnteredValue: { numberValue: 0 }, userEnteredFormat: { numberFormat: { type: 'NUMBER', pattern: '0' } } },
      fields: 'userEnteredValue,userEnteredFormat.numberFormat' } },
    { setDataValidation: { range: { sheetId: 77, startRowIndex: 1, endRowIndex: 20, startColumnIndex: 2, endColumnIndex: 3 },
      rule: { condition: { type: 'ONE_OF_LIST', values: [{ userEnteredValue: 'INICIAR_ARM' }] }, strict: false } } }] });
  const backup = engine.driveCopy(copy, {}).id;
  const backupView = view(engine, backup);
  engine.batchUpdate(copy, { requests: [
    { deleteDimension: { range: { sheetId: 0, dimension: 'COLUMNS', startIndex: 6, endIndex: 9 } } },
    { setDataValidation: { range: { sheetId: 77, startRowIndex: 1, endRowIndex: 20, startColumnIndex: 2, endColumnIndex: 3 } } }] });
  assert.equal(view(engine, id), before);
  assert.equal(view(engine, backup), backupView);
  const copyView = view(engine, copy);
  assert.equal(copyView, view(engine, id).replace('"title":"ZEUES test"', '"title":"Copy of ZEUES test"'));
  engine.close();
  const again = new Engine({ dataDir: dir });
  assert.equal(view(again, id), before);
  assert.equal(view(again, backup), backupView);
  assert.equal(view(again, copy), copyView);
  // Rows equal across the files are loaded once and shared again; a write still stays in its workbook.
  const a = /** @type {any} */ (again).workbooks.get(id), b = /** @type {any} */ (again).workbooks.get(copy);
  assert.equal(a.sheets[0].rows[1], b.sheets[0].rows[1]);
  again.valuesUpdate(id, 'Operaciones!A2', { values: [['changed']] }, { valueInputOption: 'RAW' });
  assert.equal(view(again, copy), copyView);
  assert.deepEqual(again.valuesGet(copy, 'Operaciones!A2').values, [['MK-1335-CW-25238-011']]);
});

test('the rowData scanner gives JSON.parse\'s result whatever the chunking', () => {
  const doc = {
    properties: { title: 'rowData "quoted" \\ back\\slash', rowData: 'not an array' },
    sheets: [
      { properties: { title: 'a]b[c{d}e,' }, data: [{ startRow: 1, rowData: rowData([['x"y', 1, true, '=A1'], [], ['rowData', '[', '{"a":1}']]),
        rowMetadata: [{ pixelSize: 21 }] }] },
      { properties: { title: 'empty' }, data: [{ rowData: [] }, { rowData: [{ values: [{ userEnteredValue: { stringValue: '\u00e9\u4e2d\ud83d\ude00' } }] }] }] },
    ],
  };
  const text = Buffer.from(JSON.stringify(doc, null, 1));
  for (const size of [1, 2, 3, 7, 64, text.length]) {
    const scanner = new RowDataScanner();
    for (let i = 0; i < text.length; i += size) scanner.push(text.subarray(i, i + size));
    const got = scanner.finish((s, e) => text.toString('utf8', s, e));
    for (const s of got.sheets) for (const gd of s.data) gd.rowData = [...gd.rowData];
    assert.deepEqual(got, doc, `chunks of ${size}`);
  }
  assert.throws(() => parseLarge(Buffer.from('{"sheets":[{"data":[{"rowData":[{"values":[]},]}]}]}')), SyntaxError);
  assert.throws(() => parseLarge(Buffer.from('{"sheets":[{"data":[{"rowData":[{"values":[]}')), SyntaxError);
});

test('a big create body is streamed through a spool file, read as the buffered path reads it, and removed', async () => {
  const dir = tmp();
  const engine = new Engine({ dataDir: dir });
  const rows = [];
  for (let r = 0; r < 30000; r++) rows.push([`MK-${r}-CW-25238-011`, r, r * 1.5, 'texto con "comillas" y \\ barra', `=B${r + 1}*2`, r % 7 === 0 ? null : 'ok']);
  const doc = { properties: { title: 'big' }, sheets: [{ properties: { sheetId: 0, title: 'Operaciones' }, data: [{ rowData: rowData(rows) }] }] };
  const body = Buffer.from(JSON.stringify(doc));
  assert.ok(body.length > LARGE_BODY_BYTES, `${body.length} bytes: above the streaming threshold`);
  const chunks = [];
  for (let i = 0; i < body.length; i += 65536) chunks.push(body.subarray(i, i + 65536));
  const streamed = await engine.createSpreadsheetFromStream(Readable.from(chunks), body.length);
  const buffered = engine.createSpreadsheetFromJson(body);
  assert.equal(view(engine, streamed.spreadsheetId), view(engine, buffered.spreadsheetId));
  assert.deepEqual(engine.valuesGet(streamed.spreadsheetId, 'Operaciones!A30000:E30000').values,
    [['MK-29999-CW-25238-011', '29999', '44998.5', 'texto con "comillas" y \\ barra', '59998']]);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('upload')), [], 'the spool file is removed');
  // Bad JSON inside a row batch, or cut short, is Google's 400, and the spool is removed too.
  const bad = Buffer.concat([body.subarray(0, body.length - 1000), Buffer.from('}{,]}]}]}')]);
  await assert.rejects(engine.createSpreadsheetFromStream(Readable.from([bad]), bad.length),
    (/** @type {any} */ e) => e.code === 400 && /^Invalid JSON payload received\./.test(e.message));
  await assert.rejects(engine.createSpreadsheetFromStream(Readable.from([body.subarray(0, 9e6)]), 9e6),
    (/** @type {any} */ e) => e.code === 400);
  await assert.rejects(engine.createSpreadsheetFromStream(Readable.from([body]), body.length - 10),
    (/** @type {any} */ e) => e.code === 400 && /longer than its Content-Length/.test(e.message));
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('upload')), []);
  assert.equal(apiError(() => engine.createSpreadsheetFromJson(bad)).code, 400);
  engine.close();
});
