// @ts-check
'use strict';
/**
 * OAuth in the emulator: self-describing test tokens, the scope checks Google makes on each REST call and on
 * scripts.run, and the authorized-user file a client loads.
 *
 * Token format (documented in emulator/README.md, "OAuth tokens and scopes"): an access token is
 * `ya29.emulator.<base64url of {"scopes": [...], "email": "...", "exp": <unix seconds>}>`, a refresh token
 * `1//emulator.<base64url of {"scopes": [...], "email": "..."}>`. They carry their own scopes, so they survive an
 * emulator restart and a test can mint one for any scope set. What Google does with them:
 * - no token on scripts.run: 401 UNAUTHENTICATED "Request is missing required authentication credential..."
 *   (Google's standard text for a call without credentials);
 * - a token that is not one of ours, or expired: 401 "Request had invalid authentication credentials...";
 * - a REST call whose token has none of the method's scopes (each method's "Authorization scopes" section in
 *   the Sheets v4 / Drive v3 reference): 403 PERMISSION_DENIED "Request had insufficient authentication
 *   scopes." with an ErrorInfo of reason ACCESS_TOKEN_SCOPE_INSUFFICIENT (Drive v3 adds its legacy
 *   `errors: [{reason: "insufficientPermissions"}]`);
 * - scripts.run with a token lacking any scope the script is granted ("the token must cover all the scopes used
 *   by the script", developers.google.com/apps-script/api/how-tos/execute, Requirements): 401 with the
 *   ExecutionError "Authorization is required to perform that action." (the answer public reports quote).
 * - a Sheets or Drive call without any token (and no API key): 403 PERMISSION_DENIED "The request is missing a
 *   valid API key.".
 */
const { ApiError } = require('./engine/errors');

const ACCESS_PREFIX = 'ya29.emulator.';
const REFRESH_PREFIX = '1//emulator.';
const AUTH = 'https://www.googleapis.com/auth/';
const DEFAULT_EMAIL = 'owner@example.com';
const DEVCONSOLE = 'See https://developers.google.com/identity/sign-in/web/devconsole-project.';
const MISSING_CREDENTIAL = 'Request is missing required authentication credential. Expected OAuth 2 access token, ' +
  'login cookie or other valid authentication credential. ' + DEVCONSOLE;
const MISSING_KEY = 'The request is missing a valid API key.';
const INVALID_CREDENTIAL = 'Request had invalid authentication credentials. Expected OAuth 2 access token, login ' +
  'cookie or other valid authentication credential. ' + DEVCONSOLE;

/** Scopes any one of which lets a REST method run (Sheets v4 and Drive v3 reference, "Authorization scopes"). */
const REST_SCOPES = {
  sheetsRead: ['drive', 'drive.file', 'drive.readonly', 'spreadsheets', 'spreadsheets.readonly'].map((s) => AUTH + s),
  sheetsWrite: ['drive', 'drive.file', 'spreadsheets'].map((s) => AUTH + s),
  driveRead: ['drive', 'drive.appdata', 'drive.file', 'drive.metadata', 'drive.metadata.readonly',
    'drive.photos.readonly', 'drive.readonly'].map((s) => AUTH + s),
  driveWrite: ['drive', 'drive.appdata', 'drive.file'].map((s) => AUTH + s),
};

/**
 * @typedef {{scopes: string[], email: string, exp?: number}} TokenClaims
 */

/** @param {object} claims @param {string} prefix */
function encode(claims, prefix) {
  return prefix + Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
}

/**
 * @param {string} token @param {string} prefix
 * @returns {TokenClaims | null}
 */
function decode(token, prefix) {
  if (!token.startsWith(prefix)) return null;
  try {
    const claims = JSON.parse(Buffer.from(token.slice(prefix.length), 'base64url').toString('utf8'));
    if (!claims || !Array.isArray(claims.scopes)) return null;
    return { scopes: claims.scopes.map(String), email: String(claims.email || DEFAULT_EMAIL), exp: claims.exp };
  } catch {
    return null;
  }
}

/** @param {{scopes: string[], email?: string, lifetimeS?: number}} options */
function mintAccessToken(options) {
  const exp = Math.floor(Date.now() / 1000) + (options.lifetimeS || 3599);
  return encode({ scopes: options.scopes, email: options.email || DEFAULT_EMAIL, exp }, ACCESS_PREFIX);
}

/**
 * An authorized-user JSON (the file google-auth's `from_authorized_user_info` loads) with an access token valid
 * for `lifetimeS` and a refresh token this emulator's token endpoint (`tokenUri`) exchanges for a new one.
 * @param {{scopes: string[], email?: string, lifetimeS?: number, tokenUri: string}} options
 */
function authorizedUser(options) {
  const lifetimeS = options.lifetimeS || 365 * 24 * 3600;
  const expiry = new Date(Date.now() + lifetimeS * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    type: 'authorized_user',
    client_id: 'emulator-client.apps.googleusercontent.com',
    client_secret: 'emulator-client-secret',
    refresh_token: encode({ scopes: options.scopes, email: options.email || DEFAULT_EMAIL }, REFRESH_PREFIX),
    token_uri: options.tokenUri,
    token: mintAccessToken({ scopes: options.scopes, email: options.email, lifetimeS }),
    expiry,
    scopes: options.scopes,
  };
}

/**
 * The caller's token claims, null without a token; 401 for a token that is not valid.
 * @param {import('node:http').IncomingMessage} req @param {URL} url
 * @returns {TokenClaims | null}
 */
function callerOf(req, url) {
  const header = String(req.headers.authorization || '');
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const token = match ? match[1] : url.searchParams.get('access_token') || url.searchParams.get('oauth_token');
  if (!token) return null;
  const claims = decode(token, ACCESS_PREFIX);
  if (!claims || (claims.exp !== undefined && claims.exp * 1000 < Date.now())) {
    throw new ApiError(401, 'UNAUTHENTICATED', INVALID_CREDENTIAL);
  }
  return claims;
}

/**
 * 403 unless the caller has a token holding one of `scopes`.
 * @param {TokenClaims | null} caller @param {string[]} scopes @param {'sheets'|'drive'} api
 */
function requireRestScope(caller, scopes, api) {
  if (!caller) {
    // No OAuth token and no API key: what Google answers such a call (the text gspread and pandas users quote
    // when they read a sheet without credentials).
    throw new ApiError(403, 'PERMISSION_DENIED', MISSING_KEY, api === 'drive'
      ? [{ message: MISSING_KEY, domain: 'global', reason: 'forbidden' }] : undefined);
  }
  if (scopes.some((s) => caller.scopes.includes(s))) return;
  const message = 'Request had insufficient authentication scopes.';
  const error = new ApiError(403, 'PERMISSION_DENIED', message, api === 'drive'
    ? [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }] : undefined);
  error.details = [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
    domain: 'googleapis.com', metadata: { service: api === 'drive' ? 'drive.googleapis.com' : 'sheets.googleapis.com' } }];
  throw error;
}

/**
 * scripts.run: a token is required, and it must carry every scope the script is granted.
 * @param {TokenClaims | null} caller @param {string[]} granted
 */
function requireScriptScopes(caller, granted) {
  if (!caller) throw new ApiError(401, 'UNAUTHENTICATED', MISSING_CREDENTIAL);
  const missing = granted.filter((s) => !caller.scopes.includes(s));
  if (!missing.length) return;
  const error = new ApiError(401, 'UNAUTHENTICATED', 'ScriptError');
  error.details = [{ '@type': 'type.googleapis.com/google.apps.script.v1.ExecutionError',
    errorMessage: 'Authorization is required to perform that action.', errorType: 'ScriptError' }];
  throw error;
}

/**
 * The OAuth 2.0 token endpoint's refresh grant (what oauth2.googleapis.com/token answers): the refresh token's
 * consented scopes, or the requested `scope` when it is a subset of them (else `invalid_scope`, as Google).
 * @param {string} form the urlencoded request body
 * @returns {{status: number, body: Record<string, any>}}
 */
function tokenGrant(form) {
  const p = new URLSearchParams(form);
  if (p.get('grant_type') !== 'refresh_token') {
    return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: ' + (p.get('grant_type') || '') } };
  }
  const consent = decode(String(p.get('refresh_token') || ''), REFRESH_PREFIX);
  if (!consent) return { status: 400, body: { error: 'invalid_grant', error_description: 'Bad Request' } };
  const asked = (p.get('scope') || '').split(/\s+/).filter(Boolean);
  if (asked.some((s) => !consent.scopes.includes(s))) {
    return { status: 400, body: { error: 'invalid_scope', error_description: 'Bad Request' } };
  }
  const scopes = asked.length ? asked : consent.scopes;
  return { status: 200, body: { access_token: mintAccessToken({ scopes, email: consent.email }), expires_in: 3599,
    scope: scopes.join(' '), token_type: 'Bearer' } };
}

module.exports = { tokenGrant, REST_SCOPES, authorizedUser, mintAccessToken, callerOf, requireRestScope, requireScriptScopes,
  ACCESS_PREFIX, REFRESH_PREFIX };
