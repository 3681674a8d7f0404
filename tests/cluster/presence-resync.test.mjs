// Cluster: presence after Redis comes back. A node rewrites its presence entries after every reconnect (Redis
// may have restarted empty, or failed over to a replica that missed the last writes): the rewrite must never
// make a room's member count dip, and joins and leaves made while Redis was down must be announced
// (user:joined / user:left) to the room's other members once it is back.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { connect } from '../e2e/lib/client.mjs';
import { get, newUser, sameId, uniqueRoom } from '../e2e/lib/http.mjs';
import { startCluster, until } from './lib/cluster.mjs';

/** Every keyspace notification Redis sends for keys matching `pattern`, in order: {key, op}. */
function keyspaceEvents(port, pattern) {
  const proc = spawn('redis-cli', ['-p', String(port), '--csv', 'psubscribe', `__keyspace@0__:${pattern}`]);
  const list = [];
  let subscribed;
  const ready = new Promise((resolve) => { subscribed = resolve; });
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const fields = line.split(',').map((f) => f.replace(/^"|"$/g, ''));
    if (fields[0] === 'psubscribe') subscribed();
    if (fields[0] === 'pmessage') list.push({ key: fields[2].replace(/^__keyspace@0__:/, ''), op: fields[3] });
  });
  return { list, ready, stop: () => proc.kill() };
}

describe('presence across a Redis reconnect', () => {
  let c;
  before(async () => { c = await startCluster({ nodes: 2 }); });
  after(async () => { await c?.down(); });

  const readyIs = (status) => until(async () => (await get(c.nodes[0], '/readyz')).status === status &&
    (await get(c.nodes[1], '/readyz')).status === status, 15_000, `both nodes' /readyz ${status}`);

  it('announces a join and a leave made while Redis was down once it is back', async () => {
    const room = uniqueRoom('resync');
    const [a, w] = await Promise.all([newUser(c.lb, 'rsa'), newUser(c.lb, 'rsw')]);
    const cw = await connect(c.nodes[1], w.token);  // the watcher, on the other node
    await cw.ok('room:join', { room });
    const ca = await connect(c.nodes[0], a.token);
    const isA = (d) => d.room === room && sameId(d.userId, a.id);

    c.stopRedis();
    await readyIs(503);
    await ca.ok('room:join', { room });  // stored in PostgreSQL; presence cannot record it now
    c.startRedis();  // empty
    const joined = await cw.next('user:joined', isA, 15_000);
    assert.equal(joined.username, a.username);
    await readyIs(200);
    assert.deepEqual((await cw.ok('presence:list', { room })).map((m) => String(m.userId)).sort(),
      [String(a.id), String(w.id)].sort());

    c.stopRedis();
    await readyIs(503);
    await ca.ok('room:leave', { room });
    c.startRedis();
    const left = await cw.next('user:left', isA, 15_000);
    assert.equal(left.username, a.username);
    await readyIs(200);
    assert.deepEqual((await cw.ok('presence:list', { room })).map((m) => String(m.userId)), [String(w.id)]);
    // Each change was announced once.
    assert.equal(cw.buffered('user:joined', isA).length + cw.buffered('user:left', isA).length, 0);
    ca.ws.close();
    cw.ws.close();
  });

  it('never drops a member from the count while the nodes rewrite their entries', async () => {
    const room = uniqueRoom('nodip');
    const users = await Promise.all([newUser(c.lb, 'nda'), newUser(c.lb, 'ndb')]);
    const conns = [await connect(c.nodes[0], users[0].token), await connect(c.nodes[1], users[1].token)];
    for (const cl of conns) await cl.ok('room:join', { room });
    await readyIs(200);

    // Redis reports every change to the room's presence hashes, in order (keyspace notifications).
    c.redis('config', 'set', 'notify-keyspace-events', 'Kh');
    const events = keyspaceEvents(c.redisPort, `parley:{presence:${room}}:*`);
    try {
      await events.ready;
      // Every node's command connection drops (not their subscriptions); each reconnects and rewrites its
      // entries, as after a failover.
      c.redis('client', 'kill', 'type', 'normal');
      // Each node's rewrite sets its member's username again (HSET on …:names).
      await until(async () => events.list.filter((e) => e.key.endsWith(':names') && e.op === 'hset').length >= 2,
        15_000, 'both nodes rewrote their entries in the room');
      await readyIs(200);
      // Nothing touched a member's connection count (…:users): no decrement, no removal, so no dip.
      assert.deepEqual(events.list.filter((e) => e.key.endsWith(':users')), []);
      const reply = await conns[0].ok('room:join', { room });  // a rejoin answers the count, as rooms:list does
      assert.equal(reply.members, 2);
    } finally {
      events.stop();
      c.redis('config', 'set', 'notify-keyspace-events', '');
    }
    for (const cl of conns) cl.ws.close();
  });
});
