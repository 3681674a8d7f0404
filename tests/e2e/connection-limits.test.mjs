// Connections are bounded (docs/protocol.md §7, docs/security.md): real-time connections per node
// (--max-connections, 503 unavailable) and per user (--max-connections-per-user, 429 rate_limited; Socket.IO:
// CONNECT_ERROR), handshakes per second per client address (--handshakes-per-second-per-address, 429 with
// Retry-After), and the native heartbeat (--ws-ping-interval / --ws-pong-timeout): a client that answers
// pings stays, one that does not is dropped.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { serverFor } from './lib/server.mjs';
import { connect, closeAll } from './lib/client.mjs';
import { sioConnect, sioConnectError, eio, closeAllSio } from './lib/sio.mjs';
import { newUser } from './lib/http.mjs';
import { pace } from './lib/util.mjs';

/** A raw WebSocket upgrade request: resolves {status, headers, body}; a 101 is closed at once. */
function rawUpgrade(srv, path, { token, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: srv.port, path, timeout: 5000,
      headers: {
        connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13',
        'sec-websocket-key': crypto.randomBytes(16).toString('base64'),
        ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers,
      },
    });
    req.once('upgrade', (res, socket) => { socket.destroy(); resolve({ status: 101, headers: res.headers, body: null }); });
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let body = null;
        try { body = JSON.parse(text); } catch {}
        resolve({ status: res.statusCode, headers: res.headers, body, text });
      });
    });
    req.once('timeout', () => req.destroy(new Error('upgrade timed out')));
    req.once('error', reject);
    req.end();
  });
}

/** Retries `attempt` (which resolves truthy on success) until it succeeds: the server counts a close shortly after it. */
async function eventually(attempt, what, ms = 5000) {
  const until = Date.now() + ms;
  for (;;) {
    const r = await attempt();
    if (r) return r;
    if (Date.now() > until) throw new Error(`never happened: ${what}`);
    await pace(50);
  }
}

describe('--max-connections', () => {
  it('refuses a native upgrade and Engine.IO handshakes with 503 unavailable once the node is full', async (t) => {
    const srv = await serverFor(t, { args: ['--max-connections', '2'] });
    const [a, b] = [await newUser(srv, 'full'), await newUser(srv, 'full')];
    const open = [await connect(srv, a.token)];
    const sio = [await sioConnect(srv, b.token, { transports: ['websocket'] })];  // Socket.IO counts too
    t.after(() => { closeAll(open); closeAllSio(sio); });

    const refused = await rawUpgrade(srv, '/ws', { token: a.token });
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.body?.error?.code, 'unavailable', refused.text);
    assert.equal((await eio(srv, 'GET', 'EIO=4&transport=polling')).status, 503);
    assert.equal((await rawUpgrade(srv, '/socket.io/?EIO=4&transport=websocket')).status, 503);

    // A connection that ends frees its place.
    open[0].terminate();
    const again = await eventually(async () => {
      const r = await rawUpgrade(srv, '/ws', { token: a.token });
      return r.status === 101 ? r : null;
    }, 'a place freed by a closed connection');
    assert.equal(again.status, 101);
  });
});

describe('--max-connections-per-user', () => {
  it('refuses a user past the cap with 429 rate_limited (native) and CONNECT_ERROR (Socket.IO); others are unaffected', async (t) => {
    const srv = await serverFor(t, { args: ['--max-connections-per-user', '2'] });
    const [heavy, other] = [await newUser(srv, 'heavy'), await newUser(srv, 'other')];
    const open = [await connect(srv, heavy.token), await connect(srv, heavy.token)];
    const sio = [];
    t.after(() => { closeAll(open); closeAllSio(sio); });

    const refused = await rawUpgrade(srv, '/ws', { token: heavy.token });
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.body?.error?.code, 'rate_limited', refused.text);
    const err = await sioConnectError(srv, { token: heavy.token, transports: ['websocket'] });
    assert.equal(err.data?.code, 'rate_limited', `${err.message} ${JSON.stringify(err.data)}`);

    open.push(await connect(srv, other.token));
    sio.push(await sioConnect(srv, other.token));

    open[0].terminate();
    await eventually(async () => (await rawUpgrade(srv, '/ws', { token: heavy.token })).status === 101,
      'a place freed by the user\'s closed connection');
  });

  it('counts Socket.IO connections once they CONNECT, and frees them when they end', async (t) => {
    const srv = await serverFor(t, { args: ['--max-connections-per-user', '1'] });
    const user = await newUser(srv, 'sio1');
    const first = await sioConnect(srv, user.token, { transports: ['websocket'] });
    t.after(() => first.close());
    assert.equal((await rawUpgrade(srv, '/ws', { token: user.token })).status, 429);
    first.close();
    await eventually(async () => (await rawUpgrade(srv, '/ws', { token: user.token })).status === 101,
      'the Socket.IO connection\'s place freed');
  });
});

describe('--handshakes-per-second-per-address', () => {
  it('past the rate an address gets 429 with Retry-After on /ws and /socket.io/; other addresses do not', async (t) => {
    const srv = await serverFor(t, { args: ['--handshakes-per-second-per-address', '3', '--trusted-proxy', '127.0.0.1'] });
    const user = await newUser(srv, 'hs');
    const from = (ip) => ({ 'x-forwarded-for': ip });
    // Refused handshakes (no token) count too: the cost is the handshake, not the connection.
    for (let i = 0; i < 3; i++) assert.equal((await rawUpgrade(srv, '/ws', { headers: from('198.51.100.7') })).status, 401);
    const limited = await rawUpgrade(srv, '/ws', { token: user.token, headers: from('198.51.100.7') });
    assert.equal(limited.status, 429, limited.text);
    assert.equal(limited.body?.error?.code, 'rate_limited', limited.text);
    const wait = Number(limited.headers['retry-after']);
    assert.ok(Number.isInteger(wait) && wait >= 1, `Retry-After: ${limited.headers['retry-after']}`);

    const sioLimited = await rawUpgrade(srv, '/socket.io/?EIO=4&transport=websocket', { headers: from('198.51.100.7') });
    assert.equal(sioLimited.status, 429);
    assert.ok(Number(sioLimited.headers['retry-after']) >= 1);
    const poll = await fetch(`${srv.httpUrl}/socket.io/?EIO=4&transport=polling`, { headers: from('198.51.100.7') });
    assert.equal(poll.status, 429, await poll.text());
    assert.ok(Number(poll.headers.get('retry-after')) >= 1);

    // Another address is not affected, and plain HTTP from the limited one is not either.
    assert.equal((await rawUpgrade(srv, '/ws', { token: user.token, headers: from('198.51.100.8') })).status, 101);
    const rooms = await fetch(`${srv.httpUrl}/healthz`, { headers: from('198.51.100.7') });
    assert.equal(rooms.status, 200);
  });

  it('allows a burst of the rate at once; 0 turns it off', async (t) => {
    const def = await serverFor(t, { args: ['--handshakes-per-second-per-address', '20'] });
    const statuses = await Promise.all(Array.from({ length: 40 }, () => rawUpgrade(def, '/ws')));
    assert.ok(statuses.some((r) => r.status === 429), statuses.map((r) => r.status).join(' '));
    const off = await serverFor(t, { args: ['--handshakes-per-second-per-address', '0'] });
    const all = await Promise.all(Array.from({ length: 40 }, () => rawUpgrade(off, '/ws')));
    assert.deepEqual([...new Set(all.map((r) => r.status))], [401]);
  });
});

describe('native heartbeat', () => {
  it('pings every --ws-ping-interval; a client that answers stays connected', async (t) => {
    const srv = await serverFor(t, { args: ['--ws-ping-interval', '300', '--ws-pong-timeout', '300'] });
    const user = await newUser(srv, 'beat');
    const c = await connect(srv, user.token);
    t.after(() => c.terminate());
    let pings = 0;
    await new Promise((resolve) => c.ws.on('ping', () => { if (++pings === 4) resolve(); }));
    assert.equal(c.ws.readyState, 1, 'still open after 4 pings answered');
    assert.equal((await c.request('rooms:list')).ok, true);
  });

  it('drops a connection whose pong does not come within --ws-pong-timeout', async (t) => {
    const srv = await serverFor(t, { args: ['--ws-ping-interval', '300', '--ws-pong-timeout', '300'] });
    const user = await newUser(srv, 'deaf');
    const t0 = Date.now();
    const c = await connect(srv, user.token, { wsOpts: { autoPong: false } });
    t.after(() => c.terminate());
    const code = await new Promise((resolve) => c.ws.once('close', resolve));
    const took = Date.now() - t0;
    assert.equal(code, 1006, 'dropped without a close frame: the peer is presumed gone');
    assert.ok(took >= 500 && took < 2000, `closed after ${took} ms (interval 300 + timeout 300)`);
  });
});
