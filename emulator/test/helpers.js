// @ts-check
'use strict';
/** Small fixtures for the engine tests. */
const { Engine } = require('../engine');

/** @param {any[][]} rows plain values -> RowData (numbers, strings, booleans, '=formulas') */
function rowData(rows) {
  return rows.map((r) => ({
    values: r.map((v) => {
      if (v === null || v === undefined) return {};
      if (typeof v === 'number') return { userEnteredValue: { numberValue: v } };
      if (typeof v === 'boolean') return { userEnteredValue: { boolValue: v } };
      if (typeof v === 'string' && v.startsWith('=')) return { userEnteredValue: { formulaValue: v } };
      if (typeof v === 'object') return v;
      return { userEnteredValue: { stringValue: v } };
    }),
  }));
}

/** A small ZEUES-like workbook: Operaciones (header + 3 spools, a formula total, a date) and Metadata. */
function zeues(engine = new Engine({})) {
  const date = (/** @type {number} */ serial) => ({ userEnteredValue: { numberValue: serial },
    userEnteredFormat: { numberFormat: { type: 'DATE', pattern: 'dd-mm-yyyy' } } });
  const created = engine.createSpreadsheet({
    properties: { title: 'ZEUES test', locale: 'es_CL', timeZone: 'America/Santiago' },
    sheets: [
      { properties: { sheetId: 0, title: 'Operaciones', gridProperties: { rowCount: 10, columnCount: 6, frozenRowCount: 1 } },
        data: [{ rowData: rowData([
          ['TAG_SPOOL', 'NV', 'Fecha_Armado', 'Armador', 'Precio A', 'Precio Total'],
          ['MK-1335-CW-25238-011', 100, date(46050), 'MR(93)', 10, '=B2+E2'],
          ['MK-1335-CW-25238-012', 200, null, null, 20, '=B3+E3'],
          ['TEST-01', 300, 'legacy 30/7/2025', null, 30.5, '=B4+E4'],
        ]) }] },
      { properties: { sheetId: 77, title: 'Metadata', gridProperties: { rowCount: 20, columnCount: 4 } },
        data: [{ rowData: rowData([['id', 'timestamp', 'evento_tipo', 'tag_spool'], ['u1', '2026-01-28T16:56:25Z', 'INICIAR_ARM', 'TEST-01']]) }] },
      { properties: { sheetId: 88, title: 'My Sheet' }, data: [{ rowData: rowData([['=SUM(Operaciones!B2:B4)', "=Operaciones!A2&\"!\""]]) }] },
    ],
  });
  return { engine, id: created.spreadsheetId };
}

/** @param {() => any} fn @returns {any} the ApiError JSON body */
function apiError(fn) {
  try {
    fn();
  } catch (e) {
    if (e && typeof (/** @type {any} */ (e)).toJSON === 'function') return /** @type {any} */ (e).toJSON().error;
    throw e;
  }
  throw new Error('expected an ApiError');
}

module.exports = { rowData, zeues, apiError };
