// Native WebSocket client (contract §3): request/reply by id, server pushes,
// automatic reconnect with exponential backoff. Resuming rooms with `since`
// is the caller's job, done in `onOpen` which runs after every (re)connect.

export class RequestError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

const BASE_DELAY = 500;
const MAX_DELAY = 15000;

export function wsUrl() {
  return (location.protocol === 'https:' ? 'wss' : 'ws') + '://' + location.host + '/ws';
}

export class Connection {
  /**
   * @param {object} o
   * @param {string} o.token JWT, sent as the WebSocket subprotocol
   * @param {(status: {state: string, retryAt?: number, attempt?: number}) => void} o.onStatus
   * @param {(event: string, data: any) => void} o.onEvent   server pushes
   * @param {() => void} o.onOpen                            after each successful (re)connect
   * @param {(reason: string) => void} o.onExpired           close 4001 or token rejected
   * @param {() => Promise<boolean>} [o.checkToken]          resolves false when the token is no longer valid
   */
  constructor(o) {
    this.o = o;
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map();
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
    this.state = 'idle';
    this.onOnline = () => { if (this.state === 'reconnecting') this.reconnectNow(); };
  }

  start() {
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    this.open();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    clearTimeout(this.timer);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onopen = ws.onclose = ws.onerror = ws.onmessage = null;
      try { ws.close(1000); } catch { /* ignore */ }
    }
    this.failPending('unavailable', 'Disconnected');
    this.setState('stopped');
  }

  get isOpen() {
    return this.ws != null && this.ws.readyState === WebSocket.OPEN && this.state === 'open';
  }

  setState(state, extra = {}) {
    this.state = state;
    this.o.onStatus({ state, attempt: this.attempt, ...extra });
  }

  open() {
    if (this.stopped) return;
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting', { retryAt: 0 });
    let ws;
    try {
      ws = new WebSocket(wsUrl(), this.o.token);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.setState('open');
      try { this.o.onOpen(); } catch (e) { console.error(e); }
    };
    ws.onmessage = (ev) => this.handleFrame(ev.data);
    ws.onclose = (ev) => this.closed(ws, ev.code, opened);
    ws.onerror = () => { /* onclose follows */ };
  }

  closed(ws, code, opened) {
    if (this.ws !== ws) return;
    this.ws = null;
    this.failPending('unavailable', 'Connection lost');
    if (code === 4001) {
      this.stopped = true;
      this.setState('expired');
      this.o.onExpired('Your session has expired. Please sign in again.');
      return;
    }
    if (this.stopped) return;
    if (!opened && this.attempt >= 1 && this.o.checkToken) {
      // The upgrade is refused with HTTP 401 for a bad token, which a browser
      // only sees as a failed connection: ask the HTTP API whether it is the token.
      this.o.checkToken().then((valid) => {
        if (valid === false && !this.stopped) {
          this.stopped = true;
          this.setState('expired');
          this.o.onExpired('Your session has expired. Please sign in again.');
        }
      }, () => {});
    }
    this.scheduleReconnect(code);
  }

  /**
   * For the browser tests: lose the socket as a network failure would (close code 1006), at once. A clean
   * close() would wait for the server's close frame, which an emulated offline network may hold back.
   */
  dropAsIfNetworkFailed() {
    const ws = this.ws;
    if (!ws) return;
    ws.onopen = ws.onclose = ws.onerror = ws.onmessage = null;
    try { ws.close(); } catch { /* ignore */ }
    this.closed(ws, 1006, true);
  }

  scheduleReconnect(code) {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const exp = Math.min(MAX_DELAY, BASE_DELAY * 2 ** this.attempt);
    let delay = exp / 2 + Math.random() * exp / 2;
    if (code === 1008) delay = Math.max(delay, 5000); // closed for abuse: back off harder
    this.attempt += 1;
    const retryAt = Date.now() + delay;
    this.setState('reconnecting', { retryAt, closeCode: code });
    this.timer = setTimeout(() => this.open(), delay);
  }

  reconnectNow() {
    if (this.stopped || this.state !== 'reconnecting') return;
    clearTimeout(this.timer);
    this.open();
  }

  failPending(code, message) {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new RequestError(code, message));
    }
    this.pending.clear();
  }

  handleFrame(raw) {
    let msg;
    try { msg = JSON.parse(raw); } catch { return; }
    if (msg == null || typeof msg !== 'object') return;
    if (msg.id != null && this.pending.has(msg.id)) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.data);
      else p.reject(new RequestError(msg.error?.code || 'internal', msg.error?.message));
      return;
    }
    if (typeof msg.event === 'string') {
      try { this.o.onEvent(msg.event, msg.data); } catch (e) { console.error(e); }
    }
  }

  /** Sends a request and resolves with the reply's data. */
  request(event, data, { timeout = 10000 } = {}) {
    if (!this.isOpen) return Promise.reject(new RequestError('unavailable', 'Not connected'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestError('unavailable', 'The server did not answer in time'));
      }, timeout);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify(data === undefined ? { event, id } : { event, data, id }));
    });
  }

  /** Fire-and-forget (no reply expected); silently dropped while disconnected. */
  send(event, data) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify({ event, data }));
    return true;
  }
}
