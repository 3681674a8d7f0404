// docs/protocol.md §3/§4: room:join with `since` replays every missed message, in order, once, before any later
// live message; history and `since` survive a restart on the same SQLite file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serverFor } from './lib/server.mjs';
import { newUser, post, get, uniqueRoom } from './lib/http.mjs';
import { connect } from './lib/client.mjs';
import { assertStrictlyIncreasing, roomBarrier } from './lib/util.mjs';

/** Asserts `got` (seqs) is exactly the known seqs in (after, upTo], ascending, each once. */
function assertExactRange(got, known, after, upTo, what) {
  const expected = [...known].filter((s) => s > after && s <= upTo).sort((x, y) => x - y);
  assertStrictlyIncreasing(got, `${what} seq`);
  const dup = got.filter((s, i) => got.indexOf(s) !== i);
  assert.deepEqual(dup, [], `${what}: duplicates`);
  const missing = expected.filter((s) => !got.includes(s));
  assert.deepEqual(missing, [], `${what}: gap — missed seqs`);
  assert.deepEqual(got, expected, `${what}: exactly the messages after ${after}`);
}

describe('resume with since', { timeout: 90_000 }, () => {
  it('replays every missed message once, in order, before live ones, while others keep sending', async (t) => {
    const srv = await serverFor(t, { args: ['--rate-limit', '0'] });
    const [reader, writer, live] = [await newUser(srv, 'rr'), await newUser(srv, 'rw'), await newUser(srv, 'rl')];
    const room = uniqueRoom('resume');
    const cw = await connect(srv, writer.token);
    const cl = await connect(srv, live.token);
    let cr = await connect(srv, reader.token);
    t.after(() => { for (const c of [cw, cl, cr]) c.terminate(); });
    for (const c of [cw, cl, cr]) await c.ok('room:join', { room });

    const known = new Set();    // every seq acknowledged to a sender
    for (let i = 0; i < 10; i++) known.add((await cw.ok('message:send', { room, text: `before-${i}` })).seq);
    const seen = await cr.collect('message:received', 10);
    const lastSeen = seen[9].seq;
    assert.equal(seen[9].text, 'before-9');
    await cr.close();

    // While the reader is away.
    const missed = [];
    for (let i = 0; i < 25; i++) {
      const r = await cw.ok('message:send', { room, text: `missed-${i}` });
      known.add(r.seq); missed.push(r.seq);
    }

    // A live sender keeps going while the reader rejoins.
    let stop = false;
    let liveCount = 0;
    const liveLoop = (async () => {
      while (!stop) {
        const r = await cl.ok('message:send', { room, text: `live-${liveCount++}` });
        known.add(r.seq);
      }
    })();
    liveLoop.catch(() => {});
    t.after(() => { stop = true; });
    // Let live traffic be in flight when the join happens: wait until a live message has been stored.
    await cw.next('message:received', (d) => d.text.startsWith('live-'), 5_000);

    cr = await connect(srv, reader.token);
    const join = await cr.ok('room:join', { room, since: lastSeen });
    assert.equal(join.room, room);
    assert.ok(join.lastSeq >= missed[missed.length - 1], `lastSeq ${join.lastSeq} covers the missed messages`);
    // Read until 10 live messages have arrived after the join (well past the replay), then stop the live sender.
    const got = [];
    let liveAfterJoin = 0;
    try {
      for (;;) {
        const m = await cr.next('message:received', () => true, 10_000);
        got.push(m);
        if (m.text.startsWith('live-') && m.seq > join.lastSeq) liveAfterJoin++;
        if (liveAfterJoin >= 10) break;
      }
    } finally {
      stop = true;
      await liveLoop;
    }
    const upTo = got[got.length - 1].seq;
    assertExactRange(got.map((m) => m.seq), known, lastSeen, upTo, 'after rejoin');
    // The missed messages come first, in their order.
    assert.deepEqual(got.slice(0, 25).map((m) => m.text), Array.from({ length: 25 }, (_, i) => `missed-${i}`));
  });

  it('since=0 replays the whole room; since=lastSeq replays nothing', async (t) => {
    const srv = await serverFor(t, { args: ['--rate-limit', '0'] });
    const [a, b] = [await newUser(srv, 'sz'), await newUser(srv, 'szb')];
    const room = uniqueRoom('since0');
    const ca = await connect(srv, a.token);
    t.after(() => ca.terminate());
    await ca.ok('room:join', { room });
    const seqs = [];
    for (let i = 0; i < 12; i++) seqs.push((await ca.ok('message:send', { room, text: `z${i}` })).seq);

    const cb = await connect(srv, b.token);
    t.after(() => cb.terminate());
    const j = await cb.ok('room:join', { room, since: 0 });
    assert.equal(j.lastSeq, seqs[11]);
    const replay = await cb.collect('message:received', 12);
    assert.deepEqual(replay.map((m) => m.seq), seqs);
    assert.deepEqual(replay.map((m) => m.text), seqs.map((_, i) => `z${i}`));

    const cb2 = await connect(srv, b.token);
    t.after(() => cb2.terminate());
    await cb2.ok('room:join', { room, since: seqs[11] });
    await roomBarrier(cb2, room);
    assert.deepEqual(cb2.drain('message:received'), [], 'nothing replayed beyond the barrier');
    // A join without since replays nothing.
    const cb3 = await connect(srv, b.token);
    t.after(() => cb3.terminate());
    await cb3.ok('room:join', { room });
    await roomBarrier(cb3, room);
    assert.deepEqual(cb3.drain('message:received'), []);
  });

  it('history and since survive a restart on the same SQLite file', async (t) => {
    const srv = await serverFor(t, { args: ['--rate-limit', '0'] });
    const u = await newUser(srv, 'rs');
    const room = uniqueRoom('restart');
    let c = await connect(srv, u.token);
    await c.ok('room:join', { room });
    const seqs = [];
    const ids = [];
    for (let i = 0; i < 6; i++) {
      const r = await c.ok('message:send', { room, text: `p${i}` });
      seqs.push(r.seq); ids.push(String(r.id));
    }
    await c.collect('message:received', 6);

    const info = await srv.restart();
    assert.equal(info.code, 0, `graceful stop exits 0 (${JSON.stringify(info)})`);

    // The user survives, and logging in again works.
    const login = await post(srv, '/api/auth/login', { username: u.username, password: u.password });
    assert.equal(login.status, 200, login.text);
    const token = login.body.token;
    const h = await get(srv, `/api/rooms/${encodeURIComponent(room)}/messages`, { token });
    assert.equal(h.status, 200, h.text);
    assert.deepEqual(h.body.messages.map((m) => m.seq), seqs);
    assert.deepEqual(h.body.messages.map((m) => String(m.id)), ids);
    assert.deepEqual(h.body.messages.map((m) => m.text), seqs.map((_, i) => `p${i}`));

    c = await connect(srv, token);
    t.after(() => c.terminate());
    const j = await c.ok('room:join', { room, since: seqs[2] });
    assert.equal(j.lastSeq, seqs[5]);
    const replay = await c.collect('message:received', 3);
    assert.deepEqual(replay.map((m) => m.seq), seqs.slice(3));
    // New messages continue the sequence.
    const r = await c.ok('message:send', { room, text: 'after restart' });
    assert.ok(r.seq > seqs[5], `seq ${r.seq} continues after ${seqs[5]}`);
    assert.ok(!ids.includes(String(r.id)), 'ids stay unique across restarts');
    assert.equal((await c.next('message:received')).seq, r.seq);

    // A token issued before the restart is still valid (same --jwt-secret).
    const old = await connect(srv, u.token);
    old.terminate();
  });
});
