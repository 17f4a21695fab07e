// @ts-check
'use strict';
/**
 * LockService state, kept on the main thread so executions in different workers really exclude each other.
 * One lock per scope ("script", "document", "user:<email>"); waiters are served first come, first served.
 * An execution that ends (or is terminated) loses every lock it held, as on Google.
 */

class LockManager {
  constructor() {
    /** @type {Map<string, {holder: string|null, queue: Array<{execId: string, grant: () => void, cancel: () => void}>}>} */
    this.scopes = new Map();
  }

  /** Lock scopes held right now (for the control surface: tests wait on it instead of sleeping). */
  held() {
    return Array.from(this.scopes.entries()).filter(([, s]) => s.holder !== null).map(([scope]) => scope);
  }

  /** @param {string} scope */
  _scope(scope) {
    let s = this.scopes.get(scope);
    if (!s) {
      s = { holder: null, queue: [] };
      this.scopes.set(scope, s);
    }
    return s;
  }

  /**
   * Resolves true once `execId` holds `scope`, or false after `timeoutMs`.
   * Re-acquiring a lock the execution already holds succeeds at once.
   * @param {string} scope
   * @param {string} execId
   * @param {number} timeoutMs
   * @returns {Promise<boolean>}
   */
  acquire(scope, execId, timeoutMs) {
    const s = this._scope(scope);
    if (s.holder === null || s.holder === execId) {
      s.holder = execId;
      return Promise.resolve(true);
    }
    if (!(timeoutMs > 0)) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        execId,
        grant: () => {
          clearTimeout(timer);
          resolve(true);
        },
        cancel: () => {
          clearTimeout(timer);
          resolve(false);
        },
      };
      const timer = setTimeout(() => {
        const i = s.queue.indexOf(waiter);
        if (i >= 0) s.queue.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      s.queue.push(waiter);
    });
  }

  /**
   * @param {string} scope
   * @param {string} execId
   */
  release(scope, execId) {
    const s = this.scopes.get(scope);
    if (!s || s.holder !== execId) return;
    const next = s.queue.shift();
    s.holder = next ? next.execId : null;
    if (next) next.grant();
  }

  /** @param {string} scope @param {string} execId */
  holds(scope, execId) {
    const s = this.scopes.get(scope);
    return !!s && s.holder === execId;
  }

  /**
   * Drops everything an execution held or waited for (it ended or was killed).
   * @param {string} execId
   */
  releaseAll(execId) {
    for (const [scope, s] of this.scopes) {
      for (const w of s.queue.filter((x) => x.execId === execId)) w.cancel();
      s.queue = s.queue.filter((w) => w.execId !== execId);
      if (s.holder === execId) this.release(scope, execId);
    }
  }
}

module.exports = { LockManager };
