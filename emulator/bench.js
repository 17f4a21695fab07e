#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Scale benchmark of the emulator on a generated workbook (default 100,000 spools):
 *
 *   node emulator/bench.js [--spools N] [--workbook FILE] [--output bench-results/emulator.json]
 *
 * Starts the real server, loads the workbook with spreadsheets.create, reads the whole Operaciones sheet
 * with values.batchGet, makes the writes a migration makes, copies it (backup), stops it (SIGTERM, flush)
 * and starts it again (load from disk). Prints the figures and writes them as JSON. Peak RSS is the
 * server's VmHWM from /proc.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { Readable } = require('node:stream');
const { mintAccessToken } = require('./auth');

/** The owner's token: Google refuses a call without one, and so does the emulator. */
const OWNER = { authorization: 'Bearer ' + mintAccessToken({ scopes: ['https://www.googleapis.com/auth/spreadsheets',
  'https://www.googleapis.com/auth/drive'], lifetimeS: 24 * 3600 }) };

const ROOT = path.resolve(__dirname, '..');

/** @param {string[]} argv */
function args(argv) {
  /** @type {Record<string, string>} */
  const out = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  return out;
}

/** @param {string} dataDir */
function startServer(dataDir) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'server.js'), '--port', '0', '--data', dataDir],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', (d) => resolve({ child, url: JSON.parse(String(d)).url }));
    child.on('error', reject);
  });
}

/** @param {number} pid */
function peakRssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
}

/** @param {() => Promise<any>} fn */
async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Math.round(Number(process.hrtime.bigint() - t0) / 1e7) / 100, value };
}

/**
 * @param {string} url @param {string} method @param {any} [body] a JSON value, or a stream of `length` bytes
 * @param {number} [length]
 */
async function call(url, method, body, length) {
  const streamed = body instanceof fs.ReadStream;
  /** @type {Record<string, string>} */
  const headers = { 'content-type': 'application/json', ...OWNER };
  if (streamed) headers['content-length'] = String(length);
  const res = await fetch(url, /** @type {any} */ ({ method, headers, duplex: streamed ? 'half' : undefined,
    body: body === undefined ? undefined : streamed ? Readable.toWeb(body) : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) }));
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 500)}`);
  return { bytes: text.length, json: JSON.parse(text) };
}

async function main() {
  const a = args(process.argv.slice(2));
  const spools = Number(a.spools || 100000);
  const output = path.resolve(ROOT, a.output || 'bench-results/emulator.json');
  let workbook = a.workbook;
  if (!workbook) {
    workbook = path.join(os.tmpdir(), `zeues-bench-${spools}.json`);
    if (!fs.existsSync(workbook)) {
      const python = path.join(ROOT, '.venv', 'bin', 'python');
      const script = 'import sys; from pathlib import Path; from orchestrator.workbook import WorkbookOptions, write_workbook; '
        + 'write_workbook(WorkbookOptions(spools=int(sys.argv[1]), seed=1), Path(sys.argv[2]))';
      execFileSync(python, ['-c', script, String(spools), workbook], { cwd: ROOT, stdio: 'inherit' });
    }
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'emu-bench-'));
  const fileMB = Math.round(fs.statSync(workbook).size / 1e5) / 10;
  /** @type {Record<string, any>} */
  const r = { spools, workbook_mb: fileMB };
  let { child, url } = /** @type {any} */ (await startServer(dataDir));
  // Streamed from the file, as orchestrator/emulator.py sends it: this process holds no copy of the body.
  const size = fs.statSync(workbook).size;
  const load = await timed(() => call(url + '/v4/spreadsheets', 'POST', fs.createReadStream(workbook), size));
  const id = load.value.json.spreadsheetId;
  r.load_create_and_persist_s = load.seconds;
  r.load_peak_rss_mib = peakRssMiB(child.pid);
  const read = await timed(() => call(`${url}/v4/spreadsheets/${id}/values:batchGet?ranges=Operaciones`, 'GET'));
  const rows = read.value.json.valueRanges[0].values;
  r.full_sheet_batchGet_s = read.seconds;
  r.full_sheet_rows = rows.length;
  r.full_sheet_columns = rows[0].length;
  r.full_sheet_response_mb = Math.round(read.value.bytes / 1e5) / 10;
  const unformatted = await timed(() => call(`${url}/v4/spreadsheets/${id}/values:batchGet?ranges=Operaciones&valueRenderOption=UNFORMATTED_VALUE`, 'GET'));
  r.full_sheet_batchGet_unformatted_s = unformatted.seconds;
  const width = rows[0].length;
  const write = await timed(() => call(`${url}/v4/spreadsheets/${id}/values/Operaciones!B2?valueInputOption=USER_ENTERED`, 'PUT', { values: [['123']] }));
  r.single_cell_write_s = write.seconds;
  const migrate = await timed(() => call(`${url}/v4/spreadsheets/${id}:batchUpdate`, 'POST', { requests: [
    { appendDimension: { sheetId: 0, dimension: 'COLUMNS', length: 1 } },
    { repeatCell: { range: { sheetId: 0, startRowIndex: 1, endRowIndex: rows.length, startColumnIndex: width, endColumnIndex: width + 1 },
      cell: { userEnteredValue: { numberValue: 0 } }, fields: 'userEnteredValue' } },
    { createDeveloperMetadata: { developerMetadata: { metadataKey: 'zeues.column', metadataValue: 'version', visibility: 'DOCUMENT',
      location: { dimensionRange: { sheetId: 0, dimension: 'COLUMNS', startIndex: width, endIndex: width + 1 } } } } }] }));
  r.add_column_with_defaults_batchUpdate_s = migrate.seconds;
  const insertMid = await timed(() => call(`${url}/v4/spreadsheets/${id}:batchUpdate`, 'POST', { requests: [
    { insertDimension: { range: { sheetId: 0, dimension: 'COLUMNS', startIndex: 10, endIndex: 11 } } }] }));
  r.insert_column_in_the_middle_s = insertMid.seconds;
  const copy = await timed(() => call(`${url}/drive/v3/files/${id}/copy`, 'POST', { name: 'backup' }));
  r.drive_copy_s = copy.seconds;
  r.peak_rss_mib = peakRssMiB(child.pid);
  const stop = await timed(() => new Promise((resolve) => { child.on('exit', resolve); child.kill('SIGTERM'); }));
  r.sigterm_flush_exit_s = stop.seconds;
  const restart = await timed(() => startServer(dataDir));
  ({ child, url } = /** @type {any} */ (restart.value));
  r.restart_load_two_workbooks_s = restart.seconds;
  const again = await call(`${url}/v4/spreadsheets/${id}/values/Operaciones!B2`, 'GET');
  if (again.json.values[0][0] !== '123') throw new Error('restart lost a write');
  r.restart_peak_rss_mib = peakRssMiB(child.pid);
  await new Promise((resolve) => { child.on('exit', resolve); child.kill('SIGTERM'); });
  fs.rmSync(dataDir, { recursive: true, force: true });
  const result = { suite: 'emulator', machine: { node: process.version, cpus: os.cpus().length, arch: process.arch }, results: [r] };
  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.writeFileSync(output, JSON.stringify(result, null, 2) + '\n');
  for (const [k, v] of Object.entries(r)) process.stdout.write(`${k.padEnd(40)} ${v}\n`);
  process.stdout.write(`wrote ${path.relative(ROOT, output)}\n`);
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
