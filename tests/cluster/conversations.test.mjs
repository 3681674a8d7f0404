// Cluster: conversations that survive (docs/protocol.md §8) through real nodes, Redis, PostgreSQL and nginx.
// An offline DM found on another node, then a live exchange across nodes with consecutive seqs; read:marked
// and rooms:mine across nodes; idempotent resends (DMs and rooms) through another node, stored once; and a node
// killed with SIGKILL while DMs flow: its clients reconnect elsewhere, resend every unanswered message with the
// same clientMsgId, recipients catch up with dm:history `since`, and nothing acknowledged is lost, stored twice
// or shown twice.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newUser, uniqueRoom } from '../e2e/lib/http.mjs';
import { startCluster, until } from './lib/cluster.mjs';
import { fullHistory, openAs, openNative, openSio } from './lib/connections.mjs';

const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const same = (a, b) => String(a) === String(b);

describe('conversations across the cluster (3 nodes behind nginx, §8)', { timeout: 110_000 }, () => {
  let c;
  const open = [];
  const track = (conn) => { open.push(conn); return conn; };
  before(async () => { c = await startCluster({ nodes: 3 }); });
  after(async () => {
    for (const x of open) { try { x.close(); } catch { /* already gone */ } }
    await c?.down();
  });

  it('DMs to a user who is offline wait for her on another node; the live exchange continues the seqs', async () => {
    const [bob, alice] = [await newUser(c.lb, 'ob'), await newUser(c.lb, 'oa')];
    const b = track(await openNative(c.nodes[0], bob));
    const sent = [];
    for (const text of ['are you there?', 'call me', 'it is about the cluster']) {
      sent.push(await b.ok('message:private', { to: alice.id, text }));
    }
    assert.deepEqual(sent.map((r) => r.seq), [1, 2, 3]);

    const a = track(await openNative(c.nodes[1], alice));  // she logs in later, on node 2
    const [conv, ...others] = await a.ok('dm:list');
    assert.equal(others.length, 0);
    assert.deepEqual(conv.with, { id: bob.id, username: bob.username });
    assert.deepEqual([conv.lastSeq, conv.readSeq, conv.unread], [3, 0, 3]);
    assert.deepEqual([conv.last.id, conv.last.seq, conv.last.ts], [sent[2].id, 3, sent[2].ts]);
    const history = await a.ok('dm:history', { with: bob.id });
    assert.deepEqual(history.messages.map((m) => [m.id, m.seq, m.ts, m.from.id, m.to]),
      sent.map((r) => [r.id, r.seq, r.ts, bob.id, alice.id]));

    // Live, alternating between node 2 and node 1: one seq for both directions, each side pushed the other's
    // messages only (its own connection has the reply), at once and in order.
    const gotByBob = [];
    const gotByAlice = [];
    b.onDm((d) => gotByBob.push(d));
    a.onDm((d) => gotByAlice.push(d));
    const replies = [];
    for (let k = 0; k < 4; k++) {
      const [from, toUser, got] = k % 2 === 0 ? [a, bob, gotByBob] : [b, alice, gotByAlice];
      const r = await from.ok('message:private', { to: toUser.id, text: `live ${k}` });
      replies.push(r);
      await until(async () => got.some((d) => d.id === r.id), 5000, `live ${k} pushed across nodes`);
    }
    assert.deepEqual(replies.map((r) => r.seq), [4, 5, 6, 7], 'the live exchange continues the stored seqs');
    assert.deepEqual(gotByBob.map((d) => [d.seq, d.text]), [[4, 'live 0'], [6, 'live 2']]);
    assert.deepEqual(gotByAlice.map((d) => [d.seq, d.text]), [[5, 'live 1'], [7, 'live 3']]);
    assert.deepEqual((await fullHistory(b, alice.id)).map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7]);
    const [after] = await a.ok('dm:list');
    assert.deepEqual([after.lastSeq, after.unread], [7, 5], 'unread counts bob\'s messages only');
  });

  it('read:marked reaches the user\'s connections on other nodes; rooms:mine shows a room joined elsewhere', async () => {
    const [u, v] = [await newUser(c.lb, 'ru'), await newUser(c.lb, 'rv')];
    const room = uniqueRoom('mine');
    const u1 = track(await openNative(c.nodes[0], u));
    const u2 = track(await openNative(c.nodes[1], u));
    const u3 = track(await openSio(c.nodes[2], u, ['websocket']));
    const cv = track(await openNative(c.nodes[2], v));
    await u1.ok('room:join', { room });
    await cv.ok('room:join', { room });
    for (let k = 1; k <= 2; k++) await cv.ok('message:send', { room, text: `r${k}` });
    for (let k = 1; k <= 3; k++) await cv.ok('message:private', { to: u.id, text: `d${k}` });

    // rooms:mine on node 2 and node 3: the room u joined on node 1 (on another connection).
    for (const x of [u2, u3]) {
      const mine = await x.ok('rooms:mine');
      assert.deepEqual(mine.map((r) => [r.name, r.lastSeq, r.readSeq, r.unread, r.members]), [[room, 2, 0, 2, 2]]);
    }

    // A conversation marker set on node 1 reaches node 2 (native) and node 3 (Socket.IO), not node 1 itself.
    const marked = (conn) => conn.raw.next('read:marked', () => true, 5000);
    let waits = [marked(u2), marked(u3)];
    assert.deepEqual(await u1.ok('read:mark', { with: v.id, seq: 2 }), {});
    assert.deepEqual(await Promise.all(waits), [{ with: v.id, seq: 2 }, { with: v.id, seq: 2 }]);
    // A room marker set on node 2 reaches node 1 and node 3; past the end it is clamped.
    waits = [marked(u1), marked(u3)];
    await u2.ok('read:mark', { room, seq: 99 });
    assert.deepEqual(await Promise.all(waits), [{ room, seq: 2 }, { room, seq: 2 }]);
    assert.equal(u1.raw.buffered('read:marked').length, 0, 'the marking connection (node 1) is not told of its own mark');
    assert.equal(u2.raw.buffered('read:marked').length, 0, 'the marking connection (node 2) is not told of its own mark');

    const [conv] = await u2.ok('dm:list');
    assert.deepEqual([conv.with.id, conv.lastSeq, conv.readSeq, conv.unread], [v.id, 3, 2, 1]);
    assert.equal((await u3.ok('room:join', { room })).readSeq, 2);
    const [r] = await u1.ok('rooms:mine');
    assert.deepEqual([r.name, r.readSeq, r.unread], [room, 2, 0]);
    assert.deepEqual((await cv.ok('dm:list')).map((x) => x.readSeq), [0], 'v\'s own marker is untouched');
  });

  it('a resend with the same clientMsgId through another node answers the first reply and stores once', async () => {
    const [u, v] = [await newUser(c.lb, 'iu'), await newUser(c.lb, 'iv')];
    const room = uniqueRoom('idem');
    const u1 = track(await openNative(c.nodes[0], u));
    const u2 = track(await openNative(c.nodes[1], u));
    const us = track(await openSio(c.nodes[2], u, ['websocket']));
    const cv = track(await openNative(c.nodes[2], v));
    for (const x of [u1, u2, us, cv]) await x.ok('room:join', { room });
    const roomPushes = [];
    cv.raw.ws.on('message', (raw) => {
      const m = JSON.parse(raw);
      if (m.event === 'message:received' && m.data.room === room) roomPushes.push(m.data);
    });
    const dmPushes = [];
    cv.onDm((d) => dmPushes.push(d));

    const dm = await u1.ok('message:private', { to: v.id, text: 'dm once', clientMsgId: 'x-dm-1' });
    assert.deepEqual(await u2.ok('message:private', { to: v.id, text: 'dm resent', clientMsgId: 'x-dm-1' }), dm);
    assert.deepEqual(await us.ok('message:private', { to: v.id, text: 'dm resent 2', clientMsgId: 'x-dm-1' }), dm);
    const sent = await u1.ok('message:send', { room, text: 'room once', clientMsgId: 'x-room-1' });
    assert.deepEqual(await u2.ok('message:send', { room, text: 'room resent', clientMsgId: 'x-room-1' }), sent);
    assert.deepEqual(await us.ok('message:send', { room, text: 'room resent 2', clientMsgId: 'x-room-1' }), sent);

    // The same new key sent through node 1 and node 2 at once: one message, both replies the same.
    const racing = await Promise.all([
      u1.ok('message:private', { to: v.id, text: 'race a', clientMsgId: 'x-dm-race' }),
      u2.ok('message:private', { to: v.id, text: 'race b', clientMsgId: 'x-dm-race' }),
    ]);
    assert.deepEqual(racing[1], racing[0], 'concurrent sends of one clientMsgId through two nodes');

    // Fresh messages after the resends, through node 2: once they arrive, anything pushed before has arrived.
    const dmAfter = await u2.ok('message:private', { to: v.id, text: 'dm after', clientMsgId: 'x-dm-2' });
    const after = await u2.ok('message:send', { room, text: 'room after', clientMsgId: 'x-room-2' });
    await until(async () => dmPushes.some((d) => d.id === dmAfter.id) && roomPushes.some((d) => d.id === after.id),
      5000, 'the fresh messages arrived');
    assert.deepEqual([dmAfter.seq, after.seq], [dm.seq + 2, sent.seq + 1]);
    assert.deepEqual(dmPushes.map((d) => [d.seq, d.clientMsgId]), [[1, 'x-dm-1'], [2, 'x-dm-race'], [3, 'x-dm-2']],
      'each DM pushed once');
    assert.deepEqual(roomPushes.map((d) => [d.seq, d.text]), [[1, 'room once'], [2, 'room after']],
      'each room message pushed once');
    const history = await fullHistory(cv, u.id);
    assert.deepEqual(history.map((m) => [m.id, m.seq, m.clientMsgId]),
      [[dm.id, 1, 'x-dm-1'], [racing[0].id, 2, 'x-dm-race'], [dmAfter.id, 3, 'x-dm-2']], 'each DM stored once');
    assert.ok(['race a', 'race b'].includes(history[1].text));
    const roomHistory = await cv.ok('history', { room });
    assert.deepEqual(roomHistory.messages.map((m) => [m.id, m.seq, m.text]),
      [[sent.id, 1, 'room once'], [after.id, 2, 'room after']], 'each room message stored once');
  });

  it('SIGKILL of a node while DMs flow: resends store once, seqs have no gap, every recipient sees each once', async () => {
    const DEAD = 1;  // node 2 dies
    // [sender node, sender protocol, recipient node, recipient protocol]: senders and recipients on the node
    // that dies and on the survivors, both protocols, one pair entirely on the dead node, one pair untouched.
    const layout = [
      [0, 'native', DEAD, 'native'],
      [DEAD, 'native', 2, 'native'],
      [2, 'native', 0, 'native'],
      [DEAD, 'websocket', 0, 'websocket'],
      [2, 'websocket', DEAD, 'polling'],
      [DEAD, 'native', DEAD, 'websocket'],
    ];
    const pairs = await Promise.all(layout.map(async ([sn, sp, rn, rp], i) => {
      const [su, ru] = [await newUser(c.lb, `ks${i}`), await newUser(c.lb, `kr${i}`)];
      const sender = { user: su, proto: sp, node: sn, conn: track(await openAs(sp, c.nodes[sn], su)) };
      const recipient = { user: ru, proto: rp, node: rn, conn: track(await openAs(rp, c.nodes[rn], ru)),
        segments: [], catchups: [] };
      return { i, tag: `p${i}`, sender, recipient, entries: new Map(), queue: [], inflight: new Set(), k: 0,
        resends: 0, unansweredAtLoss: 0, errors: [] };
    }));
    const name = (p) => `pair ${p.i} (${p.sender.proto}@n${p.sender.node + 1} -> ${p.recipient.proto}@n${p.recipient.node + 1})`;

    // Recipients record each live connection's pushes as one segment; a round trip attaches every connection.
    const attach = (p) => {
      const seg = [];
      p.recipient.segments.push(seg);
      p.recipient.conn.onDm((d) => { if (same(d.from.id, p.sender.user.id)) seg.push(d); });
    };
    for (const p of pairs) {
      attach(p);
      await p.recipient.conn.ok('dm:list');
      await p.sender.conn.ok('dm:list');
    }

    // A sender keeps up to 3 DMs in flight, one new every 150 ms (under the 10/s rate limit, so that the
    // resends after the reconnection fit in the burst). A DM whose reply never came (the connection was lost,
    // a timeout, or an error reply) goes back to the queue and is resent with the same clientMsgId.
    let running = true;
    const send = (p, cmid) => {
      const e = p.entries.get(cmid);
      const conn = p.sender.conn;
      e.sends += 1;
      if (e.sends > 1) p.resends += 1;
      p.inflight.add(cmid);
      return conn.request('message:private', { to: p.recipient.user.id, text: e.text, clientMsgId: cmid }, 5000)
        .then((r) => {
          if (r.ok) e.replies.push(r.data);
          else {
            p.errors.push(r.error.code);
            if (!e.replies.length) p.queue.push(cmid);
          }
        }, () => { if (!e.replies.length) p.queue.push(cmid); })
        .finally(() => p.inflight.delete(cmid));
    };
    const fresh = (p) => {
      p.k += 1;
      const cmid = `${p.tag}-${p.k}`;
      p.entries.set(cmid, { cmid, text: `${p.tag} dm ${p.k}`, sends: 0, replies: [] });
      return cmid;
    };
    const loops = pairs.map((p) => (async () => {
      while (running) {
        if (p.sender.conn && p.inflight.size < 3) send(p, p.queue.shift() ?? fresh(p));
        await pause(150);
      }
      // Stopped: resend until every DM has its reply (bounded).
      const deadline = Date.now() + 20_000;
      while (p.queue.length || p.inflight.size) {
        assert.ok(Date.now() < deadline, `${name(p)}: DMs still unanswered: ${[...p.queue, ...p.inflight]}`);
        if (p.sender.conn && p.queue.length && p.inflight.size < 3) send(p, p.queue.shift());
        await pause(50);
      }
    })());

    // Clients of the dead node reconnect through nginx (which skips it). A sender resends every unanswered DM
    // (queued when its request failed) and, deliberately, its last three answered ones; a recipient asks dm:list
    // (from its lastSeq on, the new connection orders the conversation) and catches up with dm:history `since`
    // the last seq it saw, after staying away long enough for DMs to wait for it.
    const reconnectSender = async (p) => {
      await p.sender.conn.lost;
      p.sender.conn = null;
      p.unansweredAtLoss = p.queue.length + p.inflight.size;
      p.sender.conn = track(await until(async () => openAs(p.sender.proto, c.lb, p.sender.user), 10_000,
        `${name(p)}: sender reconnects`));
      const answered = [...p.entries.values()].filter((e) => e.replies.length && !p.queue.includes(e.cmid))
        .sort((a, b) => a.replies[0].seq - b.replies[0].seq).slice(-3);
      p.queue.unshift(...answered.map((e) => e.cmid));
    };
    const lastSeen = (r) => Math.max(0, ...r.segments.flat().map((d) => d.seq), ...r.catchups.flatMap((x) => x.messages.map((d) => d.seq)));
    const reconnectRecipient = async (p) => {
      const r = p.recipient;
      await r.conn.lost;
      const since = lastSeen(r);
      // Offline for a while: back only once its sender has had three more DMs stored, so the catch-up has work.
      await until(async () => [...p.entries.values()].filter((e) => e.replies.length && e.replies[0].seq > since).length >= 3,
        10_000, `${name(p)}: DMs stored while the recipient is away`);
      r.conn = track(await until(async () => openAs(r.proto, c.lb, r.user), 10_000, `${name(p)}: recipient reconnects`));
      attach(p);
      const list = await r.conn.ok('dm:list');
      const messages = [];
      for (;;) {
        const from = messages.length ? messages[messages.length - 1].seq : since;
        const page = await r.conn.ok('dm:history', { with: p.sender.user.id, since: from, limit: 100 });
        messages.push(...page.messages);
        if (page.messages.length < 100) break;
      }
      r.catchups.push({ since, listed: list.find((x) => same(x.with.id, p.sender.user.id))?.lastSeq ?? 0, messages });
    };

    // Let traffic flow for a second so every pair has acknowledged DMs before the kill (pacing, not a wait for
    // an event); then one more DM from each sender on the node that dies, sent just before the kill, so each has
    // at least one DM whose fate (not read, stored but unanswered, answered) the kill decides.
    await pause(1000);
    for (const p of pairs) assert.ok([...p.entries.values()].some((e) => e.replies.length), `${name(p)}: flowing`);
    const onDead = (p) => p.sender.node === DEAD;
    for (const p of pairs.filter(onDead)) send(p, fresh(p));
    const killedAt = Date.now();
    c.killNode(DEAD);
    const recovering = [
      ...pairs.filter(onDead).map(reconnectSender),
      ...pairs.filter((p) => p.recipient.node === DEAD).map(reconnectRecipient),
    ];
    await Promise.all(recovering);
    const recoveredMs = Date.now() - killedAt;
    // Keep the flow going after the reconnections, so DMs follow every resend.
    await pause(1500);
    running = false;
    await Promise.all(loops);

    // A last DM from each sender: the recipient's connection orders its pushes, so once it has this one, anything
    // pushed before it has arrived (and a stored DM whose push died with the node was filled from the store).
    for (const p of pairs) {
      const fence = fresh(p);
      await send(p, fence);
      assert.equal(p.entries.get(fence).replies.length, 1, `${name(p)}: the last DM was answered`);
      const fenceId = p.entries.get(fence).replies[0].id;
      const seg = p.recipient.segments[p.recipient.segments.length - 1];
      await until(async () => seg.some((d) => d.id === fenceId), 10_000, `${name(p)}: the last DM arrived`);
    }

    const report = [];
    for (const p of pairs) {
      const who = name(p);
      const history = await fullHistory(p.recipient.conn, p.sender.user.id);
      const n = history.length;
      // Stored: seqs 1..N, no gap, no duplicate; one message per clientMsgId, every one of them stored.
      assert.deepEqual(history.map((m) => m.seq), Array.from({ length: n }, (_, k) => k + 1), `${who}: seqs 1..N`);
      const keys = history.map((m) => m.clientMsgId);
      assert.equal(new Set(keys).size, n, `${who}: a clientMsgId stored twice`);
      assert.deepEqual([...keys].sort(), [...p.entries.keys()].sort(), `${who}: stored = sent, each once`);
      const bySeq = new Map(history.map((m) => [m.seq, m]));
      for (const e of p.entries.values()) {
        assert.ok(e.replies.length >= 1, `${who}: ${e.cmid} never answered`);
        // Every reply to a resend equals the first reply; the first reply is the stored message.
        for (const r of e.replies) assert.deepEqual(r, e.replies[0], `${who}: ${e.cmid} answered differently`);
        const m = bySeq.get(e.replies[0].seq);
        assert.deepEqual([m.id, m.seq, m.ts, m.clientMsgId, m.text], [e.replies[0].id, e.replies[0].seq, e.replies[0].ts,
          e.cmid, e.text], `${who}: ${e.cmid}'s reply is the stored message`);
        assert.ok(same(m.from.id, p.sender.user.id) && same(m.to, p.recipient.user.id), `${who}: from/to`);
      }

      // The recipient's view: each live connection's pushes are consecutive (ordered, gaps filled, nothing
      // twice); after a reconnection the catch-up starts right after the last seq seen and the new live pushes
      // start no later than right after the catch-up (they may overlap it: the same messages). Merged, every
      // message once, in seq order, as stored.
      const r = p.recipient;
      for (const [s, seg] of r.segments.entries()) {
        for (let k = 1; k < seg.length; k++) {
          assert.equal(seg[k].seq, seg[k - 1].seq + 1, `${who}: connection ${s} got seq ${seg[k - 1].seq} then ${seg[k].seq}`);
        }
      }
      let applied = 0;
      let overlap = 0;
      const view = [];
      const take = (d, source) => {
        if (d.seq <= applied) {
          assert.equal(d.id, view[d.seq - 1].id, `${who}: seq ${d.seq} differs between catch-up and live`);
          assert.equal(source, 'live', `${who}: seq ${d.seq} twice outside a catch-up/live overlap`);
          overlap += 1;
          return;
        }
        assert.equal(d.seq, applied + 1, `${who}: gap in the view: ${applied} then ${d.seq} (${source})`);
        assert.deepEqual([d.id, d.ts, d.text, d.clientMsgId], [bySeq.get(d.seq).id, bySeq.get(d.seq).ts,
          bySeq.get(d.seq).text, bySeq.get(d.seq).clientMsgId], `${who}: seq ${d.seq} as stored`);
        applied = d.seq;
        view.push(d);
      };
      r.segments[0].forEach((d) => take(d, 'first live'));
      r.catchups.forEach((cu, k) => {
        cu.messages.forEach((d) => take(d, 'catch-up'));
        r.segments[k + 1].forEach((d) => take(d, 'live'));
      });
      assert.equal(applied, n, `${who}: the recipient's view ends at ${applied} of ${n}`);
      if (r.node !== DEAD) assert.equal(r.segments.length, 1);
      if (r.node !== DEAD) assert.deepEqual(r.segments[0].map((d) => d.seq), history.map((m) => m.seq), `${who}: live only`);
      if (p.sender.node === DEAD) {
        assert.ok(p.resends >= 3, `${who}: resent its unanswered and last answered DMs`);
      }
      report.push(`${p.tag}: ${n} stored, ${p.resends} resends (${p.unansweredAtLoss} unanswered at the loss), ` +
        `${r.segments.length} live segment(s), catch-up ${r.catchups.map((x) => `since ${x.since}: ${x.messages.length}, listed ${x.listed}`).join('; ') || '-'}, ` +
        `overlap ${overlap}, error replies ${p.errors.join(',') || 'none'}`);
    }
    console.log(`# kill -9 of n${DEAD + 1} with DMs flowing; clients back after ${recoveredMs} ms\n# ${report.join('\n# ')}`);
  });
});
