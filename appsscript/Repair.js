// @ts-check
// Repairing the history from the live structure (Flyway's repair): the history is evidence, the sheet is the
// truth. A lost, deleted or forged history is rebuilt so that it says what the columns' tags, the event-type
// registry and the schema version show — after which a rollback can undo a migration again. Nothing is ever
// deleted: a forged row is marked `superseded` (its other cells kept) and every repair row says what it replaced.

/**
 * The history rows of the sheet with their row numbers (1-based; the header is row 1), read by position:
 * historyRows_ drops blank rows, and a forged row is marked where it is.
 * @param {WorkbookState} state
 * @returns {Array<{rowNumber: number, row: HistoryRow}>}
 */
function numberedHistory_(state) {
  if (!findSheet_(state, HISTORY_SHEET)) return [];
  var values = sheetsApi_().Spreadsheets.Values.get(state.spreadsheetId, historyRange_(),
    { valueRenderOption: 'UNFORMATTED_VALUE' }).values || [];
  /** @type {Array<{rowNumber: number, row: HistoryRow}>} */
  var out = [];
  values.forEach(function (r, i) {
    if (i === 0 || !r.some(function (c) { return c !== ''; })) return;
    /** @type {Object<string, string>} */
    var row = {};
    HISTORY_COLUMNS.forEach(function (name, j) { row[name] = r[j] === undefined ? '' : String(r[j]); });
    out.push({ rowNumber: i + 1, row: /** @type {HistoryRow} */ (/** @type {unknown} */ (row)) });
  });
  return out;
}

/**
 * The batchUpdate that makes the history agree with the live structure, and what it records; no requests when
 * they agree already. Refused (ZEUES_INCONSISTENT) when the sheet itself is half of a migration: no history can
 * say that, so a person decides (by hand, or a restore).
 * @param {WorkbookState} state
 * @param {MigrationSpec[]} known in version order
 * @param {{opId: string, startedAt: string, note: string}} options
 * @returns {Plan}
 */
function planRepair_(state, known, options) {
  var numbered = numberedHistory_(state);
  var recorded = appliedMigrations_(numbered.map(function (n) { return n.row; }));
  var recordedIds = recorded.map(function (r) { return r.migration_id; });
  var lives = known.map(function (m) {
    return { migration: m, live: halfIfRecorded_(liveMigration_(state, m), recordedIds.indexOf(m.id) >= 0) };
  });
  var half = lives.filter(function (l) { return l.live.state === 'partial'; });
  if (half.length) {
    fail_(ERROR_CODES.INCONSISTENT, 'cannot rebuild the history of "' + state.title + '": the sheet has part of ' +
      half.map(function (l) { return l.migration.id + ' (' + l.live.missing.join('; ') + ')'; }).join(' and ') +
      ', which no history can record; put back what is missing by hand (a backup has it: `zeues-migrate backups`) ' +
      'or restore a backup (`zeues-migrate restore`), then run `zeues-migrate repair` again; nothing was changed');
  }
  var knownIds = known.map(function (m) { return m.id; });
  // What is applied after the repair: what the sheet shows of the migrations this bridge can judge, and what the
  // history records of those it cannot (a spec it was never given).
  var appliedIds = lives.filter(function (l) { return l.live.state === 'applied'; })
    .map(function (l) { return l.migration.id; })
    .concat(recordedIds.filter(function (id) { return knownIds.indexOf(id) < 0; }))
    .sort(versionCompare_);

  /** @type {GoogleAppsScript.Sheets.Schema.Request[]} */
  var requests = [];
  /** @type {Array<Object>} */
  var recordedNow = [];
  /** @type {Array<{row: number, operationId: string, action: string, migrationId: string, status: string}>} */
  var superseded = [];
  /** @type {HistoryRow[]} */
  var rows = [];
  var historySheet = findSheet_(state, HISTORY_SHEET);
  var statusColumn = HISTORY_COLUMNS.indexOf('status');
  lives.forEach(function (l) {
    var m = l.migration;
    var isRecorded = recordedIds.indexOf(m.id) >= 0;
    if (l.live.state === 'applied' && !isRecorded) {
      var previous = appliedIds.slice(0, appliedIds.indexOf(m.id)).pop();
      var result = { status: 'applied', migrationId: m.id, checksum: m.checksum, columns: l.live.columns,
        registeredEventTypes: l.live.eventTypes, eventTypeColumn: l.live.eventTypeColumn, schemaVersion: m.id,
        previousSchemaVersion: previous === undefined ? null : previous, repaired: true };
      recordedNow.push({ migrationId: m.id, status: 'applied', columns: l.live.columns.map(function (c) {
        return { sheet: c.sheet, name: c.name, letter: c.letter }; }), eventTypes: l.live.eventTypes });
      rows.push(historyRow_({ action: 'repair', status: 'applied', migrationId: m.id, checksum: m.checksum,
        opId: options.opId, startedAt: options.startedAt, details: { result: result } }));
    } else if (l.live.state === 'absent' && isRecorded) {
      // Every row that makes it applied now: the apply (or repair) rows after its last rollback.
      var marked = supersededRows_(numbered, m.id);
      marked.forEach(function (n) {
        superseded.push({ row: n.rowNumber, operationId: n.row.operation_id, action: n.row.action, migrationId: m.id,
          status: n.row.status });
        if (historySheet) {
          requests.push({ updateCells: { start: { sheetId: historySheet.sheetId, rowIndex: n.rowNumber - 1,
            columnIndex: statusColumn }, fields: 'userEnteredValue',
            rows: [{ values: [{ userEnteredValue: { stringValue: 'superseded' } }] }] } });
        }
      });
      recordedNow.push({ migrationId: m.id, status: 'not_applied', superseded: marked.map(function (n) {
        return n.rowNumber; }) });
      rows.push(historyRow_({ action: 'repair', status: 'not_applied', migrationId: m.id, checksum: m.checksum,
        opId: options.opId, startedAt: options.startedAt, details: { result: { status: 'not_applied',
          migrationId: m.id, superseded: marked.map(function (n) { return n.row; }) } } }));
    }
  });
  var schemaWas = schemaVersion_(state);
  var schemaNow = appliedIds.length ? appliedIds[appliedIds.length - 1] : null;
  if (schemaWas !== schemaNow) {
    requests = requests.concat(setSpreadsheetMetaRequests_(state, META.SCHEMA_VERSION, schemaNow));
  }
  var changed = rows.length > 0 || schemaWas !== schemaNow;
  var result = {
    status: changed ? 'repaired' : 'nothing_to_repair', applied: appliedIds, recorded: recordedNow,
    superseded: superseded, schemaVersion: { was: schemaWas, now: schemaNow },
    historySheetCreated: changed && !historySheet,
  };
  if (!changed) return { requests: [], result: result };
  rows.forEach(function (row) { requests = requests.concat(historyRequests_(state, row)); });
  // The last row of the operation id holds its result (recordedResult_), so a repeated call replays it.
  requests = requests.concat(historyRequests_(state, historyRow_({ action: 'repair', status: 'done',
    opId: options.opId, startedAt: options.startedAt, details: { result: result, note: options.note } })));
  return { requests: requests, result: result };
}

/**
 * The rows that make `migrationId` applied now (appliedMigrations_'s rule): its apply or repair rows with status
 * `applied` after the last row that ended it.
 * @param {Array<{rowNumber: number, row: HistoryRow}>} numbered
 * @param {string} migrationId
 */
function supersededRows_(numbered, migrationId) {
  /** @type {Array<{rowNumber: number, row: HistoryRow}>} */
  var rows = [];
  numbered.forEach(function (n) {
    var r = n.row;
    if (r.migration_id !== migrationId) return;
    if ((r.action === 'rollback' && r.status === 'rolled_back') || (r.action === 'repair' && r.status === 'not_applied')) {
      rows = [];
    } else if ((r.action === 'apply' || r.action === 'repair') && r.status === 'applied') {
      rows.push(n);
    }
  });
  return rows;
}
