// docs/protocol.md §8 on one node: direct messages stored with a per-conversation seq and waiting for users who
// are offline, dm:history and dm:list, read markers (read:mark, read:marked, readSeq), rooms that follow the
// user (rooms:mine), idempotent sends with clientMsgId, over the native WebSocket and Socket.IO, and all of it
// surviving a restart of the binary.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { newUser, uniqueRoom } from './lib/http.mjs';
import { connect, closeAll } from './lib/client.mjs';
import { sioConnect, closeAllSio } from './lib/sio.mjs';

describe('conversations that survive (§8)', { timeout: 120_000 }, () => {
  let srv;
  const clients = [];
  const sioClients = [];
  const open = async (user) => {
    const c = await connect(srv, user.token);
    clients.push(c);
    return c;
  };
  before(async () => { srv = await startServer(); });
  after(async () => { closeAll(clients); closeAllSio(sioClients); await srv?.cleanup(); });

  it('a DM to a user who is offline is stored with its seq and waits for them', async () => {
    const [bob, alice] = [await newUser(srv, 'dmb'), await newUser(srv, 'dma')];
    const b = await open(bob);
    const first = await b.ok('message:private', { to: alice.id, text: 'are you there?' });
    const second = await b.ok('message:private', { toUsername: alice.username, text: 'call me' });
    assert.deepEqual([first.seq, second.seq], [1, 2]);
    assert.equal(typeof first.id, 'string');

    const a = await open(alice);  // alice logs in later
    const list = await a.ok('dm:list');
    assert.equal(list.length, 1);
    assert.deepEqual(list[0].with, { id: bob.id, username: bob.username });
    assert.equal(list[0].lastSeq, 2);
    assert.equal(list[0].readSeq, 0);
    assert.equal(list[0].unread, 2);
    assert.equal(list[0].last.id, second.id);
    assert.equal(list[0].last.text, 'call me');
    const history = await a.ok('dm:history', { with: bob.id });
    assert.deepEqual(history.messages.map((m) => [m.seq, m.text, m.from.id, m.to]),
      [[1, 'are you there?', bob.id, alice.id], [2, 'call me', bob.id, alice.id]]);

    // Her answer continues the same conversation's seq, and bob hears it live, with the seq.
    const reply = await a.ok('message:private', { to: bob.id, text: 'here' });
    assert.equal(reply.seq, 3);
    const pushed = await b.next('message:private:received', (d) => d.id === reply.id);
    assert.equal(pushed.seq, 3);
    assert.equal(pushed.to, bob.id);
    assert.deepEqual(pushed.from, { id: alice.id, username: alice.username });
  });

  it('dm:history pages with since, before and limit, and is empty with a user never written to', async () => {
    const [u, v, w] = [await newUser(srv, 'hu'), await newUser(srv, 'hv'), await newUser(srv, 'hw')];
    const c = await open(u);
    for (let i = 1; i <= 7; i++) await c.ok('message:private', { to: v.id, text: `m${i}` });
    const seqs = async (data) => (await c.ok('dm:history', data)).messages.map((m) => m.seq);
    assert.deepEqual(await seqs({ with: v.id }), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(await seqs({ with: v.id, since: 4 }), [5, 6, 7]);
    assert.deepEqual(await seqs({ with: v.id, since: 2, limit: 2 }), [3, 4]);
    assert.deepEqual(await seqs({ with: v.id, before: 4 }), [1, 2, 3]);
    assert.deepEqual(await seqs({ with: v.id, before: 7, limit: 2 }), [5, 6]);
    assert.deepEqual(await seqs({ with: v.id, limit: 0 }), [7]);        // clamped to 1
    assert.equal((await seqs({ with: v.id, limit: 1000 })).length, 7);   // clamped to 100
    assert.deepEqual(await seqs({ withUsername: v.username, since: 6 }), [7]);
    assert.deepEqual(await seqs({ with: w.id }), []);
    // The other user reads the same conversation.
    const cv = await open(v);
    assert.deepEqual((await cv.ok('dm:history', { with: u.id, since: 5 })).messages.map((m) => m.text), ['m6', 'm7']);
  });

  it('bad input is refused with the contract code and keeps the connection', async () => {
    const [u, v] = [await newUser(srv, 'bu'), await newUser(srv, 'bv')];
    const c = await open(u);
    const code = async (event, data) => (await c.request(event, data)).error?.code;
    assert.equal(await code('dm:history', { with: 999999999 }), 'not_found');
    assert.equal(await code('dm:history', { withUsername: 'nobody-at-all' }), 'not_found');
    assert.equal(await code('dm:history', {}), 'bad_request');
    assert.equal(await code('dm:history', { with: 'abc' }), 'bad_request');
    assert.equal(await code('dm:history', { with: v.id, since: -1 }), 'bad_request');
    assert.equal(await code('message:private', { to: 999999999, text: 'x' }), 'not_found');
    assert.equal(await code('message:private', { to: '12abc', text: 'x' }), 'bad_request');
    assert.equal(await code('message:private', { to: v.id, text: 'x', clientMsgId: 'k'.repeat(65) }), 'bad_request');
    assert.equal(await code('read:mark', { with: v.id, seq: 1.5 }), 'bad_request');
    assert.equal(await code('read:mark', { with: v.id, seq: -1 }), 'bad_request');
    assert.equal(await code('read:mark', { with: v.id, seq: '3' }), 'bad_request');
    assert.equal(await code('read:mark', { with: v.id }), 'bad_request');
    assert.equal(await code('read:mark', { seq: 1 }), 'bad_request');
    assert.equal(await code('read:mark', { room: 'bad room', seq: 1 }), 'bad_request');
    assert.equal(await code('read:mark', { with: 999999999, seq: 1 }), 'not_found');
    // 64 characters is fine, and the connection is still open after all of it.
    const ok = await c.ok('message:private', { to: v.id, text: 'fine', clientMsgId: 'k'.repeat(64) });
    assert.equal(ok.seq, 1);
  });

  it('read:mark never moves back, is clamped, reaches the user\'s other connections and sets readSeq', async () => {
    const [u, v] = [await newUser(srv, 'ru'), await newUser(srv, 'rv')];
    const room = uniqueRoom('read');
    const [phone, laptop, other] = [await open(u), await open(u), await open(v)];
    await other.ok('room:join', { room });
    for (let i = 1; i <= 3; i++) await other.ok('message:send', { room, text: `r${i}` });
    const joined = await phone.ok('room:join', { room });
    assert.equal(joined.lastSeq, 3);
    assert.equal(joined.readSeq, 0);

    await phone.ok('read:mark', { room, seq: 2 });
    assert.deepEqual(await laptop.next('read:marked', (d) => d.room === room), { room, seq: 2 });
    await phone.ok('read:mark', { room, seq: 1 });  // back: stays at 2
    assert.deepEqual(await laptop.next('read:marked', (d) => d.room === room), { room, seq: 2 });
    await phone.ok('read:mark', { room, seq: 99 });  // past the end: clamped
    assert.deepEqual(await laptop.next('read:marked', (d) => d.room === room), { room, seq: 3 });
    assert.equal(phone.buffered('read:marked').length, 0, 'the marking connection itself is not told');
    assert.equal((await laptop.ok('room:join', { room })).readSeq, 3);

    await other.ok('message:private', { to: u.id, text: 'd1' });
    const d2 = await other.ok('message:private', { to: u.id, text: 'd2' });
    await phone.ok('read:mark', { with: v.id, seq: 1 });
    assert.deepEqual(await laptop.next('read:marked', (d) => d.with !== undefined), { with: v.id, seq: 1 });
    const [conv] = await laptop.ok('dm:list');
    assert.deepEqual([conv.readSeq, conv.unread, conv.lastSeq], [1, 1, d2.seq]);
    // The other user's marker is theirs alone.
    assert.deepEqual((await other.ok('dm:list')).map((x) => x.readSeq), [0]);
  });

  it('rooms follow the user: room:join adds, room:leave removes, rooms:mine lists with unread counts', async () => {
    const [u, v] = [await newUser(srv, 'mu'), await newUser(srv, 'mv')];
    const [r1, r2] = [uniqueRoom('mine'), uniqueRoom('mine')];
    const c = await open(u);
    await c.ok('room:join', { room: r1 });
    await c.ok('room:join', { room: r2 });
    const cv = await open(v);
    await cv.ok('room:join', { room: r1 });
    await cv.ok('message:send', { room: r1, text: 'one' });
    await cv.ok('message:send', { room: r1, text: 'two' });
    await c.ok('message:send', { room: r1, text: 'mine' });  // the user's own: never unread

    const device = await open(u);  // another device: the same rooms, without joining anything
    const mine = await device.ok('rooms:mine');
    assert.deepEqual(mine.map((r) => r.name), [r1, r2].sort());
    const first = mine.find((r) => r.name === r1);
    assert.deepEqual([first.lastSeq, first.readSeq, first.unread, first.members], [3, 0, 2, 2]);

    assert.deepEqual(await c.ok('room:leave', { room: r2 }), { room: r2 });
    assert.deepEqual((await device.ok('rooms:mine')).map((r) => r.name), [r1]);
    assert.deepEqual(await cv.ok('rooms:mine').then((l) => l.map((r) => r.name)), [r1]);
  });

  it('a repeated clientMsgId answers the first reply and stores and pushes nothing again (rooms and DMs)', async () => {
    const [u, v] = [await newUser(srv, 'iu'), await newUser(srv, 'iv')];
    const room = uniqueRoom('idem');
    const [c, listener] = [await open(u), await open(v)];
    await c.ok('room:join', { room });
    await listener.ok('room:join', { room });

    const sent = await c.ok('message:send', { room, text: 'once', clientMsgId: 'room-1' });
    const again = await c.ok('message:send', { room, text: 'once (resent)', clientMsgId: 'room-1' });
    assert.deepEqual(again, sent);
    const dm = await c.ok('message:private', { to: v.id, text: 'dm once', clientMsgId: 'dm-1' });
    assert.deepEqual(await c.ok('message:private', { to: v.id, text: 'dm resent', clientMsgId: 'dm-1' }), dm);
    // One key space per user: a DM reusing the room message's key answers the room message.
    assert.deepEqual(await c.ok('message:private', { to: v.id, text: 'x', clientMsgId: 'room-1' }), sent);

    // Fresh messages after the resends: once they arrive, anything pushed before them has arrived too.
    const after = await c.ok('message:send', { room, text: 'after', clientMsgId: 'room-2' });
    const dmAfter = await c.ok('message:private', { to: v.id, text: 'dm after', clientMsgId: 'dm-2' });
    await listener.next('message:received', (d) => d.id === after.id);
    await listener.next('message:private:received', (d) => d.id === dmAfter.id);
    assert.equal(after.seq, sent.seq + 1);
    assert.equal(dmAfter.seq, dm.seq + 1);
    assert.deepEqual(listener.drain('message:received').map((m) => m.text), ['once']);
    assert.deepEqual(listener.drain('message:private:received').map((m) => m.text), ['dm once']);
    const history = await c.ok('history', { room });
    assert.deepEqual(history.messages.map((m) => m.text), ['once', 'after']);
    assert.deepEqual((await c.ok('dm:history', { with: v.id })).messages.map((m) => m.text), ['dm once', 'dm after']);
  });

  it('the sender\'s other devices get its DMs; its own connection gets the reply only', async () => {
    const [u, v] = [await newUser(srv, 'su'), await newUser(srv, 'sv')];
    const [sending, otherDevice] = [await open(u), await open(u)];
    const one = await sending.ok('message:private', { to: v.id, text: 'one' });
    const two = await sending.ok('message:private', { to: v.id, text: 'two' });
    assert.deepEqual((await otherDevice.collect('message:private:received', 2)).map((m) => m.seq), [one.seq, two.seq]);
    // The answer from v reaches both of u's connections, the sending one included, without a gap wait.
    const cv = await open(v);
    const answer = await cv.ok('message:private', { to: u.id, text: 'three' });
    const got = await sending.next('message:private:received', (d) => d.id === answer.id);
    assert.equal(got.seq, 3);
    assert.equal(sending.buffered('message:private:received').length, 0, 'its own DMs were not pushed back');
  });

  it('typing in a DM reaches the other user only; a DM reply names its recipient', async () => {
    const [u, v] = [await newUser(srv, 'tu'), await newUser(srv, 'tv')];
    const [typist, otherDevice, peer] = [await open(u), await open(u), await open(v)];
    assert.deepEqual(await typist.ok('typing:start', { with: v.id }), {});
    assert.deepEqual(await peer.next('typing:user:start'), { with: u.id, userId: u.id });
    await typist.ok('typing:stop', { withUsername: v.username });
    assert.deepEqual(await peer.next('typing:user:stop'), { with: u.id, userId: u.id });
    assert.equal((await typist.request('typing:start', { with: 999999999 })).error?.code, 'not_found');
    const sent = await typist.ok('message:private', { toUsername: v.username, text: 'by name' });
    assert.equal(sent.to, v.id);
    await peer.next('message:private:received', (d) => d.id === sent.id);
    await otherDevice.next('message:private:received', (d) => d.id === sent.id);
    assert.equal(otherDevice.buffered('typing:user:start').length, 0, "the typist's own devices are not told");
  });

  it('works over Socket.IO too: DMs with seq, dm:list, dm:history, read:mark, rooms:mine', async () => {
    const [u, v] = [await newUser(srv, 'xu'), await newUser(srv, 'xv')];
    const s = await sioConnect(srv, u.token);
    sioClients.push(s);
    const room = uniqueRoom('sio');
    const joined = await s.ok('room:join', { room });
    assert.equal(joined.readSeq, 0);
    const dm = await s.ok('message:private', { to: v.id, text: 'over socket.io', clientMsgId: 'sio-1' });
    assert.equal(dm.seq, 1);
    assert.deepEqual(await s.ok('message:private', { to: v.id, text: 'again', clientMsgId: 'sio-1' }), dm);
    const sv = await sioConnect(srv, v.token);
    sioClients.push(sv);
    const [conv] = await sv.ok('dm:list');
    assert.deepEqual([conv.with.id, conv.lastSeq, conv.unread, conv.last.text], [u.id, 1, 1, 'over socket.io']);
    assert.deepEqual((await sv.ok('dm:history', { with: u.id })).messages.map((m) => m.seq), [1]);
    assert.deepEqual(await sv.ok('read:mark', { with: u.id, seq: 1 }), {});
    assert.equal((await sv.ok('dm:list'))[0].unread, 0);
    assert.deepEqual((await s.ok('rooms:mine')).map((r) => r.name), [room]);
  });

  it('conversations, markers, rooms and keys survive a restart of the binary', async () => {
    const [u, v] = [await newUser(srv, 'pu'), await newUser(srv, 'pv')];
    const room = uniqueRoom('keep');
    const c = await open(u);
    await c.ok('room:join', { room });
    const dm = await c.ok('message:private', { to: v.id, text: 'kept', clientMsgId: 'keep-1' });
    const cv = await open(v);
    await cv.ok('read:mark', { with: u.id, seq: 1 });

    const info = await srv.stop();
    assert.equal(info.code, 0, srv.tail());
    await srv.start();

    const c2 = await open(u);
    assert.deepEqual((await c2.ok('rooms:mine')).map((r) => r.name), [room]);
    assert.deepEqual(await c2.ok('message:private', { to: v.id, text: 'resent', clientMsgId: 'keep-1' }), dm);
    const cv2 = await open(v);
    const [conv] = await cv2.ok('dm:list');
    assert.deepEqual([conv.lastSeq, conv.readSeq, conv.unread, conv.last.text], [1, 1, 0, 'kept']);
  });
});
