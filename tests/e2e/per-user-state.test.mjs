// Per-user state is bounded (issue #16 item 3): distinct users connecting, joining rooms, sending and leaving
// leave nothing behind. 100,000 distinct users come in rounds (a node here holds at most ~20,000 descriptors,
// and this process needs one per client too): native connections that join one of 100 rooms, a share that
// send a message and type, a share over Socket.IO (WebSocket and long-polling). After every round, once the
// clients are gone, each of the node's own state gauges on /metrics — sessions, channels, Hub entries,
// presence entries, event-budget and rate-limit buckets, per-user connection counts, Engine.IO sessions — is
// back at its baseline, and RSS is not growing round after round (glibc keeps freed memory, so RSS does not
// fall back; it must stop rising once the first round has sized the heap).
//   PARLEY_STATE_USERS (100000) and PARLEY_STATE_ROUND (10000, less when `ulimit -n` is low) change the load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { io } from 'socket.io-client';
import { startServer } from './lib/server.mjs';
import { connect } from './lib/client.mjs';
import { signJwt } from './lib/http.mjs';

const USERS = Number(process.env.PARLEY_STATE_USERS || 100_000);
// A round's users are open at once: one descriptor each here and in the server, under RLIMIT_NOFILE.
const NOFILE = Number(execSync('sh -c "ulimit -n"').toString().trim()) || 1024;
const ROUND = Number(process.env.PARLEY_STATE_ROUND || Math.max(500, Math.min(10_000, NOFILE - 2_000)));
const ROOMS = 1000;  // few members a room: the joins' user:joined pushes stay few
const IN_FLIGHT = 256;  // handshakes at once
const GAUGES = [
  'parley_connections', 'parley_node_sessions', 'parley_node_channels', 'parley_node_hub_channels',
  'parley_presence_entries', 'parley_event_budget_buckets', 'parley_rate_limit_buckets',
  'parley_user_cache_entries', 'parley_connection_limit_users', 'parley_engineio_sessions',
];

const token = (id) => signJwt({ sub: id, name: `state-${id}`, exp: Math.floor(Date.now() / 1000) + 3600 });

async function gauges(srv) {
  const res = await fetch(`${srv.httpUrl}/metrics`);
  const text = await res.text();
  const out = {};
  for (const name of GAUGES) {
    const m = text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
    assert.ok(m, `/metrics has ${name}`);
    out[name] = Number(m[1]);
  }
  return out;
}

function rssKib(pid) {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m);
  return Number(m[1]);
}

// Runs `work(i)` for i in [0, n) with at most `limit` at once.
async function pool(n, limit, work) {
  let next = 0;
  const lane = async () => {
    while (next < n) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
}

// A bare native client on a plain socket (the test's own CPU is what bounds it, so no library): the upgrade
// request and the requests go out in one write (the server reads what follows the upgrade), and it resolves
// once every request is answered ok. Requests: join a room; for some, send a message and type too.
const zeroMask = Buffer.alloc(4);
function clientFrame(obj) {
  const payload = Buffer.from(JSON.stringify(obj));
  assert.ok(payload.length < 126);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), zeroMask, payload]);  // masked, key 0
}

function nativeUser(srv, id, sends) {
  const room = `state-${id % ROOMS}`;
  const requests = [{ event: 'room:join', data: { room }, id: 1 }];
  if (sends) {
    requests.push({ event: 'message:send', data: { room, text: 'hi' }, id: 2 });
    requests.push({ event: 'typing:start', data: { room }, id: 3 });
  }
  const upgrade = 'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${token(id)}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let seen = '';
    let answered = 0;
    const fail = (why) => { clearTimeout(timer); sock.destroy(); reject(new Error(`user ${id}: ${why}`)); };
    const timer = setTimeout(() => fail(`answered ${answered} of ${requests.length}: ${seen.slice(0, 300)}`), 30_000);
    sock.on('connect', () => sock.write(Buffer.concat([Buffer.from(upgrade), ...requests.map(clientFrame)])));
    sock.on('data', (chunk) => {
      seen += chunk.toString('latin1');
      if (!seen.startsWith('HTTP/1.1 101')) return fail(seen.slice(0, 200));
      for (;;) {
        const at = seen.indexOf(`"id":${answered + 1},"ok":`);
        if (at < 0) break;
        if (!seen.startsWith('true', at + `"id":${answered + 1},"ok":`.length)) return fail(seen.slice(at, at + 200));
        if (++answered === requests.length) {
          clearTimeout(timer);
          return resolve(sock);
        }
      }
    });
    sock.on('error', (e) => fail(e.message));
  });
}

function socketIoUser(srv, id, transport) {
  return new Promise((resolve, reject) => {
    const socket = io(srv.httpUrl, { auth: { token: token(id) }, transports: [transport], reconnection: false,
                                     forceNew: true, timeout: 30_000 });
    socket.once('connect_error', reject);
    socket.once('connect', () => {
      socket.emit('room:join', { room: `state-${id % ROOMS}` }, (ack) => {
        if (!ack?.ok) return reject(new Error(`user ${id}: ${JSON.stringify(ack)}`));
        resolve(socket);
      });
    });
  });
}

// Polls until every gauge is back at its baseline (the probe's requests each time let both limiters prune:
// they do so on use, at most every second here).
async function backToBaseline(srv, probe, baseline, what) {
  const deadline = Date.now() + 30_000;
  let now;
  for (;;) {
    await probe.ok('message:send', { room: 'state-probe', text: 'tick' });  // the message rate limit
    await probe.ok('presence:list', { room: 'state-probe' });                // the event budget
    now = await gauges(srv);
    if (GAUGES.every((g) => now[g] === baseline[g])) return now;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.deepEqual(now, baseline, `${what}: the node's per-user state is back at its baseline`);
  return now;
}

test(`${USERS} distinct users connecting and leaving return the node's state to its baseline`, { timeout: 600_000 }, async (t) => {
  const started = Date.now();
  // Limiters whose buckets fill up within a second (burst = rate), so they are pruned a second after the last
  // use and each round's wait is short; two loops, as every suite.
  const srv = await startServer({ args: ['--handshakes-per-second-per-address', '0', '--event-rate', '40',
                                         '--event-burst', '40', '--rate-limit', '20', '--rate-burst', '20'] });
  try {
    // The probe is there throughout: the baseline counts its own session, channels, presence and buckets.
    const probe = await connect(srv, token(1));
    await probe.ok('room:join', { room: 'state-probe' });
    await probe.ok('message:send', { room: 'state-probe', text: 'first' });
    await probe.ok('presence:list', { room: 'state-probe' });
    const baseline = await gauges(srv);
    assert.equal(baseline.parley_node_sessions, 1);

    const rss = [];
    let nextId = 1000;
    for (let done = 0, round = 0; done < USERS; round++) {
      const n = Math.min(ROUND, USERS - done);
      const first = nextId;
      nextId += n;
      // Some over Socket.IO in every other round (WebSocket, and long-polling), the rest native; one user in
      // ten sends a message and types (rate-limit buckets).
      const sio = round % 2 === 1 ? Math.min(n, 600) : 0;
      const polling = Math.floor(sio / 6);
      const clients = new Array(n);
      await pool(n, IN_FLIGHT, async (i) => {
        const id = first + i;
        if (i < polling) clients[i] = { sio: await socketIoUser(srv, id, 'polling') };
        else if (i < sio) clients[i] = { sio: await socketIoUser(srv, id, 'websocket') };
        else clients[i] = { ws: await nativeUser(srv, id, i % 10 === 0) };
      });
      const during = await gauges(srv);
      assert.equal(during.parley_node_sessions, baseline.parley_node_sessions + n, `round ${round}: all connected`);
      assert.ok(during.parley_presence_entries >= baseline.parley_presence_entries + 2 * n,
        `round ${round}: presence counts each user in "" and in a room`);
      for (const c of clients) {
        if (c.ws) c.ws.destroy();
        else c.sio.close();
      }
      await backToBaseline(srv, probe, baseline, `after round ${round} (${done + n} users)`);
      rss.push(rssKib(srv.proc.pid));
      done += n;
      t.diagnostic(`round ${round}: ${n} users (${sio} Socket.IO), ${done} in all, ${Date.now() - started} ms; RSS ${rss.at(-1)} KiB`);
    }
    // RSS stops rising once the first rounds have sized the heap: the last round is no higher than the
    // second (the first Socket.IO round) plus a margin.
    const margin = Math.max(8 * 1024, Math.round(rss[1] * 0.1));
    assert.ok(rss[rss.length - 1] <= rss[1] + margin, `RSS per round (KiB): ${rss.join(', ')}`);
    probe.close();
  } finally {
    await srv.cleanup();
  }
});
