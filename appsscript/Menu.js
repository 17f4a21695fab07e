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
  menuRun_(function (ui, id) {
    var state = loadState_(id);
    var pending = pendingMigrations_(appliedMigrations_(state.history).map(function (r) { return r.migration_id; }));
    if (!pending.length) {
      ui.alert(MENU_TITLE, 'The sheet is up to date: there is nothing to apply.', ui.ButtonSet.OK);
      return;
    }
    refuseWhenBlocked_(state); // before the backup: a paused sheet gets no copy either
    // So is one the change would take over Google's cell limit: the backup's history row, then each migration.
    refuseOverCellLimit_(state, applyBudget_(state, pending, true),
      'applying ' + pending.map(function (m) { return m.id; }).join(' and '));
    var list = pending.map(function (m) { return '• ' + m.id + ': ' + m.description; }).join('\n');
    // The headers as the owner saw them when asked: a column inserted meanwhile stops the change.
    var expected = headersOf_(state, pending);
    if (!confirm_(ui, 'Apply these changes to the sheet?\n\n' + list + '\n\nA backup copy is made first.')) return;
    var backup = /** @type {{backupId: string, name: string}} */ (backupSpreadsheet({ opId: Utilities.getUuid(),
      spreadsheetId: id, label: 'before ' + pending.map(function (m) { return m.id; }).join('+') }));
    /** @type {string[]} */
    var done = [];
    pending.forEach(function (m) {
      var r = /** @type {{columns: Array<{name: string, letter: string}>}} */ (applyMigration({
        opId: Utilities.getUuid(), spreadsheetId: id, migration: m, expectedHeaders: expected }));
      done.push('• ' + m.id + ': added ' + r.columns.map(function (c) { return c.name + ' (' + c.letter + ')'; })
        .join(', '));
    });
    ui.alert(MENU_TITLE, 'Done. Applied:\n' + done.join('\n') + '\n\nBackup: "' + backup.name + '".', ui.ButtonSet.OK);
  });
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
    if (!confirm_(ui, 'Pause migrations? While paused, nobody can apply a migration to this sheet (by the menu or ' +
      'by the operator\'s tool) until you resume.')) return;
    var r = /** @type {{status: string}} */ (setHold({ opId: Utilities.getUuid(), spreadsheetId: id, hold: true,
      reason: 'paused from the menu' }));
    ui.alert(MENU_TITLE, r.status === 'held' ? 'Migrations are paused.' : 'Migrations were already paused.',
      ui.ButtonSet.OK);
  });
}

function menuResume() {
  menuRun_(function (ui, id) {
    if (!confirm_(ui, 'Resume migrations on this sheet?')) return;
    var r = /** @type {{status: string}} */ (setHold({ opId: Utilities.getUuid(), spreadsheetId: id, hold: false }));
    ui.alert(MENU_TITLE, r.status === 'released' ? 'Migrations can run again.' : 'Migrations were not paused.',
      ui.ButtonSet.OK);
  });
}

/**
 * Run a menu item. Unless it only reads, a backup is refused before any question (the API refuses it too, with
 * ZEUES_IS_BACKUP; here the owner gets plain words in the sheet's language).
 * @param {(ui: GoogleAppsScript.Base.Ui, spreadsheetId: string) => void} body
 * @param {{readOnly?: boolean}} [options]
 */
function menuRun_(body, options) {
  var ui = SpreadsheetApp.getUi();
  var spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  try {
    var tag = options && options.readOnly ? null : backupTag_(spreadsheet);
    if (tag) {
      var texts = backupTexts_(spreadsheet, tag);
      ui.alert(texts.menu, texts.refused, ui.ButtonSet.OK);
      return;
    }
    body(ui, spreadsheet.getId());
  } catch (e) {
    ui.alert(MENU_TITLE, 'Nothing was changed. ' + plainError_(errorText_(e)), ui.ButtonSet.OK);
  }
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
  if (/^es/i.test(spreadsheet.getSpreadsheetLocale())) {
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
 */
function confirm_(ui, question) {
  if (ui.alert(MENU_TITLE, question, ui.ButtonSet.YES_NO) === ui.Button.YES) return true;
  ui.alert(MENU_TITLE, 'Cancelled. Nothing was changed.', ui.ButtonSet.OK);
  return false;
}

/** @param {string} message a `ZEUES_CODE: text` error */
function plainError_(message) {
  var text = message.replace(/^ZEUES_[A-Z_]+: /, '');
  if (message.indexOf(ERROR_CODES.LOCK_BUSY) === 0) return 'Another migration is running right now. Try again in a few minutes.';
  if (message.indexOf(ERROR_CODES.HOLD) === 0) return 'Migrations are paused. Use "Resume migrations" first.';
  if (message.indexOf(ERROR_CODES.DRIFT) === 0) return 'Someone changed the columns while you were deciding: ' + text;
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
