// A client for Parley's native WebSocket protocol (docs/protocol.md §3) on top of the `ws` package.
//   request(event, data)   -> the reply {id, ok, data | error} with the matching id
//   ok(event, data)        -> asserts ok:true, returns reply.data
//   next(event, pred)      -> the next server push of that event (buffered: nothing is missed)
//   closed()               -> {code, reason} once the connection is closed
// Every wait has a timeout that rejects (fails the test); nothing here sleeps.
import assert from 'node:assert/strict';
import WebSocket from 'ws';

export const WAIT_MS = 5_000;

function withTimeout(promise, ms, what, onTimeout) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => { onTimeout?.(); reject(new Error(`timeout after ${ms} ms: ${what}`)); }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function buildUrl(srv, { path = '/ws', token, placement = 'protocol', query = '' }) {
  let url = srv.wsUrl + path;
  const params = new URLSearchParams(query);
  if (token && placement === 'query') params.set('token', token);
  const qs = params.toString();
  return qs ? `${url}?${qs}` : url;
}

function wsOptions({ token, placement = 'protocol', headers = {}, wsOpts = {} }) {
  const h = { ...headers };
  if (token && placement === 'header') h.authorization = `Bearer ${token}`;
  return { headers: h, handshakeTimeout: WAIT_MS, ...wsOpts };
}

/**
 * Opens a native WebSocket. `placement`: 'protocol' (Sec-WebSocket-Protocol, default), 'query' or 'header'.
 * Resolves with a Client once open; rejects (with err.status) if the upgrade is refused.
 */
export function connect(srv, token, opts = {}) {
  const { placement = 'protocol' } = opts;
  const url = buildUrl(srv, { ...opts, token, placement });
  const protocols = token && placement === 'protocol' ? [token] : [];
  const ws = new WebSocket(url, protocols, wsOptions({ ...opts, token, placement }));
  const client = new Client(ws);
  return withTimeout(new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (req, res) => {
      const err = new Error(`upgrade refused: HTTP ${res.statusCode}`);
      err.status = res.statusCode;
      res.resume();
      req.destroy();
      reject(err);
    });
    ws.once('error', (e) => {
      if (srv.exitInfo) e.message += ` — the server process has exited (${JSON.stringify(srv.exitInfo)})\n${srv.tail(15)}`;
      reject(e);
    });
    ws.once('close', (code) => reject(new Error(`closed (${code}) before open`)));
  }), WAIT_MS + 1000, `WebSocket open ${url}`, () => ws.terminate());
}

/** Attempts an upgrade that must be refused; resolves with the HTTP status (or throws if it opened). */
export async function upgradeStatus(srv, token, opts = {}) {
  try {
    const c = await connect(srv, token, opts);
    c.terminate();
  } catch (e) {
    if (e.status) return e.status;
    throw e;
  }
  throw new Error('the upgrade was accepted');
}

export class Client {
  constructor(ws) {
    this.ws = ws;
    this.nextId = 1;
    this.pending = new Map();   // JSON.stringify(id) -> {resolve, reject}
    this.pushes = [];           // unconsumed server pushes, in arrival order
    this.waiters = [];          // {event, pred, resolve, reject}
    this.all = [];              // every frame received, parsed (or {raw} if not JSON), in order
    this.unmatched = [];        // replies whose id nobody waits for
    this.closeInfo = null;
    this.closeWaiters = [];
    this.error = null;
    ws.on('message', (data, isBinary) => this._onMessage(data, isBinary));
    ws.on('error', (e) => { this.error = e; });
    ws.on('close', (code, reason) => this._onClose(code, reason.toString()));
  }

  get protocol() { return this.ws.protocol; }
  get isOpen() { return this.ws.readyState === WebSocket.OPEN; }

  _onMessage(data, isBinary) {
    const text = data.toString('utf8');
    let msg;
    try { msg = JSON.parse(text); } catch {
      this.all.push({ raw: text, isBinary });
      return;
    }
    this.all.push(msg);
    if (msg && typeof msg === 'object' && 'id' in msg && 'ok' in msg && !('event' in msg)) {
      const key = JSON.stringify(msg.id);
      const p = this.pending.get(key);
      if (p) { this.pending.delete(key); p.resolve(msg); } else this.unmatched.push(msg);
      return;
    }
    const i = this.waiters.findIndex((w) => w.event === msg.event && w.pred(msg.data, msg));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w.resolve(msg.data);
    } else {
      this.pushes.push(msg);
    }
  }

  _onClose(code, reason) {
    this.closeInfo = { code, reason };
    for (const w of this.closeWaiters) w(this.closeInfo);
    this.closeWaiters = [];
    const why = `connection closed (code ${code}${reason ? `, "${reason}"` : ''})`;
    for (const [key, p] of this.pending) p.reject(new Error(`${why} while awaiting reply id=${key}`));
    this.pending.clear();
    for (const w of this.waiters) w.reject(new Error(`${why} while awaiting push "${w.event}"`));
    this.waiters = [];
  }

  /** Sends a JSON frame as is. */
  send(obj) { this.ws.send(JSON.stringify(obj)); }

  /** Sends raw bytes/string; opts as ws.send (e.g. {binary:false}). */
  sendRaw(data, opts = {}) { this.ws.send(data, opts); }

  /**
   * Sends {event, data, id} and resolves with the reply carrying the same id.
   * opts.id overrides the automatic numeric id.
   */
  request(event, data, { id, timeout = WAIT_MS } = {}) {
    const reqId = id !== undefined ? id : this.nextId++;
    const key = JSON.stringify(reqId);
    if (this.closeInfo) return Promise.reject(new Error(`connection already closed (${this.closeInfo.code}); cannot send ${event}`));
    const frame = { event, id: reqId };
    if (data !== undefined) frame.data = data;
    const p = new Promise((resolve, reject) => this.pending.set(key, { resolve, reject }));
    this.ws.send(JSON.stringify(frame));
    return withTimeout(p, timeout, `reply to "${event}" id=${key}`, () => this.pending.delete(key));
  }

  /**
   * Sends a hand-made frame carrying request id `id` and resolves with {reply} or, if the connection closes
   * first, {closed: {code, reason}}.
   */
  rawRequest(raw, id, { timeout = WAIT_MS, binary = false } = {}) {
    const key = JSON.stringify(id);
    const p = new Promise((resolve, reject) => this.pending.set(key, { resolve, reject }));
    const closed = this.closed(timeout + 1000).then((info) => ({ closed: info }));
    p.catch(() => {});
    this.ws.send(raw, { binary });
    return withTimeout(Promise.race([p.then((reply) => ({ reply })), closed]), timeout,
      `reply to raw frame id=${key}`, () => this.pending.delete(key));
  }

  /** request() that must succeed; resolves with reply.data. */
  async ok(event, data, opts) {
    const reply = await this.request(event, data, opts);
    assert.equal(reply.ok, true, `"${event}" ${JSON.stringify(data)?.slice(0, 200)} failed: ${JSON.stringify(reply).slice(0, 300)}`);
    return reply.data;
  }

  /** request() that must fail with `code`; resolves with reply.error. */
  async fails(event, data, code, opts) {
    const reply = await this.request(event, data, opts);
    assert.equal(reply.ok, false, `"${event}" should fail with ${code}: ${JSON.stringify(reply).slice(0, 300)}`);
    assert.ok(reply.error && typeof reply.error === 'object', `reply.error missing: ${JSON.stringify(reply)}`);
    assert.equal(typeof reply.error.message, 'string', `reply.error.message: ${JSON.stringify(reply)}`);
    if (code !== undefined) {
      const codes = Array.isArray(code) ? code : [code];
      assert.ok(codes.includes(reply.error.code), `"${event}" expected ${codes.join('|')}, got ${JSON.stringify(reply.error)}`);
    }
    return reply.error;
  }

  /** Resolves with the data of the next push `event` matching pred(data, frame); buffered pushes first. */
  next(event, pred = () => true, timeout = WAIT_MS) {
    const i = this.pushes.findIndex((m) => m.event === event && pred(m.data, m));
    if (i >= 0) return Promise.resolve(this.pushes.splice(i, 1)[0].data);
    if (this.closeInfo) {
      return Promise.reject(new Error(`connection closed (code ${this.closeInfo.code}) while awaiting push "${event}"`));
    }
    let waiter;
    const p = new Promise((resolve, reject) => {
      waiter = { event, pred, resolve, reject };
      this.waiters.push(waiter);
    });
    return withTimeout(p, timeout, `push "${event}"`, () => {
      const k = this.waiters.indexOf(waiter);
      if (k >= 0) this.waiters.splice(k, 1);
    });
  }

  /** The next `n` pushes of `event` matching pred, in arrival order. */
  async collect(event, n, pred = () => true, timeout = WAIT_MS) {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await this.next(event, pred, timeout));
    return out;
  }

  /** Removes and returns every buffered (already received) push of `event` matching pred. */
  drain(event, pred = () => true) {
    const out = [];
    this.pushes = this.pushes.filter((m) => {
      if (m.event === event && pred(m.data, m)) { out.push(m.data); return false; }
      return true;
    });
    return out;
  }

  /** Buffered pushes of `event` matching pred, without consuming them. */
  buffered(event, pred = () => true) {
    return this.pushes.filter((m) => m.event === event && pred(m.data, m)).map((m) => m.data);
  }

  /** Resolves with {code, reason} once closed. */
  closed(timeout = WAIT_MS) {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return withTimeout(new Promise((resolve) => this.closeWaiters.push(resolve)), timeout, 'connection close');
  }

  /** Closes politely and waits for the close to complete. */
  async close(code = 1000) {
    if (!this.closeInfo) this.ws.close(code);
    return this.closed();
  }

  terminate() { this.ws.terminate(); }
}

/** Closes every client given, ignoring errors (for after-hooks). */
export function closeAll(clients) {
  for (const c of clients) { try { c.terminate(); } catch {} }
}
