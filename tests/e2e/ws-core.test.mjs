// The one WebSocket core (src/net/ws_core.hpp) under both codecs: the native protocol (/ws) and Engine.IO over
// WebSocket (/socket.io/) enforce the same frame rules with the same close codes — masking (1002), the message
// limit (1009, from the header alone), UTF-8 (1007) — answer pings with their payload, echo a close code, and
// run the heartbeat of their protocol (native: ping frames; Engine.IO: its "2" packet).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import crypto from 'node:crypto';
import { startServer } from './lib/server.mjs';
import { newUser } from './lib/http.mjs';

const WAIT_MS = 5_000;
const LIMIT = 4096;  // --max-frame-bytes and --max-payload below

/** A client frame: masked unless `mask` is false. */
function frame(opcode, payload, { mask = true, fin = true, length } = {}) {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const n = length ?? body.length;
  const head = [(fin ? 0x80 : 0) | opcode];
  const m = mask ? 0x80 : 0;
  if (n < 126) head.push(m | n);
  else if (n < 65536) head.push(m | 126, n >> 8, n & 255);
  else head.push(m | 127, 0, 0, 0, 0, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255);
  if (!mask) return Buffer.concat([Buffer.from(head), body]);
  const key = crypto.randomBytes(4);
  const masked = Buffer.from(body.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([Buffer.from(head), key, masked]);
}

/** A raw WebSocket: the upgrade, then server frames parsed as they come; `closed` resolves with the close code. */
class RawWs {
  static open(srv, path) {
    return new Promise((resolve, reject) => {
      const ws = new RawWs();
      ws.socket = net.connect(srv.port, '127.0.0.1', () => {
        ws.socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      });
      let upgraded = false;
      ws.socket.on('data', (d) => {
        ws.buf = Buffer.concat([ws.buf, d]);
        if (!upgraded) {
          const end = ws.buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = ws.buf.subarray(0, end).toString();
          if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head));
          upgraded = true;
          ws.buf = ws.buf.subarray(end + 4);
          resolve(ws);
        }
        ws.parse();
      });
      ws.socket.on('error', () => {});
      ws.socket.on('close', () => { ws.ended = true; ws.wake(); });
    });
  }
  constructor() { this.buf = Buffer.alloc(0); this.frames = []; this.waiters = []; this.ended = false; }
  parse() {
    for (;;) {
      if (this.buf.length < 2) return;
      let n = this.buf[1] & 127, at = 2;
      if (n === 126) { if (this.buf.length < 4) return; n = this.buf.readUInt16BE(2); at = 4; }
      else if (n === 127) { if (this.buf.length < 10) return; n = Number(this.buf.readBigUInt64BE(2)); at = 10; }
      if (this.buf.length < at + n) return;
      this.frames.push({ opcode: this.buf[0] & 15, payload: this.buf.subarray(at, at + n) });
      this.buf = this.buf.subarray(at + n);
      this.wake();
    }
  }
  wake() { for (const w of this.waiters.splice(0)) w(); }
  /** The next frame that `match` accepts (earlier ones are dropped). */
  next(match = () => true, what = 'a frame') {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS);
      const look = () => {
        while (this.frames.length) {
          const f = this.frames.shift();
          if (match(f)) { clearTimeout(timer); return resolve(f); }
        }
        if (this.ended) { clearTimeout(timer); return reject(new Error(`closed before ${what}`)); }
        this.waiters.push(look);
      };
      look();
    });
  }
  /** The close frame's code. */
  async closeCode() {
    const f = await this.next((x) => x.opcode === 8, 'a close frame');
    return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
  }
  send(bytes) { this.socket.write(bytes); }
  destroy() { this.socket.destroy(); }
}

// Starts a server with `args` for the tests of one describe; open(kind) opens a raw WebSocket: native is /ws
// with a token, socketio is Engine.IO's websocket transport with its open packet consumed.
function rig(args) {
  const r = { opened: [] };
  before(async () => {
    r.srv = await startServer({ args });
    r.user = await newUser(r.srv, 'core');
  });
  after(async () => { for (const ws of r.opened) ws.destroy(); await r.srv?.cleanup(); });
  r.open = async (kind) => {
    const path = kind === 'native' ? `/ws?token=${r.user.token}` : '/socket.io/?EIO=4&transport=websocket';
    const ws = await RawWs.open(r.srv, path);
    r.opened.push(ws);
    if (kind === 'socketio') assert.match((await ws.next()).payload.toString(), /^0\{"sid"/);
    return ws;
  };
  return r;
}

describe('one WebSocket core under both codecs: frame rules', { timeout: 60_000 }, () => {
  const r = rig(['--max-frame-bytes', String(LIMIT), '--max-payload', String(LIMIT)]);
  const open = (kind) => r.open(kind);

  for (const kind of ['native', 'socketio']) {
    it(`${kind}: an unmasked frame closes with 1002`, async () => {
      const ws = await open(kind);
      ws.send(frame(1, 'hello', { mask: false }));
      assert.equal(await ws.closeCode(), 1002);
    });

    it(`${kind}: a message over the limit closes with 1009 from its header alone`, async () => {
      const ws = await open(kind);
      ws.send(frame(1, Buffer.alloc(0), { length: LIMIT + 1 }).subarray(0, 8));  // header only, no payload
      assert.equal(await ws.closeCode(), 1009);
    });

    it(`${kind}: fragments adding up to more than the limit close with 1009`, async () => {
      const ws = await open(kind);
      ws.send(frame(1, 'a'.repeat(LIMIT / 2), { fin: false }));
      ws.send(frame(0, 'a'.repeat(LIMIT / 2 + 1)));
      assert.equal(await ws.closeCode(), 1009);
    });

    it(`${kind}: invalid UTF-8 in a text message closes with 1007`, async () => {
      const ws = await open(kind);
      ws.send(frame(1, Buffer.from([0x34, 0xc3, 0x28])));
      assert.equal(await ws.closeCode(), 1007);
    });

    it(`${kind}: a ping is answered with its payload, a close code is echoed`, async () => {
      const ws = await open(kind);
      ws.send(frame(9, 'are you there'));
      const pong = await ws.next((f) => f.opcode === 10, 'a pong');
      assert.equal(pong.payload.toString(), 'are you there');
      const close = Buffer.alloc(2);
      close.writeUInt16BE(4321);
      ws.send(frame(8, close));
      assert.equal(await ws.closeCode(), 4321);
    });
  }

});

describe('one WebSocket core under both codecs: heartbeat', { timeout: 60_000 }, () => {
  const r = rig(['--ws-ping-interval', '300', '--ws-pong-timeout', '200', '--ping-interval', '300', '--ping-timeout', '200']);
  const open = (kind) => r.open(kind);

  it('native: the heartbeat pings with ping frames and drops a connection that does not answer', async () => {
    const ws = await open('native');
    await ws.next((f) => f.opcode === 9, 'a ping frame');
    // Not answered: the connection is dropped without a close frame.
    await ws.next(() => false, 'the end').catch(() => {});
    assert.ok(ws.ended, 'dropped');
    assert.ok(!ws.frames.some((f) => f.opcode === 8), 'no close frame');
  });

  it('socketio: the heartbeat sends Engine.IO pings; answered ones keep the session, an unanswered one ends it', async () => {
    const ws = await open('socketio');
    for (let i = 0; i < 2; ++i) {
      await ws.next((f) => f.opcode === 1 && f.payload.toString() === '2', 'an Engine.IO ping');
      ws.send(frame(1, '3'));
    }
    await ws.next((f) => f.opcode === 1 && f.payload.toString() === '2', 'an Engine.IO ping');
    await ws.next(() => false, 'the end').catch(() => {});
    assert.ok(ws.ended, 'the session ended');
  });
});
