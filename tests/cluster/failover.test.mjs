// Cluster: kill -9 of a node mid-conversation. Its clients reconnect through nginx, rejoin with `since`,
// and no acknowledged message is lost or duplicated; its connections leave presence within 15 s.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from '../e2e/lib/client.mjs';
import { newUser, uniqueRoom } from '../e2e/lib/http.mjs';
import { startCluster, until } from './lib/cluster.mjs';
import { assertComplete, record, startSender } from './lib/traffic.mjs';

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

describe('cluster failover (kill -9 of a node)', () => {
  let c;
  before(async () => { c = await startCluster({ nodes: 3 }); });
  after(async () => { await c?.down(); });

  it('loses and duplicates nothing acknowledged; presence forgets the dead node within 15 s', async () => {
    const room = uniqueRoom('kill');
    const [s1, s3, v, w, ghost] = await Promise.all(Array.from({ length: 5 }, () => newUser(c.lb, 'ko')));
    // Senders on the survivors, victims and a ghost (never comes back) on node 2.
    const cs1 = await connect(c.nodes[0], s1.token);
    const cs3 = await connect(c.nodes[2], s3.token);
    const cw = await connect(c.nodes[0], w.token);  // a plain receiver on a survivor
    let cv = await connect(c.nodes[1], v.token);
    const cg = await connect(c.nodes[1], ghost.token);
    for (const cl of [cs1, cs3, cw, cv, cg]) await cl.ok('room:join', { room });
    const got = { v: [], w: [] };
    record(cw, room, got.w);
    record(cv, room, got.v);
    const acked = new Set();
    const senders = [startSender(cs1, room, acked, { tag: 'a' }), startSender(cs3, room, acked, { tag: 'b' })];
    await pause(1000);

    const ghostLeft = cw.next('user:left', (d) => d.room === room && String(d.userId) === String(ghost.id), 20_000);
    const killedAt = Date.now();
    c.killNode(1);
    await cv.closed?.();
    // The victim reconnects through nginx (which skips the dead node) and resumes from what it saw.
    const since = got.v.length ? got.v[got.v.length - 1] : 0;
    cv = await until(async () => connect(c.lb, v.token), 10_000, 'reconnect through nginx');
    record(cv, room, got.v);
    await cv.ok('room:join', { room, since });
    const reconnectedMs = Date.now() - killedAt;

    await ghostLeft;
    const presenceMs = Date.now() - killedAt;
    const members = await cw.ok('presence:list', { room });
    assert.ok(!members.some((m) => String(m.userId) === String(ghost.id)), 'the ghost is gone from presence');
    assert.ok(presenceMs <= 15_000, `presence forgot the dead node after ${presenceMs} ms`);

    await pause(500);
    const failures = await Promise.all(senders.map((s) => s.stop()));
    await until(async () => [...acked].every((s) => got.v.includes(s) && got.w.includes(s)), 10_000,
      'every acknowledged message arrived');
    await pause(500);
    assertComplete(got.w, acked, 'survivor');
    assertComplete(got.v, acked, 'resumed victim');
    console.log(`# kill -9: ${acked.size} acknowledged, lost 0, duplicated 0; reconnect+rejoin after ${reconnectedMs} ms; ` +
      `dead node left presence after ${presenceMs} ms; sender failures ${failures}`);
    for (const cl of [cs1, cs3, cw, cv]) cl.ws.close();
  });
});
