// @ts-check
'use strict';
/**
 * Display strings for cell values (FORMATTED_VALUE, `formattedValue`), from the cell's number format and the
 * spreadsheet locale. Covers the patterns spreadsheets like ZEUES use: dates and times (`dd-mm-yyyy`,
 * `dd/mm/yyyy`, `hh:mm:ss`, `mmm`, am/pm), numbers (`0`, `0.00`, `#,##0`, `#,##0.00`, percent, literal text,
 * sections for negatives), and Google's automatic format when a cell has none.
 */
const { localeInfo } = require('./locale');

const DAY_MS = 86400000;
const EPOCH_OFFSET_DAYS = 25569; // serial of 1970-01-01 (serial 0 is 1899-12-30)

const MONTHS = {
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  es: ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'],
};
const WEEKDAYS = {
  en: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
  es: ['domingo', 'lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado'],
};

/** @param {number} y @param {number} m 1-12 @param {number} d @returns {number} serial */
function dateToSerial(y, m, d) {
  return Date.UTC(y, m - 1, d) / DAY_MS + EPOCH_OFFSET_DAYS;
}

/**
 * Calendar parts of a serial number, rounded to the second (or the millisecond when `ms` is asked for).
 * @param {number} serial
 * @param {boolean} [ms]
 */
function serialParts(serial, ms) {
  const unit = ms ? 1 : 1000;
  const t = Math.round(((serial - EPOCH_OFFSET_DAYS) * DAY_MS) / unit) * unit;
  const date = new Date(t);
  return {
    year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), weekday: date.getUTCDay(),
    hour: date.getUTCHours(), minute: date.getUTCMinutes(), second: date.getUTCSeconds(), millis: date.getUTCMilliseconds(),
  };
}

const pad = (/** @type {number} */ n, /** @type {number} */ w) => String(n).padStart(w, '0');

/** @param {string} pattern */
function splitSections(pattern) {
  const out = [];
  let cur = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '"') {
      const j = pattern.indexOf('"', i + 1);
      const end = j < 0 ? pattern.length : j;
      cur += pattern.slice(i, end + 1);
      i = end;
    } else if (ch === '\\') {
      cur += pattern.slice(i, i + 2);
      i++;
    } else if (ch === ';') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** @type {Map<string, {tokens: string[], hasAmPm: boolean, wantsMs: boolean}>} compiled date patterns */
const DATE_CACHE = new Map();
/** @type {Map<string, string[]>} number patterns split into sections */
const SECTION_CACHE = new Map();
/** @type {Map<string, boolean>} */
const IS_DATE_CACHE = new Map();

const DATE_TOKEN = /"[^"]*"|\\.|am\/pm|a\/p|\[h+\]|\[m+\]|\[s+\]|y+|m+|d+|h+|s+|\.0+|[\s\S]/gi;

/** @param {string} section */
function isDatePattern(section) {
  const stripped = section.replace(/"[^"]*"|\\./g, '').replace(/\[\$[^\]]*\]/g, '');
  return /[dyhs]/i.test(stripped) || (/m/i.test(stripped) && !/[0#?]/.test(stripped));
}

/**
 * @param {number} serial
 * @param {string} pattern
 * @param {string} lang
 */
function formatDate(serial, pattern, lang) {
  let compiled = DATE_CACHE.get(pattern);
  if (!compiled) {
    const toks = pattern.match(DATE_TOKEN) || [];
    compiled = { tokens: toks, hasAmPm: toks.some((t) => /^(am\/pm|a\/p)$/i.test(t)), wantsMs: toks.some((t) => /^\.0+$/.test(t)) };
    DATE_CACHE.set(pattern, compiled);
  }
  const { tokens, hasAmPm, wantsMs } = compiled;
  const p = serialParts(serial, wantsMs);
  const months = MONTHS[lang === 'es' ? 'es' : 'en'];
  const weekdays = WEEKDAYS[lang === 'es' ? 'es' : 'en'];
  // `m` means minutes right after an hour or right before seconds.
  const kinds = tokens.map((t) => t[0].toLowerCase());
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const k = kinds[i];
    const len = t.length;
    if (t.startsWith('"')) out += t.slice(1, -1);
    else if (t.startsWith('\\')) out += t.slice(1);
    else if (/^(am\/pm|a\/p)$/i.test(t)) {
      const pm = p.hour >= 12;
      out += t.length === 3 ? (pm ? 'P' : 'A') : pm ? 'PM' : 'AM';
    } else if (t.startsWith('[')) {
      const total = Math.round((serial * DAY_MS) / 1000);
      const c = t[1].toLowerCase();
      const v = c === 'h' ? Math.floor(total / 3600) : c === 'm' ? Math.floor(total / 60) : total;
      out += pad(v, len - 2);
    } else if (/^\.0+$/.test(t)) {
      out += '.' + pad(p.millis, 3).slice(0, len - 1).padEnd(len - 1, '0');
    } else if (k === 'y') out += len <= 2 ? pad(p.year % 100, 2) : String(p.year);
    else if (k === 'd') {
      if (len === 1) out += p.day;
      else if (len === 2) out += pad(p.day, 2);
      else if (len === 3) out += weekdays[p.weekday].slice(0, 3);
      else out += weekdays[p.weekday];
    } else if (k === 'h') {
      let h = p.hour;
      if (hasAmPm) h = h % 12 === 0 ? 12 : h % 12;
      out += len >= 2 ? pad(h, 2) : String(h);
    } else if (k === 's') out += len >= 2 ? pad(p.second, 2) : String(p.second);
    else if (k === 'm') {
      let prev = i - 1;
      while (prev >= 0 && !/[dyhsm]/.test(kinds[prev])) prev--;
      let next = i + 1;
      while (next < tokens.length && !/[dyhsm]/.test(kinds[next])) next++;
      const minute = (prev >= 0 && kinds[prev] === 'h') || (next < tokens.length && kinds[next] === 's');
      if (minute && len <= 2) out += len === 2 ? pad(p.minute, 2) : String(p.minute);
      else if (len === 1) out += p.month;
      else if (len === 2) out += pad(p.month, 2);
      else if (len === 3) out += months[p.month - 1].slice(0, 3);
      else if (len === 5) out += months[p.month - 1][0];
      else out += months[p.month - 1];
    } else out += t;
  }
  return out;
}

/**
 * @param {number} value
 * @param {string} section one section of a number pattern
 * @param {{decimal: string, group: string}} loc
 */
function formatNumberSection(value, section, loc) {
  // Tokenise into literals and placeholders.
  /** @type {Array<{lit?: string, ph?: string}>} */
  const tokens = [];
  for (let i = 0; i < section.length; i++) {
    const ch = section[i];
    if (ch === '"') {
      const j = section.indexOf('"', i + 1);
      const end = j < 0 ? section.length : j;
      tokens.push({ lit: section.slice(i + 1, end) });
      i = end;
    } else if (ch === '\\') {
      tokens.push({ lit: section[i + 1] || '' });
      i++;
    } else if (ch === '[') {
      const j = section.indexOf(']', i);
      const body = section.slice(i + 1, j < 0 ? section.length : j);
      if (body.startsWith('$')) tokens.push({ lit: body.slice(1).split('-')[0] });
      i = j < 0 ? section.length : j;
    } else if (ch === '_' || ch === '*') {
      i++; // padding directives: nothing visible here
    } else if ('0#?.,%'.includes(ch)) tokens.push({ ph: ch });
    else if ((ch === 'E' || ch === 'e') && (section[i + 1] === '+' || section[i + 1] === '-')) {
      tokens.push({ ph: 'E' + section[i + 1] });
      i++;
    } else tokens.push({ lit: ch });
  }
  const phIdx = tokens.map((t, i) => (t.ph && '0#?'.includes(t.ph) ? i : -1)).filter((i) => i >= 0);
  const percent = tokens.some((t) => t.ph === '%');
  let v = percent ? value * 100 : value;
  if (!phIdx.length) {
    return tokens.map((t) => (t.lit !== undefined ? t.lit : t.ph === '%' ? '%' : t.ph === '.' ? loc.decimal : '')).join('');
  }
  const first = phIdx[0];
  const last = phIdx[phIdx.length - 1];
  const block = tokens.slice(first, last + 1);
  // Trailing commas right after the last placeholder scale by 1000 each.
  let k = last + 1;
  while (tokens[k] && tokens[k].ph === ',') {
    v /= 1000;
    k++;
  }
  const expIdx = block.findIndex((t) => t.ph === 'E+' || t.ph === 'E-');
  const mantBlock = expIdx >= 0 ? block.slice(0, expIdx) : block;
  const dot = mantBlock.findIndex((t) => t.ph === '.');
  const intPart = dot >= 0 ? mantBlock.slice(0, dot) : mantBlock;
  const fracPart = dot >= 0 ? mantBlock.slice(dot + 1) : [];
  const intMin = intPart.filter((t) => t.ph === '0').length;
  const grouping = intPart.some((t) => t.ph === ',');
  const fracMax = fracPart.filter((t) => t.ph && '0#?'.includes(t.ph)).length;
  const fracMin = fracPart.filter((t) => t.ph === '0').length;
  let exponent = 0;
  let abs = Math.abs(v);
  if (expIdx >= 0 && abs !== 0) {
    exponent = Math.floor(Math.log10(abs));
    abs /= Math.pow(10, exponent);
  }
  let fixed = abs.toFixed(fracMax);
  if (expIdx >= 0 && Number(fixed) >= 10) {
    exponent += 1;
    fixed = (abs / 10).toFixed(fracMax);
  }
  let [ints, fracs = ''] = fixed.split('.');
  while (fracs.length > fracMin && fracs.endsWith('0')) fracs = fracs.slice(0, -1);
  if (ints === '0' && intMin === 0) ints = '';
  ints = ints.padStart(intMin, '0');
  if (grouping) ints = ints.replace(/\B(?=(\d{3})+(?!\d))/g, loc.group);
  let num = ints + (dot >= 0 ? loc.decimal + fracs : '');
  if (expIdx >= 0) {
    const expDigits = block.slice(expIdx + 1).filter((t) => t.ph === '0').length || 1;
    const sign = exponent < 0 ? '-' : block[expIdx].ph === 'E+' ? '+' : '';
    num += 'E' + sign + pad(Math.abs(exponent), expDigits);
  }
  const literal = (/** @type {{lit?: string, ph?: string}} */ t) =>
    t.lit !== undefined ? t.lit : t.ph === '%' ? '%' : '';
  const before = tokens.slice(0, first).map(literal).join('');
  const inside = block.filter((t) => t.lit !== undefined).map((t) => t.lit).join('');
  const after = tokens.slice(k).map(literal).join('');
  return before + num + inside + after;
}

/**
 * Google's automatic format: integers as they are, others to 10 significant digits, exponent beyond 1e15.
 * @param {number} v
 * @param {{decimal: string}} loc
 */
function formatGeneral(v, loc) {
  if (Object.is(v, -0)) v = 0;
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const abs = Math.abs(v);
  let s;
  if (abs >= 1e15 || (abs !== 0 && abs < 1e-9)) {
    const [m, e] = v.toExponential(2).split('e');
    const exp = Number(e);
    s = m + 'E' + (exp < 0 ? '-' : '+') + pad(Math.abs(exp), 2);
  } else {
    s = String(Number(v.toPrecision(10)));
    if (s.includes('e')) s = Number(v.toPrecision(10)).toFixed(12).replace(/0+$/, '').replace(/\.$/, '');
  }
  return s.replace('.', loc.decimal);
}

/**
 * @param {number} v
 * @param {{type?: string, pattern?: string} | undefined} numberFormat
 * @param {string|undefined} locale
 */
function formatNumber(v, numberFormat, locale) {
  const loc = localeInfo(locale);
  const lang = (locale || 'en').split('_')[0];
  const type = numberFormat && numberFormat.type;
  let pattern = numberFormat && numberFormat.pattern;
  if (!pattern) {
    if (type === 'DATE') pattern = loc.date;
    else if (type === 'TIME') pattern = loc.time;
    else if (type === 'DATE_TIME') pattern = loc.dateTime;
    else if (type === 'PERCENT') pattern = '0.00%';
    else if (type === 'SCIENTIFIC') pattern = '0.00E+00';
    else if (type === 'CURRENCY') pattern = '"$"#,##0.00';
    else if (type === 'NUMBER') pattern = '#,##0.00';
    else return formatGeneral(v, loc);
  }
  let sections = SECTION_CACHE.get(pattern);
  if (!sections) {
    sections = splitSections(pattern);
    SECTION_CACHE.set(pattern, sections);
  }
  let section = sections[0];
  let value = v;
  if (v < 0 && sections.length > 1 && sections[1] !== '') {
    section = sections[1];
    value = -v;
  } else if (v === 0 && sections.length > 2 && sections[2] !== '') section = sections[2];
  if (section.trim().toLowerCase() === 'general' || section === '') return formatGeneral(v, loc);
  if (section === '@') return formatGeneral(v, loc);
  let isDate = IS_DATE_CACHE.get(section);
  if (isDate === undefined) {
    isDate = isDatePattern(section);
    IS_DATE_CACHE.set(section, isDate);
  }
  if (isDate) return formatDate(value, section, lang);
  const text = formatNumberSection(Math.abs(value), section, loc);
  const negative = value < 0 && Number(text.replace(/[^0-9]/g, '')) !== 0;
  return negative ? '-' + text : text;
}

/**
 * The display string of an effective value.
 * @param {any} value number | string | boolean | {error}
 * @param {{type?: string, pattern?: string} | undefined} numberFormat
 * @param {string|undefined} locale
 */
function formatValue(value, numberFormat, locale) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return formatNumber(value, numberFormat, locale);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'object' && value.error) return value.error;
  if (typeof value === 'string' && numberFormat && numberFormat.pattern && numberFormat.type === 'TEXT') {
    const sections = splitSections(numberFormat.pattern);
    const textSection = sections.length >= 4 ? sections[3] : sections[0];
    if (textSection.includes('@')) return textSection.replace(/"([^"]*)"/g, '$1').replace('@', value);
  }
  return String(value);
}

/** True when the format makes a number a date, time or date-time. */
function isDateFormat(/** @type {{type?: string, pattern?: string} | undefined} */ nf) {
  if (!nf) return false;
  if (nf.type === 'DATE' || nf.type === 'TIME' || nf.type === 'DATE_TIME') return true;
  return !!nf.pattern && isDatePattern(splitSections(nf.pattern)[0]) && !nf.type;
}

module.exports = { formatValue, formatNumber, formatDate, dateToSerial, serialParts, isDateFormat, DAY_MS, EPOCH_OFFSET_DAYS };
