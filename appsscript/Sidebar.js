// @ts-check
// The panel's server functions (google.script.run calls them from Sidebar.html). Each returns a plain object whose
// words are already the owner's, from the catalogue; none opens a dialog: the panel asks in the page, and only
// then calls the change, which takes the lock, backs up first and says what it did (Owner.js, shared with the
// menu). A change answers with the new state, so the panel shows it at once.

var SIDEBAR_HISTORY_ROWS = 30;

/** The menu's "Abrir panel": the panel, with the catalogue in the owner's language. */
function menuOpenSidebar() {
  var template = HtmlService.createTemplateFromFile('Sidebar');
  template.locale = ownerLanguage_();
  template.texts = ownerTexts_();
  SpreadsheetApp.getUi().showSidebar(template.evaluate().setTitle(text_('panel.title')));
}

/**
 * Everything the panel shows: status, pending changes, history, links, the change running now. When the sheet
 * cannot be read, the failure handler gets why in words (never the raw error).
 */
function sidebarState() {
  try {
    return panelState_();
  } catch (e) {
    throw new Error(refusalText_(e));
  }
}

function panelState_() {
  var spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  var state = loadState_(spreadsheet.getId());
  var pending = pendingIn_(state);
  return {
    locale: ownerLanguage_(), texts: ownerTexts_(), status: ownerStatus_(state),
    pending: pending.map(function (m) { return { id: m.id, line: pendingLine_(m) }; }),
    history: ownerHistory_(state, SIDEBAR_HISTORY_ROWS), links: ownerLinks_(state), progress: currentProgress_(),
    // The headers as seen: a column inserted before the owner confirms stops the change.
    token: JSON.stringify({ action: 'apply', ids: idsOf_(pending), headers: headersOf_(state, pending) }),
    isBackup: !!backupTag_(spreadsheet),
  };
}

/**
 * What a change would do, for the panel's question, or why it cannot be done (with what to do next).
 * @param {string} action 'apply' | 'undo' | 'restore' | 'pause' | 'resume'
 * @param {string} [arg] the backupId, for 'restore'
 * @returns {OwnerPreview}
 */
function sidebarPreview(action, arg) {
  return sidebarRefusal_(function (spreadsheet) {
    var state = loadState_(spreadsheet.getId());
    if (action === 'apply') return applyPreview_(state);
    if (action === 'undo') return rollbackPreview_(state);
    if (action === 'restore') return restorePreview_(state, String(arg || ''));
    if (action === 'pause') return pausePreview_(state);
    if (action === 'resume') return resumePreview_(state);
    return refuseOwner_(ERROR_CODES.INVALID_REQUEST, text_('common.staleView'));
  });
}

/** @param {string} token from sidebarState or sidebarPreview('apply') */
function sidebarApply(token) {
  return sidebarChange_(function (id) { return ownerApply_(id, token); });
}

/** @param {string} token from sidebarPreview('undo') */
function sidebarUndo(token) {
  return sidebarChange_(function (id) { return ownerRollback_(id, token); });
}

/** @param {string} reason why, as the owner typed it (required: the others read it) */
function sidebarPause(reason) {
  return sidebarChange_(function (id) {
    var why = String(reason === undefined || reason === null ? '' : reason).trim();
    if (!why) return { ok: false, message: text_('pause.needReason') };
    return ownerPause_(id, why);
  });
}

function sidebarResume() {
  return sidebarChange_(function (id) { return ownerResume_(id); });
}

/**
 * @param {string} backupId one of the backups the panel lists
 * @param {string} token from sidebarPreview('restore', backupId)
 */
function sidebarRestore(backupId, token) {
  return sidebarChange_(function (id) { return ownerRestore_(id, String(backupId), token); });
}

/** The change running now (what the bridge records as it moves through its steps), or null. Takes no lock. */
function sidebarProgress() {
  return currentProgress_();
}

/**
 * Run a change from the panel, refused on a backup; answer what it did and the state after it.
 * @param {(spreadsheetId: string) => OwnerOutcome} fn
 */
function sidebarChange_(fn) {
  var outcome = sidebarRefusal_(function (spreadsheet) {
    var tag = backupTag_(spreadsheet);
    if (tag) return { ok: false, message: text_('backup.refused', backupParams_(spreadsheet, tag)) };
    return fn(spreadsheet.getId());
  });
  // The change is done whatever happens next: a state that cannot be read is null, the answer still arrives.
  var state = null;
  try {
    state = panelState_();
  } catch (e) {
    console.error(errorText_(e));
  }
  return { ok: outcome.ok, message: outcome.message, state: state };
}

/**
 * `fn`'s answer, or a refusal in the owner's words ("nothing was changed", why and what to do).
 * @template {{ok: boolean}} T
 * @param {(spreadsheet: GoogleAppsScript.Spreadsheet.Spreadsheet) => T} fn
 * @returns {T | {ok: false, message: string}}
 */
function sidebarRefusal_(fn) {
  try {
    return fn(SpreadsheetApp.getActiveSpreadsheet());
  } catch (e) {
    return { ok: false, message: text_('common.nothingChanged', { why: refusalText_(e) }) };
  }
}
