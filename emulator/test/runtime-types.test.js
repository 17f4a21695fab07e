// @ts-check
'use strict';
/**
 * Type fidelity: every class, method and enum the Apps Script runtime offers must exist in
 * @types/google-apps-script, each method with the same parameter count (the longest overload, rest
 * parameters not counted, which is what Function.length reports for our implementations). A method the
 * runtime adds that Google does not have would let the bridge pass here and fail in production.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');
const { createSandbox } = require('../runtime/sandbox');

const TYPES_DIR = path.join(__dirname, '..', '..', 'node_modules', '@types', 'google-apps-script');

/** @param {string} dir @returns {string[]} */
function dtsFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return dtsFiles(p);
    return e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/**
 * Interfaces and enums of the declarations, keyed like "Spreadsheet.Range", "Sheets.Collection.SpreadsheetsCollection",
 * "Console"; plus the type of each `declare var`.
 */
function readDeclarations() {
  /** @type {Map<string, {methods: Map<string, number[]>, props: Set<string>}>} */
  const types = new Map();
  /** @type {Map<string, string>} */
  const vars = new Map();
  /** @param {string} key */
  const entry = (key) => {
    if (!types.has(key)) types.set(key, { methods: new Map(), props: new Set() });
    return /** @type {{methods: Map<string, number[]>, props: Set<string>}} */ (types.get(key));
  };
  for (const file of dtsFiles(TYPES_DIR)) {
    const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    /** @param {ts.Node} node @param {string[]} ns */
    const visit = (node, ns) => {
      if (ts.isModuleDeclaration(node)) {
        const name = node.name.getText(sf);
        const inner = name === 'GoogleAppsScript' && ns.length === 0 ? [] : ns.concat(name);
        if (node.body) ts.forEachChild(node.body, (c) => visit(c, inner));
        return;
      }
      if (ts.isInterfaceDeclaration(node)) {
        const e = entry(ns.concat(node.name.text).join('.'));
        for (const m of node.members) {
          if (!m.name) continue;
          const name = m.name.getText(sf);
          if (ts.isMethodSignature(m)) {
            const arity = m.parameters.filter((p) => !p.dotDotDotToken).length;
            if (!e.methods.has(name)) e.methods.set(name, []);
            /** @type {number[]} */ (e.methods.get(name)).push(arity);
          } else {
            e.props.add(name);
          }
        }
        return;
      }
      if (ts.isEnumDeclaration(node)) {
        const e = entry(ns.concat(node.name.text).join('.'));
        for (const m of node.members) e.props.add(m.name.getText(sf));
        return;
      }
      if (ts.isVariableStatement(node)) {
        for (const d of node.declarationList.declarations) {
          if (d.type) vars.set(d.name.getText(sf), d.type.getText(sf).replace(/\s*\|\s*undefined$/, '').replace(/^GoogleAppsScript\./, ''));
        }
        return;
      }
      ts.forEachChild(node, (c) => visit(c, ns));
    };
    visit(sf, []);
  }
  return { types, vars };
}

/** A host that serves nothing: enough to build the sandbox and read its classes. */
const inertHost = /** @type {any} */ ({
  call() { throw new Error('no calls in the type test'); },
  post() {},
  info: {
    bound: false, spreadsheetId: null, timeZone: 'UTC', userEmail: 'x@example.com', executionId: 't',
    advancedServices: [{ userSymbol: 'Sheets', serviceId: 'sheets', version: 'v4' }],
  },
});

/** @param {any} cls */
function declaredName(cls) {
  const desc = Object.getOwnPropertyDescriptor(cls.prototype, '__appsScriptClass');
  assert.ok(desc && desc.get, cls.name + ' has no __appsScriptClass');
  return desc.get.call({});
}

const { types, vars } = readDeclarations();
const sandbox = createSandbox(inertHost);

test('every runtime class exists in @types/google-apps-script with matching methods and arities', () => {
  const problems = [];
  let checked = 0;
  for (const cls of sandbox.registry.classes) {
    const name = declaredName(cls);
    const decl = types.get(name);
    if (!decl) {
      problems.push(cls.name + ': no interface ' + name);
      continue;
    }
    const proto = cls.prototype;
    for (const member of Object.getOwnPropertyNames(proto)) {
      if (member === 'constructor' || member === '__appsScriptClass' || member === 'toString' || member.startsWith('_')) continue;
      const desc = /** @type {PropertyDescriptor} */ (Object.getOwnPropertyDescriptor(proto, member));
      checked++;
      if (desc.get) {
        if (!decl.props.has(member)) problems.push(name + '.' + member + ': no such property');
        continue;
      }
      const arities = decl.methods.get(member);
      if (!arities) {
        problems.push(name + '.' + member + '(): no such method');
        continue;
      }
      const expected = Math.max(...arities);
      if (desc.value.length !== expected) {
        problems.push(name + '.' + member + ': takes ' + desc.value.length + ' parameters, the declaration ' + expected);
      }
    }
    // Properties set by constructors (Sheets.Spreadsheets.Values, ...).
    for (const own of Object.keys(new cls())) {
      if (own.startsWith('_')) continue;
      checked++;
      if (!decl.props.has(own)) problems.push(name + '.' + own + ': no such property');
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked > 150, 'checked only ' + checked + ' members');
});

test('every enum the runtime offers has only members Google declares', () => {
  const expected = /** @type {Record<string, string>} */ ({
    Button: 'Base.Button', ButtonSet: 'Base.ButtonSet',
    DeveloperMetadataLocationType: 'Spreadsheet.DeveloperMetadataLocationType',
    DeveloperMetadataVisibility: 'Spreadsheet.DeveloperMetadataVisibility',
    DataValidationCriteria: 'Spreadsheet.DataValidationCriteria', Dimension: 'Spreadsheet.Dimension',
    DigestAlgorithm: 'Utilities.DigestAlgorithm', MacAlgorithm: 'Utilities.MacAlgorithm', Charset: 'Utilities.Charset',
  });
  for (const [name, enumObject] of Object.entries(sandbox.registry.enums)) {
    const decl = types.get(expected[name]);
    assert.ok(decl, 'no declaration for enum ' + name);
    for (const member of Object.keys(/** @type {object} */ (enumObject))) {
      assert.ok(decl.props.has(member), name + '.' + member + ' is not declared');
    }
  }
});

test('every global service has the declared type of its global variable', () => {
  for (const [name, value] of Object.entries(sandbox.globals)) {
    const declared = vars.get(name);
    assert.ok(declared, 'no `declare var ' + name + '`');
    assert.equal(value.__appsScriptClass, declared, name);
  }
});
