// @ts-check
'use strict';
/**
 * Builds the global scope an Apps Script execution sees: a fresh `vm` context with the emulated services,
 * then the project's files evaluated in order.
 *
 * The service modules (./services/*.js) are evaluated *inside* the context, not in Node's realm, so every
 * object a script receives belongs to the script's own realm: `value instanceof Date` works on getValues()
 * results, thrown service errors are `instanceof Error`, and arrays are the script's arrays. They reach
 * the outside world only through `host` (see ./services/host.js), which exchanges JSON strings.
 */
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const SERVICES_DIR = path.join(__dirname, 'services');
/** Prefix of the file names given to service code, so stack traces can leave those frames out. */
const SERVICE_FILE_PREFIX = 'emulator-runtime:';

/**
 * @typedef {import('./services/host').Host} Host
 */

/**
 * Creates the context and installs the global services (no project code yet).
 * @param {Host} host
 * @returns {{context: vm.Context, globals: Record<string, any>, registry: any}}
 */
function createSandbox(host) {
  const context = vm.createContext({}, { name: 'apps-script' });
  // Deep bridge call chains should keep their whole stack in scriptStackTraceElements.
  vm.runInContext('Error.stackTraceLimit = 100;', context);
  /** @type {Map<string, any>} */
  const cache = new Map();
  /** @param {string} name e.g. "./spreadsheet-app" */
  const load = (name) => {
    const base = path.basename(name).replace(/\.js$/, '');
    if (base === 'host') return host;
    if (cache.has(base)) return cache.get(base).exports;
    const file = path.join(SERVICES_DIR, base + '.js');
    const source = fs.readFileSync(file, 'utf8');
    const wrapper = new vm.Script('(function (exports, require, module) {' + source + '\n})', {
      filename: SERVICE_FILE_PREFIX + 'services/' + base + '.js',
    }).runInContext(context);
    const module = { exports: {} };
    cache.set(base, module);
    wrapper.call(undefined, module.exports, load, module);
    return module.exports;
  };
  const { installGlobals } = load('./globals');
  const { globals, registry } = installGlobals(context);
  for (const [name, value] of Object.entries(globals)) {
    Object.defineProperty(context, name, { value, writable: true, configurable: true, enumerable: false });
  }
  return { context, globals, registry };
}

/**
 * Evaluates the project's files in order, in the context.
 * @param {vm.Context} context
 * @param {Array<{name: string, source: string}>} files
 */
function loadFiles(context, files) {
  for (const f of files) {
    new vm.Script(f.source, { filename: f.name }).runInContext(context);
  }
}

module.exports = { createSandbox, loadFiles, SERVICE_FILE_PREFIX };
