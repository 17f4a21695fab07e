// @ts-check
// The "ZEUES Migration" menu for the sheet owner. Each item asks first and only then takes the lock (an
// open dialog would release a held lock), runs the same API functions the orchestrator calls, and says what
// happened in plain words, from the catalogue (OwnerText.js). The previews and runs are shared with the panel
// (Owner.js); "Abrir panel" opens it (Sidebar.js).

function onOpen() {
  var spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  var tag = backupTag_(spreadsheet);
  if (tag) {
    // A backup carries this script too: its menu only leads back to the original, nothing in it changes anything.
    SpreadsheetApp.getUi().createMenu(backupMenuTitle_(spreadsheet, tag))
      .addItem(text_('backup.openOriginal'), 'menuOpenOriginal').addToUi();
    return;
  }
  SpreadsheetApp.getUi().createMenu(text_('menu.title'))
    .addItem(text_('menu.openPanel'), 'menuOpenSidebar')
    .addSeparator()
    .addItem(text_('menu.status'), 'menuSchemaStatus')
    .addItem(text_('menu.backupNow'), 'menuBackupNow')
    .addSeparator()
    .addItem(text_('menu.apply'), 'menuApplyPending')
    .addItem(text_('menu.rollback'), 'menuRollbackLast')
    .addSeparator()
    .addItem(text_('menu.history'), 'menuHistory')
    .addItem(text_('menu.pause'), 'menuPause')
    .addItem(text_('menu.resume'), 'menuResume')
    .addToUi();
}

/** The backup menu's one item: where the original is (an alert with its address; it changes nothing). */
function menuOpenOriginal() {
  var ui = SpreadsheetApp.getUi();
  var spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  var tag = backupTag_(spreadsheet);
  if (!tag) {
    ui.alert(text_('menu.title'), text_('backup.notABackup'), ui.ButtonSet.OK);
    return;
  }
  ui.alert(backupMenuTitle_(spreadsheet, tag), text_('backup.about', backupParams_(spreadsheet, tag)), ui.ButtonSet.OK);
}

function menuSchemaStatus() {
  menuRun_(function (ui, id) {
    say_(ui, ownerStatus_(loadState_(id)).lines.join('\n'));
  }, { readOnly: true });
}

function menuBackupNow() {
  menuRun_(function (ui, id) {
    if (!confirm_(ui, text_('backup.confirm'))) return;
    var b = /** @type {{backupUrl: string, name: string}} */ (backupSpreadsheet({ opId: Utilities.getUuid(),
      spreadsheetId: id, label: 'menu' }));
    say_(ui, text_('backup.made', { name: b.name, url: b.backupUrl }));
  });
}

function menuApplyPending() {
  menuRun_(function (ui, id) {
    var preview = applyPreview_(loadState_(id));
    if (!preview.ok) return say_(ui, preview.message);
    if (confirm_(ui, preview.body.join('\n\n'))) say_(ui, ownerApply_(id, preview.token).message);
  });
}

function menuRollbackLast() {
  menuRun_(function (ui, id) {
    var preview = rollbackPreview_(loadState_(id));
    if (!preview.ok) return say_(ui, preview.message);
    if (confirm_(ui, preview.body.join('\n\n'))) say_(ui, ownerRollback_(id, preview.token).message);
  });
}

function menuHistory() {
  menuRun_(function (ui, id) {
    var rows = ownerHistory_(loadState_(id), 15).map(function (r) {
      return text_('history.line', { when: r.when, what: r.line });
    });
    say_(ui, (rows.length ? text_('history.title') + '\n' + rows.join('\n') : text_('history.empty')) + '\n\n' +
      text_('history.full', { sheet: HISTORY_SHEET }));
  }, { readOnly: true });
}

function menuPause() {
  menuRun_(function (ui, id) {
    var preview = pausePreview_(loadState_(id));
    if (!preview.ok) return say_(ui, preview.message);
    // An alert cannot ask for words: the reason says where it came from (the panel asks for one).
    if (confirm_(ui, text_('pause.question') + '\n\n' + text_('pause.menuHint', { reason: text_('pause.menuReason') }))) {
      say_(ui, ownerPause_(id, text_('pause.menuReason')).message);
    }
  });
}

function menuResume() {
  menuRun_(function (ui, id) {
    var preview = resumePreview_(loadState_(id)); // refused to anyone but the owner before the question
    if (!preview.ok) return say_(ui, preview.message);
    if (confirm_(ui, preview.body.join('\n\n'))) say_(ui, ownerResume_(id).message);
  });
}

/**
 * Run a menu item. Unless it only reads, a backup is refused before any question (the API refuses it too, with
 * ZEUES_IS_BACKUP; here the owner gets plain words). A refusal says that nothing was changed: the items that make
 * a backup and then fail say so themselves (Owner.js).
 * @param {(ui: GoogleAppsScript.Base.Ui, spreadsheetId: string) => void} body
 * @param {{readOnly?: boolean}} [options]
 */
function menuRun_(body, options) {
  var ui = SpreadsheetApp.getUi();
  var spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  try {
    var tag = options && options.readOnly ? null : backupTag_(spreadsheet);
    if (tag) {
      ui.alert(backupMenuTitle_(spreadsheet, tag), text_('backup.refused', backupParams_(spreadsheet, tag)),
        ui.ButtonSet.OK);
      return;
    }
    body(ui, spreadsheet.getId());
  } catch (e) {
    say_(ui, text_('common.nothingChanged', { why: refusalText_(e) }));
  }
}

/**
 * @param {GoogleAppsScript.Base.Ui} ui
 * @param {string} message
 */
function say_(ui, message) {
  ui.alert(text_('menu.title'), message, ui.ButtonSet.OK);
}

/**
 * What a backup tells its owner: the original's title, when the backup was made (in the sheet's time zone), where
 * the original is.
 * @param {GoogleAppsScript.Spreadsheet.Spreadsheet} spreadsheet
 * @param {BackupTag} tag
 */
function backupParams_(spreadsheet, tag) {
  var at = new Date(tag.createdAt);
  var when = isNaN(at.getTime()) ? '?'
    : Utilities.formatDate(at, spreadsheet.getSpreadsheetTimeZone() || 'America/Santiago', 'yyyy-MM-dd HH:mm');
  return { title: tag.title, when: when, where: tag.url || tag.original };
}

/**
 * @param {GoogleAppsScript.Spreadsheet.Spreadsheet} spreadsheet
 * @param {BackupTag} tag
 */
function backupMenuTitle_(spreadsheet, tag) {
  return text_('backup.menu', backupParams_(spreadsheet, tag));
}

/**
 * @param {GoogleAppsScript.Base.Ui} ui
 * @param {string} question
 */
function confirm_(ui, question) {
  if (ui.alert(text_('menu.title'), question, ui.ButtonSet.YES_NO) === ui.Button.YES) return true;
  say_(ui, text_('common.cancelled'));
  return false;
}
