// The peer: a plain Socket.IO 4.8 chat server, written the way such backends usually are, implementing the
// same events and HTTP login as Parley's contract so that parley-bench drives both unchanged.
//   node server.mjs [--port 0] [--host 127.0.0.1] [--redis redis://127.0.0.1:6379] [--node-id n1] [--jwt-secret S]
// Users live in memory (no durable store: this is the "what our users run today" baseline). With --redis, the
// @socket.io/redis-adapter carries room and user broadcasts between peer processes.
import crypto from 'node:crypto';
import http from 'node:http';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';
import { Server } from 'socket.io';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const HOST = args.host ?? '127.0.0.1';
const PORT = Number(args.port ?? process.env.PORT ?? 0);
const NODE_ID = args['node-id'] ?? 'peer';
const SECRET = args['jwt-secret'] ?? process.env.JWT_SECRET ?? 'parley-bench-peer-secret';
const REDIS = args.redis ?? process.env.REDIS_URL ?? '';
const scrypt = promisify(crypto.scrypt);

// --- users (in memory; ids are shared by peers that use the same registration order only, so a cluster
// registers through one node and tokens carry the id) ---
const users = new Map(); // username -> {id, salt, hash}
let nextUserId = 1;

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
function fail(res, status, code, message) {
  sendJson(res, status, { error: { code, message } });
}
function readBody(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      try { resolve(JSON.parse(data || '{}')); } catch { resolve(null); }
    });
  });
}

async function handleHttp(req, res) {
  const url = req.url.split('?')[0];
  if (req.method === 'GET' && url === '/healthz') return sendJson(res, 200, { ok: true });
  if (req.method !== 'POST' || (url !== '/api/auth/register' && url !== '/api/auth/login')) {
    return fail(res, 404, 'not_found', 'no such path');
  }
  const body = await readBody(req);
  const username = body?.username;
  const password = body?.password;
  if (typeof username !== 'string' || typeof password !== 'string') return fail(res, 400, 'bad_request', 'username and password');
  if (url === '/api/auth/register') {
    if (!/^[a-z0-9_.-]{3,32}$/.test(username) || password.length < 4) return fail(res, 400, 'bad_request', 'bad username or password');
    if (users.has(username)) return fail(res, 409, 'conflict', 'username taken');
    const salt = crypto.randomBytes(16);
    const user = { id: nextUserId++, salt, hash: null };
    users.set(username, user);
    user.hash = await scrypt(password, salt, 32);
    return sendJson(res, 201, { id: user.id, username });
  }
  const user = users.get(username);
  if (!user || !user.hash) return fail(res, 401, 'unauthorized', 'bad credentials');
  const hash = await scrypt(password, user.salt, 32);
  if (!crypto.timingSafeEqual(hash, user.hash)) return fail(res, 401, 'unauthorized', 'bad credentials');
  const expiresAt = Date.now() + 24 * 3600 * 1000;
  const token = jwt.sign({ sub: user.id, name: username }, SECRET, { algorithm: 'HS256', expiresIn: '24h' });
  return sendJson(res, 200, { token, expiresAt, user: { id: user.id, username } });
}

const server = http.createServer((req, res) => {
  handleHttp(req, res).catch((e) => fail(res, 500, 'internal', String(e)));
});
const io = new Server(server, { serveClient: false, cors: { origin: '*' } });

if (REDIS) {
  const { createClient } = await import('redis');
  const { createAdapter } = await import('@socket.io/redis-adapter');
  const pub = createClient({ url: REDIS });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub));
}

// --- real-time ---
const ROOM_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const seqs = new Map(); // room -> last seq (per process)
let nextMessage = 0;
const newId = (ts) => `${NODE_ID}-${ts.toString(16)}-${(nextMessage++).toString(16)}`;
const err = (code, message) => ({ ok: false, error: { code, message } });
const reply = (ack, value) => { if (typeof ack === 'function') ack(value); };

io.use((socket, next) => {
  const token = socket.handshake.auth?.token ?? socket.handshake.query?.token;
  try {
    const claims = jwt.verify(String(token), SECRET, { algorithms: ['HS256'] });
    socket.data.user = { id: Number(claims.sub), username: claims.name };
    next();
  } catch {
    next(new Error('unauthorized'));
  }
});

io.on('connection', (socket) => {
  const me = socket.data.user;
  socket.join(`user:${me.id}`);

  socket.on('room:join', (data, ack) => {
    const room = data?.room;
    if (typeof room !== 'string' || !ROOM_RE.test(room)) return reply(ack, err('bad_request', 'room'));
    socket.join(`room:${room}`);
    socket.to(`room:${room}`).emit('user:joined', { room, userId: me.id, username: me.username, ts: Date.now() });
    const members = io.of('/').adapter.rooms.get(`room:${room}`)?.size ?? 0;
    reply(ack, { ok: true, data: { room, members, lastSeq: seqs.get(room) ?? 0 } });
  });

  socket.on('room:leave', (data, ack) => {
    const room = data?.room;
    if (typeof room !== 'string') return reply(ack, err('bad_request', 'room'));
    socket.leave(`room:${room}`);
    socket.to(`room:${room}`).emit('user:left', { room, userId: me.id, username: me.username, ts: Date.now() });
    reply(ack, { ok: true, data: { room } });
  });

  socket.on('message:send', (data, ack) => {
    const room = data?.room;
    const text = data?.text;
    if (typeof room !== 'string' || typeof text !== 'string' || text.length === 0 || [...text].length > 4000) {
      return reply(ack, err('bad_request', 'room and text'));
    }
    if (!socket.rooms.has(`room:${room}`)) return reply(ack, err('forbidden', 'join the room first'));
    const ts = Date.now();
    const seq = (seqs.get(room) ?? 0) + 1;
    seqs.set(room, seq);
    const msg = { id: newId(ts), room, seq, from: { id: me.id, username: me.username }, text, ts };
    if (data.clientMsgId !== undefined) msg.clientMsgId = data.clientMsgId;
    io.to(`room:${room}`).emit('message:received', msg);
    reply(ack, { ok: true, data: { id: msg.id, seq, ts } });
  });

  const sendPrivate = (to, text, clientMsgId, ack) => {
    const toId = Number(to);
    if (!Number.isInteger(toId) || toId <= 0) return reply(ack, err('bad_request', 'to must be a user id'));
    if (typeof text !== 'string' || text.length === 0 || [...text].length > 4000) return reply(ack, err('bad_request', 'text'));
    const ts = Date.now();
    const msg = { id: newId(ts), from: { id: me.id, username: me.username }, to: toId, text, ts };
    if (clientMsgId !== undefined) msg.clientMsgId = clientMsgId;
    if (toId !== me.id) io.to(`user:${toId}`).emit('message:private:received', msg);
    socket.to(`user:${me.id}`).emit('message:private:received', msg);
    reply(ack, { ok: true, data: { id: msg.id, ts } });
  };
  socket.on('message:private', (d, ack) => sendPrivate(d?.to, d?.text, d?.clientMsgId, ack));
  socket.on('send_chat_message_to_participant', (d, ack) => sendPrivate(d?.participantId, d?.message, d?.clientMsgId, ack));
});

server.listen(PORT, HOST, () => {
  const { address, port } = server.address();
  console.log(`peer listening on http://${address}:${port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { io.close(); process.exit(0); });
