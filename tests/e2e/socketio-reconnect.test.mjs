// Socket.IO reconnection (docs/protocol.md §3, §4): the stock client's automatic reconnection after the server
// closes the session — a graceful restart on the same port — over long-polling and over WebSocket, then a
// rejoin with `since` that gets every missed message once, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ParleyServer } from './lib/server.mjs';
import { newUser, uniqueRoom } from './lib/http.mjs';
import { connect, closeAll } from './lib/client.mjs';
import { sioConnect, closeAllSio } from './lib/sio.mjs';

/** A ParleyServer that keeps one port across restarts, so clients can reconnect to it. */
class FixedPortServer extends ParleyServer {
  constructor(port, opts) { super(opts); this.fixedPort = port; }
  args() { return super.args().map((a) => (a === '127.0.0.1:0' ? `127.0.0.1:${this.fixedPort}` : a)); }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

for (const [name, transports] of [['long-polling', ['polling']], ['websocket', ['websocket']]]) {
  test(`${name}: reconnects after a server-side close and resumes with since`, async (t) => {
    const srv = new FixedPortServer(await freePort(), {});
    t.after(() => srv.cleanup());
    await srv.start();
    const [alice, bob] = [await newUser(srv, 'rca'), await newUser(srv, 'rcb')];
    const room = uniqueRoom('rc');
    const c = await sioConnect(srv, bob.token, { transports, reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 300 });
    t.after(() => closeAllSio([c]));
    await c.ok('room:join', { room });
    const first = await c.ok('message:send', { room, text: 'before' });
    await c.next('message:received', (d) => d.seq === first.seq);

    const reconnected = c.reconnected(20_000);
    const info = await srv.restart();
    assert.equal(info.code, 0);
    const reason = await c.disconnected(10_000);
    assert.notEqual(reason, 'io server disconnect', 'a shutdown must let the client reconnect');

    // while the client reconnects, a native client sends what it will have missed
    const native = await connect(srv, alice.token);
    t.after(() => closeAll([native]));
    await native.ok('room:join', { room });
    const missed = [];
    for (let i = 0; i < 3; i++) missed.push((await native.ok('message:send', { room, text: `missed ${i}` })).seq);

    await reconnected;
    const joined = await c.ok('room:join', { room, since: first.seq });
    assert.equal(joined.lastSeq, missed.at(-1));
    const replayed = await c.collect('message:received', 3, (d) => d.room === room);
    assert.deepEqual(replayed.map((m) => m.seq), missed);
    assert.deepEqual(replayed.map((m) => m.text), ['missed 0', 'missed 1', 'missed 2']);
    const live = await native.ok('message:send', { room, text: 'live' });
    assert.equal((await c.next('message:received', (d) => d.room === room)).seq, live.seq);
  });
}

test('an expired token ends the session with a Socket.IO disconnect (no automatic reconnection)', async (t) => {
  const srv = new ParleyServer({ args: ['--token-ttl', '2s', '--token-leeway', '0'] });
  t.after(() => srv.cleanup());
  await srv.start();
  const user = await newUser(srv, 'ttl');
  const c = await sioConnect(srv, user.token, { transports: ['polling'], reconnection: true });
  t.after(() => closeAllSio([c]));
  assert.equal(await c.disconnected(6000), 'io server disconnect');
});
