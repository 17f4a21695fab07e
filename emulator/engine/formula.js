// @ts-check
'use strict';
/**
 * Formulas: enough to keep a sheet's computed cells right after the edits a migration makes.
 *
 * Evaluated: numbers, strings, booleans, cell and range references (same or other sheet, `$` anchors, open
 * ranges), arithmetic `+ - * / ^` with unary minus and `%`, `&`, comparisons, parentheses, and the functions
 * in FUNCTIONS below. A formula that calls any other function keeps the value it last had (Google would
 * recompute it; the emulator cannot) — see emulator/README.md.
 *
 * References move with inserted and deleted rows and columns, and become #REF! when their cells are deleted,
 * as in Sheets.
 */
const { columnIndex, columnLetters, quoteSheetName } = require('./a1');

/** Thrown while evaluating a function the emulator does not implement. */
const UNSUPPORTED = Symbol('unsupported function');

/** @typedef {{error: string, message?: string}} ErrorValue */
/** @param {string} code @param {string} [message] @returns {ErrorValue} */
const err = (code, message) => (message ? { error: code, message } : { error: code });

const ERROR_TYPES = {
  '#NULL!': 'NULL_VALUE', '#DIV/0!': 'DIVIDE_BY_ZERO', '#VALUE!': 'VALUE', '#REF!': 'REF', '#NAME?': 'NAME',
  '#NUM!': 'NUM', '#N/A': 'N_A', '#ERROR!': 'ERROR',
};

// ---------------------------------------------------------------------------------------------- tokens

const REF_RE = /(?:('(?:[^']|'')+'|[A-Za-z_\u00C0-\uFFFF][\w.\u00C0-\uFFFF]*)!)?(\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+|:\$?[A-Za-z]{1,3}(?![\w])|:\$?\d+)?|\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}|\$?\d+:\$?\d+|#REF!)(?![\w(!])/y;
const NUM_RE = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const IDENT_RE = /[A-Za-z_\u00C0-\uFFFF][\w.\u00C0-\uFFFF]*/y;
const ERR_RE = /#(?:NULL!|DIV\/0!|VALUE!|REF!|NAME\?|NUM!|N\/A|ERROR!)/y;

/**
 * @typedef {{type: 'ref', text: string, start: number, end: number, sheet: string|null, cells: string}
 *   | {type: 'num'|'str'|'ident'|'func'|'op'|'err'|'ws', text: string, start: number, end: number}} Token
 */

/** @param {string} body formula text without the leading '=' @returns {Token[]} */
function tokenize(body) {
  /** @type {Token[]} */
  const out = [];
  let i = 0;
  const n = body.length;
  while (i < n) {
    const ch = body[i];
    if (/\s/.test(ch)) {
      let j = i + 1;
      while (j < n && /\s/.test(body[j])) j++;
      out.push({ type: 'ws', text: body.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= n) throw new SyntaxError('unterminated string');
        if (body[j] === '"') {
          if (body[j + 1] === '"') { j += 2; continue; }
          break;
        }
        j++;
      }
      out.push({ type: 'str', text: body.slice(i, j + 1), start: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    REF_RE.lastIndex = i;
    let m = REF_RE.exec(body);
    if (m) {
      out.push({ type: 'ref', text: m[0], start: i, end: i + m[0].length, sheet: m[1] ? unquote(m[1]) : null, cells: m[2] });
      i += m[0].length;
      continue;
    }
    ERR_RE.lastIndex = i;
    m = ERR_RE.exec(body);
    if (m) {
      out.push({ type: 'err', text: m[0], start: i, end: i + m[0].length });
      i += m[0].length;
      continue;
    }
    NUM_RE.lastIndex = i;
    m = NUM_RE.exec(body);
    if (m) {
      out.push({ type: 'num', text: m[0], start: i, end: i + m[0].length });
      i += m[0].length;
      continue;
    }
    IDENT_RE.lastIndex = i;
    m = IDENT_RE.exec(body);
    if (m) {
      let j = i + m[0].length;
      while (j < n && body[j] === ' ') j++;
      out.push({ type: body[j] === '(' ? 'func' : 'ident', text: m[0], start: i, end: i + m[0].length });
      i += m[0].length;
      continue;
    }
    const two = body.slice(i, i + 2);
    if (two === '<>' || two === '<=' || two === '>=') {
      out.push({ type: 'op', text: two, start: i, end: i + 2 });
      i += 2;
      continue;
    }
    if ('+-*/^&=<>%(),;{}'.includes(ch)) {
      out.push({ type: 'op', text: ch, start: i, end: i + 1 });
      i++;
      continue;
    }
    throw new SyntaxError('unexpected character ' + ch);
  }
  return out;
}

/** @param {string} q */
function unquote(q) {
  return q.startsWith("'") ? q.slice(1, -1).replace(/''/g, "'") : q;
}

/**
 * @typedef {{r1: number|null, r2: number|null, c1: number|null, c2: number|null,
 *   absR1?: boolean, absR2?: boolean, absC1?: boolean, absC2?: boolean}} RefBounds  (0-based, inclusive; null = open)
 */

/** @param {string} cells @returns {RefBounds|null} null for #REF! */
function parseRefCells(cells) {
  if (cells === '#REF!') return null;
  const [a, b] = cells.split(':');
  const part = (/** @type {string} */ s) => {
    const m = /^(\$?)([A-Za-z]*)(\$?)(\d*)$/.exec(s) || [];
    return {
      col: m[2] ? columnIndex(m[2]) : null, row: m[4] ? Number(m[4]) - 1 : null,
      absC: m[1] === '$', absR: m[3] === '$' || (!m[2] && m[1] === '$'),
    };
  };
  const p = part(a);
  if (b === undefined) return { r1: p.row, r2: p.row, c1: p.col, c2: p.col, absR1: p.absR, absR2: p.absR, absC1: p.absC, absC2: p.absC };
  const q = part(b);
  return {
    r1: p.row, r2: q.row !== null ? q.row : p.row !== null && q.col !== null ? null : q.row,
    c1: p.col, c2: q.col !== null ? q.col : p.col !== null && q.row !== null ? null : q.col,
    absR1: p.absR, absR2: q.absR, absC1: p.absC, absC2: q.absC,
  };
}

/** @param {RefBounds} b @returns {string} */
function formatRefCells(b) {
  const col = (/** @type {number} */ c, /** @type {boolean|undefined} */ abs) => (abs ? '$' : '') + columnLetters(c);
  const row = (/** @type {number} */ r, /** @type {boolean|undefined} */ abs) => (abs ? '$' : '') + (r + 1);
  if (b.r1 === null && b.c1 !== null) return col(b.c1, b.absC1) + ':' + col(/** @type {number} */ (b.c2), b.absC2);
  if (b.c1 === null && b.r1 !== null) return row(b.r1, b.absR1) + ':' + row(/** @type {number} */ (b.r2), b.absR2);
  const start = col(/** @type {number} */ (b.c1), b.absC1) + row(/** @type {number} */ (b.r1), b.absR1);
  if (b.r1 === b.r2 && b.c1 === b.c2) return start;
  if (b.r2 === null) return start + ':' + col(/** @type {number} */ (b.c2), b.absC2);
  if (b.c2 === null) return start + ':' + row(b.r2, b.absR2);
  return start + ':' + col(/** @type {number} */ (b.c2), b.absC2) + row(b.r2, b.absR2);
}

// ---------------------------------------------------------------------------------------------- parser

/**
 * @typedef {{t: 'num', v: number} | {t: 'str', v: string} | {t: 'bool', v: boolean} | {t: 'err', v: string}
 *   | {t: 'ref', sheet: string|null, b: RefBounds|null} | {t: 'fn', name: string, args: Node[]}
 *   | {t: 'bin', op: string, a: Node, b: Node} | {t: 'neg', a: Node} | {t: 'pct', a: Node}
 *   | {t: 'name', v: string} | {t: 'empty'}} Node
 */

const BINARY = { '=': 1, '<>': 1, '<': 1, '>': 1, '<=': 1, '>=': 1, '&': 2, '+': 3, '-': 3, '*': 4, '/': 4, '^': 5 };

/** @param {string} formula with the leading '=' @returns {Node} */
function parse(formula) {
  const tokens = tokenize(formula.slice(1)).filter((t) => t.type !== 'ws');
  let pos = 0;
  const peek = () => tokens[pos];
  const expect = (/** @type {string} */ text) => {
    const t = tokens[pos++];
    if (!t || t.text !== text) throw new SyntaxError('expected ' + text);
  };
  /** @returns {Node} */
  const primary = () => {
    const t = tokens[pos++];
    if (!t) throw new SyntaxError('unexpected end');
    switch (t.type) {
      case 'num': return { t: 'num', v: Number(t.text) };
      case 'str': return { t: 'str', v: t.text.slice(1, -1).replace(/""/g, '"') };
      case 'err': return { t: 'err', v: t.text };
      case 'ref': return { t: 'ref', sheet: /** @type {any} */ (t).sheet, b: parseRefCells(/** @type {any} */ (t).cells) };
      case 'ident': {
        const up = t.text.toUpperCase();
        if (up === 'TRUE' || up === 'FALSE') return { t: 'bool', v: up === 'TRUE' };
        return { t: 'name', v: t.text };
      }
      case 'func': {
        expect('(');
        /** @type {Node[]} */
        const args = [];
        if (peek() && peek().text === ')') pos++;
        else {
          for (;;) {
            if (peek() && (peek().text === ',' || peek().text === ')')) args.push({ t: 'empty' });
            else args.push(expr(0));
            const sep = tokens[pos++];
            if (!sep) throw new SyntaxError('unterminated call');
            if (sep.text === ')') break;
            if (sep.text !== ',' && sep.text !== ';') throw new SyntaxError('expected ,');
          }
        }
        let name = t.text.toUpperCase();
        if (name.startsWith('_XLFN.')) name = name.slice(6);
        return { t: 'fn', name, args };
      }
      case 'op':
        if (t.text === '(') {
          const e = expr(0);
          expect(')');
          return e;
        }
        if (t.text === '-') return { t: 'neg', a: expr(6) };
        if (t.text === '+') return expr(6);
        throw new SyntaxError('unexpected ' + t.text);
      default:
        throw new SyntaxError('unexpected token');
    }
  };
  /** @param {number} minPrec @returns {Node} */
  const expr = (minPrec) => {
    let left = primary();
    for (;;) {
      const t = peek();
      if (!t || t.type !== 'op') break;
      if (t.text === '%') {
        pos++;
        left = { t: 'pct', a: left };
        continue;
      }
      const prec = /** @type {Record<string, number>} */ (BINARY)[t.text];
      if (!prec || prec < minPrec) break;
      pos++;
      // ^ is left-associative in Sheets, like the others.
      const right = expr(prec + 1);
      left = { t: 'bin', op: t.text, a: left, b: right };
    }
    return left;
  };
  const tree = expr(0);
  if (pos !== tokens.length) throw new SyntaxError('trailing tokens');
  return tree;
}

/**
 * The ranges a formula reads, for recalculation: [{sheet|null, r1, r2, c1, c2}] (null bounds = open).
 * @param {Node} node
 * @param {Array<{sheet: string|null} & RefBounds>} [out]
 */
function references(node, out = []) {
  switch (node.t) {
    case 'ref': if (node.b) out.push({ sheet: node.sheet, ...node.b }); break;
    case 'fn': for (const a of node.args) references(a, out); break;
    case 'bin': references(node.a, out); references(node.b, out); break;
    case 'neg': case 'pct': references(node.a, out); break;
    default: break;
  }
  return out;
}

// ------------------------------------------------------------------------------------------ evaluation

/**
 * @typedef {{cell: (sheet: string|null, r: number, c: number) => any,
 *   range: (sheet: string|null, b: RefBounds) => any[][] | ErrorValue}} EvalContext
 */

const isErr = (/** @type {any} */ v) => v !== null && typeof v === 'object' && !Array.isArray(v) && 'error' in v;

/** @param {any} v @returns {number|ErrorValue} */
function toNumber(v) {
  if (isErr(v)) return v;
  if (v === null || v === undefined || v === '') return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = String(v).trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  return err('#VALUE!', `Function ADD parameter 1 expects number values. But '${v}' is a text and cannot be coerced to a number.`);
}

/** @param {any} v */
function toText(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') return String(Number(v.toPrecision(15)));
  return String(v);
}

/** @param {any} v @returns {boolean|ErrorValue} */
function toBool(v) {
  if (isErr(v)) return v;
  if (typeof v === 'boolean') return v;
  if (v === null || v === undefined || v === '') return false;
  if (typeof v === 'number') return v !== 0;
  const up = String(v).toUpperCase();
  if (up === 'TRUE') return true;
  if (up === 'FALSE') return false;
  return err('#VALUE!', `Function IF parameter 1 expects boolean values. But '${v}' is a text and cannot be coerced to a boolean.`);
}

/** @param {Node} node @param {EvalContext} ctx @returns {any} a value, or a 2-D array for a range */
function evalNode(node, ctx) {
  switch (node.t) {
    case 'num': case 'str': case 'bool': return node.v;
    case 'err': return err(node.v);
    case 'empty': return null;
    case 'name': return err('#NAME?', `Unknown range name: '${node.v}'.`);
    case 'ref': {
      if (!node.b) return err('#REF!', 'Reference does not exist.');
      const b = node.b;
      if (b.r1 !== null && b.r1 === b.r2 && b.c1 !== null && b.c1 === b.c2) return ctx.cell(node.sheet, b.r1, b.c1);
      return ctx.range(node.sheet, b);
    }
    case 'neg': {
      const v = toNumber(scalar(evalNode(node.a, ctx)));
      return isErr(v) ? v : -/** @type {number} */ (v);
    }
    case 'pct': {
      const v = toNumber(scalar(evalNode(node.a, ctx)));
      return isErr(v) ? v : /** @type {number} */ (v) / 100;
    }
    case 'bin': return binary(node.op, scalar(evalNode(node.a, ctx)), scalar(evalNode(node.b, ctx)));
    case 'fn': {
      const fn = FUNCTIONS[node.name];
      if (!fn) throw UNSUPPORTED;
      return fn(node.args, ctx);
    }
    default: return err('#ERROR!');
  }
}

/** A range used where one value is expected gives its first cell (no array formulas here). */
function scalar(/** @type {any} */ v) {
  if (Array.isArray(v)) return v.length && v[0].length ? v[0][0] : null;
  return v;
}

/** @param {string} op @param {any} a @param {any} b */
function binary(op, a, b) {
  if (isErr(a)) return a;
  if (isErr(b)) return b;
  if (op === '&') return toText(a) + toText(b);
  if (['=', '<>', '<', '>', '<=', '>='].includes(op)) {
    const cmp = compare(a, b);
    switch (op) {
      case '=': return cmp === 0;
      case '<>': return cmp !== 0;
      case '<': return cmp < 0;
      case '>': return cmp > 0;
      case '<=': return cmp <= 0;
      default: return cmp >= 0;
    }
  }
  const x = toNumber(a);
  if (isErr(x)) return x;
  const y = toNumber(b);
  if (isErr(y)) return y;
  const p = /** @type {number} */ (x), q = /** @type {number} */ (y);
  switch (op) {
    case '+': return p + q;
    case '-': return p - q;
    case '*': return p * q;
    case '/': return q === 0 ? err('#DIV/0!', 'Function DIVIDE parameter 2 cannot be zero.') : p / q;
    case '^': {
      const r = Math.pow(p, q);
      return Number.isFinite(r) ? r : err('#NUM!', 'Function POW result is not a number.');
    }
    default: return err('#ERROR!');
  }
}

/** Sheets orders numbers < text < booleans; blanks equal 0, "" and FALSE. */
function compare(/** @type {any} */ a, /** @type {any} */ b) {
  const rank = (/** @type {any} */ v) => (typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : 2);
  if (a === null || a === undefined) a = typeof b === 'string' ? '' : typeof b === 'boolean' ? false : 0;
  if (b === null || b === undefined) b = typeof a === 'string' ? '' : typeof a === 'boolean' ? false : 0;
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === 'string') {
    const x = a.toLowerCase(), y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every value of the arguments, ranges flattened; `fromRange` tells a direct argument from a range cell. */
function* values(/** @type {Node[]} */ args, /** @type {EvalContext} */ ctx) {
  for (const a of args) {
    const v = evalNode(a, ctx);
    if (Array.isArray(v)) {
      for (const row of v) for (const x of row) yield { v: x, fromRange: true };
    } else yield { v, fromRange: false };
  }
}

/** @param {Node[]} args @param {EvalContext} ctx @returns {number[]|ErrorValue} */
function numbers(args, ctx) {
  const out = [];
  for (const { v, fromRange } of values(args, ctx)) {
    if (isErr(v)) return v;
    if (fromRange) {
      if (typeof v === 'number') out.push(v);
    } else if (v !== null) {
      const n = toNumber(v);
      if (isErr(n)) return n;
      out.push(/** @type {number} */ (n));
    }
  }
  return out;
}

/** @type {Record<string, (args: Node[], ctx: EvalContext) => any>} */
const FUNCTIONS = {
  SUM: (args, ctx) => {
    const ns = numbers(args, ctx);
    return isErr(ns) ? ns : /** @type {number[]} */ (ns).reduce((s, x) => s + x, 0);
  },
  MIN: (args, ctx) => {
    const ns = numbers(args, ctx);
    return isErr(ns) ? ns : /** @type {number[]} */ (ns).length ? Math.min(.../** @type {number[]} */ (ns)) : 0;
  },
  MAX: (args, ctx) => {
    const ns = numbers(args, ctx);
    return isErr(ns) ? ns : /** @type {number[]} */ (ns).length ? Math.max(.../** @type {number[]} */ (ns)) : 0;
  },
  AVERAGE: (args, ctx) => {
    const ns = numbers(args, ctx);
    if (isErr(ns)) return ns;
    const a = /** @type {number[]} */ (ns);
    return a.length ? a.reduce((s, x) => s + x, 0) / a.length
      : err('#DIV/0!', 'Evaluation of function AVERAGE caused a divide by zero error.');
  },
  COUNT: (args, ctx) => {
    let n = 0;
    for (const { v, fromRange } of values(args, ctx)) {
      if (typeof v === 'number' || (!fromRange && v !== null && !isErr(toNumber(v)) && typeof v !== 'boolean')) n++;
    }
    return n;
  },
  COUNTA: (args, ctx) => {
    let n = 0;
    for (const { v } of values(args, ctx)) if (v !== null && v !== undefined && v !== '') n++;
    return n;
  },
  IF: (args, ctx) => {
    const c = toBool(scalar(evalNode(args[0], ctx)));
    if (isErr(c)) return c;
    if (c) return args[1] ? scalar(evalNode(args[1], ctx)) : true;
    return args[2] ? scalar(evalNode(args[2], ctx)) : false;
  },
  IFERROR: (args, ctx) => {
    const v = scalar(evalNode(args[0], ctx));
    return isErr(v) ? (args[1] ? scalar(evalNode(args[1], ctx)) : '') : v;
  },
  AND: (args, ctx) => {
    for (const { v } of values(args, ctx)) {
      const b = toBool(v);
      if (isErr(b)) return b;
      if (!b) return false;
    }
    return true;
  },
  OR: (args, ctx) => {
    let any = false;
    for (const { v } of values(args, ctx)) {
      const b = toBool(v);
      if (isErr(b)) return b;
      any = any || /** @type {boolean} */ (b);
    }
    return any;
  },
  NOT: (args, ctx) => {
    const b = toBool(scalar(evalNode(args[0], ctx)));
    return isErr(b) ? b : !b;
  },
  ABS: (args, ctx) => {
    const n = toNumber(scalar(evalNode(args[0], ctx)));
    return isErr(n) ? n : Math.abs(/** @type {number} */ (n));
  },
  ROUND: (args, ctx) => {
    const n = toNumber(scalar(evalNode(args[0], ctx)));
    const d = args[1] ? toNumber(scalar(evalNode(args[1], ctx))) : 0;
    if (isErr(n)) return n;
    if (isErr(d)) return d;
    const f = Math.pow(10, /** @type {number} */ (d));
    const x = /** @type {number} */ (n) * f;
    return (Math.sign(x) * Math.round(Math.abs(x) + 1e-9)) / f;
  },
  CONCATENATE: (args, ctx) => {
    let s = '';
    for (const { v } of values(args, ctx)) {
      if (isErr(v)) return v;
      s += toText(v);
    }
    return s;
  },
  LEN: (args, ctx) => {
    const v = scalar(evalNode(args[0], ctx));
    return isErr(v) ? v : toText(v).length;
  },
  UPPER: (args, ctx) => {
    const v = scalar(evalNode(args[0], ctx));
    return isErr(v) ? v : toText(v).toUpperCase();
  },
  LOWER: (args, ctx) => {
    const v = scalar(evalNode(args[0], ctx));
    return isErr(v) ? v : toText(v).toLowerCase();
  },
  TRIM: (args, ctx) => {
    const v = scalar(evalNode(args[0], ctx));
    return isErr(v) ? v : toText(v).trim().replace(/ +/g, ' ');
  },
  ISBLANK: (args, ctx) => {
    const v = scalar(evalNode(args[0], ctx));
    return v === null || v === undefined;
  },
};
FUNCTIONS.CONCAT = FUNCTIONS.CONCATENATE;

/**
 * Evaluates a parsed formula. Returns {value} or {unsupported: true} when it calls a function the emulator
 * does not implement.
 * @param {Node} tree
 * @param {EvalContext} ctx
 */
function evaluate(tree, ctx) {
  try {
    let v = evalNode(tree, ctx);
    if (Array.isArray(v)) v = scalar(v);
    if (v === null || v === undefined) v = tree.t === 'ref' ? 0 : '';
    if (typeof v === 'number' && !Number.isFinite(v)) v = err('#NUM!');
    return { value: v };
  } catch (e) {
    if (e === UNSUPPORTED) return { unsupported: true };
    throw e;
  }
}

// ------------------------------------------------------------------------------------------- rewriting

/**
 * Rewrites every reference of a formula. `fn(sheetName|null, bounds)` returns new bounds, `null` for #REF!,
 * or `undefined` to keep the reference as written. `renameSheet` maps a sheet name prefix to a new one.
 * @param {string} formula with '='
 * @param {(sheet: string|null, b: RefBounds) => RefBounds|null|undefined} fn
 * @param {(sheet: string) => string|undefined} [renameSheet]
 * @returns {string}
 */
function rewriteReferences(formula, fn, renameSheet) {
  let tokens;
  try {
    tokens = tokenize(formula.slice(1));
  } catch {
    return formula;
  }
  let out = '=';
  for (const t of tokens) {
    if (t.type !== 'ref') {
      out += t.text;
      continue;
    }
    const ref = /** @type {any} */ (t);
    const b = parseRefCells(ref.cells);
    let sheet = ref.sheet;
    let prefix = ref.sheet !== null ? t.text.slice(0, t.text.length - ref.cells.length) : '';
    if (sheet !== null && renameSheet) {
      const renamed = renameSheet(sheet);
      if (renamed !== undefined) {
        prefix = renamed === '#REF!' ? '' : quoteSheetName(renamed) + '!';
        if (renamed === '#REF!') {
          out += '#REF!';
          continue;
        }
      }
    }
    if (!b) {
      out += t.text;
      continue;
    }
    const nb = fn(sheet, b);
    if (nb === undefined) out += prefix + ref.cells;
    else if (nb === null) out += prefix + '#REF!';
    else out += prefix + formatRefCells(nb);
  }
  return out;
}

/**
 * The shift an inserted or deleted span of rows/columns applies to a reference on that sheet.
 * @param {RefBounds} b
 * @param {'ROWS'|'COLUMNS'} dim
 * @param {number} start
 * @param {number} count positive: inserted; negative: deleted [start, start - count)
 * @returns {RefBounds|null|undefined}
 */
function shiftBounds(b, dim, start, count) {
  const k1 = dim === 'ROWS' ? 'r1' : 'c1';
  const k2 = dim === 'ROWS' ? 'r2' : 'c2';
  const lo = b[k1], hi = b[k2];
  if (lo === null && hi === null) return undefined; // a whole-row/column reference along the other dimension
  const a = lo === null ? 0 : lo;
  const z = hi === null ? Infinity : hi;
  let na = a, nz = z;
  if (count > 0) {
    if (a >= start) na = a + count;
    if (z >= start) nz = z + count;
  } else {
    const end = start - count; // exclusive
    const n = -count;
    if (a >= start && z < end) return null;
    na = a < start ? a : a >= end ? a - n : start;
    nz = z < start ? z : z >= end ? z - n : start - 1;
  }
  if (na === a && nz === z) return undefined;
  return { ...b, [k1]: lo === null ? null : na, [k2]: hi === null ? null : nz };
}

/**
 * A reference on a sheet whose rows/columns were permuted (moveDimension): each bounded end follows its
 * row/column through `map`, so a reference keeps pointing at the cells it named; an open end stays open.
 * @param {RefBounds} b
 * @param {'ROWS'|'COLUMNS'} dim
 * @param {(index: number) => number} map old index -> new index
 * @returns {RefBounds|undefined} undefined when nothing changes
 */
function mapBounds(b, dim, map) {
  const k1 = dim === 'ROWS' ? 'r1' : 'c1';
  const k2 = dim === 'ROWS' ? 'r2' : 'c2';
  const a1 = dim === 'ROWS' ? 'absR1' : 'absC1';
  const a2 = dim === 'ROWS' ? 'absR2' : 'absC2';
  const lo = b[k1], hi = b[k2];
  const na = lo === null ? null : map(lo);
  const nz = hi === null ? null : map(hi);
  if (na === lo && nz === hi) return undefined;
  // A moved end can pass the other one (A1:A10 after row 1 moves below row 10): keep start <= end.
  if (na !== null && nz !== null && na > nz) return { ...b, [k1]: nz, [k2]: na, [a1]: b[a2], [a2]: b[a1] };
  return { ...b, [k1]: na, [k2]: nz };
}

/**
 * A formula copied `dr` rows and `dc` columns away (copyPaste): its relative row and column parts move by the
 * offset, absolute ($) parts and open ends stay; a part moved before row 1 or column A makes the reference #REF!.
 * References naming a sheet move too, as Sheets does when cells are pasted.
 * @param {string} formula with '=' @param {number} dr @param {number} dc
 * @returns {string}
 */
function offsetReferences(formula, dr, dc) {
  if (!dr && !dc) return formula;
  return rewriteReferences(formula, (_sheet, b) => {
    /** @param {number|null} i @param {boolean|undefined} abs @param {number} d */
    const move = (i, abs, d) => (i === null || abs ? i : i + d);
    const nb = { ...b, r1: move(b.r1, b.absR1, dr), r2: move(b.r2, b.absR2, dr), c1: move(b.c1, b.absC1, dc),
      c2: move(b.c2, b.absC2, dc) };
    if ([nb.r1, nb.r2, nb.c1, nb.c2].some((i) => i !== null && i < 0)) return null;
    return nb;
  });
}

/** Function names and references upper-cased, as Sheets stores a typed formula. */
function normalize(/** @type {string} */ formula) {
  let tokens;
  try {
    tokens = tokenize(formula.slice(1));
  } catch {
    return formula;
  }
  return '=' + tokens.map((t) => {
    if (t.type === 'func') return t.text.toUpperCase();
    if (t.type === 'ident' && /^(true|false)$/i.test(t.text)) return t.text.toUpperCase();
    if (t.type === 'ref') {
      const ref = /** @type {any} */ (t);
      return t.text.slice(0, t.text.length - ref.cells.length) + ref.cells.toUpperCase();
    }
    return t.text;
  }).join('');
}

module.exports = {
  parse, evaluate, references, rewriteReferences, shiftBounds, mapBounds, offsetReferences, normalize, tokenize, ERROR_TYPES, isErr, err,
};
