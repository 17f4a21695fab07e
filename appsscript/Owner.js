// @ts-check
// What the sheet owner does, shared by the menu (Menu.js, alerts) and the panel (Sidebar.js): each change has a
// preview — what it will do, in plain words, with a token of what the owner saw — and a run, which takes the lock
// only after the owner said yes, backs up first, and answers in plain words what it did. The run records its
// current step in the document properties (PROGRESS_KEY) so the panel can show progress while it works.

var PROGRESS_KEY = 'ZEUES_PROGRESS';
// A run is killed after 6 minutes at most; a step recorded longer ago than this is what a killed run left.
var PROGRESS_STALE_MS = 10 * 60 * 1000;

/**
 * @typedef {{ok: true, title: string, body: string[], confirm: string, cancel: string, token: string}
 *   | {ok: false, message: string}} OwnerPreview
 * @typedef {{ok: boolean, message: string}} OwnerOutcome
 * @typedef {{action: string, ids?: string[], headers?: Object<string, string[]>, id?: string,
 *   backupId?: string}} OwnerToken
 * @typedef {{opId: string, spreadsheetId: string, action: string, step: number, steps: number, stepKey: string,
 *   params: Object<string, string>, startedAt: string}} ProgressRecord
 * @typedef {{backupId: string, name: string, url: string, at: string}} BackupEntry
 */

// -- refusals in plain words ---------------------------------------------------------------------------------

/** The catalogue text for each bridge refusal code (the code's meaning; never its raw message). */
var REFUSAL_TEXTS = {
  LOCK_BUSY: 'refusal.lockBusy', HOLD: 'refusal.hold', BLOCKED: 'refusal.blocked', DRIFT: 'refusal.drift',
  CELL_LIMIT: 'refusal.cellLimit', FAILED: 'refusal.failed', INCONSISTENT: 'refusal.inconsistent',
  CHANGE_IN_PROGRESS: 'refusal.changeInProgress', ORDER: 'refusal.order', CHECKSUM: 'refusal.checksum',
  NOT_FOUND: 'refusal.notFound',
};

/**
 * A refusal whose words are already the owner's (a catalogue text): thrown, caught by the menu or the panel.
 * @param {string} code one of ERROR_CODES
 * @param {string} ownerText
 * @returns {never}
 */
function refuseOwner_(code, ownerText) {
  var e = /** @type {Error & {ownerText: string}} */ (new Error(code + ': ' + ownerText));
  e.ownerText = ownerText;
  throw e;
}

/**
 * What the owner reads for an error: the catalogue text of its refusal code; never a JavaScript error's text (a
 * bug) nor Google's raw message, which go to the execution log. `columns`: what the change adds, named in a
 * CONFLICT (a column of that name is there already).
 * @param {unknown} e
 * @param {{columns?: string}} [context]
 */
function refusalText_(e, context) {
  var own = e && typeof e === 'object' ? /** @type {{ownerText?: unknown}} */ (e).ownerText : undefined;
  if (typeof own === 'string') return own;
  if (e instanceof TypeError || e instanceof ReferenceError || e instanceof RangeError || e instanceof SyntaxError) {
    console.error(e.stack || String(e));
    return text_('refusal.bug');
  }
  var message = errorText_(e);
  console.error(message); // the detail, for the operator (Apps Script → Executions)
  var code = (/^ZEUES_([A-Z_]+):/.exec(message) || [])[1] || '';
  if (code === 'CONFLICT') {
    return context && context.columns ? text_('refusal.conflict', { columns: context.columns })
      : text_('refusal.conflictPlain');
  }
  var key = /** @type {Object<string, string>} */ (REFUSAL_TEXTS)[code];
  return text_(key || 'refusal.other');
}

/**
 * A preview's refusal: `fn`'s preview, or what stops the change, with "nothing was changed".
 * @param {() => OwnerPreview} fn
 * @returns {OwnerPreview}
 */
function previewOrRefusal_(fn) {
  try {
    return fn();
  } catch (e) {
    return { ok: false, message: text_('common.nothingChanged', { why: refusalText_(e) }) };
  }
}

/**
 * @param {string} title
 * @param {string[]} body paragraphs
 * @param {string} confirm the button that says yes
 * @param {OwnerToken} token what the owner is shown, checked again when they say yes
 * @returns {OwnerPreview}
 */
function preview_(title, body, confirm, token) {
  return { ok: true, title: title, body: body, confirm: confirm, cancel: text_('common.cancel'),
    token: JSON.stringify(token) };
}

/**
 * @param {string} token
 * @param {string} action
 * @returns {OwnerToken}
 */
function readToken_(token, action) {
  var parsed = null;
  try {
    parsed = JSON.parse(String(token));
  } catch (e) {
    parsed = null;
  }
  if (!parsed || typeof parsed !== 'object' || parsed.action !== action) {
    refuseOwner_(ERROR_CODES.INVALID_REQUEST, text_('common.staleView'));
  }
  return /** @type {OwnerToken} */ (parsed);
}

// -- progress --------------------------------------------------------------------------------------------------

/**
 * Begin recording a run's progress (nothing is written until its first step). The record names its spreadsheet:
 * document properties are the script's, and a copy's script is another one only on Google.
 * @param {string} spreadsheetId
 * @param {string} action
 * @param {number} steps
 * @returns {ProgressRecord}
 */
function progressBegin_(spreadsheetId, action, steps) {
  return { opId: Utilities.getUuid(), spreadsheetId: spreadsheetId, action: action, step: 0, steps: steps,
    stepKey: '', params: {}, startedAt: new Date().toISOString() };
}

/**
 * The run moved to its next step: a document property, not the sheet (no Sheets API call, no lock).
 * @param {ProgressRecord} p
 * @param {string} stepKey a `progress.*` catalogue key
 * @param {Object<string, string>} [params]
 */
function progressStep_(p, stepKey, params) {
  p.step = Math.min(p.step + 1, p.steps);
  p.stepKey = stepKey;
  p.params = params || {};
  PropertiesService.getDocumentProperties().setProperty(PROGRESS_KEY, JSON.stringify(p));
}

/**
 * The run ended (done or failed): its record goes, unless another run's replaced it.
 * @param {ProgressRecord} p
 */
function progressEnd_(p) {
  if (!p.step) return;
  var props = PropertiesService.getDocumentProperties();
  var now = readProgress_(props.getProperty(PROGRESS_KEY));
  if (now && now.opId === p.opId) props.deleteProperty(PROGRESS_KEY);
}

/**
 * @param {string | null} raw
 * @returns {ProgressRecord | null}
 */
function readProgress_(raw) {
  if (!raw) return null;
  try {
    return /** @type {ProgressRecord} */ (JSON.parse(raw));
  } catch (e) {
    return null;
  }
}

/**
 * The change running now, in the owner's words, or null. A record older than any run can last is what a killed
 * run left: not shown.
 * @returns {{opId: string, line: string, step: number, steps: number, startedAt: string} | null}
 */
function currentProgress_() {
  var p = readProgress_(PropertiesService.getDocumentProperties().getProperty(PROGRESS_KEY));
  var spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  if (!p || !spreadsheet || p.spreadsheetId !== spreadsheet.getId()) return null;
  if (!(Date.now() - new Date(p.startedAt).getTime() < PROGRESS_STALE_MS)) return null;
  return { opId: p.opId, step: p.step, steps: p.steps, startedAt: p.startedAt,
    line: text_('progress.step', { step: p.step, steps: p.steps, what: text_(p.stepKey, p.params) }) };
}

/**
 * Run `fn` with a progress record of `steps` steps, cleared at the end whatever happens.
 * @template T
 * @param {string} spreadsheetId
 * @param {string} action
 * @param {number} steps
 * @param {(p: ProgressRecord) => T} fn
 * @returns {T}
 */
function withProgress_(spreadsheetId, action, steps, fn) {
  var p = progressBegin_(spreadsheetId, action, steps);
  try {
    return fn(p);
  } finally {
    progressEnd_(p);
  }
}

// -- status, history, links ------------------------------------------------------------------------------------

/**
 * The migrations this bridge carries that the history does not show applied, in order.
 * @param {WorkbookState} state
 */
function pendingIn_(state) {
  var applied = appliedMigrations_(state.history).map(function (r) { return r.migration_id; });
  return ZEUES_MIGRATIONS.migrations.filter(function (m) { return applied.indexOf(m.id) < 0; });
}

/** @param {MigrationSpec[]} migrations */
function idsOf_(migrations) {
  return migrations.map(function (m) { return m.id; });
}

/** @param {MigrationSpec} m the names of the columns it adds, in words */
function addedNames_(m) {
  /** @type {string[]} */
  var names = [];
  m.operations.forEach(function (op) {
    if (op.kind === 'add_columns') op.columns.forEach(function (c) { names.push(c.name); });
  });
  return listText_(names);
}

/** @param {MigrationSpec} m what it adds, in words (from its operations, not its English description) */
function pendingLine_(m) {
  var parts = m.operations.map(function (op) {
    return op.kind === 'add_columns'
      ? text_('pending.addColumns', { columns: listText_(op.columns.map(function (c) { return c.name; })),
        sheet: op.sheet })
      : text_('pending.eventTypes', { types: listText_(op.event_types), sheet: op.sheet });
  });
  return text_('pending.line', { id: m.id, what: listText_(parts) });
}

/**
 * The status in words: the version, what is applied and pending, the pause (by whom, since when, why), an
 * unresolved failure, the size.
 * @param {WorkbookState} state
 */
function ownerStatus_(state) {
  var applied = appliedMigrations_(state.history).map(function (r) { return r.migration_id; });
  var pending = pendingIn_(state);
  var hold = holdInfo_(state);
  var failure = unresolvedFailure_(state.history);
  // The schema version tag, else (none recorded, as after rolling the first migration back) the baseline's.
  var version = schemaVersion_(state) || ZEUES_MIGRATIONS.baseline.version;
  var pausedLine = hold ? (hold.reason
    ? text_('status.paused', { when: formatWhen_(hold.at), by: hold.by, reason: hold.reason })
    : text_('status.pausedNoReason', { when: formatWhen_(hold.at), by: hold.by })) : null;
  var lines = [
    text_('status.version', { version: version }),
    text_('status.applied', { list: listText_(applied) || text_('status.none') }),
    pending.length ? text_('status.pending', { list: listText_(idsOf_(pending)) }) : text_('status.upToDate'),
    pausedLine || text_('status.notPaused'),
  ];
  if (failure) {
    lines.push(text_('status.failure', { what: historyWhat_(failure), when: formatWhen_(failure.finished_at) }));
  }
  lines.push(text_('status.size', { cells: state.cellCount, limit: CELL_LIMIT }));
  return { version: version, lines: lines, paused: !!hold, pausedLine: pausedLine };
}

/** The catalogue text of each history row, by action then status (anything else: 'history.other'). */
var HISTORY_TEXTS = {
  apply: { applied: 'history.apply', failed: 'history.applyFailed' },
  rollback: { rolled_back: 'history.rollback', failed: 'history.rollbackFailed' },
  backup: { done: 'history.backup', in_progress: 'history.backupBegun' },
  hold: { done: 'history.hold' }, release: { done: 'history.release' }, restore: { restored: 'history.restore' },
  resolve: { done: 'history.resolve' }, repair: { applied: 'history.repair', not_applied: 'history.repair' },
};

/**
 * What a history row records, in words.
 * @param {HistoryRow} row
 * @returns {string}
 */
function historyWhat_(row) {
  var byStatus = /** @type {Object<string, Object<string, string>>} */ (HISTORY_TEXTS)[row.action] || {};
  if (row.status === 'superseded') {
    // A row a repair found forged: what it claimed, marked as cancelled.
    var claimed = Object.keys(byStatus)[0] || 'done';
    return text_('history.superseded', { what: historyWhat_(Object.assign({}, row, { status: claimed })) });
  }
  var key = byStatus[row.status] || (row.status === 'in_progress' ? 'history.unfinished' : 'history.other');
  var params = { who: row.who || '?', id: row.migration_id, reason: '' };
  if (key === 'history.hold') {
    try {
      params.reason = String(((JSON.parse(row.details || '{}').result || {}).hold || {}).reason || '');
    } catch (e) {
      params.reason = '';
    }
    if (!params.reason) key = 'history.holdNoReason';
  }
  return text_(key, params);
}

/**
 * The last `limit` history rows, newest first, in words with local times.
 * @param {WorkbookState} state
 * @param {number} limit
 */
function ownerHistory_(state, limit) {
  return state.history.slice(-limit).reverse().map(function (r) {
    return { when: formatWhen_(r.finished_at || r.started_at), line: historyWhat_(r) };
  });
}

/**
 * Every finished backup of this sheet the history records, newest first.
 * @param {WorkbookState} state
 * @returns {BackupEntry[]}
 */
function backupsOf_(state) {
  /** @type {BackupEntry[]} */
  var out = [];
  state.history.forEach(function (r) {
    if (r.action !== 'backup' || r.status !== 'done' || !r.backup_id) return;
    var details = /** @type {{rehearsal?: boolean, result?: {name?: string, backupUrl?: string}}} */ ({});
    try {
      details = JSON.parse(r.details || '{}');
    } catch (e) {
      details = {}; // edited by hand: the row still names the copy
    }
    if (details.rehearsal === true) return; // a rehearsal's working copy is not a backup
    var result = details.result || {};
    out.unshift({ backupId: r.backup_id, at: r.finished_at, name: String(result.name || r.backup_id),
      url: String(result.backupUrl || 'https://docs.google.com/spreadsheets/d/' + r.backup_id + '/edit') });
  });
  return out;
}

/**
 * Links to every backup and archive sheet.
 * @param {WorkbookState} state
 */
function ownerLinks_(state) {
  var spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  var here = spreadsheet ? spreadsheet.getUrl() : 'https://docs.google.com/spreadsheets/d/' + state.spreadsheetId + '/edit';
  /** @type {Array<{label: string, url: string, kind: 'backup' | 'archive', backupId?: string}>} */
  var links = backupsOf_(state).map(function (b) {
    return { label: text_('links.backup', { when: formatWhen_(b.at) }), url: b.url, kind: /** @type {'backup'} */ ('backup'),
      backupId: b.backupId };
  });
  state.sheets.filter(function (s) { return s.title.indexOf(ARCHIVE_PREFIX) === 0; }).forEach(function (s) {
    var id = s.title.slice(ARCHIVE_PREFIX.length).replace(/_[^_]*$/, '');
    links.push({ label: text_('links.archive', { id: id }), url: here.replace(/#.*$/, '') + '#gid=' + s.sheetId,
      kind: 'archive' });
  });
  return links;
}

// -- apply -----------------------------------------------------------------------------------------------------

/**
 * What "apply pending" would do, or why it cannot: checked before the question and again under the lock.
 * @param {WorkbookState} state
 * @returns {OwnerPreview}
 */
function applyPreview_(state) {
  return previewOrRefusal_(function () {
    var pending = pendingIn_(state);
    if (!pending.length) return { ok: false, message: text_('apply.upToDate') };
    refuseWhenBlocked_(state); // before the backup: a paused sheet gets no copy either
    // So is one the change would take over Google's cell limit: the backup's history row, then each migration.
    refuseOverCellLimit_(state, applyBudget_(state, pending, true), 'applying ' + idsOf_(pending).join(' and '));
    var list = pending.map(function (m) { return text_('list.bullet', { item: pendingLine_(m) }); }).join('\n');
    // The headers as the owner saw them when asked: a column inserted meanwhile stops the change.
    return preview_(text_('apply.title'), [text_('apply.question'), list, text_('apply.backupFirst')],
      text_('apply.confirm'), { action: 'apply', ids: idsOf_(pending), headers: headersOf_(state, pending) });
  });
}

/**
 * Apply what the owner was shown (`token` from applyPreview_).
 * @param {string} id
 * @param {string} token
 * @returns {OwnerOutcome}
 */
function ownerApply_(id, token) {
  var seen = readToken_(token, 'apply');
  var ids = seen.ids || [];
  var pending = ZEUES_MIGRATIONS.migrations.filter(function (m) { return ids.indexOf(m.id) >= 0; });
  if (pending.length !== ids.length) refuseOwner_(ERROR_CODES.INVALID_REQUEST, text_('common.staleView'));
  return applyPending_(id, pending, seen.headers || {});
}

/**
 * Apply `pending` in order after the owner said yes, and say what was and was not changed. The question held no
 * lock, so another run (the operator's tool) may have applied some of them meanwhile: the state is read again
 * first (under the lock), those are reported as done by another run, and the backup is made only when something
 * is left to do; one that another run applies after that read comes back `already_applied` and is reported so.
 * Each apply sends the headers it expects: the ones the owner saw for the first, the ones re-read after the
 * previous apply for each next one (the previous one added columns).
 * @param {string} id
 * @param {MigrationSpec[]} pending what the owner was asked about, in order
 * @param {Object<string, string[]>} seen the headers when the owner was asked
 * @returns {OwnerOutcome}
 */
function applyPending_(id, pending, seen) {
  return withProgress_(id, 'apply', 3 + pending.length, function (progress) {
    var outcome = /** @type {PendingOutcome} */ ({
      applied: [], byOthers: [], refused: null, notTried: [], backup: null });
    progressStep_(progress, 'progress.lock');
    var now = lockedState_(id);
    var todo = pendingIn_(now).filter(function (m) { return idsOf_(pending).indexOf(m.id) >= 0; });
    outcome.byOthers = idsOf_(pending).filter(function (m) { return idsOf_(todo).indexOf(m) < 0; });
    if (!todo.length) return pendingOutcome_(outcome);
    progress.steps = 3 + todo.length;
    try {
      refuseWhenBlocked_(now);
      refuseOverCellLimit_(now, applyBudget_(now, todo, true), 'applying ' + idsOf_(todo).join(' and '));
      // Another run's migration changed the headers the owner saw: the live ones are the base now. Otherwise a
      // column moved while the question was open stops the change here, before the backup.
      var expected = outcome.byOthers.length ? headersOf_(now, todo) : seen;
      if (!outcome.byOthers.length) checkExpectedHeaders_(now, todo[0], seen);
    } catch (e) {
      outcome.refused = { id: todo[0].id, why: refusalText_(e, { columns: addedNames_(todo[0]) }) };
      outcome.notTried = idsOf_(todo.slice(1));
      return pendingOutcome_(outcome);
    }
    progressStep_(progress, 'progress.backup');
    try {
      outcome.backup = /** @type {{backupId: string, name: string}} */ (backupSpreadsheet({ opId: Utilities.getUuid(),
        spreadsheetId: id, label: 'before ' + idsOf_(todo).join('+') }));
    } catch (e) {
      outcome.refused = { id: todo[0].id, why: text_('apply.backupFailedWhy', { why: refusalText_(e) }) };
      outcome.notTried = idsOf_(todo.slice(1));
      return pendingOutcome_(outcome);
    }
    for (var i = 0; i < todo.length; i++) {
      var m = todo[i];
      progressStep_(progress, 'progress.apply', { id: m.id });
      try {
        if (i > 0) expected = headersOf_(lockedState_(id), todo.slice(i)); // the previous one added columns
        var r = /** @type {{status: string, columns?: AddedColumn[]}} */ (applyMigration({
          opId: Utilities.getUuid(), spreadsheetId: id, migration: m, expectedHeaders: expected }));
        if (r.status === 'already_applied') outcome.byOthers.push(m.id); // another run got the lock first
        else outcome.applied.push({ id: m.id, columns: r.columns || [] });
      } catch (e) {
        outcome.refused = { id: m.id, why: refusalText_(e, { columns: addedNames_(m) }) };
        outcome.notTried = idsOf_(todo.slice(i + 1));
        break;
      }
    }
    progressStep_(progress, 'progress.history');
    return pendingOutcome_(outcome);
  });
}

/**
 * The state read under the script lock: every bridge change runs under it, so another run's change is seen whole
 * or not at all (an unlocked read could see its new headers without its history row). Released at once: the
 * backup and each apply take the lock themselves.
 * @param {string} id
 */
function lockedState_(id) {
  var lock = LockService.getScriptLock();
  if (!lock.tryLock(DEFAULT_LOCK_WAIT_MS)) {
    fail_(ERROR_CODES.LOCK_BUSY, 'another migration run holds the script lock (waited ' +
      Math.round(DEFAULT_LOCK_WAIT_MS / 1000) + ' s); wait for it to finish, then try again');
  }
  try {
    return loadState_(id);
  } finally {
    lock.releaseLock();
  }
}

/**
 * @typedef {{applied: Array<{id: string, columns: AddedColumn[]}>, byOthers: string[],
 *   refused: {id: string, why: string} | null, notTried: string[], backup: {backupId: string, name: string} | null}}
 *   PendingOutcome
 */

/**
 * What "Apply pending" did, in plain words: what was applied, what another run had applied, what was refused and
 * why, and whether a backup was made. "Nothing was changed" only when this run changed nothing at all.
 * @param {PendingOutcome} o
 * @returns {OwnerOutcome}
 */
function pendingOutcome_(o) {
  /** @type {string[]} */
  var parts = [];
  var clean = !o.byOthers.length && !o.refused;
  if (o.applied.length) {
    parts.push(text_(clean ? 'apply.doneApplied' : 'apply.applied') + '\n' + o.applied.map(function (a) {
      return text_('apply.appliedLine', { id: a.id, columns: a.columns.map(function (c) {
        return text_('column.named', { name: c.name, letter: c.letter });
      }).join(', ') });
    }).join('\n'));
  }
  if (o.byOthers.length) {
    parts.push(text_(o.byOthers.length > 1 ? 'apply.byOthers' : 'apply.byOther', { ids: listText_(o.byOthers) }));
  }
  if (o.refused) {
    parts.push(text_('apply.refused', { id: o.refused.id, why: o.refused.why }) + (o.notTried.length ? '\n' +
      text_(o.notTried.length > 1 ? 'apply.notTriedMany' : 'apply.notTriedOne',
        { ids: listText_(o.notTried, 'list.or') }) : ''));
  }
  if (!o.applied.length && !o.refused) parts.push(text_('apply.nothingElse'));
  parts.push(o.backup ? text_('apply.backupMade', { name: o.backup.name }) : text_('apply.noBackup'));
  return { ok: !o.refused, message: parts.join('\n\n') };
}

/**
 * @param {WorkbookState} state
 * @param {MigrationSpec[]} migrations
 */
function headersOf_(state, migrations) {
  /** @type {Object<string, string[]>} */
  var headers = {};
  migrations.forEach(function (m) {
    m.operations.forEach(function (op) {
      var sheet = findSheet_(state, op.sheet);
      if (sheet) headers[op.sheet] = sheet.header.slice();
    });
  });
  return headers;
}

// -- rollback --------------------------------------------------------------------------------------------------

/**
 * What rolling back the last migration would do: its columns, by name and place, and how many filled cells move
 * to the archive. Everything that would refuse it (its cell budget, the backup's history row included) refuses
 * it now, before the question and the backup; planning changes nothing.
 * @param {WorkbookState} state
 * @returns {OwnerPreview}
 */
function rollbackPreview_(state) {
  return previewOrRefusal_(function () {
    var applied = appliedMigrations_(state.history);
    if (!applied.length) return { ok: false, message: text_('rollback.nothing') };
    var last = applied[applied.length - 1].migration_id;
    var plan = planRollback_(state, last, { opId: 'menu-check', startedAt: new Date().toISOString(),
      backupFirst: true });
    var result = /** @type {{removedColumns?: Array<{sheet: string, name: string, letter: string}>,
      archivedCells?: number}} */ (plan.result);
    var columns = (result.removedColumns || []).map(function (c) {
      return text_('column.in', { name: c.name, letter: c.letter, sheet: c.sheet });
    });
    var cells = Number(result.archivedCells || 0);
    return preview_(text_('rollback.title'), [text_('rollback.question', { id: last }),
      text_('rollback.columns', { columns: listText_(columns) }),
      cells ? text_('rollback.cells', { cells: cells }) : text_('rollback.noCells'), text_('rollback.backupFirst')],
    text_('rollback.confirm'), { action: 'rollback', id: last });
  });
}

/**
 * Roll back what the owner was shown: a backup first, then the rollback. Another run's change since the question
 * (the last migration is not the one shown) stops it before the backup.
 * @param {string} id
 * @param {string} token from rollbackPreview_
 * @returns {OwnerOutcome}
 */
function ownerRollback_(id, token) {
  var last = String(readToken_(token, 'rollback').id || '');
  return withProgress_(id, 'rollback', 4, function (progress) {
    progressStep_(progress, 'progress.lock');
    var applied = appliedMigrations_(lockedState_(id).history);
    if (!applied.length || applied[applied.length - 1].migration_id !== last) {
      refuseOwner_(ERROR_CODES.DRIFT, text_('common.staleView'));
    }
    progressStep_(progress, 'progress.backup');
    var backup = /** @type {{backupId: string, name: string}} */ (backupSpreadsheet({ opId: Utilities.getUuid(),
      spreadsheetId: id, label: 'before rollback ' + last }));
    progressStep_(progress, 'progress.rollback', { id: last });
    var r;
    try {
      r = /** @type {{status: string, archiveSheet: string, archivedCells: number}} */ (rollbackMigration({
        opId: Utilities.getUuid(), spreadsheetId: id, migrationId: last, backupId: backup.backupId }));
    } catch (e) {
      return { ok: false, message: text_('change.failedAfterBackup', { id: last, why: refusalText_(e),
        backup: backup.name }) };
    }
    progressStep_(progress, 'progress.history');
    if (r.status !== 'rolled_back') return { ok: true, message: text_('rollback.already', { id: last }) };
    return { ok: true, message: text_('rollback.done', { id: last, cells: r.archivedCells, sheet: r.archiveSheet }) };
  });
}

// -- pause and resume ------------------------------------------------------------------------------------------

/**
 * @param {WorkbookState} state
 * @returns {OwnerPreview}
 */
function pausePreview_(state) {
  if (holdInfo_(state)) return { ok: false, message: text_('pause.already') };
  return preview_(text_('pause.title'), [text_('pause.question'), text_('pause.reasonAsk')], text_('pause.confirm'),
    { action: 'pause' });
}

/**
 * @param {string} id
 * @param {string} reason why, in the owner's words (recorded with who and when)
 * @returns {OwnerOutcome}
 */
function ownerPause_(id, reason) {
  var r = /** @type {{status: string}} */ (setHold({ opId: Utilities.getUuid(), spreadsheetId: id, hold: true,
    reason: reason }));
  return { ok: true, message: r.status === 'held' ? text_('pause.done') : text_('pause.already') };
}

/**
 * Only the owner resumes: refused to the others before any question.
 * @param {WorkbookState} state
 * @returns {OwnerPreview}
 */
function resumePreview_(state) {
  return previewOrRefusal_(function () {
    refuseUnlessOwner_(SpreadsheetApp.getActiveSpreadsheet());
    if (!holdInfo_(state)) return { ok: false, message: text_('resume.notPaused') };
    return preview_(text_('resume.title'), [text_('resume.question')], text_('resume.confirm'), { action: 'resume' });
  });
}

/**
 * @param {string} id
 * @returns {OwnerOutcome}
 */
function ownerResume_(id) {
  refuseUnlessOwner_(SpreadsheetApp.getActiveSpreadsheet());
  var r = /** @type {{status: string}} */ (setHold({ opId: Utilities.getUuid(), spreadsheetId: id, hold: false }));
  return { ok: true, message: r.status === 'released' ? text_('resume.done') : text_('resume.notPaused') };
}

/**
 * Only the spreadsheet's owner resumes from the menu or the panel: they run as whoever clicks, so the person
 * (Session, the same account a history row records as `who`) is compared with the Drive owner
 * (Spreadsheet.getOwner, null in a shared drive). An editor whose address Google withholds is refused too. The
 * operator's `zeues-migrate hold --release` is not affected: it is an API run, recorded with who ran it.
 * @param {GoogleAppsScript.Spreadsheet.Spreadsheet} spreadsheet
 */
function refuseUnlessOwner_(spreadsheet) {
  var owner = spreadsheet.getOwner();
  var ownerEmail = owner ? owner.getEmail() : '';
  var me = currentUser_();
  if (ownerEmail && ownerEmail.toLowerCase() === me.toLowerCase()) return;
  if (!ownerEmail) refuseOwner_(ERROR_CODES.NOT_OWNER, text_('refusal.noOwner'));
  refuseOwner_(ERROR_CODES.NOT_OWNER, text_('refusal.notOwner', { owner: ownerEmail,
    who: me === 'unknown' ? text_('refusal.unnamedUser') : me }));
}

// -- restore ---------------------------------------------------------------------------------------------------

/**
 * @param {WorkbookState} state
 * @param {string} backupId
 * @returns {BackupEntry}
 */
function knownBackup_(state, backupId) {
  var found = backupsOf_(state).filter(function (b) { return b.backupId === backupId; })[0];
  if (!found) refuseOwner_(ERROR_CODES.NOT_FOUND, text_('restore.unknown'));
  return found;
}

/**
 * What restoring a backup would replace: every sheet's contents (how many cells differ now), the sheets it
 * removes; the history is kept, and a backup of the sheet as it is now is made first.
 * @param {WorkbookState} state
 * @param {string} backupId one of this sheet's backups (from its history)
 * @returns {OwnerPreview}
 */
function restorePreview_(state, backupId) {
  return previewOrRefusal_(function () {
    var backup = knownBackup_(state, backupId);
    var result = /** @type {{cellsDiffering: number, sheetsRemoved: string[],
      sheets: Array<{gridChanges: boolean}>}} */ (planRestore_(state, backupId,
      { opId: 'menu-check', force: false, startedAt: new Date().toISOString() }).result);
    var grid = result.sheets.some(function (s) { return s.gridChanges; });
    if (!result.cellsDiffering && !grid) return { ok: false, message: text_('restore.same', { name: backup.name }) };
    var body = [text_('restore.question', { name: backup.name }),
      text_('restore.warning', { cells: result.cellsDiffering })];
    if (result.sheetsRemoved.length) body.push(text_('restore.removes', { sheets: listText_(result.sheetsRemoved) }));
    body.push(text_('restore.keepsHistory'));
    return preview_(text_('restore.title'), body, text_('restore.confirm'), { action: 'restore', backupId: backupId });
  });
}

/**
 * Restore a backup the owner was shown: a backup of the sheet as it is now first, then the restore.
 * @param {string} id
 * @param {string} backupId
 * @param {string} token from restorePreview_
 * @returns {OwnerOutcome}
 */
function ownerRestore_(id, backupId, token) {
  if (readToken_(token, 'restore').backupId !== backupId) {
    refuseOwner_(ERROR_CODES.INVALID_REQUEST, text_('common.staleView'));
  }
  return withProgress_(id, 'restore', 4, function (progress) {
    progressStep_(progress, 'progress.lock');
    var chosen = knownBackup_(lockedState_(id), backupId);
    progressStep_(progress, 'progress.backup');
    var before = /** @type {{backupId: string, name: string}} */ (backupSpreadsheet({ opId: Utilities.getUuid(),
      spreadsheetId: id, label: 'before restore' }));
    progressStep_(progress, 'progress.restore');
    var r;
    try {
      r = /** @type {{cellsDiffering: number}} */ (restoreBackup({ opId: Utilities.getUuid(), spreadsheetId: id,
        backupId: backupId, force: true }));
    } catch (e) {
      return { ok: false, message: text_('restore.failedAfterBackup', { why: refusalText_(e), backup: before.name }) };
    }
    progressStep_(progress, 'progress.history');
    return { ok: true, message: text_('restore.done', { name: chosen.name, cells: r.cellsDiffering,
      backup: before.name }) };
  });
}
