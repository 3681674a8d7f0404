// HTTP helpers over the built-in fetch, plus user/token helpers and error-body assertions.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { JWT_SECRET } from './server.mjs';
import { rememberSecret } from './secrets.mjs';

export const HTTP_TIMEOUT_MS = 10_000;

/**
 * One HTTP request. Resolves with {status, headers, text, body} where body is the parsed JSON or undefined.
 * `body` given as an object is sent as JSON; as a string it is sent verbatim.
 */
export async function http(srv, method, path, { body, headers = {}, token } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
  }
  const res = await fetch(srv.httpUrl + path, {
    method, headers: h, body: payload, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, body: json };
}

export const get = (srv, path, opts) => http(srv, 'GET', path, opts);
export const post = (srv, path, body, opts = {}) => http(srv, 'POST', path, { ...opts, body });

/** Asserts `res` is an error response with the contract's body `{"error":{"code","message"}}`. */
export function assertError(res, status, code) {
  const where = `${res.status} ${res.text.slice(0, 300)}`;
  assert.equal(res.status, status, `expected HTTP ${status}, got ${where}`);
  assert.ok(res.body && typeof res.body === 'object', `error body is not JSON: ${where}`);
  assert.ok(res.body.error && typeof res.body.error === 'object', `error body lacks "error": ${where}`);
  assert.equal(res.body.error.code, code, `error code: ${where}`);
  assert.equal(typeof res.body.error.message, 'string', `error.message must be a string: ${where}`);
  assert.ok(res.body.error.message.length > 0, `error.message is empty: ${where}`);
  const ct = res.headers.get('content-type') || '';
  assert.match(ct, /application\/json/, `error content-type: ${ct}`);
}

let counter = 0;
/** A fresh valid username (3–32 of [a-z0-9_.-]) unique within this run. */
export function uniqueName(prefix = 'u') {
  counter += 1;
  const tail = `${process.pid.toString(36)}${Date.now().toString(36).slice(-5)}${counter.toString(36)}`;
  return `${prefix}_${tail}`.toLowerCase().slice(0, 32);
}

/** Registers a fresh user and logs in. Resolves with {id, username, password, token, expiresAt}. */
export async function newUser(srv, prefix = 'u', password = 'secret-pw') {
  const username = uniqueName(prefix);
  const reg = await post(srv, '/api/auth/register', { username, password });
  assert.equal(reg.status, 201, `register ${username}: ${reg.status} ${reg.text}`);
  const login = await post(srv, '/api/auth/login', { username, password });
  assert.equal(login.status, 200, `login ${username}: ${login.status} ${login.text}`);
  assert.equal(typeof login.body?.token, 'string', `login token: ${login.text}`);
  rememberSecret(password);
  rememberSecret(login.body.token);
  return { id: reg.body.id, username, password, token: login.body.token, expiresAt: login.body.expiresAt };
}

/** Registers and logs in `n` fresh users. */
export async function newUsers(srv, n, prefix = 'u') {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await newUser(srv, `${prefix}${i}`));
  return out;
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** Signs an HS256 JWT (the contract's token format) — with the server's secret unless told otherwise. */
export function signJwt(payload, { secret = JWT_SECRET, header = { alg: 'HS256', typ: 'JWT' } } = {}) {
  const head = b64url(JSON.stringify(header));
  const body = b64url(JSON.stringify(payload));
  const sig = header.alg === 'none' ? '' : b64url(crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest());
  return `${head}.${body}.${sig}`;
}

/** Decodes a JWT payload without verifying it. */
export function decodeJwt(token) {
  const parts = token.split('.');
  assert.equal(parts.length, 3, `not a JWT: ${token}`);
  return {
    header: JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')),
  };
}

/** Unique room name (valid per the contract). */
let roomCounter = 0;
export function uniqueRoom(prefix = 'room') {
  roomCounter += 1;
  return `${prefix}-${process.pid.toString(36)}-${Date.now().toString(36)}-${roomCounter}`;
}

/** Same id as the other (ids may be numbers or strings; compare as strings). */
export const sameId = (a, b) => String(a) === String(b);
