#!/usr/bin/env node
// A flood of WebSocket handshakes, for bench/README.md's "handshake flood" figures: CONCURRENCY loops each open a
// TCP connection, send a /ws upgrade (with a token if given) naming one of ADDRESSES fake client addresses in
// X-Forwarded-For (start parley with --trusted-proxy 127.0.0.1), read the status line, and hang up at once.
// Prints one JSON line: attempts, handshakes/s, and the count of each status (101 accepted, 429 refused by
// --handshakes-per-second-per-address, 401, 503, errors).
//
//   node bench/handshake-flood.mjs --url http://127.0.0.1:8080 --duration 10 --concurrency 64 --addresses 50 [--token T]
import net from 'node:net';
import crypto from 'node:crypto';

const opts = { url: 'http://127.0.0.1:8080', duration: 10, concurrency: 64, addresses: 50, token: '', path: '/ws' };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, '');
  if (!(key in opts)) { console.error(`unknown option --${key}`); process.exit(2); }
  opts[key] = typeof opts[key] === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1];
}
const target = new URL(opts.url);
const port = Number(target.port || 80);
const statuses = {};
let attempts = 0;
const deadline = Date.now() + opts.duration * 1000;

function handshake(address) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.hostname, port });
    let head = '';
    const done = (status) => { socket.destroy(); statuses[status] = (statuses[status] ?? 0) + 1; resolve(); };
    socket.setTimeout(5000, () => done('timeout'));
    socket.once('error', () => done('error'));
    socket.once('connect', () => {
      socket.write(`GET ${opts.path} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\n` +
        `X-Forwarded-For: ${address}\r\n${opts.token ? `Authorization: Bearer ${opts.token}\r\n` : ''}\r\n`);
    });
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      head += chunk;
      const end = head.indexOf('\r\n');
      if (end >= 0) done(head.slice(9, 12));
    });
  });
}

async function loop(worker) {
  for (let n = 0; Date.now() < deadline; n++) {
    const k = (worker + n * opts.concurrency) % opts.addresses;
    attempts++;
    await handshake(`10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`);
  }
}

const t0 = Date.now();
await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => loop(w)));
const seconds = (Date.now() - t0) / 1000;
console.log(JSON.stringify({ attempts, handshakes_per_s: Math.round(attempts / seconds), seconds, statuses, ...opts, token: undefined }));
