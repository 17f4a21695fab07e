'use strict';
/**
 * Logger and console: lines go to the host, which hands them back with the run's result for the
 * emulator's log. Logger.log(format, values...) substitutes %s/%d/%f like Java's String.format subset.
 */
const host = require('./host');

/** @param {any} v */
function show(v) {
  if (typeof v === 'string') return v;
  if (v === undefined) return 'undefined';
  if (Object.prototype.toString.call(v) === '[object Date]') return String(v);
  if (v && typeof v === 'object') {
    try {
      return JSON.stringify(v);
    } catch (e) {
      return String(v);
    }
  }
  return String(v);
}

/** @param {any} first @param {any[]} rest */
function format(first, rest) {
  if (typeof first !== 'string' || rest.length === 0) return [first, ...rest].map(show).join(' ');
  let i = 0;
  const text = first.replace(/%(?:\.(\d+))?([sdfoOj%])/g, (m, prec, kind) => {
    if (kind === '%') return '%';
    if (i >= rest.length) return m;
    const v = rest[i++];
    if (kind === 'd') return String(Math.trunc(Number(v)));
    if (kind === 'f') return prec === undefined ? String(Number(v)) : Number(v).toFixed(Number(prec));
    return show(v);
  });
  return [text, ...rest.slice(i).map(show)].join(' ');
}

class LoggerService {
  constructor() { this._lines = []; }
  get __appsScriptClass() { return 'Base.Logger'; }
  log(format_, ...values) {
    const line = format(format_, values);
    this._lines.push(line);
    host.log('INFO', line);
    return this;
  }
  getLog() { return this._lines.map((l) => l + '\n').join(''); }
  clear() { this._lines = []; }
}

class ConsoleService {
  constructor() { this._timers = {}; }
  get __appsScriptClass() { return 'Console'; }
  log(formatOrObject, ...values) { host.log('INFO', format(formatOrObject, values)); }
  info(formatOrObject, ...values) { host.log('INFO', format(formatOrObject, values)); }
  warn(formatOrObject, ...values) { host.log('WARNING', format(formatOrObject, values)); }
  error(formatOrObject, ...values) { host.log('ERROR', format(formatOrObject, values)); }
  time(label) { this._timers[String(label)] = Date.now(); }
  timeEnd(label) {
    const start = this._timers[String(label)];
    if (start !== undefined) host.log('INFO', String(label) + ': ' + (Date.now() - start) + 'ms');
  }
}

module.exports = { LoggerService, ConsoleService };
