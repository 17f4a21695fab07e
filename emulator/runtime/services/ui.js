'use strict';
/**
 * Ui for bound (menu) runs: menus are recorded and returned with the run; alerts are answered from the
 * run's scripted answers, in order. As on Google, an alert releases the locks the execution holds
 * (confirm first, then lock). Sidebars and dialogs (HtmlService) are recorded and served over HTTP by the
 * emulator (emulator/ui-server.js); they do not suspend the execution.
 */
const rpc = require('./rpc');
const { Button, ButtonSet, memberOf } = require('./enums');
const { Exception, ApiFailure } = require('./errors');
const { forgetHeldLocks } = require('./lock-service');
const { dialogContent } = require('./html');

/** Google's type names in "The parameters (...) don't match the method signature" texts. @param {any} v */
function parameterType(v) {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'string') return 'String';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'Boolean';
  const cls = v.__appsScriptClass ? String(v.__appsScriptClass) : '';
  return cls.startsWith('HTML.') ? 'HtmlService.' + cls.slice(5) : 'Object';
}

/**
 * Shows a sidebar or dialog: the main thread records it and serves its page (emulator/ui-server.js). The
 * script goes on at once: a sidebar or dialog does not suspend the execution, unlike an alert.
 * @param {string} kind sidebar | modal | modeless
 * @param {string} method for the error text
 * @param {IArguments} args
 */
function show(kind, method, args) {
  const content = dialogContent(args[0]);
  if (!content || (kind !== 'sidebar' && args.length < 2)) {
    throw new Exception('The parameters (' + Array.from(args, parameterType).join(',') +
      ") don't match the method signature for SpreadsheetApp.Ui." + method + '.');
  }
  // A dialog's title is its argument; a sidebar's is the HtmlOutput's title.
  const title = kind === 'sidebar' ? content.title : String(args[1]);
  // The page's google.script.run offers the project's public top-level functions (names not ending in "_").
  const functions = Object.keys(globalThis).filter((name) => typeof globalThis[name] === 'function' && !/_$/.test(name));
  try {
    rpc.call('ui.show', Object.assign(content, { kind, title, functions }));
  } catch (e) {
    throw e instanceof ApiFailure ? new Exception(e.message) : e;
  }
}

class Menu {
  /** @param {string} caption */
  constructor(caption) {
    this._caption = String(caption);
    this._items = [];
  }
  get __appsScriptClass() { return 'Base.Menu'; }
  addItem(caption, functionName) {
    this._items.push({ caption: String(caption), functionName: String(functionName) });
    return this;
  }
  addSeparator() {
    this._items.push({ separator: true });
    return this;
  }
  addSubMenu(menu) {
    this._items.push({ subMenu: menu._toJson() });
    return this;
  }
  addToUi() {
    rpc.post('menu', this._toJson());
  }
  _toJson() {
    return { name: this._caption, items: this._items.slice() };
  }
}

class Ui {
  get __appsScriptClass() { return 'Base.Ui'; }
  get Button() { return Button; }
  get ButtonSet() { return ButtonSet; }

  createMenu(caption) { return new Menu(caption); }

  // alert(prompt) | alert(prompt, buttons) | alert(title, prompt, buttons)
  alert(title, prompt, buttons) {
    let t = '';
    let p;
    let b;
    if (arguments.length >= 3) {
      t = String(title);
      p = String(prompt);
      b = buttons;
    } else if (arguments.length === 2) {
      p = String(title);
      b = prompt;
    } else {
      p = String(title);
    }
    const set = b === undefined ? ButtonSet.OK : memberOf(ButtonSet, b);
    if (!set) throw new Exception('Invalid argument: buttons');
    let answer;
    try {
      answer = rpc.call('ui.alert', { title: t, prompt: p, buttons: String(set) });
    } catch (e) {
      throw e instanceof ApiFailure ? new Exception(e.message) : e;
    } finally {
      forgetHeldLocks();
    }
    const button = memberOf(Button, answer);
    if (!button) throw new Exception('Emulator: scripted answer "' + answer + '" is not a dialog button');
    return button;
  }

  showSidebar(userInterface) { show('sidebar', 'showSidebar', arguments); }
  showModalDialog(userInterface, title) { show('modal', 'showModalDialog', arguments); }
  showModelessDialog(userInterface, title) { show('modeless', 'showModelessDialog', arguments); }
}

module.exports = { Ui, Menu };
