'use strict';
/**
 * The global services of an execution, and the registry of every class the runtime offers (the type
 * fidelity test checks each against @types/google-apps-script).
 */
const host = require('./host');
const { SpreadsheetAppService, Spreadsheet, Sheet, Range } = require('./spreadsheet-app');
const metadata = require('./metadata');
const validation = require('./validation');
const { Ui, Menu } = require('./ui');
const html = require('./html');
const { SheetsAdvancedService, SpreadsheetsCollection, ValuesCollection, DeveloperMetadataCollection } = require('./sheets-advanced');
const { DriveAppService, File, FileIterator } = require('./drive-app');
const { LockServiceImpl, Lock } = require('./lock-service');
const { PropertiesServiceImpl, Properties } = require('./properties-service');
const { SessionService, User } = require('./session');
const { UtilitiesService, Blob } = require('./utilities');
const { LoggerService, ConsoleService } = require('./logger');
const enums = require('./enums');
const scopes = require('./scopes');

const classes = [
  SpreadsheetAppService, Spreadsheet, Sheet, Range,
  metadata.DeveloperMetadata, metadata.DeveloperMetadataLocation, metadata.DeveloperMetadataFinder,
  validation.DataValidation, validation.DataValidationBuilder, Ui, Menu,
  SheetsAdvancedService, SpreadsheetsCollection, ValuesCollection, DeveloperMetadataCollection,
  DriveAppService, File, FileIterator, LockServiceImpl, Lock, PropertiesServiceImpl, Properties,
  SessionService, User, UtilitiesService, Blob, LoggerService, ConsoleService,
  html.HtmlServiceImpl, html.HtmlOutput, html.HtmlTemplate, html.HtmlOutputMetaTag,
];
const registry = {
  classes,
  enums: {
    Button: enums.Button, ButtonSet: enums.ButtonSet, DeveloperMetadataLocationType: enums.DeveloperMetadataLocationType,
    DeveloperMetadataVisibility: enums.DeveloperMetadataVisibility, DataValidationCriteria: enums.DataValidationCriteria,
    Dimension: enums.Dimension, DigestAlgorithm: enums.DigestAlgorithm, MacAlgorithm: enums.MacAlgorithm, Charset: enums.Charset,
  },
};

/** @param {any} context the vm context's global object */
function installGlobals(context) {
  // The script is granted its manifest's oauthScopes, or what automatic detection found (runtime/index.js).
  scopes.guardClasses(classes, host.info.grantedScopes);
  const globals = {
    SpreadsheetApp: new SpreadsheetAppService(),
    DriveApp: new DriveAppService(),
    LockService: new LockServiceImpl(),
    PropertiesService: new PropertiesServiceImpl(),
    Session: new SessionService(),
    Utilities: new UtilitiesService(),
    Logger: new LoggerService(),
    console: new ConsoleService(),
    HtmlService: new html.HtmlServiceImpl(),
  };
  // Advanced services exist only when the manifest enables them, under their userSymbol.
  for (const svc of host.info.advancedServices || []) {
    if (svc.serviceId === 'sheets') globals[svc.userSymbol || 'Sheets'] = new SheetsAdvancedService();
  }
  return { globals, registry };
}

module.exports = { installGlobals, registry };
