// @ts-check
// The words the sheet owner reads (menu, alerts, the panel) come from one catalogue, OWNER_TEXTS (Texts.js,
// generated from orchestrator/contract/owner-texts.json): Spanish when the spreadsheet's locale is Spanish (the
// production sheet is es_CL), English otherwise. Numbers get the locale's thousands separators and times the
// spreadsheet's time zone, named. No owner text is built from codes or from Google's raw messages.

/** @type {'es' | 'en' | null} the language of this execution, read once from the active spreadsheet */
var ownerLanguage = null;

/** @returns {'es' | 'en'} */
function ownerLanguage_() {
  if (ownerLanguage === null) {
    var spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
    ownerLanguage = spreadsheet && /^es/i.test(spreadsheet.getSpreadsheetLocale()) ? 'es' : 'en';
  }
  return ownerLanguage;
}

/**
 * The catalogue text `key` in the owner's language, its `{name}` placeholders filled from `params` (numbers
 * with thousands separators). An unknown key or a missing parameter is a bug: it throws, so a test finds it.
 * @param {string} key
 * @param {Object<string, string | number>} [params]
 */
function text_(key, params) {
  var entry = OWNER_TEXTS[key];
  if (!entry) throw new Error('owner text "' + key + '" is not in the catalogue (orchestrator/contract/owner-texts.json)');
  return fill_(entry[ownerLanguage_()], params || {}, key);
}

/**
 * @param {string} template
 * @param {Object<string, string | number>} params
 * @param {string} key for the error
 */
function fill_(template, params, key) {
  return template.replace(/\{(\w+)\}/g, function (_, name) {
    if (!Object.prototype.hasOwnProperty.call(params, name)) {
      throw new Error('owner text "' + key + '" needs the parameter {' + name + '}');
    }
    var value = params[name];
    return typeof value === 'number' ? formatNumber_(value) : String(value);
  });
}

/** The catalogue in the owner's language, key -> text with its placeholders (for the panel's own words). */
function ownerTexts_() {
  var lang = ownerLanguage_();
  /** @type {Object<string, string>} */
  var out = {};
  Object.keys(OWNER_TEXTS).forEach(function (key) { out[key] = OWNER_TEXTS[key][lang]; });
  return out;
}

/**
 * A whole number with the locale's thousands separator: 41.734 (es), 41,734 (en). Written out rather than
 * toLocaleString, whose result depends on the runtime's ICU data.
 * @param {number} n
 */
function formatNumber_(n) {
  var digits = String(Math.round(Math.abs(n)));
  var grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ownerLanguage_() === 'es' ? '.' : ',');
  return (n < 0 ? '-' : '') + grouped;
}

/**
 * A time as the owner reads it: in the spreadsheet's time zone, with the zone named ("2026-12-02 11:30 (hora de
 * America/Santiago)"); '?' when `iso` is not a time.
 * @param {string} iso
 */
function formatWhen_(iso) {
  var at = new Date(iso);
  if (!iso || isNaN(at.getTime())) return '?';
  var spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  var zone = (spreadsheet && spreadsheet.getSpreadsheetTimeZone()) || Session.getScriptTimeZone();
  // The backups' names carry their time the same way (Backup.js), so the owner can match the two.
  var when = Utilities.formatDate(at, zone, 'yyyy-MM-dd HH:mm');
  return text_('time.zoned', { when: when, zone: zone });
}

/**
 * A list in words: "a, b y c" / "a, b and c" (`joiner` 'list.or': "a, b ni c" / "a, b or c").
 * @param {string[]} items
 * @param {string} [joiner]
 */
function listText_(items, joiner) {
  if (items.length <= 1) return items.join('');
  return items.slice(0, -1).join(', ') + text_(joiner || 'list.and') + items[items.length - 1];
}
