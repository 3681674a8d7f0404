// docs/protocol.md §4: a client that reads too slowly is disconnected past --send-queue-bytes (close 4008), the rest
// of the room gets every message in order, and the slow client resumes with `since` without a gap.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serverFor } from './lib/server.mjs';
import { newUser, uniqueRoom, sameId } from './lib/http.mjs';
import { connect } from './lib/client.mjs';
import { assertStrictlyIncreasing } from './lib/util.mjs';

const MAX_MESSAGES = 12000;     // ~24 MB: far beyond the queue plus any kernel socket buffers
const FLOOD_DEADLINE_MS = 60_000;
const WINDOW = 8;               // sends in flight at once: bursts of ~18 KB, well under the 64 KiB queue

describe('slow reader', { timeout: 150_000 }, () => {
  it('is disconnected past --send-queue-bytes while the room keeps flowing, then resumes without a gap', async (t) => {
    const srv = await serverFor(t, { args: ['--send-queue-bytes', '65536', '--rate-limit', '0'] });
    const [sender, normal, slow] = [await newUser(srv, 'fsend'), await newUser(srv, 'fnorm'), await newUser(srv, 'fslow')];
    const room = uniqueRoom('flood');
    const cs = await connect(srv, sender.token);
    const cn = await connect(srv, normal.token);
    const cl = await connect(srv, slow.token);
    const opened = [cs, cn, cl];
    t.after(() => { for (const c of opened) c.terminate(); });
    await cs.ok('room:join', { room });
    await cn.ok('room:join', { room });
    const slowJoin = await cl.ok('room:join', { room });

    // The slow reader stops reading: nothing is taken off its TCP socket any more.
    cl.ws._socket.pause();

    let disconnected = false;
    const leftPush = cn.next('user:left', (d) => d.room === room && sameId(d.userId, slow.id), FLOOD_DEADLINE_MS + 10_000);
    leftPush.then(() => { disconnected = true; }, () => {});

    const pad = 'x'.repeat(2000);
    const textOf = (i) => `${String(i).padStart(6, '0')}:${pad}`;
    const acked = [];            // seqs in send order
    let i = 0;
    const t0 = Date.now();
    while (!disconnected && i < MAX_MESSAGES && Date.now() - t0 < FLOOD_DEADLINE_MS) {
      const batch = [];
      for (let k = 0; k < WINDOW; k++) batch.push(cs.ok('message:send', { room, text: textOf(i++) }, { timeout: 20_000 }));
      for (const r of await Promise.all(batch)) acked.push(r.seq);
    }
    const floodMs = Date.now() - t0;
    // The flood stops as soon as the room hears (user:left) that the slow reader is gone, or after
    // MAX_MESSAGES, by which point it must have been dropped; user:left itself is asserted at the end.
    t.diagnostic(`flood: ${i} messages (~${(i * 2 / 1024).toFixed(1)} MB) in ${floodMs} ms; user:left seen: ${disconnected}`);
    // A few more after the disconnect: the slow client must pick these up on resume as well.
    for (let k = 0; k < 20; k++) acked.push((await cs.ok('message:send', { room, text: textOf(i++) })).seq);
    assertStrictlyIncreasing(acked, 'acked seq');

    // The normal reader got every message, in order.
    const got = await cn.collect('message:received', acked.length, (d) => d.room === room, 20_000);
    assert.deepEqual(got.map((m) => m.seq), acked, 'the normal reader sees every message in seq order');
    assert.deepEqual(got.map((m) => m.text.slice(0, 6)), acked.map((_, k) => String(k).padStart(6, '0')));

    // The slow reader, once it reads again, finds its connection closed (4008 if the close frame got through).
    cl.ws._socket.resume();
    const { code } = await cl.closed(30_000);
    t.diagnostic(`slow reader close code ${code}`);
    assert.ok(code === 4008 || code === 1006, `expected close 4008 (or an abrupt close), got ${code}`);
    const partial = cl.all.filter((m) => m.event === 'message:received').map((m) => m.data.seq);
    assert.ok(partial.length < acked.length, 'the slow reader was cut off before the end');
    assert.deepEqual(partial, acked.slice(0, partial.length), 'what it did get is a gap-free prefix');

    // It reconnects and resumes with since = the last seq it saw.
    const lastSeen = partial.length ? partial[partial.length - 1] : slowJoin.lastSeq;
    const cl2 = await connect(srv, slow.token);
    opened.push(cl2);
    const rejoin = await cl2.ok('room:join', { room, since: lastSeen });
    assert.equal(rejoin.lastSeq, acked[acked.length - 1]);
    const rest = acked.filter((s) => s > lastSeen);
    const replay = await cl2.collect('message:received', rest.length, (d) => d.room === room, 20_000);
    assert.deepEqual(replay.map((m) => m.seq), rest, 'resume replays every missed message once, in order');
    assert.deepEqual([...partial, ...replay.map((m) => m.seq)], acked, 'no gap, no duplicate across the reconnect');
    assert.ok(disconnected, 'the room got user:left when the slow reader was disconnected');
  });
});
