'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { parseA1, toA1, columnLetters, columnIndex, quoteSheetName } = require('../engine/a1');
const { formatValue, dateToSerial } = require('../engine/numfmt');
const { parseUserEntered } = require('../engine/input');

const G = (s, r0, r1, c0, c1) => ({ sheetName: s, startRowIndex: r0, endRowIndex: r1, startColumnIndex: c0, endColumnIndex: c1 });
const strip = (p) => p && { sheetName: p.sheetName, startRowIndex: p.startRowIndex, endRowIndex: p.endRowIndex,
  startColumnIndex: p.startColumnIndex, endColumnIndex: p.endColumnIndex };

test('A1 forms parse as Google reads them', () => {
  assert.deepEqual(strip(parseA1('Sheet1!A1:B2')), G('Sheet1', 0, 2, 0, 2));
  assert.deepEqual(strip(parseA1('A:A')), G(null, null, null, 0, 1));
  assert.deepEqual(strip(parseA1('1:1')), G(null, 0, 1, null, null));
  assert.deepEqual(strip(parseA1('B2:B')), G(null, 1, null, 1, 2));
  assert.deepEqual(strip(parseA1('Sheet1!A2:3')), G('Sheet1', 1, 3, 0, null));
  assert.deepEqual(strip(parseA1("'My Sheet'!A1")), G('My Sheet', 0, 1, 0, 1));
  assert.deepEqual(strip(parseA1("'Jon''s Data'")), G("Jon's Data", null, null, null, null));
  assert.deepEqual(strip(parseA1('Operaciones')), G('Operaciones', null, null, null, null));
  assert.deepEqual(strip(parseA1('B2:A1')), G(null, 0, 2, 0, 2));
  assert.deepEqual(strip(parseA1('$A$1:$B$3')), G(null, 0, 3, 0, 2));
  // A name that reads as a cell is a cell (Google: "CRM26" is column CRM, row 26 of the first sheet).
  assert.deepEqual(strip(parseA1('CRM26')), G(null, 25, 26, 2508, 2509));
  assert.equal(parseA1('Sheet1!'), null);
  assert.equal(parseA1("'unterminated!A1"), null);
  assert.equal(parseA1('Sheet1!A1:B2:C3'), null);
  assert.equal(parseA1(''), null);
});

test('names are quoted only when they must be', () => {
  assert.equal(quoteSheetName('Operaciones'), 'Operaciones');
  assert.equal(quoteSheetName('_zeues_migrations'), '_zeues_migrations');
  assert.equal(quoteSheetName('My Sheet'), "'My Sheet'");
  assert.equal(quoteSheetName("Jon's Data"), "'Jon''s Data'");
  assert.equal(quoteSheetName('tab01'), "'tab01'");
  assert.equal(quoteSheetName('Ubicación'), "'Ubicación'");
  assert.equal(toA1({ startRowIndex: 0, endRowIndex: 1000, startColumnIndex: 0, endColumnIndex: 26 }, 'Sheet1'), 'Sheet1!A1:Z1000');
  assert.equal(toA1({ startRowIndex: 4, endRowIndex: 5, startColumnIndex: 2, endColumnIndex: 3 }, 'My Sheet'), "'My Sheet'!C5");
  assert.equal(toA1({ startColumnIndex: 0, endColumnIndex: 2 }, 'S'), 'S!A:B');
  assert.equal(columnLetters(0), 'A');
  assert.equal(columnLetters(62), 'BK');
  assert.equal(columnLetters(18277), 'ZZZ');
  assert.equal(columnIndex('BL'), 63);
});

test('number formats render as Sheets does in the locale', () => {
  const d = dateToSerial(2026, 1, 28);
  assert.equal(d, 46050);
  assert.equal(formatValue(d, { type: 'DATE', pattern: 'dd-mm-yyyy' }, 'es_CL'), '28-01-2026');
  assert.equal(formatValue(d, { type: 'DATE', pattern: 'dd/mm/yyyy' }, 'es_CL'), '28/01/2026');
  assert.equal(formatValue(d, { type: 'DATE' }, 'en_US'), '1/28/2026');
  assert.equal(formatValue(d + 0.70584490741, { type: 'DATE_TIME', pattern: 'dd-mm-yyyy hh:mm:ss' }, 'es_CL'), '28-01-2026 16:56:25');
  assert.equal(formatValue(0.75, { type: 'TIME', pattern: 'hh:mm:ss' }, 'es_CL'), '18:00:00');
  assert.equal(formatValue(1234.5, { type: 'NUMBER', pattern: '#,##0.00' }, 'es_CL'), '1.234,50');
  assert.equal(formatValue(1234.5, { type: 'NUMBER', pattern: '0.00' }, 'en_US'), '1234.50');
  assert.equal(formatValue(1234567, { type: 'NUMBER', pattern: '#,##0' }, 'en_US'), '1,234,567');
  assert.equal(formatValue(123.45, undefined, 'es_CL'), '123,45');
  assert.equal(formatValue(93, undefined, 'es_CL'), '93');
  assert.equal(formatValue(1 / 3, undefined, 'en_US'), '0.3333333333');
  assert.equal(formatValue(true, undefined, 'es_CL'), 'TRUE');
  assert.equal(formatValue(-3.5, { type: 'NUMBER', pattern: '0.00;(0.00)' }, 'en_US'), '(3.50)');
  assert.equal(formatValue(0.5, { type: 'PERCENT', pattern: '0%' }, 'en_US'), '50%');
});

test('USER_ENTERED input in a DD-MM locale', () => {
  assert.deepEqual(parseUserEntered('28-01-2026', 'es_CL'), { value: 46050, numberFormat: { type: 'DATE', pattern: 'dd-mm-yyyy' } });
  assert.deepEqual(parseUserEntered('93', 'es_CL'), { value: 93 });
  assert.deepEqual(parseUserEntered('1,5', 'es_CL'), { value: 1.5 });
  assert.deepEqual(parseUserEntered('1.234', 'es_CL'), { value: 1234 });
  assert.deepEqual(parseUserEntered('=A1+1', 'es_CL'), { formula: '=A1+1' });
  assert.deepEqual(parseUserEntered("'093", 'es_CL'), { value: '093' });
  assert.deepEqual(parseUserEntered('TRUE', 'es_CL'), { value: true });
  assert.deepEqual(parseUserEntered('MR(93)', 'es_CL'), { value: 'MR(93)' });
  assert.deepEqual(parseUserEntered('31-02-2026', 'es_CL'), { value: '31-02-2026' });
  assert.equal(parseUserEntered('28-01-2026 16:56:25', 'es_CL').numberFormat.type, 'DATE_TIME');
  assert.deepEqual(parseUserEntered('1/28/2026', 'en_US'), { value: 46050, numberFormat: { type: 'DATE', pattern: 'm/d/yyyy' } });
  assert.deepEqual(parseUserEntered('2025-11-08', 'es_CL').value, dateToSerial(2025, 11, 8));
});
