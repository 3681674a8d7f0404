// docs/protocol.md §3: every client→server event and its reply, request ids, errors, room names, typing, presence,
// user:joined / user:left, rooms:list, history.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { newUser, uniqueRoom, sameId } from './lib/http.mjs';
import { connect, closeAll } from './lib/client.mjs';
import { roomBarrier, assertRoomMessage, assertStrictlyIncreasing } from './lib/util.mjs';

describe('native protocol events', { timeout: 90_000 }, () => {
  let srv;
  const clients = [];
  const open = async (u, opts) => { const c = await connect(srv, u.token, opts); clients.push(c); return c; };
  before(async () => { srv = await startServer(); });
  after(async () => { closeAll(clients); await srv?.cleanup(); });

  describe('requests and replies', () => {
    it('room:join → {room, members, lastSeq}; room:leave → {room}', async () => {
      const [a, b] = [await newUser(srv, 'ja'), await newUser(srv, 'jb')];
      const ca = await open(a);
      const cb = await open(b);
      const room = uniqueRoom('join');
      const j1 = await ca.ok('room:join', { room });
      assert.equal(j1.room, room);
      assert.equal(j1.members, 1);
      assert.equal(j1.lastSeq, 0, 'a new room has lastSeq 0');
      const sent = await ca.ok('message:send', { room, text: 'first' });
      const j2 = await cb.ok('room:join', { room });
      assert.deepEqual({ room: j2.room, members: j2.members, lastSeq: j2.lastSeq }, { room, members: 2, lastSeq: sent.seq });
      // Joining twice is harmless.
      const j3 = await cb.ok('room:join', { room });
      assert.equal(j3.members, 2);
      assert.deepEqual(await cb.ok('room:leave', { room }), { room });
      // After leaving, sending is forbidden again.
      await cb.fails('message:send', { room, text: 'gone' }, 'forbidden');
      ca.terminate(); cb.terminate();
    });

    it('message:send → {id, seq, ts}; every connection in the room, sender included, gets message:received', async () => {
      const [a, b] = [await newUser(srv, 'sa'), await newUser(srv, 'sb')];
      const ca = await open(a);
      const cb = await open(b);
      const room = uniqueRoom('send');
      await ca.ok('room:join', { room });
      await cb.ok('room:join', { room });
      const before = Date.now();
      const r = await ca.ok('message:send', { room, text: 'hello, ünïcødé 👋', clientMsgId: 'c-1' });
      assert.ok(r.id !== undefined && r.id !== null && r.id !== '');
      assert.equal(typeof r.seq, 'number');
      assert.equal(typeof r.ts, 'number');
      assert.ok(r.ts >= before - 5000 && r.ts <= Date.now() + 5000, `ts in ms: ${r.ts}`);
      for (const c of [ca, cb]) {
        const m = await c.next('message:received');
        assertRoomMessage(m, { room, from: a, text: 'hello, ünïcødé 👋' });
        assert.equal(String(m.id), String(r.id));
        assert.equal(m.seq, r.seq);
        assert.equal(m.ts, r.ts);
        assert.equal(m.clientMsgId, 'c-1');
      }
      ca.terminate(); cb.terminate();
    });

    it('message:send without joining the room → forbidden', async () => {
      const [a, b] = [await newUser(srv, 'fa'), await newUser(srv, 'fb')];
      const ca = await open(a);
      const cb = await open(b);
      const room = uniqueRoom('forbidden');
      await cb.ok('room:join', { room });
      await ca.fails('message:send', { room, text: 'sneaky' }, 'forbidden');
      // Membership belongs to the connection: a's other connection joined, this one did not.
      const ca2 = await open(a);
      await ca2.ok('room:join', { room });
      await ca.fails('message:send', { room, text: 'still sneaky' }, 'forbidden');
      await roomBarrier(cb, room);
      assert.deepEqual(cb.buffered('message:received', (d) => /sneaky/.test(d.text)), [], 'refused messages are not delivered');
      ca.terminate(); ca2.terminate(); cb.terminate();
    });

    it('message:send with a missing or non-string text → bad_request', async () => {
      const a = await newUser(srv, 'bt');
      const c = await open(a);
      const room = uniqueRoom('badtext');
      await c.ok('room:join', { room });
      await c.fails('message:send', { room }, 'bad_request');
      await c.fails('message:send', { room, text: 42 }, 'bad_request');
      await c.fails('message:send', { text: 'no room' }, 'bad_request');
      await c.fails('message:send', undefined, 'bad_request');
      await c.fails('room:join', {}, 'bad_request');
      c.terminate();
    });

    it('message:private → {id, ts}; the recipient gets message:private:received', async () => {
      const [a, b] = [await newUser(srv, 'pa'), await newUser(srv, 'pb')];
      const ca = await open(a);
      const cb = await open(b);
      const r = await ca.ok('message:private', { to: b.id, text: 'psst', clientMsgId: 'dm-1' });
      assert.ok(r.id !== undefined && r.id !== null && r.id !== '');
      assert.equal(typeof r.ts, 'number');
      const m = await cb.next('message:private:received');
      assert.equal(String(m.id), String(r.id));
      assert.equal(String(m.from.id), String(a.id));
      assert.equal(m.from.username, a.username);
      assert.equal(String(m.to), String(b.id));
      assert.equal(m.text, 'psst');
      assert.equal(m.ts, r.ts);
      assert.equal(m.clientMsgId, 'dm-1');
      ca.terminate(); cb.terminate();
    });

    it('message:private to an unknown user fails', async () => {
      const a = await newUser(srv, 'pu');
      const c = await open(a);
      await c.fails('message:private', { to: 987654321, text: 'hello?' }, ['not_found', 'bad_request']);
      await c.fails('message:private', { toUsername: 'no_such_user_zz', text: 'hello?' }, ['not_found', 'bad_request']);
      await c.fails('message:private', { text: 'to nobody' }, 'bad_request');
      c.terminate();
    });

    it('rooms:list → [{name, members}] with members = distinct users', async () => {
      const [a, b] = [await newUser(srv, 'la'), await newUser(srv, 'lb')];
      const a1 = await open(a);
      const a2 = await open(a);
      const b1 = await open(b);
      const room = uniqueRoom('list');
      for (const c of [a1, a2, b1]) await c.ok('room:join', { room });
      const list = await a1.ok('rooms:list');
      assert.ok(Array.isArray(list));
      for (const r of list) {
        assert.equal(typeof r.name, 'string');
        assert.equal(typeof r.members, 'number');
      }
      assert.deepEqual(list.find((r) => r.name === room), { name: room, members: 2 });
      // One of a's connections leaving does not change the distinct count.
      await a2.ok('room:leave', { room });
      assert.equal((await b1.ok('rooms:list')).find((r) => r.name === room)?.members, 2);
      await a1.ok('room:leave', { room });
      assert.equal((await b1.ok('rooms:list')).find((r) => r.name === room)?.members, 1);
      for (const c of [a1, a2, b1]) c.terminate();
    });

    it('history → {messages} ascending, with before and limit', async () => {
      const a = await newUser(srv, 'hi');
      const c = await open(a);
      const room = uniqueRoom('hist');
      await c.ok('room:join', { room });
      const seqs = [];
      for (let i = 0; i < 8; i++) seqs.push((await c.ok('message:send', { room, text: `h${i}` })).seq);
      const all = await c.ok('history', { room });
      assert.deepEqual(all.messages.map((m) => m.seq), seqs);
      assert.deepEqual(all.messages.map((m) => m.text), seqs.map((_, i) => `h${i}`));
      for (const m of all.messages) assertRoomMessage(m, { room, from: a });
      const page = await c.ok('history', { room, before: seqs[6], limit: 3 });
      assert.deepEqual(page.messages.map((m) => m.seq), seqs.slice(3, 6));
      const newest = await c.ok('history', { room, limit: 2 });
      assert.deepEqual(newest.messages.map((m) => m.seq), seqs.slice(6));
      c.terminate();
    });
  });

  describe('ids and errors', () => {
    it('echoes numeric and string request ids as sent', async () => {
      const a = await newUser(srv, 'ids');
      const c = await open(a);
      for (const id of [7, 0, 123456789, 'abc', 'req-42', '7']) {
        const reply = await c.request('rooms:list', undefined, { id });
        assert.strictEqual(reply.id, id, `id ${JSON.stringify(id)} echoed as ${JSON.stringify(reply.id)}`);
        assert.equal(reply.ok, true);
      }
      // Failing requests echo the id too.
      const bad = await c.request('no:such:event', {}, { id: 'fail-1' });
      assert.ok(bad.error && typeof bad.error.code === 'string' && typeof bad.error.message === 'string', JSON.stringify(bad));
      assert.equal(bad.data, undefined, 'a failed reply carries error, not data');
      assert.strictEqual(bad.id, 'fail-1');
      assert.equal(bad.ok, false);
      c.terminate();
    });

    it('answers an unknown event with bad_request', async () => {
      const a = await newUser(srv, 'unk');
      const c = await open(a);
      await c.fails('definitely:not:an:event', { x: 1 }, 'bad_request');
      c.send({ event: 'also:unknown', data: {} });
      const e = await c.next('error');
      assert.equal(e.code, 'bad_request');
      assert.equal(e.event, 'also:unknown');
      assert.ok(await c.ok('rooms:list'));
      c.terminate();
    });

    it('answers invalid JSON with an error push (bad_request) and keeps the connection', async () => {
      const a = await newUser(srv, 'badjson');
      const c = await open(a);
      c.sendRaw('{"event": "rooms:list", "id": 1', { binary: false });
      const e = await c.next('error');
      assert.equal(e.code, 'bad_request');
      assert.equal(typeof e.message, 'string');
      c.sendRaw('[1,2,3]', { binary: false });
      assert.equal((await c.next('error')).code, 'bad_request');
      c.sendRaw('"just a string"', { binary: false });
      assert.equal((await c.next('error')).code, 'bad_request');
      assert.ok(c.isOpen);
      const room = uniqueRoom('afterbad');
      assert.equal((await c.ok('room:join', { room })).room, room);
      c.terminate();
    });

    it('answers a failing request without id with {"event":"error","data":{code,message,event}}', async () => {
      const a = await newUser(srv, 'noid');
      const c = await open(a);
      const room = uniqueRoom('noid');
      c.send({ event: 'message:send', data: { room, text: 'not joined' } });
      const e = await c.next('error');
      assert.equal(typeof e.message, 'string', JSON.stringify(e));
      assert.equal(e.code, 'forbidden');
      assert.equal(e.event, 'message:send');
      // A request without id that succeeds gets no reply at all, but has its effect.
      c.send({ event: 'room:join', data: { room } });
      const r = await c.ok('message:send', { room, text: 'joined now' });
      assert.equal((await c.next('message:received')).seq, r.seq);
      assert.deepEqual(c.unmatched, [], 'no reply frames for id-less requests');
      assert.deepEqual(c.buffered('error'), []);
      c.terminate();
    });
  });

  describe('room names', () => {
    it('accepts 1–64 of [A-Za-z0-9_.-] and refuses others with bad_request', async () => {
      const a = await newUser(srv, 'names');
      const c = await open(a);
      for (const room of ['a', 'Z', '0', 'A-z_0.9', 'x'.repeat(64), 'MiXeD.Case-room_1']) {
        assert.equal((await c.ok('room:join', { room })).room, room);
      }
      for (const room of ['', 'x'.repeat(65), 'with space', 'slash/room', 'émoji', 'room#1', 'tab\there', 'a:b', 42, null]) {
        await c.fails('room:join', { room }, 'bad_request');
      }
      // Case matters: 'Z' and 'z' are different rooms.
      const upper = await c.ok('room:join', { room: 'CaseRoom' });
      await c.ok('message:send', { room: 'CaseRoom', text: 'upper' });
      const lower = await c.ok('room:join', { room: 'caseroom' });
      assert.equal(lower.lastSeq, 0, `"caseroom" is a different room from "CaseRoom" (${JSON.stringify(upper)})`);
      c.terminate();
    });
  });

  describe('typing', () => {
    it('typing:start / typing:stop → {} and reach other users in the room, not the sender', async () => {
      const [a, b, outsider] = [await newUser(srv, 'ta'), await newUser(srv, 'tb'), await newUser(srv, 'to')];
      const ca = await open(a);
      const ca2 = await open(a);
      const cb = await open(b);
      const co = await open(outsider);
      const room = uniqueRoom('typing');
      for (const c of [ca, ca2, cb]) await c.ok('room:join', { room });
      await co.ok('room:join', { room: uniqueRoom('elsewhere') });

      assert.deepEqual(await ca.ok('typing:start', { room }), {});
      const s = await cb.next('typing:user:start');
      assert.deepEqual({ room: s.room, userId: String(s.userId) }, { room, userId: String(a.id) });
      assert.deepEqual(await ca.ok('typing:stop', { room }), {});
      const st = await cb.next('typing:user:stop');
      assert.deepEqual({ room: st.room, userId: String(st.userId) }, { room, userId: String(a.id) });

      // Barriers: the sender's connections and the outsider got no typing event.
      await roomBarrier(ca, room);
      await ca2.next('message:received', (d) => d.text.startsWith('barrier'));
      assert.deepEqual(ca.buffered('typing:user:start'), [], 'the sender does not get its own typing');
      assert.deepEqual(ca.buffered('typing:user:stop'), []);
      assert.deepEqual(ca2.buffered('typing:user:start'), [], "the sender's other connection is the same user");
      assert.deepEqual(co.buffered('typing:user:start'), [], 'not to users outside the room');
      for (const c of [ca, ca2, cb, co]) c.terminate();
    });

    it('typing in a room not joined is forbidden or ignored, never delivered', async () => {
      const [a, b] = [await newUser(srv, 'tx'), await newUser(srv, 'ty')];
      const ca = await open(a);
      const cb = await open(b);
      const room = uniqueRoom('typing-nj');
      await cb.ok('room:join', { room });
      await ca.request('typing:start', { room });
      await roomBarrier(cb, room);
      assert.deepEqual(cb.buffered('typing:user:start'), []);
      ca.terminate(); cb.terminate();
    });
  });

  describe('presence', () => {
    it('user:joined / user:left reach the other users on first join and last leave / disconnect', async () => {
      const [a, b, c] = [await newUser(srv, 'pja'), await newUser(srv, 'pjb'), await newUser(srv, 'pjc')];
      const ca = await open(a);
      const room = uniqueRoom('presence');
      await ca.ok('room:join', { room });

      const b1 = await open(b);
      await b1.ok('room:join', { room });
      const joined = await ca.next('user:joined');
      assert.equal(joined.room, room);
      assert.equal(String(joined.userId), String(b.id));
      assert.equal(joined.username, b.username);
      assert.equal(typeof joined.ts, 'number');
      assert.ok(Math.abs(joined.ts - Date.now()) < 60_000);

      const b2 = await open(b);
      await b2.ok('room:join', { room });       // not b's first connection in the room
      await b2.ok('room:leave', { room });      // not b's last connection in the room
      await roomBarrier(ca, room);
      assert.deepEqual(ca.buffered('user:joined'), [], 'no user:joined for a second connection');
      assert.deepEqual(ca.buffered('user:left'), [], 'no user:left while another connection remains');
      assert.deepEqual(b1.buffered('user:joined', (d) => sameId(d.userId, b.id)), [], 'not to the user itself');

      await b1.ok('room:leave', { room });
      const left = await ca.next('user:left');
      assert.deepEqual({ room: left.room, userId: String(left.userId), username: left.username },
        { room, userId: String(b.id), username: b.username });
      assert.equal(typeof left.ts, 'number');

      // Disconnect counts as leaving.
      const c1 = await open(c);
      await c1.ok('room:join', { room });
      await ca.next('user:joined', (d) => sameId(d.userId, c.id));
      c1.terminate();
      const gone = await ca.next('user:left', (d) => sameId(d.userId, c.id));
      assert.equal(gone.room, room);
      for (const x of [ca, b1, b2]) x.terminate();
    });

    it('presence:list → [{userId, username}] in a room and anywhere', async () => {
      const [a, b, idle] = [await newUser(srv, 'pla'), await newUser(srv, 'plb'), await newUser(srv, 'pli')];
      const ca = await open(a);
      const ca2 = await open(a);
      const cb = await open(b);
      const ci = await open(idle);
      const room = uniqueRoom('plist');
      for (const x of [ca, ca2, cb]) await x.ok('room:join', { room });

      const inRoom = await ca.ok('presence:list', { room });
      assert.ok(Array.isArray(inRoom));
      for (const p of inRoom) {
        assert.ok(p.userId !== undefined);
        assert.equal(typeof p.username, 'string');
      }
      const norm = (list) => list.map((p) => `${p.userId}:${p.username}`).sort();
      assert.deepEqual(norm(inRoom), [`${a.id}:${a.username}`, `${b.id}:${b.username}`].sort(),
        'distinct users in the room (a once, though it has two connections)');

      const everywhere = norm(await ci.ok('presence:list', {}));
      for (const u of [a, b, idle]) assert.ok(everywhere.includes(`${u.id}:${u.username}`), `${u.username} is online`);
      assert.equal(everywhere.filter((x) => x.startsWith(`${a.id}:`)).length, 1, 'each user once');
      // Also without data at all.
      const noData = norm(await ci.ok('presence:list'));
      assert.ok(noData.includes(`${idle.id}:${idle.username}`));

      ci.terminate();
      await cb.close();
      await ca.next('user:left', (d) => sameId(d.userId, b.id));
      assert.deepEqual(norm(await ca.ok('presence:list', { room })), [`${a.id}:${a.username}`]);
      ca.terminate(); ca2.terminate();
    });
  });

  describe('ordering within a room', () => {
    it('message:received seqs are strictly increasing for one sender', async () => {
      const a = await newUser(srv, 'ord');
      const c = await open(a);
      const room = uniqueRoom('ord');
      await c.ok('room:join', { room });
      const replies = await Promise.all(Array.from({ length: 15 }, (_, i) => c.ok('message:send', { room, text: `o${i}` })));
      const got = await c.collect('message:received', 15);
      assertStrictlyIncreasing(got.map((m) => m.seq));
      assert.deepEqual(got.map((m) => m.text), replies.map((_, i) => `o${i}`), 'one connection\'s messages keep their order');
      c.terminate();
    });
  });
});
