'use strict';
/**
 * Utilities: formatDate (Java SimpleDateFormat), computeDigest / HMAC returning signed bytes as Google
 * does (Java byte[]: -128..127), getUuid, base64, sleep, minimal Blobs, jsonParse/jsonStringify.
 */
const host = require('./host');
const { Exception } = require('./errors');
const { DigestAlgorithm, MacAlgorithm, Charset } = require('./enums');
const dates = require('./dates');

/** @param {any} charset */
function charsetName(charset) {
  return charset === undefined || charset === null ? 'UTF_8' : String(charset);
}

/** Bytes or a string, in a form the host accepts. @param {any} data */
function hostData(data) {
  if (typeof data === 'string') return data;
  if (Array.isArray(data)) return data.map(Number);
  if (data && typeof data.getBytes === 'function') return data.getBytes().map(Number);
  return String(data);
}

class Blob {
  /** @param {number[]} bytes @param {string|null} contentType @param {string|null} name */
  constructor(bytes, contentType, name) {
    this._bytes = bytes;
    this._contentType = contentType;
    this._name = name;
  }
  get __appsScriptClass() { return 'Base.Blob'; }
  copyBlob() { return new Blob(this._bytes.slice(), this._contentType, this._name); }
  getBytes() { return this._bytes.slice(); }
  setBytes(data) { this._bytes = Array.from(data, Number); return this; }
  getContentType() { return this._contentType; }
  setContentType(contentType) { this._contentType = contentType; return this; }
  getName() { return this._name; }
  setName(name) { this._name = name; return this; }
  getDataAsString(charset) { return host.bytesToString(this._bytes, charsetName(charset)); }
  setDataFromString(string, charset) { this._bytes = Array.from(host.stringToBytes(String(string), charsetName(charset))); return this; }
  isGoogleType() { return false; }
}

class UtilitiesService {
  get __appsScriptClass() { return 'Utilities.Utilities'; }
  get Charset() { return Charset; }
  get DigestAlgorithm() { return DigestAlgorithm; }
  get MacAlgorithm() { return MacAlgorithm; }

  formatDate(date, timeZone, format) {
    if (Object.prototype.toString.call(date) !== '[object Date]') {
      throw new Exception('Invalid argument: date');
    }
    const ms = date.getTime();
    if (Number.isNaN(ms)) throw new Exception('Invalid argument: date');
    try {
      return dates.formatDate(ms, String(timeZone), String(format));
    } catch (e) {
      throw new Exception(String(e.message));
    }
  }

  getUuid() { return host.uuid(); }

  computeDigest(algorithm, value, charset) {
    return Array.from(host.digest(String(algorithm), hostData(value), charsetName(charset)));
  }

  computeHmacSha256Signature(value, key, charset) {
    return this.computeHmacSignature(MacAlgorithm.HMAC_SHA_256, value, key, charset);
  }

  computeHmacSignature(algorithm, value, key, charset) {
    return Array.from(host.hmac(String(algorithm), hostData(value), hostData(key), charsetName(charset)));
  }

  base64Encode(data, charset) { return host.base64Encode(hostData(data), charsetName(charset), false); }
  base64EncodeWebSafe(data, charset) { return host.base64Encode(hostData(data), charsetName(charset), true); }
  base64Decode(encoded, charset) { return Array.from(host.base64Decode(String(encoded), false)); }
  base64DecodeWebSafe(encoded, charset) { return Array.from(host.base64Decode(String(encoded), true)); }

  sleep(milliseconds) {
    const ms = Number(milliseconds);
    // Google caps a sleep at 5 minutes.
    if (!(ms >= 0) || ms > 300000) throw new Exception('Invalid argument: milliseconds');
    host.sleep(ms);
  }

  newBlob(data, contentType, name) {
    const bytes = typeof data === 'string'
      ? Array.from(host.stringToBytes(data, 'UTF_8'))
      : Array.from(data || [], Number);
    return new Blob(bytes, contentType === undefined ? null : contentType, name === undefined ? null : name);
  }

  jsonParse(jsonString) { return JSON.parse(jsonString); }
  jsonStringify(obj) { return JSON.stringify(obj); }
}

module.exports = { UtilitiesService, Blob };
