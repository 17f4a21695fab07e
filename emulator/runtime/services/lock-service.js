'use strict';
/**
 * LockService: real mutual exclusion between concurrent executions; the lock state lives on the main
 * thread, and waiting blocks this execution (not the emulator). A lock held when the execution ends is
 * released, as on Google.
 */
const rpc = require('./rpc');
const host = require('./host');
const { Exception } = require('./errors');

/** Locks this execution currently holds, so a dialog can drop them (see Ui.alert). */
const held = new Set();

class Lock {
  /** @param {string} scope */
  constructor(scope) {
    this._scope = scope;
    this._has = false;
  }
  get __appsScriptClass() { return 'Lock.Lock'; }

  tryLock(timeoutInMillis) {
    const ok = rpc.call('lock.acquire', { scope: this._scope, timeoutMs: Math.max(0, Number(timeoutInMillis) || 0) });
    if (ok) {
      this._has = true;
      held.add(this);
    }
    return !!ok;
  }

  waitLock(timeoutInMillis) {
    if (!this.tryLock(timeoutInMillis)) {
      throw new Exception('Lock timeout: another process was holding the lock for too long.');
    }
  }

  releaseLock() {
    if (!this._has) return;
    this._has = false;
    held.delete(this);
    // Other Lock objects of this execution on the same scope share the underlying lock.
    for (const other of held) if (other._scope === this._scope) return;
    rpc.call('lock.release', { scope: this._scope });
  }

  hasLock() { return this._has; }
}

class LockServiceImpl {
  get __appsScriptClass() { return 'Lock.LockService'; }
  getScriptLock() { return new Lock('script'); }
  getDocumentLock() { return new Lock('document'); }
  getUserLock() { return new Lock('user:' + host.info.userEmail); }
}

/** Called after the main thread released this execution's locks for a dialog. */
function forgetHeldLocks() {
  for (const lock of held) lock._has = false;
  held.clear();
}

module.exports = { LockServiceImpl, Lock, forgetHeldLocks };
