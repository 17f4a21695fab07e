'use strict';
/**
 * Time zones and date formats without dependencies: offsets from Intl, Sheets serial numbers (days since
 * 1899-12-30 in the spreadsheet's time zone), and Java SimpleDateFormat patterns for Utilities.formatDate.
 */

const SERIAL_EPOCH_UTC = Date.UTC(1899, 11, 30);
const DAY_MS = 86400000;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** @type {Map<string, Intl.DateTimeFormat|null>} */
const formatters = new Map();

/**
 * A fixed offset written "GMT+3", "GMT-03:00", "UTC+0530", or null.
 * @param {string} tz
 */
function fixedOffsetMinutes(tz) {
  const m = /^(?:GMT|UTC)(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$/i.exec(String(tz).trim());
  if (!m) return null;
  if (!m[1]) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3] || 0);
  return m[1] === '-' ? -minutes : minutes;
}

/** @param {string} tz */
function formatterFor(tz) {
  if (!formatters.has(tz)) {
    let f = null;
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short',
      });
    } catch (e) {
      f = null; // unknown zone: Java falls back to GMT, so do we
    }
    formatters.set(tz, f);
  }
  return formatters.get(tz);
}

/**
 * Offset of `tz` from UTC in minutes at instant `ms`.
 * @param {string} tz
 * @param {number} ms
 */
function offsetMinutes(tz, ms) {
  const fixed = fixedOffsetMinutes(tz);
  if (fixed !== null) return fixed;
  const f = formatterFor(tz);
  if (!f) return 0;
  const parts = {};
  for (const p of f.formatToParts(new Date(ms))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const asUtc = Date.UTC(year, Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const whole = ms - (((ms % 1000) + 1000) % 1000);
  return Math.round((asUtc - whole) / 60000);
}

/**
 * Wall-clock fields of instant `ms` in `tz`.
 * @param {number} ms
 * @param {string} tz
 */
function wallFields(ms, tz) {
  const off = offsetMinutes(tz, ms);
  const d = new Date(ms + off * 60000);
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate(), hour: d.getUTCHours(),
    minute: d.getUTCMinutes(), second: d.getUTCSeconds(), ms: d.getUTCMilliseconds(), weekday: d.getUTCDay(),
    offset: off,
  };
}

/**
 * The instant whose wall clock in `tz` reads `wallMs` (wall time expressed as if it were UTC).
 * @param {number} wallMs
 * @param {string} tz
 */
function fromWall(wallMs, tz) {
  let guess = wallMs - offsetMinutes(tz, wallMs) * 60000;
  guess = wallMs - offsetMinutes(tz, guess) * 60000;
  return guess;
}

/**
 * Sheets serial number -> epoch ms, reading the serial as wall time in the spreadsheet's zone.
 * @param {number} serial
 * @param {string} tz
 */
function serialToMs(serial, tz) {
  return fromWall(Math.round(SERIAL_EPOCH_UTC + serial * DAY_MS), tz);
}

/**
 * Epoch ms -> Sheets serial number in the spreadsheet's zone.
 * @param {number} ms
 * @param {string} tz
 */
function msToSerial(ms, tz) {
  return (ms + offsetMinutes(tz, ms) * 60000 - SERIAL_EPOCH_UTC) / DAY_MS;
}

/** @param {number} n @param {number} width */
function pad(n, width) {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + (s.length >= width ? s : '0'.repeat(width - s.length) + s);
}

/** @param {number} off minutes @param {string} style */
function formatOffset(off, style) {
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  const hh = pad(Math.floor(a / 60), 2);
  const mm = pad(a % 60, 2);
  if (style === 'Z') return sign + hh + mm;
  if (off === 0) return 'Z';
  if (style === 'X') return sign + hh + (a % 60 ? mm : '');
  if (style === 'XX') return sign + hh + mm;
  return sign + hh + ':' + mm;
}

/** @param {string} tz @param {number} ms @param {boolean} long */
function zoneName(tz, ms, long) {
  try {
    const f = new Intl.DateTimeFormat('en-US', { timeZone: fixedOffsetMinutes(tz) !== null ? 'UTC' : tz, timeZoneName: long ? 'long' : 'short' });
    if (fixedOffsetMinutes(tz) !== null) {
      const off = fixedOffsetMinutes(tz);
      return off === 0 ? 'GMT' : 'GMT' + formatOffset(off, 'XXX');
    }
    const part = f.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName');
    return part ? part.value : tz;
  } catch (e) {
    return 'GMT';
  }
}

/**
 * Java SimpleDateFormat, English names, as Utilities.formatDate uses it.
 * @param {number} ms
 * @param {string} tz
 * @param {string} pattern
 */
function formatDate(ms, tz, pattern) {
  const f = wallFields(ms, tz);
  const startOfYear = Date.UTC(f.year, 0, 1);
  const dayOfYear = Math.floor((Date.UTC(f.year, f.month, f.day) - startOfYear) / DAY_MS) + 1;
  let out = '';
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i];
    if (c === "'") {
      // '' is a literal quote, inside or outside a quoted section.
      if (pattern[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      i++;
      while (i < pattern.length) {
        if (pattern[i] === "'" && pattern[i + 1] === "'") {
          out += "'";
          i += 2;
        } else if (pattern[i] === "'") {
          i++;
          break;
        } else {
          out += pattern[i++];
        }
      }
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      out += c;
      i++;
      continue;
    }
    let n = 1;
    while (pattern[i + n] === c) n++;
    i += n;
    switch (c) {
      case 'G': out += f.year > 0 ? 'AD' : 'BC'; break;
      case 'y': case 'Y':
        out += n === 2 ? pad(f.year % 100, 2) : pad(f.year, n);
        break;
      case 'M': case 'L':
        out += n >= 4 ? MONTHS[f.month] : n === 3 ? MONTHS[f.month].slice(0, 3) : pad(f.month + 1, n);
        break;
      case 'd': out += pad(f.day, n); break;
      case 'D': out += pad(dayOfYear, n); break;
      case 'E': out += n >= 4 ? DAYS[f.weekday] : DAYS[f.weekday].slice(0, 3); break;
      case 'u': out += pad(f.weekday === 0 ? 7 : f.weekday, n); break;
      case 'F': out += pad(Math.floor((f.day - 1) / 7) + 1, n); break;
      case 'w': {
        const jan1 = new Date(startOfYear).getUTCDay();
        out += pad(Math.floor((dayOfYear - 1 + jan1) / 7) + 1, n);
        break;
      }
      case 'W': {
        const first = new Date(Date.UTC(f.year, f.month, 1)).getUTCDay();
        out += pad(Math.floor((f.day - 1 + first) / 7) + 1, n);
        break;
      }
      case 'a': out += f.hour < 12 ? 'AM' : 'PM'; break;
      case 'H': out += pad(f.hour, n); break;
      case 'k': out += pad(f.hour === 0 ? 24 : f.hour, n); break;
      case 'K': out += pad(f.hour % 12, n); break;
      case 'h': out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, n); break;
      case 'm': out += pad(f.minute, n); break;
      case 's': out += pad(f.second, n); break;
      case 'S': out += pad(f.ms, n); break;
      case 'z': out += zoneName(tz, ms, n >= 4); break;
      case 'Z': out += formatOffset(f.offset, 'Z'); break;
      case 'X': out += formatOffset(f.offset, n === 1 ? 'X' : n === 2 ? 'XX' : 'XXX'); break;
      default:
        // Java rejects unknown letters with IllegalArgumentException.
        throw new Error("Illegal pattern character '" + c + "'");
    }
  }
  return out;
}

module.exports = { serialToMs, msToSerial, formatDate, offsetMinutes, wallFields, fromWall, SERIAL_EPOCH_UTC, DAY_MS };
