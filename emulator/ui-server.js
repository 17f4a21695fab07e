// @ts-check
'use strict';
/**
 * Sidebars and dialogs over HTTP, so a real browser can drive them (emulator/README.md, "HtmlService and
 * google.script.run"):
 *
 *   GET  /_emulator/ui                   -> [{id, kind, title, spreadsheetId, userEmail, url, openedAt}] (open ones)
 *   GET  /_emulator/ui/<id>              -> the page (text/html), google.script.run/host injected first in <head>
 *   POST /_emulator/ui/<id>/run          {function, parameters} -> {result?} | {error: {message, name}}
 *   POST /_emulator/ui/<id>/close        google.script.host.close()
 *
 * A run is a bound run of the dialog's spreadsheet by the user who opened it, as when the page calls
 * google.script.run on Google; runs are concurrent with each other and with everything else.
 */
const { ApiError, badRequest } = require('./engine/errors');

const PREFIX = '/_emulator/ui';

/**
 * The script injected in every page, written as a function so its text is injected as is (it runs in the
 * browser, not here). It implements Google's client-side API:
 * - google.script.run: one method per public server function; withSuccessHandler / withFailureHandler /
 *   withUserObject each return a new runner with that setting, so runners can be kept and reused; a call
 *   returns nothing at once and calls a handler later (handler(value, userObject)); at most 10 calls run at a
 *   time, later ones wait for a free place; parameters must be primitives, arrays and plain objects (a form
 *   element only as the sole parameter), undefined inside arrays becomes null; anything else makes the call
 *   throw "Failed due to illegal value in property: KEY" (a cycle: "Failed due to circular reference.") before
 *   anything is sent; a failure without a failure handler is thrown (logged on the console), as Google logs it.
 * - google.script.host: close(), editor.focus() (nothing to focus here), setHeight/setWidth, origin.
 * @param {{base: string, functions: string[]}} config
 */
function clientRuntime(config) {
  const w = /** @type {any} */ (globalThis);
  const MAX_CONCURRENT = 10;
  let active = 0;
  /** @type {Array<() => void>} */
  const waiting = [];

  /** @param {() => void} task */
  const schedule = (task) => {
    if (active < MAX_CONCURRENT) {
      active++;
      task();
    } else {
      waiting.push(task);
    }
  };
  const done = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };

  /** A form's fields as Google sends them: name -> value (strings; repeated names -> a list). @param {any} form */
  const formObject = (form) => {
    /** @type {Record<string, any>} */
    const out = {};
    for (const el of Array.from(/** @type {any[]} */ (form.elements))) {
      if (!el.name || el.disabled) continue;
      if ((el.type === 'checkbox' || el.type === 'radio') && !el.checked) continue;
      if (el.type === 'submit' || el.type === 'button' || el.type === 'reset') continue;
      const values = el.type === 'select-multiple'
        ? Array.from(/** @type {any[]} */ (el.options)).filter((o) => o.selected).map((o) => String(o.value))
        : [String(el.value)];
      for (const v of values) {
        if (!(el.name in out)) out[el.name] = v;
        else if (Array.isArray(out[el.name])) out[el.name].push(v);
        else out[el.name] = [out[el.name], v];
      }
    }
    return out;
  };

  /**
   * Throws Google's error for the first value google.script.run refuses.
   * @param {any} value @param {string} key @param {Set<any>} seen
   */
  const check = (value, key, seen) => {
    if (value === null || value === undefined) return;
    const t = typeof value;
    if (t === 'string' || t === 'number' || t === 'boolean') return;
    const proto = t === 'object' ? Object.getPrototypeOf(value) : undefined;
    if (t !== 'object' || (!Array.isArray(value) && proto !== Object.prototype && proto !== null)) {
      throw new TypeError('Failed due to illegal value in property: ' + key);
    }
    if (seen.has(value)) throw new TypeError('Failed due to circular reference.');
    seen.add(value);
    for (const k of Object.keys(value)) check(value[k], k, seen);
    seen.delete(value);
  };

  /**
   * @param {{success: any, failure: any, userObject: any}} settings
   * @param {string} name
   * @param {any[]} args
   */
  const call = (settings, name, args) => {
    /** @param {Error} err */
    const fail = (err) => {
      if (typeof settings.failure === 'function') settings.failure(err, settings.userObject);
      else if (settings.failure !== null) setTimeout(() => { throw err; });
    };
    let parameters = args;
    const isForm = (/** @type {any} */ v) => typeof w.HTMLFormElement === 'function' && v instanceof w.HTMLFormElement;
    if (args.length === 1 && isForm(args[0])) parameters = [formObject(args[0])];
    // Checked before anything is sent, and thrown at the caller: no handler is called.
    parameters.forEach((p, i) => check(p, String(i), new Set()));
    const body = JSON.stringify({ function: name, parameters: parameters.map((p) => (p === undefined ? null : p)) });
    schedule(() => {
      w.fetch(config.base + '/run', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })
        .then((/** @type {any} */ response) => {
          if (!response.ok) throw new Error('NetworkError: Connection failure due to HTTP ' + response.status);
          return response.json();
        })
        .then((/** @type {any} */ reply) => {
          done();
          if (reply.error) {
            const err = new Error(reply.error.message);
            err.name = reply.error.name;
            fail(err);
          } else if (typeof settings.success === 'function') {
            // Nothing returned, or a value that cannot be returned (a Date inside it): null.
            settings.success(reply.result === undefined ? null : reply.result, settings.userObject);
          }
        }, (/** @type {any} */ e) => {
          done();
          fail(e instanceof Error && /^NetworkError/.test(e.message) ? e
            : new Error('NetworkError: Connection failure due to HTTP 0'));
        });
    });
    return undefined;
  };

  /** @param {{success: any, failure: any, userObject: any}} settings */
  const runner = (settings) => {
    /** @type {Record<string, any>} */
    const r = {
      withSuccessHandler: (/** @type {any} */ f) => runner(Object.assign({}, settings, { success: f })),
      withFailureHandler: (/** @type {any} */ f) => runner(Object.assign({}, settings, { failure: f })),
      withUserObject: (/** @type {any} */ o) => runner(Object.assign({}, settings, { userObject: o })),
    };
    for (const name of config.functions) {
      if (!(name in r)) r[name] = (/** @type {any[]} */ ...args) => call(settings, name, args);
    }
    return r;
  };

  w.google = w.google || {};
  w.google.script = w.google.script || {};
  w.google.script.run = runner({ success: undefined, failure: undefined, userObject: undefined });
  w.google.script.sandbox = { mode: 'IFRAME' };
  w.google.script.host = {
    origin: 'https://docs.google.com',
    close() {
      w.fetch(config.base + '/close', { method: 'POST' }).then(() => {
        if (w.document && w.document.body) w.document.body.setAttribute('data-emulator-closed', 'true');
      });
    },
    editor: { focus() {} },
    setHeight(/** @type {number} */ height) {},
    setWidth(/** @type {number} */ width) {},
  };
}

/** @param {string} s */
const attr = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * The page of a dialog: its HTML with the client runtime (and its meta tags) first in <head>.
 * @param {import('./runtime').Dialog} dialog
 */
function page(dialog) {
  const config = { base: PREFIX + '/' + dialog.id, functions: dialog.functions };
  // `<` escaped so no function name can end the script element.
  const injected = dialog.metaTags.map((t) => `<meta name="${attr(t.name)}" content="${attr(t.content)}">`).join('') +
    '<script>(' + clientRuntime.toString() + ')(' + JSON.stringify(config).replace(/</g, '\\u003c') + ');</script>';
  const html = dialog.html;
  const at = /<head\b[^>]*>/i.exec(html) || /<html\b[^>]*>/i.exec(html) || /<!doctype[^>]*>/i.exec(html);
  return at ? html.slice(0, at.index + at[0].length) + injected + html.slice(at.index + at[0].length) : injected + html;
}

/**
 * @param {{runtime: any, send: (res: import('node:http').ServerResponse, status: number, body: any) => void,
 *   readBody: (req: import('node:http').IncomingMessage) => Promise<Buffer>, json: (buf: Buffer) => any}} deps
 */
function createUiRoutes({ runtime, send, readBody, json }) {
  /** @param {import('node:http').IncomingMessage} req */
  const origin = (req) => `http://127.0.0.1:${req.socket.localPort}`;
  /** @param {import('node:http').IncomingMessage} req @param {string} id */
  const urlOf = (req, id) => origin(req) + PREFIX + '/' + id;

  /** @param {string} id */
  const dialogOf = (id) => {
    const dialog = runtime && runtime.dialog(id);
    if (!dialog) {
      throw new ApiError(404, 'NOT_FOUND', `Emulator: no open sidebar or dialog ${id} (closed, replaced by a newer ` +
        'one, or shown before the emulator restarted); GET /_emulator/ui lists the open ones.');
    }
    return dialog;
  };

  return {
    /** @param {URL} url */
    handles(url) {
      return url.pathname === PREFIX || url.pathname.startsWith(PREFIX + '/');
    },

    /** The `dialogs` of a menu run's outcome. @param {import('node:http').IncomingMessage} req @param {any[]} shown */
    described(req, shown) {
      return (shown || []).map((d) => ({ id: d.id, kind: d.kind, title: d.title, url: urlOf(req, d.id) }));
    },

    /**
     * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res @param {URL} url
     */
    async handle(req, res, url) {
      const m = /^\/_emulator\/ui(?:\/([^/]+)(?:\/(run|close))?)?$/.exec(url.pathname);
      if (!m) throw new ApiError(404, 'NOT_FOUND', 'Requested entity was not found.');
      const [, id, action] = m;
      if (!id) {
        if (req.method !== 'GET') throw new ApiError(404, 'NOT_FOUND', 'Requested entity was not found.');
        const open = runtime ? runtime.openDialogs() : [];
        return send(res, 200, open.map((/** @type {import('./runtime').Dialog} */ d) => ({ id: d.id, kind: d.kind,
          title: d.title, spreadsheetId: d.spreadsheetId, userEmail: d.userEmail, url: urlOf(req, d.id),
          openedAt: d.openedAt })));
      }
      const dialog = dialogOf(decodeURIComponent(id));
      if (!action && req.method === 'GET') {
        const text = page(dialog);
        res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8', 'Content-Length': Buffer.byteLength(text),
          'Cache-Control': 'no-store' });
        res.end(text);
        return undefined;
      }
      if (req.method !== 'POST') throw new ApiError(404, 'NOT_FOUND', 'Requested entity was not found.');
      const body = json(await readBody(req));
      if (action === 'close') {
        runtime.closeDialog(dialog.id);
        return send(res, 200, {});
      }
      if (!body || typeof body.function !== 'string' || !body.function) throw badRequest('Emulator: a run needs {function, parameters}.');
      if (body.parameters !== undefined && !Array.isArray(body.parameters)) throw badRequest('Emulator: parameters must be a list.');
      const outcome = await runtime.run({
        functionName: body.function, parameters: body.parameters || [], spreadsheetId: dialog.spreadsheetId,
        menu: { uiAnswers: [], userEmail: dialog.userEmail },
      });
      if (outcome.error) return send(res, 200, { error: { message: outcome.error.errorMessage, name: 'ScriptError' } });
      if ('result' in outcome && outcome.result !== undefined) return send(res, 200, { result: outcome.result });
      // A value google.script.run cannot return (a Date inside it) reaches the success handler as null.
      return send(res, 200, outcome.resultDropped ? { result: null } : {});
    },
  };
}

module.exports = { createUiRoutes, clientRuntime, page };
