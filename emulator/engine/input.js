// @ts-check
'use strict';
/**
 * USER_ENTERED: what a string typed into a cell becomes, in the spreadsheet's locale. `=...` is a formula,
 * a leading apostrophe forces text, TRUE/FALSE are booleans, numbers use the locale's separators, and dates
 * in the locale's day/month order (or ISO) become date serials with the locale's default date format.
 */
const { localeInfo } = require('./locale');
const { dateToSerial } = require('./numfmt');

const MONTH_NAMES = [
  ['jan', 'ene'], ['feb'], ['mar'], ['apr', 'abr'], ['may'], ['jun'], ['jul'], ['aug', 'ago'], ['sep', 'set'],
  ['oct'], ['nov'], ['dec', 'dic'],
];

/** @param {string} name @returns {number} 1-12, or 0 */
function monthFromName(name) {
  const key = name.toLowerCase().slice(0, 3);
  const i = MONTH_NAMES.findIndex((alts) => alts.includes(key));
  return i + 1;
}

/** @param {number} y @param {number} m @param {number} d */
function validDate(y, m, d) {
  if (m < 1 || m > 12 || d < 1 || y < 0 || y > 9999) return false;
  const dim = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= dim;
}

/** @param {number} y */
function fullYear(y) {
  // Two-digit years: 00-29 -> 2000s, 30-99 -> 1900s (Sheets' pivot).
  return y < 30 ? 2000 + y : y < 100 ? 1900 + y : y;
}

/**
 * @param {string} text
 * @returns {{serial: number, hasDate: boolean, hasTime: boolean} | null}
 */
function parseDateTime(text, /** @type {boolean} */ dmy) {
  const m = /^(.*?)(?:\s+|T|^)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(am|pm|a\.\s?m\.|p\.\s?m\.)?$/i.exec(text);
  let datePart = text;
  let time = 0;
  let hasTime = false;
  if (m) {
    let h = Number(m[2]);
    const min = Number(m[3]);
    const sec = m[4] ? Number(m[4]) : 0;
    const frac = m[5] ? Number('0.' + m[5]) : 0;
    if (m[6]) {
      const pm = /^p/i.test(m[6]);
      if (h < 1 || h > 12) return null;
      h = (h % 12) + (pm ? 12 : 0);
    }
    if (h > 23 || min > 59 || sec > 59) return null;
    time = (h * 3600 + min * 60 + sec + frac) / 86400;
    hasTime = true;
    datePart = m[1].trim();
  }
  if (datePart === '') return hasTime ? { serial: time, hasDate: false, hasTime } : null;
  let y = 0, mo = 0, d = 0;
  let r;
  if ((r = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(datePart))) {
    y = Number(r[1]); mo = Number(r[2]); d = Number(r[3]);
  } else if ((r = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$/.exec(datePart))) {
    const a = Number(r[1]), b = Number(r[2]);
    y = fullYear(Number(r[3]));
    if (dmy) { d = a; mo = b; } else { mo = a; d = b; }
  } else if ((r = /^(\d{1,2})[-/ ]([A-Za-zé]{3,})\.?[-/ ](\d{2}|\d{4})$/.exec(datePart))) {
    d = Number(r[1]); mo = monthFromName(r[2]); y = fullYear(Number(r[3]));
  } else if ((r = /^([A-Za-z]{3,})\.? (\d{1,2}),? (\d{4})$/.exec(datePart))) {
    mo = monthFromName(r[1]); d = Number(r[2]); y = Number(r[3]);
  } else return null;
  if (!validDate(y, mo, d)) return null;
  return { serial: dateToSerial(y, mo, d) + time, hasDate: true, hasTime };
}

/**
 * @param {string} text
 * @param {{decimal: string, group: string}} loc
 * @returns {{value: number, percent: boolean, currency: boolean} | null}
 */
function parseNumber(text, loc) {
  let s = text.trim();
  let percent = false;
  let currency = false;
  if (s.endsWith('%')) {
    percent = true;
    s = s.slice(0, -1).trim();
  }
  let sign = '';
  if (/^[+-]/.test(s)) {
    sign = s[0] === '-' ? '-' : '';
    s = s.slice(1);
  }
  if (s.startsWith('$')) {
    currency = true;
    s = s.slice(1).trim();
  }
  const g = loc.group === '.' ? '\\.' : loc.group === ',' ? ',' : loc.group;
  const d = loc.decimal === '.' ? '\\.' : loc.decimal;
  const re = new RegExp(`^(?:\\d{1,3}(?:${g}\\d{3})+|\\d+)?(?:${d}\\d+)?(?:[eE][+-]?\\d+)?$`);
  if (!re.test(s) || !/\d/.test(s.replace(/[eE].*$/, ''))) return null;
  const normal = s.split(loc.group).join('').replace(loc.decimal, '.');
  const value = Number(sign + normal);
  if (!Number.isFinite(value)) return null;
  return { value: percent ? value / 100 : value, percent, currency };
}

/**
 * @typedef {{formula: string} | {value: string|number|boolean, numberFormat?: {type: string, pattern: string}}} Parsed
 */

/**
 * @param {string} text
 * @param {string|undefined} locale
 * @returns {Parsed}
 */
function parseUserEntered(text, locale) {
  if (text.startsWith('=') && text.length > 1) return { formula: text };
  if (text.startsWith("'")) return { value: text.slice(1) };
  const loc = localeInfo(locale);
  const upper = text.trim().toUpperCase();
  if (loc.trueWords.includes(upper)) return { value: true };
  if (loc.falseWords.includes(upper)) return { value: false };
  const num = parseNumber(text, loc);
  if (num) {
    if (num.percent) return { value: num.value, numberFormat: { type: 'PERCENT', pattern: '0%' } };
    if (num.currency) return { value: num.value, numberFormat: { type: 'CURRENCY', pattern: '"$"#,##0.00' } };
    return { value: num.value };
  }
  const dt = parseDateTime(text.trim(), loc.dmy);
  if (dt) {
    if (dt.hasDate && dt.hasTime) return { value: dt.serial, numberFormat: { type: 'DATE_TIME', pattern: loc.dateTime } };
    if (dt.hasDate) return { value: dt.serial, numberFormat: { type: 'DATE', pattern: loc.date } };
    return { value: dt.serial, numberFormat: { type: 'TIME', pattern: loc.time } };
  }
  return { value: text };
}

module.exports = { parseUserEntered, parseNumber, parseDateTime };
