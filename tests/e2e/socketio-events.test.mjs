// Socket.IO (docs/protocol.md §3): the stock socket.io-client, unchanged, over each transport configuration —
// default (polling, then the upgrade to WebSocket), WebSocket only, and long-polling only. The same events
// as the native protocol, acks shaped like native replies, errors, join with since, and a native client and
// a Socket.IO client in one room.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { newUser, uniqueRoom, signJwt } from './lib/http.mjs';
import { connect, closeAll } from './lib/client.mjs';
import { sioConnect, sioConnectError, closeAllSio } from './lib/sio.mjs';
import { assertRoomMessage } from './lib/util.mjs';

const TRANSPORTS = [
  ['default (polling + upgrade)', {}],
  ['websocket only', { transports: ['websocket'] }],
  ['polling only', { transports: ['polling'] }],
];

let srv;
const clients = [];
before(async () => { srv = await startServer({ args: ['--rate-limit', '0'] }); });
after(async () => { closeAllSio(clients); await srv?.cleanup(); });

async function sio(user, opts) {
  const c = await sioConnect(srv, user.token, opts);
  clients.push(c);
  return c;
}

for (const [name, opts] of TRANSPORTS) {
  describe(`socket.io-client, ${name}`, () => {
    test('sends and receives room messages, acks carry the native reply shape', async () => {
      const [alice, bob] = [await newUser(srv, 'sa'), await newUser(srv, 'sb')];
      const a = await sio(alice, opts);
      const b = await sio(bob, opts);
      const room = uniqueRoom('sio');
      const joined = await a.ok('room:join', { room });
      assert.equal(joined.room, room);
      assert.equal(joined.lastSeq, 0);
      await b.ok('room:join', { room });
      const joinedNote = await a.next('user:joined', (d) => d.room === room);
      assert.equal(joinedNote.userId, bob.id);
      const sent = await a.ok('message:send', { room, text: 'hello from socket.io', clientMsgId: 'c1' });
      assert.equal(typeof sent.seq, 'number');
      for (const c of [a, b]) {
        const m = await c.next('message:received', (d) => d.room === room && d.seq === sent.seq);
        assertRoomMessage(m, { room, text: 'hello from socket.io' });
        assert.equal(m.from.id, alice.id);
        assert.equal(m.clientMsgId, 'c1');
      }
      const list = await a.ok('rooms:list');
      assert.ok(Array.isArray(list) && list.some((r) => r.name === room));
      const presence = await a.ok('presence:list', { room });
      assert.deepEqual(new Set(presence.map((p) => p.userId)), new Set([alice.id, bob.id]));
      const history = await b.ok('history', { room });
      assert.equal(history.messages.at(-1).text, 'hello from socket.io');
    });

    test('errors: an ack gets {ok:false,error}, no ack gets an `error` event', async () => {
      const user = await newUser(srv, 'se');
      const c = await sio(user, opts);
      await c.fails('no:such:event', {}, 'bad_request');
      await c.fails('message:send', { room: uniqueRoom('nj'), text: 'x' }, 'forbidden');
      await c.fails('room:join', { room: 'bad room name!' }, 'bad_request');
      await c.fails('message:send', {}, 'bad_request');
      c.socket.emit('message:send', { room: uniqueRoom('nj2'), text: 'x' });
      const e = await c.next('error');
      assert.equal(e.code, 'forbidden');
      assert.equal(e.event, 'message:send');
      // the connection stays usable
      assert.equal((await c.ok('room:join', { room: uniqueRoom('still') })).lastSeq, 0);
    });

    test('private messages reach every connection of the recipient and the sender\'s others', async () => {
      const [alice, bob] = [await newUser(srv, 'pa'), await newUser(srv, 'pb')];
      const a1 = await sio(alice, opts);
      const a2 = await sio(alice, opts);
      const b = await sio(bob, opts);
      const r = await a1.ok('message:private', { to: bob.id, text: 'psst' });
      assert.ok(r.id);
      for (const c of [b, a2]) {
        const m = await c.next('message:private:received', (d) => d.id === r.id);
        assert.equal(m.text, 'psst');
        assert.equal(m.from.id, alice.id);
      }
    });

    test('join with since replays what was missed, in order, before live messages', async () => {
      const [alice, bob] = [await newUser(srv, 'ra'), await newUser(srv, 'rb')];
      const room = uniqueRoom('since');
      const a = await sio(alice, opts);
      await a.ok('room:join', { room });
      const seqs = [];
      for (let i = 0; i < 5; i++) seqs.push((await a.ok('message:send', { room, text: `m${i}` })).seq);
      const b = await sio(bob, opts);
      const joined = await b.ok('room:join', { room, since: seqs[1] });
      assert.equal(joined.lastSeq, seqs[4]);
      const replayed = await b.collect('message:received', 3, (d) => d.room === room);
      assert.deepEqual(replayed.map((m) => m.seq), seqs.slice(2));
      const live = await a.ok('message:send', { room, text: 'live' });
      const m = await b.next('message:received', (d) => d.room === room);
      assert.equal(m.seq, live.seq);
    });

    test('a native client and a Socket.IO client in one room see each other', async () => {
      const [alice, bob] = [await newUser(srv, 'na'), await newUser(srv, 'nb')];
      const room = uniqueRoom('mixed');
      const native = await connect(srv, alice.token);
      try {
        const s = await sio(bob, opts);
        await native.ok('room:join', { room });
        await s.ok('room:join', { room });
        const fromNative = await native.ok('message:send', { room, text: 'from native' });
        assert.equal((await s.next('message:received', (d) => d.seq === fromNative.seq)).text, 'from native');
        const fromSio = await s.ok('message:send', { room, text: 'from socket.io' });
        assert.equal((await native.next('message:received', (d) => d.seq === fromSio.seq)).text, 'from socket.io');
        s.socket.emit('typing:start', { room });
        assert.equal((await native.next('typing:user:start', (d) => d.room === room)).userId, bob.id);
        s.close();
        assert.equal((await native.next('user:left', (d) => d.room === room)).userId, bob.id);
      } finally {
        closeAll([native]);
      }
    });

    test('a bad or missing token is refused with CONNECT_ERROR', async () => {
      const missing = await sioConnectError(srv, opts);
      assert.match(missing.message, /token/i);
      assert.equal(missing.data?.code, 'unauthorized');
      const garbage = await sioConnectError(srv, { ...opts, token: 'garbage' });
      assert.equal(garbage.data?.code, 'unauthorized');
      const expired = signJwt({ sub: 1, name: 'x', exp: Math.floor(Date.now() / 1000) - 10 });
      assert.equal((await sioConnectError(srv, { ...opts, token: expired })).data?.code, 'unauthorized');
    });

    test('the token may come in the query instead of the auth payload', async () => {
      const user = await newUser(srv, 'q');
      const c = await sioConnect(srv, undefined, { ...opts, query: { token: user.token } });
      clients.push(c);
      assert.equal((await c.ok('room:join', { room: uniqueRoom('q') })).lastSeq, 0);
    });
  });
}

describe('socket.io-client details', () => {
  test('the default configuration ends on WebSocket after the upgrade', async () => {
    const user = await newUser(srv, 'up');
    const c = await sio(user, {});
    await c.ok('room:join', { room: uniqueRoom('up') });
    for (let i = 0; i < 50 && c.transport !== 'websocket'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(c.transport, 'websocket');
    assert.equal((await c.ok('rooms:list')).constructor, Array);
  });

  test('an unknown namespace is refused the standard way', async () => {
    const user = await newUser(srv, 'ns');
    const { io } = await import('socket.io-client');
    const s = io(`${srv.httpUrl}/admin`, { auth: { token: user.token }, reconnection: false, forceNew: true });
    try {
      const err = await new Promise((resolve, reject) => {
        s.once('connect_error', resolve);
        s.once('connect', () => reject(new Error('connected to /admin')));
      });
      assert.equal(err.message, 'Invalid namespace');
    } finally {
      s.close();
    }
  });

  test('a binary attachment in a chat event is refused with bad_request', async () => {
    const user = await newUser(srv, 'bin');
    const c = await sio(user, { transports: ['websocket'] });
    const reply = await c.request('message:send', { room: 'x', text: 'x', blob: Buffer.from([1, 2, 3]) });
    assert.equal(reply.ok, false);
    assert.equal(reply.error.code, 'bad_request');
  });
});
