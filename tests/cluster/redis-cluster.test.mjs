// Cluster over a Redis Cluster (3 primaries + 3 replicas): rooms whose channels live on different shards,
// DMs and presence work across Parley nodes with sharded pub/sub only; a primary killed mid-traffic is
// replaced by its replica, the nodes follow the new slot map, and nothing acknowledged is lost or duplicated.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from '../e2e/lib/client.mjs';
import { get, newUser, uniqueRoom } from '../e2e/lib/http.mjs';
import { metric, startCluster, until } from './lib/cluster.mjs';
import { assertComplete, record, startSender } from './lib/traffic.mjs';

const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const roomChannel = (room) => `parley:room:${room}`;

/** Calls per command from INFO commandstats of one node: {spublish: 12, ...}. */
function commandCalls(rc, port) {
  const calls = {};
  for (const line of rc.cli(port, 'info', 'commandstats').split('\n')) {
    const m = line.match(/^cmdstat_([^:]+):calls=(\d+)/);
    if (m) calls[m[1]] = Number(m[2]);
  }
  return calls;
}

/** Shard subscribers of `channel` on the shard of `primary` (a Parley node may SSUBSCRIBE on a replica). */
function shardSubscribers(rc, view, primary, channel) {
  const shard = view.filter((n) => n.id === primary.id || n.masterId === primary.id);
  return shard.reduce((sum, n) => sum + Number(rc.cli(n.port, 'pubsub', 'shardnumsub', channel).split('\n')[1]), 0);
}

/** A metric for the log line; 'n/a' when the node does not export it. */
const figure = (node, name) => metric(node, name).catch(() => 'n/a');

describe('cluster over a Redis Cluster (2 nodes, 3 primaries + 3 replicas)', () => {
  let c;
  before(async () => { c = await startCluster({ nodes: 2, redisCluster: 3 }); });
  after(async () => { await c?.down(); });

  it('delivers rooms on different shards, DMs and presence across nodes with sharded pub/sub only', async () => {
    const rc = c.redisCluster;
    const view = rc.nodes();
    const primaries = view.filter((n) => n.role === 'master' && n.slots.length > 0);
    assert.equal(primaries.length, 3, JSON.stringify(view));
    for (const n of c.nodes) {
      // A node answers /healthz at once; /readyz once its broker holds a primary for every slot (a moment later).
      const ready = await until(async () => {
        const r = await get(n, '/readyz');
        return r.status === 200 ? r : undefined;
      }, 10_000, `${n.httpUrl} ready`);
      assert.equal(ready.status, 200, ready.text);
      assert.equal(ready.body.broker.ok, true, ready.text);
      assert.equal(ready.body.broker.kind, 'redis-cluster', ready.text);
      assert.equal(ready.body.broker.shards, 3, ready.text);
      assert.equal(await metric(n, 'parley_redis_cluster_shards'), 3);
    }

    // One room per primary: names whose channel hashes to a slot of that primary.
    const roomOn = new Map();  // primary id -> room
    for (let i = 0; roomOn.size < primaries.length && i < 200; i++) {
      const room = uniqueRoom('shard');
      const slot = rc.keySlot(roomChannel(room));
      const owner = primaries.find((p) => p.slots.some(([a, b]) => slot >= a && slot <= b));
      if (!roomOn.has(owner.id)) roomOn.set(owner.id, room);
    }
    assert.ok(roomOn.size >= 2, `rooms on ${roomOn.size} primaries only`);
    const rooms = [...roomOn.values()];

    const [a, b] = await Promise.all([newUser(c.lb, 'rc'), newUser(c.lb, 'rc')]);
    const ca = await connect(c.nodes[0], a.token);
    const cb = await connect(c.nodes[1], b.token);
    for (const room of rooms) {
      await ca.ok('room:join', { room });
      await cb.ok('room:join', { room });
    }
    for (const room of rooms) {
      const texts = [`a in ${room}`, `b in ${room}`];
      const arrivals = [ca, cb].flatMap((cl) =>
        texts.map((text) => cl.next('message:received', (d) => d.room === room && d.text === text)));
      await ca.ok('message:send', { room, text: texts[0] });
      await cb.ok('message:send', { room, text: texts[1] });
      await Promise.all(arrivals);
    }
    const toB = cb.next('message:private:received', (d) => d.text === 'hi b');
    const toA = ca.next('message:private:received', (d) => d.text === 'hi a');
    await ca.ok('message:private', { to: b.id, text: 'hi b' });
    await cb.ok('message:private', { to: a.id, text: 'hi a' });
    assert.equal(String((await toB).from.id), String(a.id));
    assert.equal(String((await toA).from.id), String(b.id));
    for (const room of rooms) {
      for (const cl of [ca, cb]) {
        const members = await cl.ok('presence:list', { room });
        assert.deepEqual(members.map((m) => String(m.userId)).sort(), [String(a.id), String(b.id)].sort(), room);
      }
    }

    // The traffic went through more than one shard, by SPUBLISH and SSUBSCRIBE, never plain PUBLISH.
    const spublished = primaries.map((p) => commandCalls(rc, p.port).spublish ?? 0);
    assert.ok(spublished.filter((n) => n > 0).length >= 2, `SPUBLISH calls per primary: ${spublished}`);
    for (const port of rc.ports) assert.equal(commandCalls(rc, port).publish ?? 0, 0, `plain PUBLISH on ${port}`);
    for (const [id, room] of roomOn) {
      const subscribers = shardSubscribers(rc, view, primaries.find((p) => p.id === id), roomChannel(room));
      assert.equal(subscribers, 2, `${roomChannel(room)}: one shard subscription per Parley node`);
    }
    console.log(`# redis cluster: ${rooms.length} rooms on ${roomOn.size} shards, DMs and presence across nodes; ` +
      `SPUBLISH calls per primary ${spublished.join('/')}, plain PUBLISH 0`);
    for (const cl of [ca, cb]) cl.ws.close();
  });

  it('survives the kill -9 of a primary mid-traffic: nothing acknowledged lost or duplicated', async () => {
    const rc = c.redisCluster;
    const room = uniqueRoom('rcfail');
    const view = rc.nodes();
    const victim = view.find((n) => n.port === rc.primaryForKey(roomChannel(room)));
    const replica = view.find((n) => n.masterId === victim.id);
    const witness = view.find((n) => n.role === 'master' && n.id !== victim.id);  // asked for the cluster's view
    assert.ok(replica && witness, JSON.stringify(view));

    const [a, b, r1, r2] = await Promise.all(Array.from({ length: 4 }, () => newUser(c.lb, 'rf')));
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
    await until(async () => acked.size >= 20, 10_000, 'traffic flows before the kill');

    const killedAt = Date.now();
    rc.killPrimary(victim.port);
    await until(async () => {
      const now = rc.nodes(witness.port);
      const promoted = now.find((n) => n.id === replica.id);
      return promoted.role === 'master' && promoted.slots.length > 0 && now.find((n) => n.id === victim.id).failed;
    }, 30_000, `the replica ${replica.port} of ${victim.port} is promoted`);
    const promotedMs = Date.now() - killedAt;
    assert.equal(rc.primaryForKey(roomChannel(room)), replica.port);

    await until(async () => {
      for (const n of c.nodes) {
        if ((await get(n, '/readyz')).status !== 200) return false;
        if ((await metric(n, 'parley_redis_cluster_topology_changes_total')) < 1) return false;
      }
      return true;
    }, 30_000, 'both nodes ready on the new slot map');
    const readyMs = Date.now() - killedAt;
    for (const n of c.nodes) assert.equal((await get(n, '/readyz')).body.broker.shards, 3);

    // The room keeps working through the promoted primary.
    const ackedWhenReady = acked.size;
    await until(async () => acked.size >= ackedWhenReady + 20, 15_000, 'messages acknowledged after the failover');
    const failures = await Promise.all(senders.map((s) => s.stop()));
    await until(async () => [...acked].every((s) => got.r1.includes(s) && got.r2.includes(s)), 15_000,
      'every acknowledged message arrived');
    await pause(500);
    assertComplete(got.r1, acked, 'receiver on node 1');
    assertComplete(got.r2, acked, 'receiver on node 2');

    const figures = [];
    for (const n of c.nodes) {
      figures.push(`${n.id}: topology changes ${await figure(n, 'parley_redis_cluster_topology_changes_total')}, ` +
        `MOVED ${await figure(n, 'parley_redis_cluster_redirects_total{kind="moved"}')}, ` +
        `ASK ${await figure(n, 'parley_redis_cluster_redirects_total{kind="ask"}')}`);
    }
    console.log(`# redis cluster failover: ${acked.size} acknowledged, lost 0, duplicated 0; replica promoted after ` +
      `${promotedMs} ms, nodes ready after ${readyMs} ms; sender failures ${failures}; ${figures.join('; ')}`);
    for (const cl of [ca, cb, cr1, cr2]) cl.ws.close();
  });
});
