// @ts-check
// The live structure is the truth, the history is evidence. What the sheet shows of a migration — its columns
// (found by their zeues.column / zeues.migration tags, under their header names), its registered event types and
// the schema version — must agree with what the history records, or no change runs: a forged `apply … applied`
// row would otherwise make an apply say "already applied" with no column added, and a lost history would make a
// rollback impossible. engine/preflight.py `check_consistency` applies the same rules before any backup.

/**
 * @typedef {{migrationId: string, kind: 'recorded_absent' | 'unrecorded' | 'partial' | 'schema_version',
 *   about: 'columns' | 'events' | 'schema', text: string}} StructureProblem
 * @typedef {{state: 'applied' | 'absent' | 'partial', present: string[], missing: string[], columnsMissing: boolean,
 *   eventsMissing: boolean, untaggedByName: boolean, columns: AddedColumn[], eventTypes: string[],
 *   eventTypeColumn: {sheet: string, column: string} | null}} LiveMigration
 */

/**
 * What the live structure shows of one migration: `applied` (every column there, tagged with its name and the
 * migration, its header reading that name; every event type registered, on a sheet and column that exist),
 * `absent` (no column tagged with the migration and none of its event types registered), or `partial`.
 * @param {WorkbookState} state
 * @param {MigrationSpec} migration
 * @returns {LiveMigration}
 */
function liveMigration_(state, migration) {
  /** @type {string[]} */
  var present = [];
  /** @type {string[]} */
  var missing = [];
  /** @type {AddedColumn[]} */
  var columns = [];
  /** @type {string[]} */
  var eventTypes = [];
  var eventTypeColumn = /** @type {{sheet: string, column: string} | null} */ (null);
  var columnsMissing = false;
  var eventsMissing = false;
  // A column under one of the migration's names without its tag: a human's column of the same name (apply refuses
  // it as a CONFLICT), or — when the history records the migration — one whose tag was deleted.
  var untaggedByName = false;
  var registry = eventTypeRegistry_(state) || [];
  var tagged = state.metadata.filter(function (m) {
    return m.key === META.MIGRATION && m.value === migration.id && m.column !== null;
  });
  tagged.forEach(function (m) {
    var sheet = state.sheets.filter(function (s) { return s.sheetId === m.sheetId; })[0];
    present.push((sheet ? sheet.title : 'sheet ' + m.sheetId) + ' column ' + columnLetter_(Number(m.column)) +
      ' tagged ' + migration.id);
  });
  migration.operations.forEach(function (op) {
    if (op.kind === 'add_columns') {
      var sheet = findSheet_(state, op.sheet);
      op.columns.forEach(function (c) {
        var where = op.sheet + ' column "' + c.name + '"';
        var sheetId = sheet ? sheet.sheetId : null;
        var tag = sheet ? tagged.filter(function (m) {
          return m.sheetId === sheetId && state.metadata.some(function (n) {
            return n.key === META.COLUMN && n.value === c.name && n.sheetId === m.sheetId && n.column === m.column;
          });
        })[0] : undefined;
        if (!sheet) {
          missing.push('sheet "' + op.sheet + '" (for ' + where + ') is gone');
        } else if (!tag) {
          var byName = findColumn_(sheet.header, c.name);
          if (byName >= 0) untaggedByName = true;
          missing.push(byName >= 0 ? where + ' at ' + columnLetter_(byName) + ' has no ' + migration.id + ' tag'
            : where + ' is not on the sheet');
        } else {
          var at = Number(tag.column);
          var header = sheet.header[at] || '';
          if (normalizeHeader_(header) !== normalizeHeader_(c.name)) {
            missing.push(op.sheet + ' column ' + columnLetter_(at) + ' is tagged "' + c.name + '" but its header reads "' +
              header + '"');
          } else {
            columns.push({ sheet: op.sheet, name: c.name, column: at, letter: columnLetter_(at), keyColumn: op.key_column,
              defaultsWritten: 0 });
            return;
          }
        }
        columnsMissing = true;
      });
    } else if (op.kind === 'register_event_types') {
      eventTypeColumn = { sheet: op.sheet, column: op.column };
      var eventSheet = findSheet_(state, op.sheet);
      if (!eventSheet) {
        missing.push('sheet "' + op.sheet + '", whose column ' + op.column + ' carries the event types, is gone');
        eventsMissing = true;
      } else if (findColumn_(eventSheet.header, op.column) < 0) {
        missing.push('column "' + op.column + '" of ' + op.sheet + ', which carries the event types, is gone');
        eventsMissing = true;
      }
      op.event_types.forEach(function (t) {
        if (registry.indexOf(t) >= 0) {
          present.push('event type ' + t + ' registered');
          eventTypes.push(t);
        } else {
          missing.push('event type ' + t + ' is not registered');
          eventsMissing = true;
        }
      });
    }
  });
  var anyTrace = tagged.length > 0 || eventTypes.length > 0;
  var state_ = !missing.length ? 'applied' : anyTrace ? 'partial' : 'absent';
  return { state: /** @type {'applied' | 'absent' | 'partial'} */ (state_), present: present, missing: missing,
    columnsMissing: columnsMissing, eventsMissing: eventsMissing, untaggedByName: untaggedByName, columns: columns,
    eventTypes: eventTypes, eventTypeColumn: eventTypeColumn };
}

/**
 * A migration the history records whose columns are there by name but untagged is half there, not absent.
 * @param {LiveMigration} live
 * @param {boolean} recorded
 * @returns {LiveMigration}
 */
function halfIfRecorded_(live, recorded) {
  return recorded && live.state === 'absent' && live.untaggedByName ? Object.assign({}, live, { state: 'partial' })
    : live;
}

/**
 * The migrations the bridge can judge: the ones it carries (Migrations.js) and `extra` (a spec passed in a
 * request), by id, `extra` winning; in version order.
 * @param {MigrationSpec[]} extra
 * @returns {MigrationSpec[]}
 */
function knownMigrations_(extra) {
  /** @type {Object<string, MigrationSpec>} */
  var byId = {};
  ZEUES_MIGRATIONS.migrations.concat(extra).forEach(function (m) { if (m && m.id) byId[m.id] = m; });
  return Object.keys(byId).map(function (id) { return byId[id]; })
    .sort(function (a, b) { return versionCompare_(a.id, b.id); });
}

/**
 * Where the history and the live structure disagree, for every known migration, and on the schema version.
 * A migration the bridge has no spec for is not judged (its columns cannot be named).
 * @param {WorkbookState} state
 * @param {MigrationSpec[]} known
 * @returns {StructureProblem[]}
 */
function structureProblems_(state, known) {
  /** @type {StructureProblem[]} */
  var problems = [];
  var applied = appliedMigrations_(state.history);
  var repair = 'run `zeues-migrate repair` to record what the sheet shows';
  known.forEach(function (m) {
    var row = applied.filter(function (r) { return r.migration_id === m.id; })[0];
    var live = halfIfRecorded_(liveMigration_(state, m), !!row);
    if (row && live.state === 'absent') {
      problems.push({ migrationId: m.id, kind: 'recorded_absent', about: 'columns', text: 'the history records ' +
        m.id + ' as applied (operation ' + row.operation_id + ', by ' + (row.who || 'unknown') + ' at ' +
        row.finished_at + ') but the sheet has none of its columns or event types (a history row written by hand, ' +
        'or the change undone by hand); ' + repair });
    } else if (!row && live.state === 'applied') {
      problems.push({ migrationId: m.id, kind: 'unrecorded', about: 'columns', text: 'the sheet has ' + m.id + '\'s ' +
        'columns and event types but the history does not record it as applied (the ' + HISTORY_SHEET + ' sheet ' +
        'was deleted or edited by hand?); ' + repair });
    } else if (live.state === 'partial') {
      problems.push({ migrationId: m.id, kind: 'partial', about: live.eventsMissing ? 'events' : 'columns',
        text: m.id + ' is ' + (row ? 'recorded as applied' : 'not recorded as applied') + ' but the sheet is half ' +
        'of it: ' + live.missing.concat(row ? [] : live.present).join('; ') + '; put back what is missing by hand ' +
        '(a backup has it: `zeues-migrate backups`) or restore a backup (`zeues-migrate restore`)' });
    }
  });
  var last = applied.length ? applied[applied.length - 1].migration_id : null;
  var version = schemaVersion_(state);
  if (version !== last && !problems.length) {
    problems.push({ migrationId: last || '', kind: 'schema_version', about: 'schema', text: 'the schema version (' +
      META.SCHEMA_VERSION + ') is ' + (version === null ? 'missing' : '"' + version + '"') + ' but the history and ' +
      'the columns show ' + (last === null ? 'no migration applied' : last + ' applied') + '; ' + repair });
  }
  return problems;
}

/**
 * Refuse (ZEUES_INCONSISTENT) a change when the live structure and the history disagree, naming what disagrees
 * and the fix. `rollingBack`: the migration a rollback removes; a column of it that lost its tag or its name is
 * left to the rollback's own check (Rollback.js locateTaggedColumns_ refuses it, naming the column).
 * @param {WorkbookState} state
 * @param {MigrationSpec | null} migration the spec of the migration to apply (may be one the bridge lacks)
 * @param {string} [rollingBack]
 */
function refuseInconsistent_(state, migration, rollingBack) {
  var problems = structureProblems_(state, knownMigrations_(migration ? [migration] : []))
    .filter(function (p) { return !(p.kind === 'partial' && p.about === 'columns' && p.migrationId === rollingBack); });
  if (problems.length) {
    fail_(ERROR_CODES.INCONSISTENT, 'the live structure and the history of "' + state.title + '" disagree: ' +
      problems.map(function (p) { return p.text; }).join('; also ') + '; nothing was changed');
  }
}
