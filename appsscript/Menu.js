// @ts-check
// The "ZEUES Migration" menu for the sheet owner. Each item asks first and only then takes the lock (an
// open dialog would release a held lock), runs the same API functions the orchestrator calls, and says what
// happened in plain words. A No, or a failure, leaves the sheet as it was: every change is one atomic step.

var MENU_TITLE = 'ZEUES Migration';

function onOpen() {
  var spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  var tag = backupTag_(spreadsheet);
  if (tag) {
    // A backup carries this script too: its menu only leads back to the original, nothing in it changes anything.
    var texts = backupTexts_(spreadsheet, tag);
    SpreadsheetApp.getUi().createMenu(texts.menu).addItem(texts.openOriginal, 'menuOpenOriginal').addToUi();
    return;
  }
  SpreadsheetApp.getUi().createMenu(MENU_TITLE)
    .addItem('Schema status', 'menuSchemaStatus')
    .addItem('Back up now', 'menuBackupNow')
    .addSeparator()
    .addItem('Apply pending migrations…', 'menuApplyPending')
    .addItem('Roll back last migration…', 'menuRollbackLast')
    .addSeparator()
    .addItem('Migration history', 'menuHistory')
    .addItem('Pause migrations', 'menuPause')
    .addItem('Resume migrations', 'menuResume')
    .addToUi();
}

/** The backup menu's one item: where the original is (an alert with its address; it changes nothing). */
function menuOpenOriginal() {
  var ui = SpreadsheetApp.getUi();
  var spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  var tag = backupTag_(spreadsheet);
  if (!tag) {
    ui.alert(MENU_TITLE, 'This spreadsheet is not a ZEUES backup: it is an original.', ui.ButtonSet.OK);
    return;
  }
  var texts = backupTexts_(spreadsheet, tag);
  ui.alert(texts.menu, texts.about, ui.ButtonSet.OK);
}

function menuSchemaStatus() {
  menuRun_(function (ui, id) {
    var s = describe_(loadState_(id));
    var pending = pendingMigrations_(s.applied.map(function (a) { return a.id; }));
    ui.alert(MENU_TITLE, [
      'Schema version: ' + (s.schemaVersion || ZEUES_MIGRATIONS.baseline.version + ' (never migrated)'),
      'Applied: ' + (s.applied.map(function (a) { return a.id; }).join(', ') || 'none'),
      'Waiting to be applied: ' + (pending.map(function (m) { return m.id; }).join(', ') || 'none'),
      'Migrations are ' + (s.hold ? 'PAUSED (by ' + s.hold.by + ')' : 'not paused') + '.',
      'Size: ' + s.cellCount + ' of ' + s.cellLimit + ' cells.',
    ].join('\n'), ui.ButtonSet.OK);
  }, { readOnly: true });
}

function menuBackupNow() {
  menuRun_(function (ui, id) {
    if (!confirm_(ui, 'Make a full copy of this spreadsheet in your Google Drive now?')) return;
    var b = /** @type {{backupUrl: string, name: string}} */ (backupSpreadsheet({ opId: Utilities.getUuid(),
      spreadsheetId: id, label: 'menu' }));
    ui.alert(MENU_TITLE, 'Backup made: "' + b.name + '".\nIt is in your Google Drive:\n' + b.backupUrl, ui.ButtonSet.OK);
  });
}

function menuApplyPending() {
  menuRun_(function (ui, id, es) {
    var state = loadState_(id);
    var pending = pendingIn_(state);
    if (!pending.length) {
      ui.alert(MENU_TITLE, es ? 'La planilla está al día: no hay nada que aplicar.'
        : 'The sheet is up to date: there is nothing to apply.', ui.ButtonSet.OK);
      return;
    }
    refuseWhenBlocked_(state); // before the backup: a paused sheet gets no copy either
    // So is one the change would take over Google's cell limit: the backup's history row, then each migration.
    refuseOverCellLimit_(state, applyBudget_(state, pending, true), 'applying ' + idsOf_(pending).join(' and '));
    var list = pending.map(function (m) { return '• ' + m.id + ': ' + m.description; }).join('\n');
    // The headers as the owner saw them when asked: a column inserted meanwhile stops the change.
    var seen = headersOf_(state, pending);
    if (!confirm_(ui, es ? '¿Aplicar estos cambios a la planilla?\n\n' + list + '\n\nAntes se hace una copia de ' +
      'seguridad.' : 'Apply these changes to the sheet?\n\n' + list + '\n\nA backup copy is made first.', es)) return;
    ui.alert(MENU_TITLE, applyPending_(id, pending, seen, es), ui.ButtonSet.OK);
  }, { localized: true });
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
 * @param {boolean} es
 * @returns {string}
 */
function applyPending_(id, pending, seen, es) {
  var outcome = /** @type {PendingOutcome} */ ({
    applied: [], byOthers: [], refused: null, notTried: [], backup: null });
  var now = lockedState_(id);
  var todo = pendingIn_(now).filter(function (m) { return idsOf_(pending).indexOf(m.id) >= 0; });
  outcome.byOthers = idsOf_(pending).filter(function (m) { return idsOf_(todo).indexOf(m) < 0; });
  if (!todo.length) return pendingOutcomeText_(outcome, es);
  try {
    refuseWhenBlocked_(now);
    refuseOverCellLimit_(now, applyBudget_(now, todo, true), 'applying ' + idsOf_(todo).join(' and '));
    // Another run's migration changed the headers the owner saw: the live ones are the base now. Otherwise a
    // column moved while the question was open stops the change here, before the backup.
    var expected = outcome.byOthers.length ? headersOf_(now, todo) : seen;
    if (!outcome.byOthers.length) checkExpectedHeaders_(now, todo[0], seen);
  } catch (e) {
    outcome.refused = { id: todo[0].id, why: refusalText_(e, es) };
    outcome.notTried = idsOf_(todo.slice(1));
    return pendingOutcomeText_(outcome, es);
  }
  try {
    outcome.backup = /** @type {{backupId: string, name: string}} */ (backupSpreadsheet({ opId: Utilities.getUuid(),
      spreadsheetId: id, label: 'before ' + idsOf_(todo).join('+') }));
  } catch (e) {
    outcome.refused = { id: todo[0].id, why: (es ? 'no se pudo hacer la copia de seguridad: '
      : 'the backup could not be made: ') + refusalText_(e, es) };
    outcome.notTried = idsOf_(todo.slice(1));
    return pendingOutcomeText_(outcome, es);
  }
  for (var i = 0; i < todo.length; i++) {
    var m = todo[i];
    try {
      if (i > 0) expected = headersOf_(lockedState_(id), todo.slice(i)); // the previous one added columns
      var r = /** @type {{status: string, columns?: AddedColumn[]}} */ (applyMigration({
        opId: Utilities.getUuid(), spreadsheetId: id, migration: m, expectedHeaders: expected }));
      if (r.status === 'already_applied') outcome.byOthers.push(m.id); // another run got the lock first
      else outcome.applied.push({ id: m.id, columns: r.columns || [] });
    } catch (e) {
      outcome.refused = { id: m.id, why: refusalText_(e, es) };
      outcome.notTried = idsOf_(todo.slice(i + 1));
      break;
    }
  }
  return pendingOutcomeText_(outcome, es);
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
 * @param {boolean} es
 */
function pendingOutcomeText_(o, es) {
  /** @type {string[]} */
  var parts = [];
  var clean = !o.byOthers.length && !o.refused;
  if (o.applied.length) {
    parts.push((clean ? (es ? 'Listo. ' : 'Done. ') : '') + (es ? 'Se aplicó:' : 'Applied:') + '\n' +
      o.applied.map(function (a) {
        return '• ' + a.id + ': ' + (es ? 'se agregaron ' : 'added ') +
          a.columns.map(function (c) { return c.name + ' (' + c.letter + ')'; }).join(', ');
      }).join('\n'));
  }
  if (o.byOthers.length) {
    var several = o.byOthers.length > 1;
    parts.push(es
      ? o.byOthers.join(' y ') + (several ? ' ya fueron aplicadas' : ' ya fue aplicada') + ' por otra ejecución ' +
        '(por ejemplo, la herramienta del operador).'
      : o.byOthers.join(' and ') + (several ? ' were' : ' was') + ' already applied by another run (for example ' +
        'the operator\'s tool).');
  }
  if (o.refused) {
    parts.push((es ? 'No se aplicó ' : 'Not applied: ') + o.refused.id + (es ? ': ' : ', because: ') + o.refused.why +
      (o.notTried.length ? '\n' + (es ? 'Tampoco se aplicó ' + o.notTried.join(' ni ') + ', que va después.'
        : 'Nor ' + o.notTried.join(' or ') + ', which come' + (o.notTried.length > 1 ? '' : 's') + ' after it.') : ''));
  }
  if (!o.applied.length && !o.refused) parts.push(es ? 'No queda nada por hacer.' : 'Nothing else to do.');
  if (o.backup) {
    parts.push(es ? 'Antes se hizo la copia de seguridad "' + o.backup.name + '" (está en su Google Drive).'
      : 'Backup made first: "' + o.backup.name + '" (it is in your Google Drive).');
  } else {
    parts.push(es ? 'Esta ejecución no cambió nada: no se hizo copia de seguridad.'
      : 'Nothing was changed by this run: no backup was made.');
  }
  return parts.join('\n\n');
}

function menuRollbackLast() {
  menuRun_(function (ui, id) {
    var state = loadState_(id);
    var applied = appliedMigrations_(state.history);
    if (!applied.length) {
      ui.alert(MENU_TITLE, 'No migration is applied: there is nothing to roll back.', ui.ButtonSet.OK);
      return;
    }
    var last = applied[applied.length - 1].migration_id;
    // Everything that would refuse the rollback (its cell budget with the backup's history row included) refuses
    // it now, before the question and the backup; planning changes nothing.
    planRollback_(state, last, { opId: 'menu-check', startedAt: new Date().toISOString(), backupFirst: true });
    if (!confirm_(ui, 'Roll back migration ' + last + '?\n\nIts columns are removed (their contents are kept in a ' +
      'hidden archive sheet); everything else stays as it is. A backup copy is made first.')) return;
    var backup = /** @type {{backupId: string}} */ (backupSpreadsheet({ opId: Utilities.getUuid(), spreadsheetId: id,
      label: 'before rollback ' + last }));
    var r = /** @type {{archiveSheet: string, archivedCells: number}} */ (rollbackMigration({
      opId: Utilities.getUuid(), spreadsheetId: id, migrationId: last, backupId: backup.backupId }));
    ui.alert(MENU_TITLE, 'Migration ' + last + ' was rolled back. ' + r.archivedCells + ' cells were kept in the ' +
      'hidden sheet "' + r.archiveSheet + '".', ui.ButtonSet.OK);
  });
}

function menuHistory() {
  menuRun_(function (ui, id) {
    var rows = loadState_(id).history.slice(-15).reverse();
    var text = rows.map(function (r) {
      return r.finished_at.replace('T', ' ').slice(0, 16) + '  ' + r.action + ' ' + r.migration_id + ' — ' + r.status +
        ' (' + r.who + ')';
    }).join('\n');
    ui.alert(MENU_TITLE, (text || 'Nothing has been recorded yet.') + '\n\nThe full record is the hidden sheet "' +
      HISTORY_SHEET + '" (View → Hidden sheets).', ui.ButtonSet.OK);
  }, { readOnly: true });
}

function menuPause() {
  menuRun_(function (ui, id) {
    // What a hold stops, truthfully: applies by this menu and by zeues-migrate, not people or the v2.1 backend.
    if (!confirm_(ui, 'Pause migrations? While paused, no migration can be applied to this sheet, from this menu or ' +
      'by the operator\'s zeues-migrate, until the spreadsheet\'s owner resumes them here (or the operator runs ' +
      '`zeues-migrate hold --release`). People and the ZEUES app keep editing the sheet as usual.')) return;
    var r = /** @type {{status: string}} */ (setHold({ opId: Utilities.getUuid(), spreadsheetId: id, hold: true,
      reason: 'paused from the menu' }));
    ui.alert(MENU_TITLE, r.status === 'held' ? 'Migrations are paused.' : 'Migrations were already paused.',
      ui.ButtonSet.OK);
  });
}

function menuResume() {
  menuRun_(function (ui, id, es) {
    refuseUnlessOwner_(SpreadsheetApp.getActiveSpreadsheet(), es); // before the question: others are not asked
    var question = es ? '¿Reanudar las migraciones en esta planilla?' : 'Resume migrations on this sheet?';
    if (!confirm_(ui, question, es)) return;
    var r = /** @type {{status: string}} */ (setHold({ opId: Utilities.getUuid(), spreadsheetId: id, hold: false }));
    ui.alert(MENU_TITLE, r.status === 'released'
      ? (es ? 'Las migraciones pueden volver a ejecutarse.' : 'Migrations can run again.')
      : (es ? 'Las migraciones no estaban pausadas.' : 'Migrations were not paused.'), ui.ButtonSet.OK);
  }, { localized: true });
}

/**
 * Only the spreadsheet's owner resumes from the menu: a menu item runs as whoever clicks it, so the person
 * (Session, the same account a history row records as `who`) is compared with the Drive owner
 * (Spreadsheet.getOwner, null in a shared drive). An editor whose address Google withholds is refused too. The
 * operator's `zeues-migrate hold --release` is not affected: it is an API run, recorded with who ran it.
 * @param {GoogleAppsScript.Spreadsheet.Spreadsheet} spreadsheet
 * @param {boolean} es
 */
function refuseUnlessOwner_(spreadsheet, es) {
  var owner = spreadsheet.getOwner();
  var ownerEmail = owner ? owner.getEmail() : '';
  var me = currentUser_();
  if (ownerEmail && ownerEmail.toLowerCase() === me.toLowerCase()) return;
  var who = me === 'unknown' ? (es ? 'una cuenta que Google no identifica' : 'an account Google does not name') : me;
  if (!ownerEmail) {
    fail_(ERROR_CODES.NOT_OWNER, es
      ? 'esta planilla está en una unidad compartida y no tiene dueño, así que nadie puede reanudar las migraciones ' +
        'desde el menú; pida al operador que ejecute `zeues-migrate hold --release`'
      : 'this spreadsheet is in a shared drive and has no owner, so nobody can resume migrations from the menu; ask ' +
        'the operator to run `zeues-migrate hold --release`');
  }
  fail_(ERROR_CODES.NOT_OWNER, es
    ? 'solo quien es dueño de esta planilla (' + ownerEmail + ') puede reanudar las migraciones, y usted entró como ' +
      who + '; pídale que use "Resume migrations", o al operador que ejecute `zeues-migrate hold --release`'
    : 'only the owner of this spreadsheet (' + ownerEmail + ') may resume migrations, and you are ' + who + '; ask ' +
      'them to use "Resume migrations", or the operator to run `zeues-migrate hold --release`');
}

/**
 * Run a menu item. Unless it only reads, a backup is refused before any question (the API refuses it too, with
 * ZEUES_IS_BACKUP; here the owner gets plain words in the sheet's language). `localized` items speak the sheet's
 * language (`es` is true for a Spanish locale) in their refusals too; the others are still in English.
 * @param {(ui: GoogleAppsScript.Base.Ui, spreadsheetId: string, es: boolean) => void} body
 * @param {{readOnly?: boolean, localized?: boolean}} [options]
 */
function menuRun_(body, options) {
  var ui = SpreadsheetApp.getUi();
  var spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  var es = false;
  try {
    es = !!(options && options.localized) && inSpanish_(spreadsheet);
    var tag = options && options.readOnly ? null : backupTag_(spreadsheet);
    if (tag) {
      var texts = backupTexts_(spreadsheet, tag);
      ui.alert(texts.menu, texts.refused, ui.ButtonSet.OK);
      return;
    }
    body(ui, spreadsheet.getId(), es);
  } catch (e) {
    ui.alert(MENU_TITLE, (es ? 'No se cambió nada. ' : 'Nothing was changed. ') + refusalText_(e, es),
      ui.ButtonSet.OK);
  }
}

/** @param {GoogleAppsScript.Spreadsheet.Spreadsheet} spreadsheet */
function inSpanish_(spreadsheet) {
  return /^es/i.test(spreadsheet.getSpreadsheetLocale());
}

/**
 * What a backup tells its owner, in the spreadsheet's language: Spanish for an `es` locale (the production sheet
 * is es_CL), English otherwise. The time is the backup's, in the sheet's time zone.
 * @param {GoogleAppsScript.Spreadsheet.Spreadsheet} spreadsheet
 * @param {BackupTag} tag
 */
function backupTexts_(spreadsheet, tag) {
  var at = new Date(tag.createdAt);
  var when = isNaN(at.getTime()) ? '?'
    : Utilities.formatDate(at, spreadsheet.getSpreadsheetTimeZone() || 'America/Santiago', 'yyyy-MM-dd HH:mm');
  var where = tag.url || tag.original;
  if (inSpanish_(spreadsheet)) {
    return {
      menu: 'Copia de seguridad ZEUES de ' + tag.title + ', ' + when,
      openOriginal: 'Abrir el original',
      about: 'Esta planilla es una copia de seguridad de "' + tag.title + '", hecha el ' + when + '. Muestra cómo ' +
        'estaba la planilla; desde aquí no se aplica, revierte ni pausa nada.\n\nEl original está en:\n' + where,
      refused: 'No se cambió nada. Esta planilla es una copia de seguridad de "' + tag.title + '": haga los ' +
        'cambios en el original:\n' + where,
    };
  }
  return {
    menu: 'ZEUES backup of ' + tag.title + ', ' + when,
    openOriginal: 'Open the original',
    about: 'This spreadsheet is a backup copy of "' + tag.title + '", made ' + when + '. It shows how the sheet was; ' +
      'nothing can be applied, rolled back or paused from here.\n\nThe original is at:\n' + where,
    refused: 'Nothing was changed. This spreadsheet is a backup copy of "' + tag.title + '": make changes in the ' +
      'original:\n' + where,
  };
}

/**
 * @param {GoogleAppsScript.Base.Ui} ui
 * @param {string} question
 * @param {boolean} [es] answer a No in Spanish
 */
function confirm_(ui, question, es) {
  if (ui.alert(MENU_TITLE, question, ui.ButtonSet.YES_NO) === ui.Button.YES) return true;
  ui.alert(MENU_TITLE, es ? 'Cancelado. No se cambió nada.' : 'Cancelled. Nothing was changed.', ui.ButtonSet.OK);
  return false;
}

/**
 * What the owner reads for an error: a bridge refusal or Google's own text in plain words, but never a JavaScript
 * error of the script itself (a bug: its text means nothing to the owner), which goes to the execution log.
 * @param {unknown} e
 * @param {boolean} es
 */
function refusalText_(e, es) {
  if (e instanceof TypeError || e instanceof ReferenceError || e instanceof RangeError || e instanceof SyntaxError) {
    console.error(e.stack || String(e));
    return es ? 'Falló el script del menú (es un error del programa; el detalle está en Extensiones → Apps Script → ' +
      'Ejecuciones). Avise al operador.' : 'The menu\'s script failed (a bug in it; the details are in Extensions → ' +
      'Apps Script → Executions). Tell the operator.';
  }
  return plainError_(errorText_(e), es);
}

/**
 * The plain words for a refusal. The common ones are said in the sheet's language; the rest is the bridge's own
 * text (English, with the command that fixes it).
 * @param {string} message a `ZEUES_CODE: text` error
 * @param {boolean} [es]
 */
function plainError_(message, es) {
  var text = message.replace(/^ZEUES_[A-Z_]+: /, '');
  if (message.indexOf(ERROR_CODES.LOCK_BUSY + ':') === 0) {
    return es ? 'Otra migración se está ejecutando en este momento. Intente de nuevo en unos minutos.'
      : 'Another migration is running right now. Try again in a few minutes.';
  }
  if (message.indexOf(ERROR_CODES.HOLD + ':') === 0) {
    return es ? 'Las migraciones están pausadas. Use primero "Resume migrations".'
      : 'Migrations are paused. Use "Resume migrations" first.';
  }
  if (message.indexOf(ERROR_CODES.DRIFT + ':') === 0) {
    return (es ? 'Alguien cambió las columnas mientras usted decidía: '
      : 'Someone changed the columns while you were deciding: ') + text;
  }
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * @param {string[]} appliedIds
 * @returns {MigrationSpec[]}
 */
function pendingMigrations_(appliedIds) {
  return ZEUES_MIGRATIONS.migrations.filter(function (m) { return appliedIds.indexOf(m.id) < 0; });
}

/**
 * The migrations this bridge carries that the history does not show applied, in order.
 * @param {WorkbookState} state
 */
function pendingIn_(state) {
  return pendingMigrations_(appliedMigrations_(state.history).map(function (r) { return r.migration_id; }));
}

/** @param {MigrationSpec[]} migrations */
function idsOf_(migrations) {
  return migrations.map(function (m) { return m.id; });
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
