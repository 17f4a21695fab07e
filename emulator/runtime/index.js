// @ts-check
'use strict';
/**
 * The Apps Script runtime: runs a function of the project in a fresh worker per execution and answers the
 * worker's synchronous service calls (engine, locks, properties, dialogs) on the main thread.
 *
 *   const runtime = createRuntime({engine, scriptDir, executionLimitMs});
 *   await runtime.run({functionName, parameters, spreadsheetId?, menu?: {uiAnswers, userEmail?}})
 *     -> {result?, error?: {errorMessage, errorType, scriptStackTraceElements?}, alerts?, menus?, toasts?, logs}
 *
 * An API run (`scripts.run`) has no active spreadsheet and no UI. A menu run (`menu` given) is bound to
 * `spreadsheetId`: getActiveSpreadsheet() returns it, getUi() works, alerts take the scripted answers in
 * order (CLOSE once they run out), and menus added with addToUi() are returned. A menu run runs under the
 * authority of the person who clicked the item (`menu.userEmail`, the owner when not given): on Google a menu
 * item is run by whoever uses it, after that person authorized the script, so Session's active and effective
 * users are that person; an API run is the deployment's user.
 */
const path = require('node:path');
const crypto = require('node:crypto');
const { Worker, MessageChannel } = require('node:worker_threads');
const { loadProject } = require('./project');
const { LockManager } = require('./locks');
const { PropertyStore } = require('./properties');

const WORKER_FILE = path.join(__dirname, 'worker.js');
const DEFAULT_LIMIT_MS = 6 * 60 * 1000;
const DEFAULT_USER = 'owner@example.com';
/** Google's errorMessage when an execution runs past its limit. */
const TIMEOUT_MESSAGE = 'Exceeded maximum execution time';

/** The Engine methods service code may call (the contract's Engine API). */
const ENGINE_METHODS = new Set([
  'createSpreadsheet', 'getSpreadsheet', 'batchUpdate', 'valuesGet', 'valuesBatchGet', 'valuesUpdate',
  'valuesAppend', 'valuesBatchUpdate', 'valuesClear', 'valuesBatchClear', 'developerMetadataSearch', 'developerMetadataGet',
  'driveGet', 'driveCopy', 'driveList', 'driveUpdate', 'driveDelete',
]);

const BUTTON_SETS = /** @type {Record<string, string[]>} */ ({
  OK: ['OK'], OK_CANCEL: ['OK', 'CANCEL'], YES_NO: ['YES', 'NO'], YES_NO_CANCEL: ['YES', 'NO', 'CANCEL'],
});

/**
 * @typedef {{errorMessage: string, errorType: string, scriptStackTraceElements?: Array<{function?: string, lineNumber: number}>}} ExecutionError
 * @typedef {{result?: unknown, error?: ExecutionError, alerts?: any[], menus?: any[], toasts?: any[],
 *   dialogs?: Array<{id: string, kind: string, title: string}>, resultDropped?: string,
 *   logs: Array<{level: string, message: string, time: string}>}} RunResult
 * @typedef {{id: string, kind: string, title: string, html: string, width: number|null, height: number|null,
 *   metaTags: Array<{name: string, content: string}>, functions: string[], spreadsheetId: string, userEmail: string,
 *   openedAt: string}} Dialog
 */

/**
 * @param {{engine: any, scriptDir: string, executionLimitMs?: number, dataDir?: string, userEmail?: string,
 *   onLog?: (entry: {level: string, message: string, time: string, functionName: string}) => void}} options
 */
function createRuntime(options) {
  const { engine } = options;
  const project = loadProject(options.scriptDir);
  const advancedServices = ((project.manifest.dependencies || {}).enabledAdvancedServices) || [];
  /** The manifest's explicit scopes, or what Google's automatic detection grants (services/scopes.js). */
  const grantedScopes = Array.isArray(project.manifest.oauthScopes) ? project.manifest.oauthScopes.map(String)
    : require('./services/scopes').detectScopes(project.files.map((f) => f.source));
  const userEmail = options.userEmail || DEFAULT_USER;
  const configuredLimitMs = Number(options.executionLimitMs) > 0 ? Number(options.executionLimitMs) : DEFAULT_LIMIT_MS;
  let limitMs = configuredLimitMs;
  const locks = new LockManager();
  const dataDir = options.dataDir || (engine && (engine.dataDir || (engine.options && engine.options.dataDir))) || null;
  const properties = new PropertyStore(dataDir ? path.join(dataDir, 'script-properties.json') : null);
  /** @type {Map<string, () => void>} running executions -> abort */
  const running = new Map();
  /** Sidebars and dialogs shown by bound runs, served by emulator/ui-server.js. @type {Map<string, Dialog>} */
  const dialogs = new Map();
  const htmlFiles = project.htmlFiles.map((f) => ({ name: f.name, source: f.source }));

  /**
   * Answers one service call from a worker.
   * @param {string} execId
   * @param {string} kind
   * @param {any} p
   * @param {{bound: boolean, answers: string[], alerts: any[], dialogs: any[], spreadsheetId: string|null,
   *   userEmail: string}} run
   */
  async function handle(execId, kind, p, run) {
    switch (kind) {
      case 'engine': {
        if (!ENGINE_METHODS.has(p.method) || typeof engine[p.method] !== 'function') {
          throw { code: 501, status: 'UNIMPLEMENTED', message: 'Emulator engine has no method ' + p.method };
        }
        // An Advanced-service call spends its user's Sheets quota under the Google-like profile (faults.js).
        if (p.advanced && typeof engine.callAs === 'function') return engine.callAs({ advanced: true, user: p.user }, p.method, p.args);
        return engine[p.method](...p.args);
      }
      case 'lock.acquire':
        return locks.acquire(String(p.scope), execId, Number(p.timeoutMs) || 0);
      case 'lock.release':
        locks.release(String(p.scope), execId);
        return null;
      case 'props.get':
        return properties.get(p.store);
      case 'props.set':
        properties.set(p.store, p.values, !!p.deleteAllOthers);
        return null;
      case 'props.delete':
        properties.delete(p.store, p.key);
        return null;
      case 'props.deleteAll':
        properties.deleteAll(p.store);
        return null;
      case 'ui.alert': {
        const answer = run.answers.length ? String(run.answers.shift()).toUpperCase() : 'CLOSE';
        run.alerts.push({ title: p.title, prompt: p.prompt, buttons: p.buttons, answer });
        // A dialog suspends the execution and releases its locks (DESIGN.md platform facts).
        locks.releaseAll(execId);
        const allowed = BUTTON_SETS[p.buttons] || ['OK'];
        if (answer !== 'CLOSE' && !allowed.includes(answer)) {
          throw { code: 400, status: 'INVALID_ARGUMENT', message: 'Emulator: scripted answer "' + answer + '" is not a button of this dialog (' + p.buttons + ')' };
        }
        return answer;
      }
      case 'ui.show': {
        // One sidebar per user and spreadsheet, as in the editor: a new one replaces the one open before.
        for (const d of Array.from(dialogs.values())) {
          if ((p.kind === 'sidebar') === (d.kind === 'sidebar') && d.spreadsheetId === run.spreadsheetId &&
            d.userEmail === run.userEmail) dialogs.delete(d.id);
        }
        /** @type {Dialog} */
        const dialog = { id: crypto.randomUUID(), kind: String(p.kind), title: String(p.title || ''), html: String(p.html),
          width: p.width, height: p.height, metaTags: p.metaTags || [], functions: p.functions || [],
          spreadsheetId: String(run.spreadsheetId), userEmail: run.userEmail, openedAt: new Date().toISOString() };
        dialogs.set(dialog.id, dialog);
        run.dialogs.push({ id: dialog.id, kind: dialog.kind, title: dialog.title });
        return dialog.id;
      }
      default:
        throw { code: 400, status: 'INVALID_ARGUMENT', message: 'Unknown runtime call ' + kind };
    }
  }

  /**
   * @param {{functionName: string, parameters?: unknown[], spreadsheetId?: string|null,
   *   menu?: {uiAnswers?: string[], userEmail?: string}|null, hang?: boolean}} request
   * @returns {Promise<RunResult>}
   */
  function run(request) {
    const execId = crypto.randomUUID();
    const bound = !!request.menu;
    const state = {
      bound,
      answers: bound ? Array.from((request.menu && request.menu.uiAnswers) || []) : [],
      /** @type {any[]} */ alerts: [],
      /** @type {any[]} */ dialogs: [],
      spreadsheetId: bound ? request.spreadsheetId || null : null,
      userEmail: bound && request.menu && request.menu.userEmail ? String(request.menu.userEmail) : userEmail,
    };
    /** @type {any[]} */ const menus = [];
    /** @type {any[]} */ const toasts = [];
    /** @type {Array<{level: string, message: string, time: string}>} */ const logs = [];
    const flag = new SharedArrayBuffer(4);
    const flagView = new Int32Array(flag);
    const { port1, port2 } = new MessageChannel();
    const info = {
      bound,
      spreadsheetId: state.spreadsheetId,
      timeZone: project.timeZone,
      userEmail: state.userEmail,
      executionId: execId,
      advancedServices,
      grantedScopes,
      htmlFiles,
    };
    const worker = new Worker(WORKER_FILE, {
      workerData: {
        rpcPort: port2, flag, files: project.files, functionName: String(request.functionName),
        parametersJson: JSON.stringify(request.parameters || []), info, hang: !!request.hang,
      },
      transferList: [port2],
    });

    return new Promise((resolve) => {
      let finished = false;
      /** @param {{result?: any, error?: ExecutionError, resultDropped?: string}} outcome */
      const finish = (outcome) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        running.delete(execId);
        locks.releaseAll(execId);
        port1.close();
        worker.terminate().catch(() => {});
        /** @type {RunResult} */
        const out = Object.assign({}, outcome, { logs });
        if (bound) {
          out.alerts = state.alerts;
          out.menus = menus;
          out.dialogs = state.dialogs;
        }
        if (toasts.length) out.toasts = toasts;
        resolve(out);
      };
      const timer = setTimeout(() => finish({ error: { errorMessage: TIMEOUT_MESSAGE, errorType: 'ScriptError' } }), limitMs);
      running.set(execId, () => finish({ error: { errorMessage: 'The emulator is shutting down', errorType: 'ScriptError' } }));

      port1.on('message', async (/** @type {{kind: string, payload: string}} */ req) => {
        let reply;
        try {
          const value = await handle(execId, req.kind, JSON.parse(req.payload), state);
          reply = JSON.stringify({ result: value === undefined ? null : value });
        } catch (e) {
          const err = /** @type {any} */ (e);
          const isApi = err && typeof err.code === 'number' && typeof err.message === 'string';
          reply = JSON.stringify({
            error: isApi
              ? { code: err.code, status: err.status || 'UNKNOWN', message: err.message }
              : { code: 500, status: 'INTERNAL', message: 'Internal emulator error: ' + String(err && err.stack || err) },
          });
        }
        if (finished) return;
        port1.postMessage(reply);
        Atomics.store(flagView, 0, 1);
        Atomics.notify(flagView, 0);
      });

      worker.on('message', (msg) => {
        if (msg.type === 'log') {
          logs.push({ level: msg.level, message: msg.message, time: msg.time });
          if (options.onLog) options.onLog({ level: msg.level, message: msg.message, time: msg.time, functionName: String(request.functionName) });
        } else if (msg.type === 'menu') {
          menus.push(msg.payload);
        } else if (msg.type === 'toast') {
          toasts.push(msg.payload);
        } else if (msg.type === 'done') {
          if (msg.error) return finish({ error: msg.error });
          const r = msg.result;
          if (r.reason) logs.push({ level: 'WARNING', message: 'No result returned: ' + r.reason, time: new Date().toISOString() });
          // resultDropped: a value the API cannot return (google.script.run hands its caller null instead).
          finish(r.has ? { result: r.value } : r.reason ? { resultDropped: String(r.reason) } : {});
        }
      });
      worker.on('error', (err) => finish({ error: { errorMessage: 'Internal emulator error: ' + String(err && err.stack || err), errorType: 'ScriptError' } }));
      worker.on('exit', () => finish({ error: { errorMessage: 'Internal emulator error: the execution ended without a result', errorType: 'ScriptError' } }));
    });
  }

  return {
    project,
    run,
    /** The scopes a scripts.run token must carry: every scope the project is granted. */
    grantedScopes() {
      return grantedScopes.slice();
    },
    /** @param {number} ms time limit for executions started from now on; 0 restores the configured one */
    setExecutionLimit(ms) {
      limitMs = Number(ms) > 0 ? Number(ms) : configuredLimitMs;
    },
    getExecutionLimit() {
      return limitMs;
    },
    heldLocks() {
      return locks.held();
    },
    /** Sidebars and dialogs still open (shown and neither replaced nor closed). */
    openDialogs() {
      return Array.from(dialogs.values());
    },
    /** @param {string} id @returns {Dialog|undefined} an open dialog */
    dialog(id) {
      return dialogs.get(id);
    },
    /** google.script.host.close(). @param {string} id */
    closeDialog(id) {
      dialogs.delete(id);
    },
    async close() {
      for (const abort of Array.from(running.values())) abort();
    },
  };
}

module.exports = { createRuntime, TIMEOUT_MESSAGE, DEFAULT_LIMIT_MS };
