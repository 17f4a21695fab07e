// @ts-check
'use strict';
/**
 * One Apps Script execution, in its own worker thread: build the sandbox, load the project's files, call
 * the function, and report the converted result or error to the main thread.
 *
 * Service calls are synchronous, as Apps Script code expects: the worker posts a request on its RPC port,
 * blocks in Atomics.wait until the main thread has answered and raised the flag, then takes the answer
 * with receiveMessageOnPort (answers of any size, no shared-buffer sizing).
 */
const { workerData, parentPort, receiveMessageOnPort } = require('node:worker_threads');
const crypto = require('node:crypto');
const vm = require('node:vm');
const { createSandbox, loadFiles } = require('./sandbox');
const { convertResult, convertError } = require('./result');

const { rpcPort, flag, files, functionName, parametersJson, info, hang } = workerData;
const flagView = new Int32Array(flag);
const sleepView = new Int32Array(new SharedArrayBuffer(4));

/** @param {any} message */
function send(message) {
  if (parentPort) parentPort.postMessage(message);
}

/**
 * @param {string} kind
 * @param {string} payloadJson
 * @returns {string}
 */
function call(kind, payloadJson) {
  Atomics.store(flagView, 0, 0);
  rpcPort.postMessage({ kind, payload: payloadJson });
  Atomics.wait(flagView, 0, 0);
  let reply = receiveMessageOnPort(rpcPort);
  while (!reply) {
    // The flag is raised after the answer is posted, so this is only a safety net.
    Atomics.wait(sleepView, 0, 0, 1);
    reply = receiveMessageOnPort(rpcPort);
  }
  return reply.message;
}

const DIGESTS = /** @type {Record<string, string>} */ ({
  MD2: 'md2', MD5: 'md5', SHA_1: 'sha1', SHA_256: 'sha256', SHA_384: 'sha384', SHA_512: 'sha512',
  HMAC_MD5: 'md5', HMAC_SHA_1: 'sha1', HMAC_SHA_256: 'sha256', HMAC_SHA_384: 'sha384', HMAC_SHA_512: 'sha512',
});

/** @param {string} charset */
function encodingOf(charset) {
  return charset === 'US_ASCII' ? 'latin1' : 'utf8';
}

/** @param {string|number[]} data @param {string} charset */
function toBuffer(data, charset) {
  if (typeof data === 'string') return Buffer.from(data, encodingOf(charset));
  return Buffer.from(data.map((b) => b & 0xff));
}

/** Java bytes are signed. @param {Buffer} buf */
function signed(buf) {
  return Array.from(buf, (b) => (b > 127 ? b - 256 : b));
}

/** @type {import('./services/host').Host} */
const host = {
  call,
  post(kind, payloadJson) {
    send({ type: kind, payload: JSON.parse(payloadJson) });
  },
  digest(algorithm, data, charset) {
    const name = DIGESTS[algorithm];
    if (!name) throw new Error('Unknown digest algorithm ' + algorithm);
    return signed(crypto.createHash(name).update(toBuffer(data, charset)).digest());
  },
  hmac(algorithm, data, key, charset) {
    const name = DIGESTS[algorithm];
    if (!name) throw new Error('Unknown MAC algorithm ' + algorithm);
    return signed(crypto.createHmac(name, toBuffer(key, charset)).update(toBuffer(data, charset)).digest());
  },
  base64Encode(data, charset, webSafe) {
    const text = toBuffer(data, charset).toString('base64');
    return webSafe ? text.replace(/\+/g, '-').replace(/\//g, '_') : text;
  },
  base64Decode(text, webSafe) {
    const normal = webSafe ? text.replace(/-/g, '+').replace(/_/g, '/') : text;
    return signed(Buffer.from(normal, 'base64'));
  },
  bytesToString(bytes, charset) {
    return toBuffer(bytes, charset).toString(encodingOf(charset));
  },
  stringToBytes(text, charset) {
    return signed(Buffer.from(text, encodingOf(charset)));
  },
  uuid() {
    return crypto.randomUUID();
  },
  sleep(ms) {
    if (ms > 0) Atomics.wait(sleepView, 0, 0, ms);
  },
  log(level, message) {
    send({ type: 'log', level, message, time: new Date().toISOString() });
  },
  info,
};

function main() {
  const scriptFiles = new Set(files.map(/** @param {{name: string}} f */ (f) => f.name));
  try {
    const { context } = createSandbox(host);
    loadFiles(context, files);
    // A run made to hang (fault injection) waits here until the main thread's time limit ends it.
    if (hang) for (;;) Atomics.wait(sleepView, 0, 0);
    const fn = context[functionName];
    // Functions whose names end with "_" are private: scripts.run cannot call them.
    if (typeof fn !== 'function' || /_$/.test(functionName)) {
      send({ type: 'done', error: { errorMessage: 'Script function not found: ' + functionName, errorType: 'ScriptError' } });
      return;
    }
    // Parameters are parsed in the script's realm so they are its own arrays and objects.
    const params = vm.runInContext('JSON', context).parse(parametersJson);
    const value = fn.apply(undefined, params);
    send({ type: 'done', result: convertResult(value) });
  } catch (err) {
    send({ type: 'done', error: convertError(err, scriptFiles) });
  }
}

main();
