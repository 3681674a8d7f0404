#!/usr/bin/env node
// A stand-in for `parley serve`, for developing the web client while the real
// server is unfinished. NOT the product: in-memory, single process, no limits
// beyond what the UI needs to be exercised. It accepts the same command line as
// `parley serve` (the flags it does not use are ignored) and prints the same
// first line, so PARLEY_BIN=web/dev/mock-parley.mjs works with the e2e tests.
//
// Dev hooks: POST /mock/drop?code=N closes every WebSocket with close code N
// (4001 = token expired, 1001 = shutdown) to try reconnect/resume by hand.

import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const flag = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] && !args[i + 1].startsWith('--') ? args[i + 1] : def;
};
const listen = flag('listen', '127.0.0.1:8080');
const webRoot = path.resolve(flag('web-root', './web/dist'));
const rateLimit = Number(flag('rate-limit', '10'));
const [host, portStr] = [listen.slice(0, listen.lastIndexOf(':')), listen.slice(listen.lastIndexOf(':') + 1)];

const users = new Map(); // name -> {id, username, password}
const byId = new Map();
const tokens = new Map(); // token -> {user, exp}
const rooms = new Map(); // name -> {seq, messages: []}
const conns = new Set();
// docs/protocol.md §8, in memory: the user's rooms, conversations, read marks, idempotency keys.
const userRooms = new Map(); // user id -> Set of room names
const convs = new Map(); // "lo:hi" -> {seq, messages: []}
const reads = new Map(); // "uid|room:NAME" or "uid|dm:PEER" -> seq
const idem = new Map(); // "uid|clientMsgId" -> reply
const myRooms = (uid) => { if (!userRooms.has(uid)) userRooms.set(uid, new Set()); return userRooms.get(uid); };
const convKey = (a, b) => (a < b ? `${a}:${b}` : `${b}:${a}`);
const conv = (a, b) => { const k = convKey(a, b); if (!convs.has(k)) convs.set(k, { seq: 0, messages: [] }); return convs.get(k); };
const unreadOf = (messages, uid, readSeq) => messages.filter((m) => m.seq > readSeq && m.from.id !== uid).length;
function toUser(uid, obj, except) { for (const o of conns) if (o.user.id === uid && o !== except) o.send(obj); }
let nextUser = 1;
let nextMsg = 1;

function addUser(username, password) {
  const u = { id: nextUser++, username, password }; // user ids are integers (§3)
  users.set(username, u); byId.set(String(u.id), u);
  return u;
}
if (args.includes('--demo')) for (const n of ['alice', 'bob', 'carol', 'dave', 'erin']) addUser(n, '1234');

const room = (name) => { if (!rooms.has(name)) rooms.set(name, { seq: 0, messages: [] }); return rooms.get(name); };
const membersOf = (name) => new Set([...conns].filter((c) => c.rooms.has(name)).map((c) => c.user.id)).size;
const roomList = () => [...rooms.keys()].map((name) => ({ name, members: membersOf(name) }));

function json(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
const err = (res, status, code, message) => json(res, status, { error: { code, message } });
function auth(req) {
  const h = req.headers.authorization || '';
  const t = tokens.get(h.replace(/^Bearer /, ''));
  return t && t.exp > Date.now() ? t.user : null;
}
function readBody(req) {
  return new Promise((resolve) => {
    let b = '';
    req.on('data', (c) => { b += c; });
    req.on('end', () => { try { resolve(JSON.parse(b || '{}')); } catch { resolve(null); } });
  });
}
function history(name, before, limit) {
  const r = room(name);
  limit = Math.min(Math.max(Number(limit) || 50, 1), 100);
  const list = before != null ? r.messages.filter((m) => m.seq < Number(before)) : r.messages;
  return { messages: list.slice(-limit) };
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json' };

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  if (req.method === 'POST' && p === '/api/auth/register') {
    const b = await readBody(req);
    if (!b || !/^[a-z0-9_.-]{3,32}$/.test(b.username || '') || (b.password || '').length < 4) return err(res, 400, 'bad_request', 'invalid username or password');
    if (users.has(b.username)) return err(res, 409, 'conflict', 'username taken');
    const u = addUser(b.username, b.password);
    return json(res, 201, { id: u.id, username: u.username });
  }
  if (req.method === 'POST' && p === '/api/auth/login') {
    const b = await readBody(req);
    const u = b && users.get(b.username);
    if (!u || u.password !== b.password) return err(res, 401, 'unauthorized', 'bad credentials');
    const token = crypto.randomBytes(18).toString('hex');
    const exp = Date.now() + 86400000;
    tokens.set(token, { user: u, exp });
    return json(res, 200, { token, expiresAt: exp, user: { id: u.id, username: u.username } });
  }
  if (p === '/mock/drop' && req.method === 'POST') {
    const code = Number(url.searchParams.get('code') || 1001);
    for (const c of conns) c.close(code);
    return json(res, 200, { dropped: true });
  }
  if (p.startsWith('/api/')) {
    if (!auth(req)) return err(res, 401, 'unauthorized', 'token required');
    if (req.method === 'GET' && p === '/api/rooms') return json(res, 200, roomList());
    const m = p.match(/^\/api\/rooms\/([^/]+)\/messages$/);
    if (req.method === 'GET' && m) return json(res, 200, history(decodeURIComponent(m[1]), url.searchParams.get('before'), url.searchParams.get('limit')));
    return err(res, 404, 'not_found', 'no such path');
  }
  if (req.method === 'GET') {
    const file = path.join(webRoot, p === '/' ? 'index.html' : path.normalize(p).replace(/^(\.\.[/\\])+/, ''));
    if (file.startsWith(webRoot) && fs.existsSync(file) && fs.statSync(file).isFile()) {
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
      return fs.createReadStream(file).pipe(res);
    }
  }
  return err(res, 404, 'not_found', 'no such path');
});

// ---- minimal RFC 6455 server side ----
class Conn {
  constructor(socket, user) {
    this.socket = socket; this.user = user; this.rooms = new Set(); this.buf = Buffer.alloc(0);
    this.lastSends = [];
    socket.on('data', (d) => this.onData(d));
    socket.on('close', () => this.gone());
    socket.on('error', () => this.gone());
  }
  frame(op, payload) {
    const len = payload.length;
    const head = len < 126 ? Buffer.from([0x80 | op, len])
      : len < 65536 ? Buffer.from([0x80 | op, 126, len >> 8, len & 255])
        : (() => { const h = Buffer.alloc(10); h[0] = 0x80 | op; h[1] = 127; h.writeBigUInt64BE(BigInt(len), 2); return h; })();
    if (!this.socket.destroyed) this.socket.write(Buffer.concat([head, payload]));
  }
  send(obj) { this.frame(1, Buffer.from(JSON.stringify(obj))); }
  close(code) {
    const b = Buffer.alloc(2); b.writeUInt16BE(code);
    this.frame(8, b);
    this.socket.end();
    this.gone();
  }
  onData(d) {
    this.buf = Buffer.concat([this.buf, d]);
    while (this.buf.length >= 2) {
      const op = this.buf[0] & 15;
      let len = this.buf[1] & 127; let off = 2;
      if (len === 126) { if (this.buf.length < 4) return; len = this.buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (this.buf.length < 10) return; len = Number(this.buf.readBigUInt64BE(2)); off = 10; }
      if (this.buf.length < off + 4 + len) return;
      const mask = this.buf.subarray(off, off + 4);
      const data = Buffer.from(this.buf.subarray(off + 4, off + 4 + len));
      for (let i = 0; i < data.length; i++) data[i] ^= mask[i & 3];
      this.buf = this.buf.subarray(off + 4 + len);
      if (op === 8) { this.close(1000); return; }
      if (op === 9) { this.frame(10, data); continue; }
      if (op === 1) this.onMessage(data.toString('utf8'));
    }
  }
  gone() {
    if (!conns.has(this)) return;
    conns.delete(this);
    for (const r of this.rooms) leave(this, r);
  }
  onMessage(text) {
    let f; try { f = JSON.parse(text); } catch { return this.close(1008); }
    const reply = (data) => f.id != null && this.send({ id: f.id, ok: true, data });
    const fail = (code, message) => (f.id != null ? this.send({ id: f.id, ok: false, error: { code, message } })
      : this.send({ event: 'error', data: { code, message, event: f.event } }));
    try { handle(this, f.event, f.data || {}, reply, fail); } catch (e) { fail('internal', String(e)); }
  }
}

function toRoom(name, obj, except) {
  for (const c of conns) if (c.rooms.has(name) && c !== except) c.send(obj);
}
function toRoomOthers(name, userId, obj) {
  for (const c of conns) if (c.rooms.has(name) && c.user.id !== userId) c.send(obj);
}
function leave(c, name) {
  c.rooms.delete(name);
  const still = [...conns].some((o) => o.user.id === c.user.id && o.rooms.has(name));
  if (!still) toRoomOthers(name, c.user.id, { event: 'user:left', data: { room: name, userId: c.user.id, username: c.user.username, ts: Date.now() } });
}
function rateOk(c) {
  if (!rateLimit) return true;
  const now = Date.now();
  c.lastSends = c.lastSends.filter((t) => now - t < 1000);
  if (c.lastSends.length >= rateLimit) return false;
  c.lastSends.push(now); return true;
}
const ROOM_RE = /^[A-Za-z0-9_.-]{1,64}$/;

function handle(c, event, d, reply, fail) {
  const me = { id: c.user.id, username: c.user.username };
  switch (event) {
    case 'room:join': {
      if (!ROOM_RE.test(d.room || '')) return fail('bad_request', 'bad room name');
      const first = ![...conns].some((o) => o.user.id === c.user.id && o.rooms.has(d.room));
      c.rooms.add(d.room);
      myRooms(c.user.id).add(d.room);
      const r = room(d.room);
      reply({ room: d.room, members: membersOf(d.room), lastSeq: r.seq, readSeq: reads.get(`${c.user.id}|room:${d.room}`) || 0 });
      if (d.since != null) for (const m of r.messages) if (m.seq > d.since) c.send({ event: 'message:received', data: m });
      if (first) toRoomOthers(d.room, c.user.id, { event: 'user:joined', data: { room: d.room, userId: c.user.id, username: c.user.username, ts: Date.now() } });
      return;
    }
    case 'room:leave': leave(c, d.room); myRooms(c.user.id).delete(d.room); return reply({ room: d.room });
    case 'rooms:mine': return reply([...myRooms(c.user.id)].sort().map((name) => {
      const r = room(name); const readSeq = reads.get(`${c.user.id}|room:${name}`) || 0;
      return { name, members: membersOf(name), lastSeq: r.seq, readSeq, unread: unreadOf(r.messages, c.user.id, readSeq) };
    }));
    case 'dm:list': {
      const out = [];
      for (const [k, cv] of convs) {
        const [a, b] = k.split(':').map(Number);
        if ((a !== c.user.id && b !== c.user.id) || !cv.messages.length) continue;
        const peer = byId.get(String(a === c.user.id ? b : a));
        const readSeq = reads.get(`${c.user.id}|dm:${peer.id}`) || 0;
        out.push({ with: { id: peer.id, username: peer.username }, lastSeq: cv.seq, readSeq,
          unread: unreadOf(cv.messages, c.user.id, readSeq), last: cv.messages.at(-1) });
      }
      return reply(out.sort((x, y) => y.last.ts - x.last.ts));
    }
    case 'dm:history': {
      const peer = d.with != null ? byId.get(String(d.with)) : users.get(d.withUsername);
      if (!peer) return fail('not_found', 'no such user');
      const limit = Math.min(100, Math.max(1, d.limit ?? 50));
      let list = conv(c.user.id, peer.id).messages;
      if (d.since != null) return reply({ messages: list.filter((m) => m.seq > d.since).slice(0, limit) });
      if (d.before != null) list = list.filter((m) => m.seq < d.before);
      return reply({ messages: list.slice(-limit) });
    }
    case 'read:mark': {
      if (!Number.isInteger(d.seq) || d.seq < 0) return fail('bad_request', 'seq');
      let key; let last; const data = { seq: 0 };
      if (d.room != null) { key = `room:${d.room}`; last = room(d.room).seq; data.room = d.room; }
      else { const peer = byId.get(String(d.with)); if (!peer) return fail('not_found', 'no such user'); key = `dm:${peer.id}`; last = conv(c.user.id, peer.id).seq; data.with = peer.id; }
      data.seq = Math.max(reads.get(`${c.user.id}|${key}`) || 0, Math.min(d.seq, last));
      reads.set(`${c.user.id}|${key}`, data.seq);
      reply({});
      return toUser(c.user.id, { event: 'read:marked', data }, c);
    }
    case 'rooms:list': return reply(roomList());
    case 'message:send': {
      if (!c.rooms.has(d.room)) return fail('forbidden', 'join the room first');
      if (typeof d.text !== 'string' || !d.text) return fail('bad_request', 'text required');
      if ([...d.text].length > 4000) return fail('too_large', 'text too long');
      if (!rateOk(c)) return fail('rate_limited', 'slow down');
      if (d.clientMsgId && idem.has(`${c.user.id}|${d.clientMsgId}`)) return reply(idem.get(`${c.user.id}|${d.clientMsgId}`));
      const r = room(d.room);
      const m = { id: String(nextMsg++), room: d.room, seq: ++r.seq, from: me, text: d.text, ts: Date.now() };
      if (d.clientMsgId) m.clientMsgId = d.clientMsgId;
      r.messages.push(m);
      if (d.clientMsgId) idem.set(`${c.user.id}|${d.clientMsgId}`, { id: m.id, seq: m.seq, ts: m.ts });
      reply({ id: m.id, seq: m.seq, ts: m.ts });
      toRoom(d.room, { event: 'message:received', data: m });
      return;
    }
    case 'message:private': {
      const to = d.to != null ? byId.get(String(d.to)) : users.get(d.toUsername);
      if (!to) return fail('not_found', 'no such user');
      if ([...(d.text || '')].length > 4000) return fail('too_large', 'text too long');
      if (!rateOk(c)) return fail('rate_limited', 'slow down');
      if (d.clientMsgId && idem.has(`${c.user.id}|${d.clientMsgId}`)) return reply(idem.get(`${c.user.id}|${d.clientMsgId}`));
      const cv = conv(me.id, to.id);
      const m = { id: String(nextMsg++), seq: ++cv.seq, from: me, to: to.id, text: d.text, ts: Date.now() };
      if (d.clientMsgId) m.clientMsgId = d.clientMsgId;
      cv.messages.push(m);
      if (d.clientMsgId) idem.set(`${c.user.id}|${d.clientMsgId}`, { id: m.id, seq: m.seq, ts: m.ts });
      reply({ id: m.id, seq: m.seq, ts: m.ts });
      for (const o of conns) if ((o.user.id === to.id || o.user.id === me.id) && o !== c) o.send({ event: 'message:private:received', data: m });
      return;
    }
    case 'typing:start': case 'typing:stop':
      if (typeof d.room !== 'string') return fail('bad_request', 'room required'); // as the real server (§3)
      toRoomOthers(d.room, c.user.id, { event: event === 'typing:start' ? 'typing:user:start' : 'typing:user:stop', data: { room: d.room, userId: c.user.id } });
      return reply({});
    case 'presence:list': {
      const seen = new Map();
      for (const o of conns) if (!d.room || o.rooms.has(d.room)) seen.set(o.user.id, { userId: o.user.id, username: o.user.username });
      return reply([...seen.values()]);
    }
    case 'history': return reply(history(d.room, d.before, d.limit));
    default: return fail('bad_request', `unknown event ${event}`);
  }
}

server.on('upgrade', (req, socket) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname !== '/ws' && url.pathname !== '/entrypoint') return socket.destroy();
  const proto = (req.headers['sec-websocket-protocol'] || '').split(',')[0].trim();
  const token = proto || url.searchParams.get('token') || (req.headers.authorization || '').replace(/^Bearer /, '');
  const t = tokens.get(token);
  if (!t || t.exp <= Date.now()) {
    socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    return;
  }
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write(['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${accept}`, ...(proto ? [`Sec-WebSocket-Protocol: ${proto}`] : []), '', ''].join('\r\n'));
  conns.add(new Conn(socket, t.user));
});

server.listen(Number(portStr), host, () => {
  console.log(`parley listening on http://${host}:${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
