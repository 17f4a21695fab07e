// @ts-check
'use strict';
/**
 * Reads an Apps Script project folder the way clasp pushes it, so the runtime loads the same files in the
 * same order Google runs them.
 *
 * Apps Script evaluates a project's server files in the order they appear in the project. clasp (3.x,
 * `core/files.js` push()) uploads them sorted like this: files named in `.clasp.json` `filePushOrder` first,
 * in that order (paths relative to the folder holding `.clasp.json`), then every other file sorted by path
 * with `localeCompare`. Files are selected by `.claspignore` (micromatch patterns relative to the content
 * folder) or, without one, by clasp's default rules; only `.js` and `.gs` files are code, `.html` files are the
 * project's HTML files.
 */
const fs = require('node:fs');
const path = require('node:path');

// clasp 3.x DEFAULT_CLASP_IGNORE, used when the project has no .claspignore.
const DEFAULT_IGNORE = [
  '**/**',
  '!**/appsscript.json',
  '!**/*.gs',
  '!**/*.js',
  '!**/*.ts',
  '!**/*.html',
  '.git/**',
  'node_modules/**',
];

/**
 * @typedef {{name: string, file: string, source: string}} ScriptFile
 * @typedef {{dir: string, files: ScriptFile[], htmlFiles: ScriptFile[], manifest: any, timeZone: string,
 *   claspJson: string|null}} Project
 */

/**
 * Finds the `.clasp.json` whose rootDir/srcDir is `scriptDir` (in that folder or an ancestor).
 * @param {string} scriptDir absolute
 * @returns {{configPath: string, rootDir: string, config: any} | null}
 */
function findClaspConfig(scriptDir) {
  let dir = scriptDir;
  for (;;) {
    const candidate = path.join(dir, '.clasp.json');
    if (fs.existsSync(candidate)) {
      /** @type {any} */
      let config = {};
      try {
        config = JSON.parse(fs.readFileSync(candidate, 'utf8'));
      } catch {
        config = {};
      }
      const contentDir = path.resolve(dir, config.srcDir || config.rootDir || '.');
      if (contentDir === scriptDir) return { configPath: candidate, rootDir: dir, config };
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * Minimal glob -> RegExp for .claspignore patterns: `**`, `*`, `?`, character classes; `dot: true`.
 * @param {string} glob
 */
function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more folders; a trailing `**` matches anything.
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += glob.slice(i, end + 1);
        i = end;
      }
    } else {
      re += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
  }
  return new RegExp('^' + re + '$');
}

/**
 * micromatch.not semantics (as clasp applies .claspignore): patterns are read in order, a path matched by a
 * pattern is ignored, matched by a later "!pattern" kept again, and so on: the last pattern that applies
 * decides; a path no positive pattern matches is kept.
 * @param {string[]} patterns
 */
function makeIgnore(patterns) {
  /** @type {Array<{negated: boolean, re: RegExp}>} */
  const rules = [];
  for (const raw of patterns) {
    const p = raw.trim();
    if (!p || p.startsWith('#')) continue;
    const negated = p.startsWith('!');
    rules.push({ negated, re: globToRegExp(negated ? p.slice(1) : p) });
  }
  /** @param {string} rel */
  return (rel) => {
    let ignored = false;
    for (const rule of rules) if (rule.re.test(rel)) ignored = !rule.negated;
    return ignored;
  };
}

/**
 * @param {string} dir
 * @param {boolean} recursive
 * @returns {string[]} paths relative to dir, with '/' separators
 */
function listFiles(dir, recursive) {
  /** @type {string[]} */
  const out = [];
  /** @param {string} sub */
  const walk = (sub) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? sub + '/' + entry.name : entry.name;
      if (entry.isDirectory()) {
        if (recursive) walk(rel);
      } else if (entry.isFile()) {
        out.push(rel);
      }
    }
  };
  walk('');
  return out;
}

/**
 * Loads the project: ordered code files and the manifest.
 * @param {string} scriptDirInput
 * @returns {Project}
 */
function loadProject(scriptDirInput) {
  const scriptDir = path.resolve(scriptDirInput);
  const clasp = findClaspConfig(scriptDir);
  const projectRoot = clasp ? clasp.rootDir : scriptDir;
  const ignoreFile = path.join(projectRoot, '.claspignore');
  const patterns = fs.existsSync(ignoreFile)
    ? fs.readFileSync(ignoreFile, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/)
    : DEFAULT_IGNORE;
  const ignored = makeIgnore(patterns);
  const recursive = !(clasp && clasp.config.skipSubdirectories);
  const pushOrder = ((clasp && clasp.config.filePushOrder) || []).map(
    /** @param {string} p */ (p) => path.resolve(projectRoot, p),
  );

  const selected = listFiles(scriptDir, recursive).filter((rel) => !ignored(rel));
  const code = selected.filter((rel) => /\.(js|gs)$/.test(rel));
  // clasp pushes `.html` files as the project's HTML files, named like code files (path without extension);
  // HtmlService.createHtmlOutputFromFile / createTemplateFromFile read them.
  const html = selected.filter((rel) => /\.html$/.test(rel)).sort((a, b) => a.localeCompare(b));
  // Sort keys are the paths clasp compares (relative to the project root).
  const keyed = code.map((rel) => ({ rel, abs: path.join(scriptDir, rel), key: path.relative(projectRoot, path.join(scriptDir, rel)) }));
  keyed.sort((a, b) => {
    const ia = pushOrder.indexOf(a.abs);
    const ib = pushOrder.indexOf(b.abs);
    if (ia === -1 && ib === -1) return a.key.localeCompare(b.key);
    if (ia === -1) return 1;
    if (ib === -1) return -1;
    return ia - ib;
  });

  const manifestPath = path.join(scriptDir, 'appsscript.json');
  const manifest = fs.existsSync(manifestPath) ? JSON.parse(fs.readFileSync(manifestPath, 'utf8')) : {};
  return {
    dir: scriptDir,
    claspJson: clasp ? clasp.configPath : null,
    manifest,
    timeZone: manifest.timeZone || 'America/New_York',
    files: keyed.map((f) => ({
      // Apps Script names a file by its path without extension ("Code", "lib/Util").
      name: f.rel.replace(/\.(js|gs)$/, ''),
      file: f.abs,
      source: fs.readFileSync(f.abs, 'utf8'),
    })),
    htmlFiles: html.map((rel) => ({
      name: rel.replace(/\.html$/, ''),
      file: path.join(scriptDir, rel),
      source: fs.readFileSync(path.join(scriptDir, rel), 'utf8'),
    })),
  };
}

module.exports = { loadProject, makeIgnore, globToRegExp };
