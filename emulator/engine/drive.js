// @ts-check
'use strict';
/**
 * Drive v3 files for the spreadsheets (the only files the emulator holds): the File resource, `q` search
 * expressions, and Drive's error shapes (which carry the legacy `errors` list).
 */
const { ApiError } = require('./errors');
const mask = require('./fieldmask');

const SHEET_MIME = 'application/vnd.google-apps.spreadsheet';
const FOLDER_MIME = 'application/vnd.google-apps.folder';
const ROOT_ID = '0AEmulatorRootFolderUk9PVA';
const OWNER = { kind: 'drive#user', displayName: 'Emulator User', me: true, permissionId: '00000000000000000000',
  emailAddress: 'owner@example.com' };

/** @param {string} id */
function fileNotFound(id) {
  const message = `File not found: ${id}.`;
  return new ApiError(404, '', message, [{ message, domain: 'global', reason: 'notFound', location: 'fileId', locationType: 'parameter' }]);
}

/** @param {string} location @param {string} [message] */
function invalidValue(location, message = 'Invalid Value') {
  return new ApiError(400, '', message, [{ message, domain: 'global', reason: 'invalid', location, locationType: 'parameter' }]);
}

/**
 * The full File resource of a spreadsheet.
 * @param {import('./workbook').Workbook} wb
 */
function fileJson(wb) {
  const d = wb.drive;
  return {
    kind: 'drive#file',
    id: wb.id,
    name: wb.props.title,
    mimeType: SHEET_MIME,
    starred: !!d.starred,
    trashed: !!d.trashed,
    explicitlyTrashed: !!d.trashed,
    parents: d.parents || [ROOT_ID],
    spaces: ['drive'],
    version: String(d.version || 1),
    webViewLink: `https://docs.google.com/spreadsheets/d/${wb.id}/edit?usp=drivesdk`,
    iconLink: 'https://drive-thirdparty.googleusercontent.com/16/type/application/vnd.google-apps.spreadsheet',
    hasThumbnail: false,
    viewedByMe: true,
    createdTime: d.createdTime,
    modifiedTime: d.modifiedTime,
    modifiedByMe: true,
    modifiedByMeTime: d.modifiedTime,
    owners: [OWNER],
    lastModifyingUser: OWNER,
    shared: false,
    ownedByMe: true,
    writersCanShare: true,
    capabilities: { canEdit: true, canCopy: true, canComment: true, canDelete: true, canTrash: true, canRename: true,
      canShare: true, canDownload: true, canReadRevisions: true, canUntrash: true, canAddChildren: false },
    ...(d.description ? { description: d.description } : {}),
  };
}

const DEFAULT_FILE_FIELDS = 'kind,id,name,mimeType';

/** @param {any} file @param {string|undefined} fields */
function maskFile(file, fields) {
  const m = parseMask(fields || DEFAULT_FILE_FIELDS);
  return mask.apply(file, m);
}

/** @param {string} fields */
function parseMask(fields) {
  try {
    return mask.parse(fields);
  } catch {
    throw invalidValue('fields', `Invalid field selection ${fields}`);
  }
}

// ------------------------------------------------------------------------------------------ q language

/**
 * @typedef {(f: any) => boolean} Pred
 */

/**
 * Parses a Drive `q` expression into a predicate over File resources. Supports `and`, `or`, `not`,
 * parentheses, `name = | != | contains`, `mimeType = | !=`, `'<id>' in parents`, `trashed = true|false`,
 * `starred = ...`, `fullText contains`, and `modifiedTime`/`createdTime` comparisons.
 * @param {string} q
 * @returns {Pred}
 */
function parseQuery(q) {
  const tokens = [];
  const re = /\s*(?:('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(!=|<=|>=|=|<|>)|(\(|\))|([A-Za-z_][A-Za-z0-9_]*))/y;
  let i = 0;
  while (i < q.length) {
    if (/^\s*$/.test(q.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(q);
    if (!m) throw invalidValue('q');
    i = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ t: 'str', v: m[1].slice(1, -1).replace(/\\(.)/g, '$1') });
    else if (m[2]) tokens.push({ t: 'op', v: m[2] });
    else if (m[3]) tokens.push({ t: 'paren', v: m[3] });
    else tokens.push({ t: 'word', v: m[4] });
  }
  let pos = 0;
  const peekWord = (/** @type {string} */ w) => tokens[pos] && tokens[pos].t === 'word' && tokens[pos].v.toLowerCase() === w;
  /** @returns {Pred} */
  const expr = () => {
    let left = term();
    while (peekWord('or')) {
      pos++;
      const a = left, b = term();
      left = (f) => a(f) || b(f);
    }
    return left;
  };
  /** @returns {Pred} */
  const term = () => {
    let left = factor();
    while (peekWord('and')) {
      pos++;
      const a = left, b = factor();
      left = (f) => a(f) && b(f);
    }
    return left;
  };
  /** @returns {Pred} */
  const factor = () => {
    if (peekWord('not')) {
      pos++;
      const a = factor();
      return (f) => !a(f);
    }
    const t = tokens[pos];
    if (!t) throw invalidValue('q');
    if (t.t === 'paren' && t.v === '(') {
      pos++;
      const e = expr();
      if (!tokens[pos] || tokens[pos].v !== ')') throw invalidValue('q');
      pos++;
      return e;
    }
    if (t.t === 'str') {
      // 'value' in parents | 'value' in owners ...
      pos++;
      if (!peekWord('in')) throw invalidValue('q');
      pos++;
      const field = tokens[pos++];
      if (!field || field.t !== 'word') throw invalidValue('q');
      const v = t.v;
      if (field.v === 'parents') return (f) => (f.parents || []).includes(v) || (v === 'root' && (f.parents || []).includes(ROOT_ID));
      if (field.v === 'owners' || field.v === 'writers' || field.v === 'readers') return (f) => v === 'me' || v === OWNER.emailAddress;
      throw invalidValue('q');
    }
    if (t.t !== 'word') throw invalidValue('q');
    pos++;
    const field = t.v;
    const opTok = tokens[pos++];
    if (!opTok) throw invalidValue('q');
    const op = opTok.t === 'word' ? opTok.v.toLowerCase() : opTok.v;
    const valTok = tokens[pos++];
    if (!valTok) throw invalidValue('q');
    /** @type {any} */
    let value;
    if (valTok.t === 'str') value = valTok.v;
    else if (valTok.t === 'word' && /^(true|false)$/i.test(valTok.v)) value = valTok.v.toLowerCase() === 'true';
    else throw invalidValue('q');
    const cmp = (/** @type {any} */ a) => {
      switch (op) {
        case '=': return a === value;
        case '!=': return a !== value;
        case '<': return a < value;
        case '>': return a > value;
        case '<=': return a <= value;
        case '>=': return a >= value;
        default: throw invalidValue('q');
      }
    };
    switch (field) {
      case 'name':
        if (op === 'contains') return (f) => String(f.name).toLowerCase().split(/\s+/).some((w) => w.startsWith(String(value).toLowerCase()))
          || String(f.name).toLowerCase().startsWith(String(value).toLowerCase());
        if (op !== '=' && op !== '!=') throw invalidValue('q');
        return (f) => cmp(f.name);
      case 'fullText':
        if (op !== 'contains') throw invalidValue('q');
        return (f) => String(f.name).toLowerCase().includes(String(value).toLowerCase());
      case 'mimeType':
        if (op !== '=' && op !== '!=') throw invalidValue('q');
        return (f) => cmp(f.mimeType);
      case 'trashed':
      case 'starred':
        if ((op !== '=' && op !== '!=') || typeof value !== 'boolean') throw invalidValue('q');
        return (f) => cmp(!!f[field]);
      case 'modifiedTime':
      case 'createdTime':
        if (op === 'contains') throw invalidValue('q');
        return (f) => cmp(f[field]);
      default:
        throw invalidValue('q');
    }
  };
  if (!tokens.length) return () => true;
  const pred = expr();
  if (pos !== tokens.length) throw invalidValue('q');
  return pred;
}

/** @param {string|undefined} orderBy */
function sorter(orderBy) {
  const keys = (orderBy || 'modifiedTime desc').split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const [k, dir] = s.split(/\s+/);
    const field = { name: 'name', name_natural: 'name', modifiedTime: 'modifiedTime', createdTime: 'createdTime',
      folder: 'folder', starred: 'starred', recency: 'modifiedTime', viewedByMeTime: 'modifiedTime',
      modifiedByMeTime: 'modifiedTime', quotaBytesUsed: 'id', sharedWithMeTime: 'modifiedTime' }[k];
    if (!field) throw invalidValue('orderBy');
    return { field, desc: (dir || '').toLowerCase() === 'desc' };
  });
  return (/** @type {any} */ a, /** @type {any} */ b) => {
    for (const { field, desc } of keys) {
      if (field === 'folder') continue;
      const x = a[field], y = b[field];
      if (x < y) return desc ? 1 : -1;
      if (x > y) return desc ? -1 : 1;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
}

module.exports = { fileJson, maskFile, parseQuery, sorter, fileNotFound, invalidValue, parseMask, SHEET_MIME, FOLDER_MIME, ROOT_ID, OWNER };
