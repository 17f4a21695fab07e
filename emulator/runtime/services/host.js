// @ts-check
'use strict';
/**
 * The bridge between service code (evaluated inside the script's vm context) and Node. The sandbox gives
 * `require('./host')` the real object; this file only documents its shape. Everything crossing it is a
 * string, a number, a boolean or an array of numbers, so no object from Node's realm leaks into a script.
 *
 * @typedef {object} Host
 * @property {(kind: string, payloadJson: string) => string} call synchronous call to the main thread;
 *   returns JSON `{"result": ...}` or `{"error": {"code", "status", "message"}}`
 * @property {(kind: string, payloadJson: string) => void} post one-way notice to the main thread
 * @property {(algorithm: string, data: string|number[], charset: string) => number[]} digest signed bytes
 * @property {(algorithm: string, data: string|number[], key: string|number[], charset: string) => number[]} hmac signed bytes
 * @property {(data: string|number[], charset: string, webSafe: boolean) => string} base64Encode
 * @property {(text: string, webSafe: boolean) => number[]} base64Decode signed bytes
 * @property {(bytes: number[], charset: string) => string} bytesToString
 * @property {(text: string, charset: string) => number[]} stringToBytes signed bytes
 * @property {() => string} uuid
 * @property {(ms: number) => void} sleep
 * @property {(level: string, message: string) => void} log
 * @property {{bound: boolean, spreadsheetId: string|null, timeZone: string, userEmail: string, executionId: string,
 *   advancedServices: Array<{userSymbol: string, serviceId: string, version: string}>,
 *   grantedScopes: string[]}} info grantedScopes: the manifest's oauthScopes, or those automatic detection found
 */

module.exports = {};
