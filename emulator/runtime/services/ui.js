'use strict';
/**
 * Ui for bound (menu) runs: menus are recorded and returned with the run; alerts are answered from the
 * run's scripted answers, in order. As on Google, a dialog releases the locks the execution holds
 * (confirm first, then lock).
 */
const rpc = require('./rpc');
const { Button, ButtonSet, memberOf } = require('./enums');
const { Exception, ApiFailure } = require('./errors');
const { forgetHeldLocks } = require('./lock-service');

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
}

module.exports = { Ui, Menu };
