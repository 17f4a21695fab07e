// @ts-check
// The bridge's API: the top-level functions `scripts.run` may call (helpers end in `_`, which Apps Script
// hides from callers). Each takes one request object and returns one plain JSON object. Every change runs
// under the script lock, is recorded in the history with its operation id, and a repeated operation id
// returns the recorded result instead of acting again.

var DEFAULT_LOCK_WAIT_MS = 30000;
var MAX_LOCK_WAIT_MS = 300000;

/** The deployed bridge's version and build hash, so a stale deployment is detected. */
function bridgeInfo() {
  return {
    version: BRIDGE_BUILD.version, buildHash: BRIDGE_BUILD.hash, timeZone: Session.getScriptTimeZone(),
    migrations: ZEUES_MIGRATIONS.migrations.map(function (m) { return { id: m.id, checksum: m.checksum }; }),
  };
}

/** @param {{spreadsheetId: string}} request */
function describeSchema(request) {
  require_(request && typeof request === 'object', 'describeSchema takes {spreadsheetId}');
  return describe_(loadState_(request.spreadsheetId));
}

/**
 * The exact batchUpdate `applyMigration` would send now, without sending it.
 * @param {{spreadsheetId: string, migration?: MigrationSpec, migrationId?: string, baseline?: BaselineSpec}} request
 */
function planMigration(request) {
  require_(request && typeof request === 'object', 'planMigration takes {spreadsheetId, migration}');
  var state = loadState_(request.spreadsheetId);
  var plan = planApply_(state, migrationOf_(request), request.baseline || ZEUES_MIGRATIONS.baseline,
    { opId: 'plan', startedAt: new Date().toISOString() });
  return { result: plan.result, requests: plan.requests, cellCount: state.cellCount, cellLimit: CELL_LIMIT };
}

/**
 * A backup copy (inert: see Backup.js), or with `rehearsal: true` a working copy for `zeues-migrate rehearse`,
 * which applies and rolls back on it, so it is not tagged as a backup. Made once per opId: a call whose opId
 * began a backup and did not finish adopts its copy (`adoptCopyId`), copies when there is none
 * (`confirmNoCopy`), or answers `backup_unconfirmed` (Backup.js makeBackup_).
 * `purpose` ({action, migrationId, runId, changeOpId}): the change the backup is made before; refused with
 * ZEUES_CHANGE_IN_PROGRESS while another run's change is begun and unfinished (Backup.js refuseChangeInProgress_).
 * @param {{opId: string, spreadsheetId: string, label?: string, rehearsal?: boolean, adoptCopyId?: string | null,
 *   confirmNoCopy?: boolean, lockWaitMs?: number, purpose?: BackupPurpose | null}} request
 */
function backupSpreadsheet(request) {
  return mutating_(request, function (state, startedAt) {
    return makeBackup_(state, { opId: request.opId, label: request.label, rehearsal: request.rehearsal === true,
      adoptCopyId: request.adoptCopyId, confirmNoCopy: request.confirmNoCopy === true, startedAt: startedAt,
      purpose: request.purpose });
  });
}

/**
 * @param {{opId: string, spreadsheetId: string, migration?: MigrationSpec, migrationId?: string,
 *   baseline?: BaselineSpec, expectedHeaders?: Object<string, string[]>, lockWaitMs?: number}} request
 */
function applyMigration(request) {
  return mutating_(request, function (state, startedAt) {
    // Not execute_: the batch is checked against a re-read and tidied under the lock (Layout.js).
    return applyOnLiveLayout_(state, migrationOf_(request), request.baseline || ZEUES_MIGRATIONS.baseline,
      { expectedHeaders: request.expectedHeaders, opId: request.opId, startedAt: startedAt });
  });
}

/** @param {{opId: string, spreadsheetId: string, migrationId: string, backupId?: string, lockWaitMs?: number}} request */
function rollbackMigration(request) {
  return mutating_(request, function (state, startedAt) {
    // Not execute_: a rollback checks its deletes after its batch and puts right what a layout change made
    // them do (Rollback.js).
    return runRollback_(state, request.migrationId,
      { opId: request.opId, startedAt: startedAt, backupId: request.backupId });
  });
}

/** @param {{opId: string, spreadsheetId: string, backupId: string, force?: boolean, lockWaitMs?: number}} request */
function restoreBackup(request) {
  return mutating_(request, function (state, startedAt) {
    return execute_(state, planRestore_(state, request.backupId,
      { opId: request.opId, force: request.force === true, startedAt: startedAt }));
  });
}

/**
 * Pause (hold: true) or resume (hold: false) migrations on the sheet, like gh-ost's postponed cut-over.
 * @param {{opId: string, spreadsheetId: string, hold: boolean, reason?: string, lockWaitMs?: number}} request
 */
function setHold(request) {
  return mutating_(request, function (state, startedAt) {
    require_(typeof request.hold === 'boolean', 'hold must be true (pause) or false (resume)');
    var current = holdInfo_(state);
    if (!!current === request.hold) {
      return { status: request.hold ? 'already_held' : 'not_held', hold: current };
    }
    var hold = request.hold ? { by: currentUser_(), at: startedAt, reason: String(request.reason || '') } : null;
    var result = { status: request.hold ? 'held' : 'released', hold: hold };
    return execute_(state, {
      requests: setSpreadsheetMetaRequests_(state, META.HOLD, hold ? JSON.stringify(hold) : null).concat(
        historyRequests_(state, historyRow_({ action: request.hold ? 'hold' : 'release', status: 'done',
          opId: request.opId, startedAt: startedAt, details: { result: result } }))),
      result: result,
    });
  });
}

/**
 * Mark a failed or unfinished history row as looked at, so changes may run again (Flyway's repair).
 * @param {{opId: string, spreadsheetId: string, note?: string, lockWaitMs?: number}} request
 */
function resolveFailure(request) {
  return mutating_(request, function (state, startedAt) {
    var failure = unresolvedFailure_(state.history);
    if (!failure) return { status: 'nothing_to_resolve' };
    var result = { status: 'resolved', resolvedOperation: failure.operation_id };
    return execute_(state, { result: result, requests: historyRequests_(state, historyRow_({ action: 'resolve',
      status: 'done', migrationId: failure.migration_id, opId: request.opId, startedAt: startedAt,
      details: { result: result, note: String(request.note || '') } })) });
  });
}

/**
 * Rebuild the history from the live structure (Flyway's repair; Repair.js): record as applied each migration whose
 * columns, tags and event types are on the sheet and the history lacks, mark `superseded` the rows that record
 * as applied a migration the sheet has no trace of, recreate the history sheet if it is gone, and set the schema
 * version to what the columns show — in one batchUpdate, under the lock. `dryRun: true` answers what it would
 * record and changes nothing. `migrations`: the specs to judge by (the orchestrator's); default, the bridge's own.
 * @param {{opId: string, spreadsheetId: string, migrations?: MigrationSpec[], dryRun?: boolean, note?: string,
 *   lockWaitMs?: number}} request
 */
function repairHistory(request) {
  return mutating_(request, function (state, startedAt) {
    var given = request.migrations === undefined ? [] : request.migrations;
    require_(Array.isArray(given), 'migrations must be a list of migration specs');
    given.forEach(checkMigrationSpec_);
    var plan = planRepair_(state, knownMigrations_(given), { opId: request.opId, startedAt: startedAt,
      note: String(request.note || '') });
    if (request.dryRun === true) return Object.assign({}, plan.result, { dryRun: true });
    return execute_(state, plan);
  });
}

/**
 * @param {{migration?: MigrationSpec, migrationId?: string}} request
 * @returns {MigrationSpec}
 */
function migrationOf_(request) {
  if (request.migration) return request.migration;
  var known = ZEUES_MIGRATIONS.migrations.filter(function (m) { return m.id === request.migrationId; })[0];
  require_(known, 'pass the migration spec, or the migrationId of one this bridge carries (' +
    ZEUES_MIGRATIONS.migrations.map(function (m) { return m.id; }).join(', ') + ')');
  return known;
}

/**
 * Run `fn` under the script lock with the live state, unless `request.opId` already ran: then its recorded result
 * comes back, marked `replayed: true`, and nothing runs (a call whose answer was lost is repeated safely). An
 * opId begun and unfinished (a backup's `in_progress` row) has no result yet: `fn` finishes it. A backup is
 * refused first: `scripts.run` reaches any spreadsheet by id, backups included.
 * @template T
 * @param {{opId: string, spreadsheetId: string, lockWaitMs?: number}} request
 * @param {(state: WorkbookState, startedAt: string) => T} fn
 * @returns {T | Object}
 */
function mutating_(request, fn) {
  require_(request && typeof request === 'object', 'the request must be an object');
  require_(typeof request.opId === 'string' && request.opId.length >= 8,
    'opId (a unique id of at least 8 characters per operation) is required');
  var wait = request.lockWaitMs === undefined ? DEFAULT_LOCK_WAIT_MS : Number(request.lockWaitMs);
  require_(wait >= 0 && wait <= MAX_LOCK_WAIT_MS, 'lockWaitMs must be between 0 and ' + MAX_LOCK_WAIT_MS);
  refuseBackup_(openSpreadsheet_(request.spreadsheetId));
  var lock = LockService.getScriptLock();
  if (!lock.tryLock(wait)) {
    fail_(ERROR_CODES.LOCK_BUSY, 'another migration run holds the script lock (waited ' + Math.round(wait / 1000) +
      ' s); wait for it to finish (Apps Script → Executions shows it), then retry');
  }
  try {
    var state = loadState_(request.spreadsheetId);
    var recorded = recordedResult_(state, request.opId);
    if (recorded) return Object.assign({}, recorded, { replayed: true });
    return fn(state, new Date().toISOString());
  } finally {
    SpreadsheetApp.flush();
    lock.releaseLock();
  }
}

/**
 * Send a plan's requests as one batchUpdate (all-or-nothing at Google).
 * @param {WorkbookState} state
 * @param {Plan} plan
 */
function execute_(state, plan) {
  if (!plan.requests.length) return plan.result;
  try {
    sheetsApi_().Spreadsheets.batchUpdate({ requests: plan.requests }, state.spreadsheetId);
  } catch (e) {
    // A batchUpdate is atomic: when it fails, nothing of it was applied.
    fail_(ERROR_CODES.FAILED, 'Google rejected the change, so nothing was changed: ' + errorText_(e));
  }
  return plan.result;
}

/** @param {WorkbookState} state */
function describe_(state) {
  /** @type {Array<{sheet: string, column: number, letter: string, name: string, migration: string}>} */
  var tags = [];
  state.metadata.forEach(function (m) {
    if (m.key !== META.COLUMN || m.column === null) return;
    var sheet = state.sheets.filter(function (s) { return s.sheetId === m.sheetId; })[0];
    var mig = state.metadata.filter(function (n) {
      return n.key === META.MIGRATION && n.sheetId === m.sheetId && n.column === m.column;
    })[0];
    tags.push({ sheet: sheet ? sheet.title : String(m.sheetId), column: Number(m.column),
      letter: columnLetter_(Number(m.column)), name: m.value, migration: mig ? mig.value : '' });
  });
  var backupOf = spreadsheetMeta_(state, META.BACKUP_OF);
  return {
    spreadsheetId: state.spreadsheetId, title: state.title, timeZone: state.timeZone,
    backupOf: backupOf ? parseBackupTag_(backupOf.value) : null,
    schemaVersion: schemaVersion_(state), eventTypes: eventTypeRegistry_(state), hold: holdInfo_(state),
    sheets: state.sheets, columnTags: tags, history: state.history,
    applied: appliedMigrations_(state.history).map(function (r) { return { id: r.migration_id, checksum: r.checksum,
      appliedAt: r.finished_at }; }),
    unresolvedFailure: unresolvedFailure_(state.history), cellCount: state.cellCount, cellLimit: CELL_LIMIT,
    // Where the live structure and the history disagree (Structure.js); a change refuses while any is listed.
    inconsistencies: structureProblems_(state, knownMigrations_([])),
  };
}
