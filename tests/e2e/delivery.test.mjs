// docs/protocol.md §3: multi-device delivery, private messages (to / toUsername / the participant alias),
// clientMsgId, and one seq order for everybody with concurrent senders.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { newUser, uniqueRoom, sameId } from './lib/http.mjs';
import { connect, closeAll } from './lib/client.mjs';
import { roomBarrier, publishBarrier, assertRoomMessage, assertStrictlyIncreasing } from './lib/util.mjs';

describe('delivery', { timeout: 90_000 }, () => {
  let srv;
  const clients = [];
  const open = async (u, opts) => { const c = await connect(srv, u.token, opts); clients.push(c); return c; };
  before(async () => { srv = await startServer(); });
  after(async () => { closeAll(clients); await srv?.cleanup(); });

  it('room messages reach every connection of every member (multi-device)', async () => {
    const [alice, bob] = [await newUser(srv, 'mda'), await newUser(srv, 'mdb')];
    const a1 = await open(alice);
    const a2 = await open(alice, { placement: 'query' });
    const b1 = await open(bob);
    const room = uniqueRoom('multi');
    for (const c of [a1, a2, b1]) await c.ok('room:join', { room });

    const r1 = await b1.ok('message:send', { room, text: 'from bob' });
    for (const c of [a1, a2, b1]) {
      const m = await c.next('message:received', (d) => d.room === room);
      assertRoomMessage(m, { room, from: bob, text: 'from bob' });
      assert.equal(m.seq, r1.seq);
    }
    const r2 = await a1.ok('message:send', { room, text: 'from alice' });
    for (const c of [a1, a2, b1]) {
      const m = await c.next('message:received', (d) => d.room === room);
      assertRoomMessage(m, { room, from: alice, text: 'from alice' });
      assert.equal(m.seq, r2.seq);
    }
    assert.ok(r2.seq > r1.seq);

    // A connection of alice that has not joined does not get room messages.
    const a3 = await open(alice);
    await b1.ok('message:send', { room, text: 'not for a3' });
    await a1.next('message:received', (d) => d.text === 'not for a3');
    await publishBarrier(srv, a3, alice);
    assert.deepEqual(a3.buffered('message:received'), [], 'membership belongs to the connection');
    for (const c of [a1, a2, a3, b1]) c.terminate();
  });

  it("DMs reach all the recipient's connections and the sender's other connections", async () => {
    const [alice, bob] = [await newUser(srv, 'dma'), await newUser(srv, 'dmb')];
    const a1 = await open(alice);
    const a2 = await open(alice, { placement: 'header' });
    const b1 = await open(bob);
    const b2 = await open(bob);

    // bob → alice: both of alice's connections, and bob's other connection.
    const r = await b1.ok('message:private', { to: alice.id, text: 'hi alice', clientMsgId: 'k1' });
    for (const c of [a1, a2, b2]) {
      const m = await c.next('message:private:received');
      assert.equal(String(m.id), String(r.id));
      assert.equal(String(m.from.id), String(bob.id));
      assert.equal(m.from.username, bob.username);
      assert.equal(String(m.to), String(alice.id));
      assert.equal(m.text, 'hi alice');
      assert.equal(m.clientMsgId, 'k1');
      assert.equal(m.ts, r.ts);
    }
    // alice → bob from a1: b1, b2 and a2 get it, a1 (the sending connection) does not.
    const r2 = await a1.ok('message:private', { to: bob.id, text: 'hi bob' });
    for (const c of [b1, b2, a2]) {
      const m = await c.next('message:private:received', (d) => d.text === 'hi bob');
      assert.equal(String(m.id), String(r2.id));
      assert.equal(String(m.to), String(bob.id));
    }
    await publishBarrier(srv, a1, alice);
    await publishBarrier(srv, b1, bob);
    assert.deepEqual(a1.buffered('message:private:received'), [], 'the sending connection gets the reply, not a push');
    assert.deepEqual(b1.buffered('message:private:received'), [], "b1 sent the first DM; it gets no copy of it");
    for (const c of [a1, a2, b1, b2]) c.terminate();
  });

  it('DMs reach a recipient who has joined no room, and do not reach third parties', async () => {
    const [alice, bob, carol] = [await newUser(srv, 'dna'), await newUser(srv, 'dnb'), await newUser(srv, 'dnc')];
    const a = await open(alice);
    const b = await open(bob);
    const c = await open(carol);
    await a.ok('message:private', { to: bob.id, text: 'only bob' });
    assert.equal((await b.next('message:private:received')).text, 'only bob');
    await publishBarrier(srv, c, carol);
    assert.deepEqual(c.buffered('message:private:received'), []);
    for (const x of [a, b, c]) x.terminate();
  });

  it('message:private accepts toUsername', async () => {
    const [alice, bob] = [await newUser(srv, 'tua'), await newUser(srv, 'tub')];
    const a = await open(alice);
    const b = await open(bob);
    const r = await a.ok('message:private', { toUsername: bob.username, text: 'by name', clientMsgId: 'n-1' });
    const m = await b.next('message:private:received');
    assert.equal(String(m.id), String(r.id));
    assert.equal(String(m.to), String(bob.id), '`to` is the user id even when addressed by name');
    assert.equal(m.text, 'by name');
    assert.equal(m.clientMsgId, 'n-1');
    a.terminate(); b.terminate();
  });

  it('send_chat_message_to_participant is an alias of message:private', async () => {
    const [alice, bob] = [await newUser(srv, 'ala'), await newUser(srv, 'alb')];
    const a1 = await open(alice);
    const a2 = await open(alice);
    const b = await open(bob);
    const r = await a1.ok('send_chat_message_to_participant', { message: 'via alias', participantId: bob.id });
    assert.ok(r.id !== undefined && r.id !== null && r.id !== '');
    assert.equal(typeof r.ts, 'number');
    for (const c of [b, a2]) {
      const m = await c.next('message:private:received');
      assert.equal(String(m.id), String(r.id));
      assert.equal(m.text, 'via alias');
      assert.equal(String(m.from.id), String(alice.id));
      assert.equal(String(m.to), String(bob.id));
    }
    // The alias validates like message:private.
    await a1.fails('send_chat_message_to_participant', { participantId: bob.id }, 'bad_request');
    for (const c of [a1, a2, b]) c.terminate();
  });

  it('clientMsgId is echoed on message:received to everyone, and absent when not sent', async () => {
    const [alice, bob] = [await newUser(srv, 'cma'), await newUser(srv, 'cmb')];
    const a = await open(alice);
    const b = await open(bob);
    const room = uniqueRoom('cmid');
    await a.ok('room:join', { room });
    await b.ok('room:join', { room });
    await a.ok('message:send', { room, text: 'with', clientMsgId: 'uuid-7f3a' });
    await a.ok('message:send', { room, text: 'without' });
    for (const c of [a, b]) {
      const [m1, m2] = await c.collect('message:received', 2);
      assert.equal(m1.clientMsgId, 'uuid-7f3a');
      assert.equal(m2.text, 'without');
      assert.ok(m2.clientMsgId === undefined || m2.clientMsgId === null, `no clientMsgId: ${JSON.stringify(m2)}`);
    }
    const hist = await b.ok('history', { room });
    assert.equal(hist.messages[0].clientMsgId, 'uuid-7f3a', 'clientMsgId is kept with the stored message');
    a.terminate(); b.terminate();
  });

  it('with concurrent senders, seq strictly increases and every member sees the same order', async () => {
    const senders = [];
    for (let i = 0; i < 4; i++) senders.push(await newUser(srv, `cs${i}`));
    const watcher = await newUser(srv, 'csw');
    const room = uniqueRoom('concurrent');
    const conns = [];
    for (const u of senders) conns.push(await open(u));
    const w = await open(watcher);
    for (const c of [...conns, w]) await c.ok('room:join', { room });
    const PER = 15;   // under the default burst of 20
    const replies = await Promise.all(conns.flatMap((c, si) =>
      Array.from({ length: PER }, (_, i) => c.ok('message:send', { room, text: `s${si}-${i}` }, { timeout: 10_000 }))));
    const total = senders.length * PER;
    const replySeqs = replies.map((r) => r.seq);
    assert.equal(new Set(replySeqs).size, total, 'every message has its own seq');
    assert.equal(new Set(replies.map((r) => String(r.id))).size, total, 'every message has its own id');

    const views = [];
    for (const c of [...conns, w]) {
      const got = await c.collect('message:received', total, (d) => d.room === room, 10_000);
      assertStrictlyIncreasing(got.map((m) => m.seq), 'received seq');
      views.push(got.map((m) => `${m.seq}:${m.id}:${m.text}`));
    }
    for (const v of views.slice(1)) assert.deepEqual(v, views[0], 'all members see the same sequence');
    assert.deepEqual(views[0].map((x) => Number(x.split(':')[0])), [...replySeqs].sort((x, y) => x - y));
    // Each sender's own messages stay in its send order.
    for (let si = 0; si < senders.length; si++) {
      const mine = views[0].filter((x) => x.split(':')[2].startsWith(`s${si}-`)).map((x) => x.split(':')[2]);
      assert.deepEqual(mine, Array.from({ length: PER }, (_, i) => `s${si}-${i}`));
    }
    for (const c of [...conns, w]) c.terminate();
  });

  it('user ids in user:joined, typing and from are the same ids the API returns', async () => {
    const [alice, bob] = [await newUser(srv, 'ida'), await newUser(srv, 'idb')];
    const a = await open(alice);
    const b = await open(bob);
    const room = uniqueRoom('ids');
    await a.ok('room:join', { room });
    await b.ok('room:join', { room });
    assert.ok(sameId((await a.next('user:joined')).userId, bob.id));
    await b.ok('typing:start', { room });
    assert.ok(sameId((await a.next('typing:user:start')).userId, bob.id));
    await roomBarrier(b, room);
    a.terminate(); b.terminate();
  });
});
