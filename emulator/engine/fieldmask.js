// @ts-check
'use strict';
/**
 * Google's partial-response `fields` syntax: `a,b.c,d(e,f/g)`, `*`. Applied to responses, and used by
 * update requests (`updateSheetProperties.fields`, ...) to pick what to change.
 */

/** @typedef {{[key: string]: Mask} | true} Mask  true = the whole value */

/** @param {string} text @returns {Mask} */
function parse(text) {
  let i = 0;
  /** @returns {{[key: string]: Mask}} */
  const list = () => {
    /** @type {{[key: string]: Mask}} */
    const out = {};
    for (;;) {
      while (text[i] === ' ') i++;
      let name = '';
      while (i < text.length && !',()/.'.includes(text[i])) name += text[i++];
      name = name.trim();
      /** @type {Mask} */
      let sub = true;
      if (text[i] === '/' || text[i] === '.') {
        i++;
        sub = list1();
      } else if (text[i] === '(') {
        i++;
        sub = list();
        if (text[i] !== ')') throw new SyntaxError('Invalid field selection');
        i++;
      }
      if (name) out[name] = merge(out[name], sub);
      if (text[i] === ',') {
        i++;
        continue;
      }
      return out;
    }
  };
  /** One path step after `.` or `/`, which may itself continue. @returns {{[key: string]: Mask}} */
  const list1 = () => {
    let name = '';
    while (i < text.length && !',()/.'.includes(text[i])) name += text[i++];
    /** @type {Mask} */
    let sub = true;
    if (text[i] === '/' || text[i] === '.') {
      i++;
      sub = list1();
    } else if (text[i] === '(') {
      i++;
      sub = list();
      if (text[i] !== ')') throw new SyntaxError('Invalid field selection');
      i++;
    }
    return { [name.trim()]: sub };
  };
  const out = list();
  if (i !== text.length) throw new SyntaxError('Invalid field selection');
  if (out['*'] === true && Object.keys(out).length === 1) return true;
  return out;
}

/** @param {Mask|undefined} a @param {Mask} b @returns {Mask} */
function merge(a, b) {
  if (a === undefined) return b;
  if (a === true || b === true) return true;
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v);
  return out;
}

/**
 * Keeps only the masked parts of a JSON value (arrays: each element).
 * @param {any} value @param {Mask} mask
 */
function apply(value, mask) {
  if (mask === true || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => apply(v, mask));
  if (mask['*'] === true) return value;
  /** @type {Record<string, any>} */
  const out = {};
  for (const [k, sub] of Object.entries(mask)) {
    if (k in value) out[k] = apply(value[k], sub);
  }
  return out;
}

/** Does the mask select anything under `path` (e.g. ['sheets', 'data'])? @param {Mask} mask @param {string[]} path */
function selects(mask, path) {
  /** @type {Mask|undefined} */
  let m = mask;
  for (const p of path) {
    if (m === true) return true;
    if (m === undefined) return false;
    if (m['*'] === true) return true;
    m = m[p];
  }
  return m !== undefined;
}

/** Leaf paths of a mask, e.g. ['title', 'gridProperties.rowCount']. @param {Mask} mask @param {string} [prefix] */
function paths(mask, prefix = '') {
  if (mask === true) return [prefix];
  /** @type {string[]} */
  const out = [];
  for (const [k, sub] of Object.entries(mask)) out.push(...paths(sub, prefix ? prefix + '.' + k : k));
  return out;
}

module.exports = { parse, apply, selects, paths };
