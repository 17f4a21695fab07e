'use strict';
/**
 * HtmlService: HtmlOutput, HtmlTemplate (scriptlets) and the project's HTML files (emulator/README.md,
 * "HtmlService and google.script.run").
 *
 * A template compiles to JavaScript that builds an HtmlOutput; evaluate() runs it in the script's own global
 * scope (this file is evaluated inside the script's vm context, so `Function` here is the script realm's), with
 * the template's own properties in scope, as Google's reference says: "Any properties set on this HtmlTemplate
 * object will be in scope when evaluating". Scriptlets:
 *   <? code ?>    runs code, prints nothing;
 *   <?= expr ?>   prints the value with contextual escaping (HTML text and attributes: & < > " ' as entities;
 *                 inside <script>: a JavaScript literal);
 *   <?!= expr ?>  prints the value as is.
 * A trailing `;` inside a printing scriptlet is allowed (`<?!= include('Style'); ?>`, the common idiom).
 */
const host = require('./host');
const { Exception } = require('./errors');
const { makeEnum } = require('./enums');

const SandboxMode = makeEnum(['EMULATED', 'IFRAME', 'NATIVE']);
const XFrameOptionsMode = makeEnum(['ALLOWALL', 'DEFAULT']);

/** Internal state of outputs and templates, kept off their own properties: every own property of a template
 * is a field of its scope. */
const STATE = new WeakMap();

/** @param {any} v */
function escapeHtml(v) {
  return String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A JavaScript literal of the value, safe inside a <script> element: numbers, booleans and null as
 * themselves, anything else as a quoted string with every character that could end the script or the string
 * escaped (the contextual autoescaping rule of Google's Closure Templates, escapeJsValue). @param {any} v */
function escapeJsValue(v) {
  if (v === null || v === undefined) return ' null ';
  if (typeof v === 'number' || typeof v === 'boolean') return ' ' + String(v) + ' ';
  return "'" + String(v).replace(/[\0-\x1f"'&\/<=>\\\u2028\u2029`]/g,
    (c) => {
      const code = c.charCodeAt(0);
      return code > 0xff ? '\\u' + code.toString(16) : '\\x' + (code < 16 ? '0' : '') + code.toString(16);
    }) + "'";
}

/** @param {any} v */
function printRaw(v) {
  return String(v);
}

/**
 * The output context at the end of `text`, given the context at its start: 'html' (text), 'tag' (inside a tag,
 * also an unquoted attribute value), 'dq'/'sq' (a quoted attribute value), 'script' or 'style' (raw text), or
 * 'comment'. Static text only: a scriptlet's own output never changes it.
 * @param {{mode: string, tag: string}} state
 * @param {string} text
 */
function advance(state, text) {
  let i = 0;
  while (i < text.length) {
    switch (state.mode) {
      case 'html': {
        const lt = text.indexOf('<', i);
        if (lt < 0) return state;
        if (text.startsWith('<!--', lt)) {
          state.mode = 'comment';
          i = lt + 4;
          break;
        }
        const m = /^<(\/?)([A-Za-z][A-Za-z0-9-]*)/.exec(text.slice(lt, lt + 40));
        if (!m) {
          i = lt + 1;
          break;
        }
        state.mode = 'tag';
        state.tag = m[1] ? '' : m[2].toLowerCase();
        i = lt + m[0].length;
        break;
      }
      case 'comment': {
        const end = text.indexOf('-->', i);
        if (end < 0) return state;
        state.mode = 'html';
        i = end + 3;
        break;
      }
      case 'tag': {
        const c = text[i];
        if (c === '"') state.mode = 'dq';
        else if (c === "'") state.mode = 'sq';
        else if (c === '>') state.mode = state.tag === 'script' || state.tag === 'style' ? state.tag : 'html';
        i++;
        break;
      }
      case 'dq':
      case 'sq': {
        const end = text.indexOf(state.mode === 'dq' ? '"' : "'", i);
        if (end < 0) return state;
        state.mode = 'tag';
        i = end + 1;
        break;
      }
      default: {
        // script or style: raw text up to its end tag.
        const re = new RegExp('</' + state.mode + '\\b', 'ig');
        re.lastIndex = i;
        const m = re.exec(text);
        if (!m) return state;
        state.mode = 'tag';
        state.tag = '';
        i = m.index + m[0].length;
        break;
      }
    }
  }
  return state;
}

/**
 * Compiles a template to the JavaScript that builds its HtmlOutput (what getCode() returns).
 * @param {string} source
 * @param {boolean} withComments getCodeWithComments(): each piece preceded by the template text it came from
 */
function compile(source, withComments) {
  // Self-contained, so `eval(template.getCode())` works in a script as Google's reference says it does.
  const lines = ['(function () {', '  var output = HtmlService.createHtmlOutput();',
    '  var __print = ' + printRaw.toString() + ';', '  var __printHtml = ' + escapeHtml.toString() + ';',
    '  var __printJs = ' + escapeJsValue.toString() + ';'];
  const state = { mode: 'html', tag: '' };
  let at = 0;
  const re = /<\?(!=|=)?([\s\S]*?)\?>/g;
  let m;
  /** @param {string} text */
  const comment = (text) => {
    if (withComments) lines.push('  // ' + text.replace(/\r?\n/g, '\n  // '));
  };
  while ((m = re.exec(source)) !== null) {
    const text = source.slice(at, m.index);
    if (text) {
      comment(text);
      lines.push('  output.append(' + JSON.stringify(text) + ');');
      advance(state, text);
    }
    comment(m[0]);
    const body = m[2];
    if (!m[1]) {
      lines.push(body);
    } else {
      const expr = body.trim().replace(/;+\s*$/, '');
      if (expr) {
        const printer = m[1] === '!=' ? '__print' : state.mode === 'script' ? '__printJs' : '__printHtml';
        lines.push('  output.append(' + printer + '(' + expr + '\n));');
      }
    }
    at = m.index + m[0].length;
  }
  const rest = source.slice(at);
  if (rest) {
    comment(rest);
    lines.push('  output.append(' + JSON.stringify(rest) + ');');
  }
  lines.push('  return output;', '})();');
  return lines.join('\n');
}

class HtmlOutputMetaTag {
  constructor(name, content) {
    STATE.set(this, { name: String(name), content: String(content) });
  }
  get __appsScriptClass() { return 'HTML.HtmlOutputMetaTag'; }
  getName() { return STATE.get(this).name; }
  getContent() { return STATE.get(this).content; }
}

class HtmlOutput {
  /** @param {string} [content] */
  constructor(content) {
    STATE.set(this, { content: content === undefined ? '' : String(content), title: '', width: null, height: null,
      metaTags: [], faviconUrl: null, xFrameOptionsMode: XFrameOptionsMode.DEFAULT });
  }
  get __appsScriptClass() { return 'HTML.HtmlOutput'; }
  addMetaTag(name, content) {
    STATE.get(this).metaTags.push(new HtmlOutputMetaTag(name, content));
    return this;
  }
  append(addedContent) {
    STATE.get(this).content += addedContent === undefined || addedContent === null ? '' : String(addedContent);
    return this;
  }
  appendUntrusted(addedContent) {
    STATE.get(this).content += escapeHtml(addedContent === undefined || addedContent === null ? '' : addedContent);
    return this;
  }
  asTemplate() { return new HtmlTemplate(STATE.get(this).content); }
  clear() {
    STATE.get(this).content = '';
    return this;
  }
  getContent() { return STATE.get(this).content; }
  getFaviconUrl() { return STATE.get(this).faviconUrl; }
  getHeight() { return STATE.get(this).height; }
  getMetaTags() { return STATE.get(this).metaTags.slice(); }
  getTitle() { return STATE.get(this).title; }
  getWidth() { return STATE.get(this).width; }
  setContent(content) {
    STATE.get(this).content = String(content);
    return this;
  }
  setFaviconUrl(iconUrl) {
    STATE.get(this).faviconUrl = String(iconUrl);
    return this;
  }
  setHeight(height) {
    STATE.get(this).height = Math.trunc(Number(height));
    return this;
  }
  // Only IFRAME exists now: "setSandboxMode(mode) ... now has no effect" (the SandboxMode reference).
  setSandboxMode(mode) { return this; }
  setTitle(title) {
    STATE.get(this).title = String(title);
    return this;
  }
  setWidth(width) {
    STATE.get(this).width = Math.trunc(Number(width));
    return this;
  }
  setXFrameOptionsMode(mode) {
    STATE.get(this).xFrameOptionsMode = mode;
    return this;
  }
}

class HtmlTemplate {
  /** @param {string} [source] */
  constructor(source) {
    STATE.set(this, { source: source === undefined ? '' : String(source) });
  }
  get __appsScriptClass() { return 'HTML.HtmlTemplate'; }
  evaluate() {
    const code = compile(STATE.get(this).source, false);
    // Sloppy-mode function (no 'use strict' inside), so `with` can put the template's fields in scope; the
    // script's globals are this realm's globals.
    const run = new Function('__fields', 'with (__fields) { return ' + code + ' }');
    /** @type {Record<string, any>} */
    const fields = {};
    for (const key of Object.keys(this)) fields[key] = this[key];
    return run(fields);
  }
  getCode() { return compile(STATE.get(this).source, false); }
  getCodeWithComments() { return compile(STATE.get(this).source, true); }
  getRawContent() { return STATE.get(this).source; }
}

/** The project's HTML file `name` ("Sidebar" or "Sidebar.html"). @param {string} filename */
function htmlFile(filename) {
  const name = String(filename).replace(/\.html$/, '');
  const file = (host.info.htmlFiles || []).find((f) => f.name === name);
  if (!file) throw new Exception('No HTML file named ' + name + ' was found.');
  return file.source;
}

/** createHtmlOutput(blob) takes any BlobSource. @param {any} v */
function textOf(v) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object' && typeof v.getBlob === 'function') return v.getBlob().getDataAsString();
  if (typeof v === 'object' && typeof v.getDataAsString === 'function') return v.getDataAsString();
  return String(v);
}

class HtmlServiceImpl {
  get __appsScriptClass() { return 'HTML.HtmlService'; }
  get SandboxMode() { return SandboxMode; }
  get XFrameOptionsMode() { return XFrameOptionsMode; }
  createHtmlOutput(html) { return new HtmlOutput(textOf(html)); }
  createHtmlOutputFromFile(filename) { return new HtmlOutput(htmlFile(filename)); }
  createTemplate(html) { return new HtmlTemplate(textOf(html)); }
  createTemplateFromFile(filename) { return new HtmlTemplate(htmlFile(filename)); }
}

/**
 * What a dialog needs from an HtmlOutput (Ui.showSidebar and the dialogs); null for anything else.
 * @param {any} output
 */
function dialogContent(output) {
  const s = output instanceof HtmlOutput ? STATE.get(output) : null;
  if (!s) return null;
  return { html: s.content, title: s.title, width: s.width, height: s.height,
    metaTags: s.metaTags.map((t) => ({ name: t.getName(), content: t.getContent() })) };
}

module.exports = { HtmlServiceImpl, HtmlOutput, HtmlTemplate, HtmlOutputMetaTag, SandboxMode, XFrameOptionsMode,
  dialogContent, compile, escapeHtml, escapeJsValue };
