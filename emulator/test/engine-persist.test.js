'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { Engine } = require('../engine');
const { zeues } = require('./helpers');

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'emu-persist-'));
const snapshot = (engine, id) => JSON.stringify(engine.getSpreadsheet(id, { includeGridData: true }));

test('state survives a restart, from the journal and after compaction', () => {
  const dir = tmp();
  const { engine, id } = zeues(new Engine({ dataDir: dir }));
  engine.valuesUpdate(id, 'Operaciones!B3', { values: [['250']] }, { valueInputOption: 'USER_ENTERED' });
  engine.batchUpdate(id, { requests: [{ createDeveloperMetadata: { developerMetadata: { metadataKey: 'k', visibility: 'DOCUMENT', location: { spreadsheet: true } } } },
    { insertDimension: { range: { sheetId: 0, dimension: 'COLUMNS', startIndex: 6, endIndex: 8 } } }] });
  const copy = engine.driveCopy(id, { name: 'backup' }).id;
  engine.driveUpdate(copy, { trashed: true });
  const before = snapshot(engine, id);
  const beforeCopy = snapshot(engine, copy);
  // No flush: the journal alone must bring it back (as after kill -9).
  const again = new Engine({ dataDir: dir });
  assert.equal(snapshot(again, id), before);
  assert.equal(snapshot(again, copy), beforeCopy);
  assert.equal(again.driveGet(copy, { fields: 'trashed' }).trashed, true);
  again.valuesUpdate(id, 'Metadata!A5', { values: [['after restart']] }, { valueInputOption: 'RAW' });
  again.close(); // compaction: workbook files rewritten, journal restarted
  const third = new Engine({ dataDir: dir });
  assert.deepEqual(third.valuesGet(id, 'Metadata!A5').values, [['after restart']]);
  assert.equal(third.getSpreadsheet(id).sheets[0].properties.gridProperties.columnCount, 8);
  third.driveDelete(copy);
  const fourth = new Engine({ dataDir: dir });
  assert.deepEqual(fourth.state().spreadsheets, [id]);
});

test('a torn journal tail and stray temporary files are discarded on load', () => {
  const dir = tmp();
  const { engine, id } = zeues(new Engine({ dataDir: dir }));
  engine.valuesUpdate(id, 'Metadata!A3', { values: [['kept']] }, { valueInputOption: 'RAW' });
  const journal = path.join(dir, 'journal.log');
  const good = fs.statSync(journal).size;
  fs.appendFileSync(journal, '0badc0de {"q":9,"w":"' + id + '","m":"valuesUpdate","a":["Metadata!A4",{"values":[["torn');
  fs.writeFileSync(path.join(dir, `wb-${id}.jsonl.tmp-123`), 'half a file');
  const again = new Engine({ dataDir: dir });
  assert.deepEqual(again.valuesGet(id, 'Metadata!A3:A4').values, [['kept']]);
  assert.equal(fs.statSync(journal).size, good);
  assert.ok(!fs.readdirSync(dir).some((f) => f.includes('.tmp-')));
  again.valuesUpdate(id, 'Metadata!A4', { values: [['next']] }, { valueInputOption: 'RAW' });
  assert.deepEqual(new Engine({ dataDir: dir }).valuesGet(id, 'Metadata!A3:A4').values, [['kept'], ['next']]);
});

test('kill -9 during writes never leaves a state that fails to load', async () => {
  const dir = tmp();
  const { engine, id } = zeues(new Engine({ dataDir: dir }));
  engine.close();
  // A child process writes as fast as it can (with compactions) until it is killed.
  const script = `
    const { Engine } = require(${JSON.stringify(path.join(__dirname, '..', 'engine'))});
    const e = new Engine({ dataDir: ${JSON.stringify(dir)} });
    let i = 0;
    for (;;) {
      e.valuesUpdate(${JSON.stringify(id)}, 'Metadata!A' + (2 + (i % 18)), { values: [['w' + i, i]] }, { valueInputOption: 'RAW' });
      if (i % 50 === 0) process.stdout.write(i + '\\n');
      if (i % 200 === 199) e.flush();
      i++;
    }`;
  for (let round = 0; round < 3; round++) {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let acked = -1;
    await new Promise((resolve) => {
      child.stdout.on('data', (d) => {
        acked = Number(String(d).trim().split('\n').pop());
        if (acked >= 300 * (round + 1)) child.kill('SIGKILL');
      });
      child.on('exit', resolve);
    });
    const loaded = new Engine({ dataDir: dir });
    const rows = loaded.valuesGet(id, 'Metadata!A2:B19', { valueRenderOption: 'UNFORMATTED_VALUE' }).values;
    assert.equal(rows.length, 18);
    for (const r of rows) assert.equal(r[0], 'w' + r[1]);
    assert.ok(Math.max(...rows.map((r) => r[1])) >= acked);
  }
});

test('script bindings survive a restart (journal and compaction); a version 1 file loads as bound', () => {
  const dir = tmp();
  const { engine, id } = zeues(new Engine({ dataDir: dir }));
  const plain = engine.createSpreadsheet({ properties: { title: 'plain' } }).spreadsheetId;
  assert.equal(engine.boundScript(id), null, 'spreadsheets.create binds no script');
  const { scriptId } = engine.bindScript(id);
  const copy = engine.driveCopy(id, { name: 'backup' }).id;
  const modified = engine.driveGet(id, { fields: 'modifiedTime' }).modifiedTime;
  const bindings = engine.state().boundScripts;
  assert.deepEqual(Object.keys(bindings).sort(), [copy, id].sort());
  assert.equal(bindings[id], scriptId);
  const again = new Engine({ dataDir: dir }); // from the journal (the bind) and the copy's own file
  assert.deepEqual(again.state().boundScripts, bindings);
  assert.equal(again.driveGet(id, { fields: 'modifiedTime' }).modifiedTime, modified, 'binding is not an edit');
  again.bindScript(copy, false);
  again.close();
  assert.deepEqual(new Engine({ dataDir: dir }).state().boundScripts, { [id]: scriptId });

  // Version 1 predates bindings: every spreadsheet ran the project, so it loads bound (the same id every load).
  const file = path.join(dir, `wb-${plain}.jsonl`);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const header = JSON.parse(lines[0]);
  assert.equal(header.format, 'zeues-emulator-workbook/2');
  header.format = 'zeues-emulator-workbook/1';
  lines[0] = JSON.stringify(header);
  fs.writeFileSync(file, lines.join('\n'));
  const v1 = new Engine({ dataDir: dir }).boundScript(plain);
  assert.match(String(v1), /^1[A-Za-z0-9_-]{56}$/);
  assert.equal(new Engine({ dataDir: dir }).boundScript(plain), v1);
});
