// @ts-check
// The "ZEUES Migration" menu for the sheet owner. Each item asks first and only then takes the lock (an
// open dialog would release a held lock), runs the same API functions the orchestrator calls, and says what
// happened in plain words. A No, or a failure, leaves the sheet as it was: every change is one atomic step.

var MENU_TITLE = 'ZEUES Migration';

function onOpen() {
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
  });
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
    var applied = appliedMigrations_(loadState_(id).history);
    if (!applied.length) {
      ui.alert(MENU_TITLE, 'No migration is applied: there is nothing to roll back.', ui.ButtonSet.OK);
      return;
    }
    var last = applied[applied.length - 1].migration_id;
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
  });
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
 * @param {(ui: GoogleAppsScript.Base.Ui, spreadsheetId: string) => void} body
 */
function menuRun_(body) {
  var ui = SpreadsheetApp.getUi();
  try {
    body(ui, SpreadsheetApp.getActiveSpreadsheet().getId());
  } catch (e) {
    ui.alert(MENU_TITLE, 'Nothing was changed. ' + plainError_(errorText_(e)), ui.ButtonSet.OK);
  }
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
