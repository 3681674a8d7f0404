// Cluster: Redis restarts mid-traffic. Nodes keep serving their own connections, /readyz says not ready,
// presence fails fast, and after Redis returns nothing acknowledged is lost or duplicated.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from '../e2e/lib/client.mjs';
import { get, newUser, uniqueRoom } from '../e2e/lib/http.mjs';
import { startCluster, until } from './lib/cluster.mjs';
import { assertComplete, record, startSender } from './lib/traffic.mjs';

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

describe('cluster with a Redis restart', () => {
  let c;
  before(async () => { c = await startCluster({ nodes: 2 }); });
  after(async () => { await c?.down(); });

  it('serves local connections while Redis is down and loses nothing acknowledged', async () => {
    const room = uniqueRoom('redis');
    const [a, b, r1, r2] = await Promise.all(Array.from({ length: 4 }, () => newUser(c.lb, 'ro')));
    const ca = await connect(c.nodes[0], a.token);
    const cb = await connect(c.nodes[1], b.token);
    const cr1 = await connect(c.nodes[0], r1.token);
    const cr2 = await connect(c.nodes[1], r2.token);
    for (const cl of [ca, cb, cr1, cr2]) await cl.ok('room:join', { room });
    const got = { r1: [], r2: [] };
    record(cr1, room, got.r1);
    record(cr2, room, got.r2);
    const acked = new Set();
    const senders = [startSender(ca, room, acked, { tag: 'a' }), startSender(cb, room, acked, { tag: 'b' })];
    await pause(800);

    c.stopRedis();
    await until(async () => (await get(c.nodes[0], '/readyz')).status === 503, 5000, '/readyz turns 503');
    const ready = await get(c.nodes[1], '/readyz');
    assert.equal(ready.body.broker.ok, false);
    // Presence answers at once (an error), never hangs.
    const t0 = Date.now();
    const reply = await cr1.request('presence:list', { room });
    assert.ok(Date.now() - t0 < 1000, 'presence:list answered fast');
    assert.equal(reply.ok, false);
    // Local delivery: a message from node 1 reaches node 1's members while Redis is down.
    const local = await ca.ok('message:send', { room, text: 'during the outage' });
    acked.add(local.seq);
    await cr1.next('message:received', (d) => d.seq === local.seq, 3000);
    await pause(1500);

    c.startRedis();
    await until(async () => (await get(c.nodes[0], '/readyz')).status === 200 &&
      (await get(c.nodes[1], '/readyz')).status === 200, 10_000, 'ready again after Redis returns');
    await pause(1000);
    await Promise.all(senders.map((s) => s.stop()));
    await until(async () => [...acked].every((s) => got.r1.includes(s) && got.r2.includes(s)), 10_000,
      'every acknowledged message arrived');
    await pause(500);
    assertComplete(got.r1, acked, 'receiver on node 1');
    assertComplete(got.r2, acked, 'receiver on node 2');
    // Presence works again (this node rewrote its entries).
    const members = await cr1.ok('presence:list', { room });
    assert.equal(members.length, 4);
    console.log(`# redis restart: ${acked.size} acknowledged, lost 0, duplicated 0`);
    for (const cl of [ca, cb, cr1, cr2]) cl.ws.close();
  });
});
