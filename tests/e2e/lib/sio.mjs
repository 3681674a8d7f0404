// Socket.IO helpers over the stock `socket.io-client` (npm), plus raw Engine.IO requests over fetch.
//   sioConnect(srv, token, {transports, auth, query, ...}) -> a SioClient once CONNECTed
//   client.request(event, data) -> the single ack argument ({ok, data} | {ok:false, error})
//   client.ok / client.fails / client.next(event, pred) (pushes are buffered, so none is missed)
//   sioConnectError(srv, opts) -> the connect_error Error (message, data)
// Every wait has a timeout that rejects (fails the test).
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';

export const WAIT_MS = 5_000;

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** A socket.io-client Socket (not yet connected) for the server; reconnection off unless asked. */
export function sioSocket(srv, { token, auth, ...opts } = {}) {
  return io(srv.httpUrl, {
    auth: auth ?? (token ? { token } : undefined),
    reconnection: false,
    forceNew: true,
    timeout: WAIT_MS,
    ...opts,
  });
}

/** Connects and resolves with a SioClient once the CONNECT is accepted; rejects with the connect_error. */
export async function sioConnect(srv, token, opts = {}) {
  const socket = sioSocket(srv, { token, ...opts });
  const client = new SioClient(socket);
  await withTimeout(new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  }), WAIT_MS + 1000, 'socket.io connect').catch((e) => { socket.close(); throw e; });
  return client;
}

/** Connects with credentials that must be refused; resolves with the connect_error. */
export async function sioConnectError(srv, opts = {}) {
  const socket = sioSocket(srv, opts);
  try {
    return await withTimeout(new Promise((resolve, reject) => {
      socket.once('connect', () => reject(new Error('the CONNECT was accepted')));
      socket.once('connect_error', resolve);
    }), WAIT_MS, 'connect_error');
  } finally {
    socket.close();
  }
}

export class SioClient {
  constructor(socket) {
    this.socket = socket;
    this.pushes = [];
    this.waiters = [];
    this.disconnects = [];
    this.disconnectWaiters = [];
    socket.onAny((event, data) => this._onPush(event, data));
    socket.on('disconnect', (reason) => {
      this.disconnects.push(reason);
      for (const w of this.disconnectWaiters.splice(0)) w(reason);
    });
  }

  get transport() { return this.socket.io.engine?.transport?.name; }

  _onPush(event, data) {
    const i = this.waiters.findIndex((w) => w.event === event && w.pred(data));
    if (i >= 0) this.waiters.splice(i, 1)[0].resolve(data);
    else this.pushes.push({ event, data });
  }

  /** Emits with an ack and resolves with the ack's single argument. */
  request(event, data, timeout = WAIT_MS) {
    return this.socket.timeout(timeout).emitWithAck(event, data);
  }

  async ok(event, data) {
    const reply = await this.request(event, data);
    assert.equal(reply?.ok, true, `"${event}" failed: ${JSON.stringify(reply)}`);
    return reply.data;
  }

  async fails(event, data, code) {
    const reply = await this.request(event, data);
    assert.equal(reply?.ok, false, `"${event}" should fail: ${JSON.stringify(reply)}`);
    assert.equal(typeof reply.error?.message, 'string');
    if (code) assert.equal(reply.error.code, code, JSON.stringify(reply));
    return reply.error;
  }

  next(event, pred = () => true, timeout = WAIT_MS) {
    const i = this.pushes.findIndex((m) => m.event === event && pred(m.data));
    if (i >= 0) return Promise.resolve(this.pushes.splice(i, 1)[0].data);
    let waiter;
    const p = new Promise((resolve) => { waiter = { event, pred, resolve }; this.waiters.push(waiter); });
    return withTimeout(p, timeout, `socket.io push "${event}"`).catch((e) => {
      const k = this.waiters.indexOf(waiter);
      if (k >= 0) this.waiters.splice(k, 1);
      throw e;
    });
  }

  async collect(event, n, pred = () => true, timeout = WAIT_MS) {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await this.next(event, pred, timeout));
    return out;
  }

  /** Resolves with the reason of the next (or an already seen) disconnect. */
  disconnected(timeout = WAIT_MS) {
    if (this.disconnects.length) return Promise.resolve(this.disconnects.shift());
    return withTimeout(new Promise((r) => this.disconnectWaiters.push(r)), timeout, 'socket.io disconnect')
      .then((reason) => { this.disconnects.shift(); return reason; });
  }

  /** Resolves on the next 'connect' (a reconnection). */
  reconnected(timeout = 15_000) {
    return withTimeout(new Promise((r) => this.socket.once('connect', r)), timeout, 'socket.io reconnect');
  }

  close() { this.socket.close(); }
}

/** Raw Engine.IO request: resolves {status, text}. */
export async function eio(srv, method, query, body) {
  const res = await fetch(`${srv.httpUrl}/socket.io/?${query}`, {
    method, body, signal: AbortSignal.timeout(WAIT_MS * 2),
    headers: body !== undefined ? { 'content-type': 'text/plain;charset=UTF-8' } : {},
  });
  return { status: res.status, text: await res.text() };
}

/** Opens a raw polling session; resolves with the handshake object (sid, pingInterval, ...). */
export async function eioHandshake(srv, extra = '') {
  const r = await eio(srv, 'GET', `EIO=4&transport=polling${extra}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.text[0], '0', r.text);
  return JSON.parse(r.text.slice(1));
}

/** Closes every client given, ignoring errors (for after-hooks). */
export function closeAllSio(clients) {
  for (const c of clients) { try { c.close(); } catch {} }
}
