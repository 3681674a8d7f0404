// Cluster: messages, DMs, presence, server-side emit and the rate limit across nodes, and targeted routing
// (a node hears nothing for rooms and users it has no member for). Real Redis, PostgreSQL and nginx.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from '../e2e/lib/client.mjs';
import { get, newUser, post, uniqueRoom } from '../e2e/lib/http.mjs';
import { API_KEY } from '../e2e/lib/server.mjs';
import { metric, startCluster, until } from './lib/cluster.mjs';

describe('cluster routing (3 nodes behind nginx)', () => {
  let c;
  before(async () => { c = await startCluster({ nodes: 3 }); });
  after(async () => { await c?.down(); });

  it('nginx serves the API and every node is ready', async () => {
    const health = await get(c.lb, '/healthz');
    assert.equal(health.status, 200);
    for (const n of c.nodes) {
      // /healthz answers at once; /readyz once the broker has authenticated and answered (a moment later).
      const ready = await until(async () => {
        const r = await get(n, '/readyz');
        return r.status === 200 ? r : undefined;
      }, 10_000, `${n.httpUrl} ready`);
      assert.equal(ready.body.broker.ok, true);
    }
  });

  it('room messages reach members on every node, once, in seq order', async () => {
    const room = uniqueRoom('x');
    const users = await Promise.all(c.nodes.map(() => newUser(c.lb, 'rt')));
    const clients = await Promise.all(users.map((u, i) => connect(c.nodes[i], u.token)));
    for (const cl of clients) await cl.ok('room:join', { room });
    const got = clients.map(() => []);
    clients.forEach((cl, i) => cl.ws.on('message', (raw) => {
      const m = JSON.parse(raw);
      if (m.event === 'message:received' && m.data.room === room) got[i].push(m.data.seq);
    }));
    // All three send at once: the store orders them, nodes publish concurrently.
    const per = 20;
    await Promise.all(clients.map((cl, i) => Promise.all(
      Array.from({ length: per }, (_, k) => cl.ok('message:send', { room, text: `n${i} ${k}` })))));
    const total = per * clients.length;
    await until(async () => got.every((g) => g.length >= total), 10_000, 'every member got every message');
    await new Promise((r) => setTimeout(r, 300));
    for (const g of got) assert.deepEqual(g, Array.from({ length: total }, (_, k) => k + 1));
    for (const cl of clients) cl.ws.close();
  });

  it('DMs reach every connection of the recipient and the sender\'s other connections across nodes', async () => {
    const [a, b] = [await newUser(c.lb, 'dm'), await newUser(c.lb, 'dm')];
    const a1 = await connect(c.nodes[0], a.token);
    const a2 = await connect(c.nodes[2], a.token);
    const b1 = await connect(c.nodes[1], b.token);
    const b2 = await connect(c.nodes[2], b.token);
    const wait = [b1, b2, a2].map((cl) => cl.next('message:private:received', (d) => d.text === 'hi b'));
    await a1.ok('message:private', { to: b.id, text: 'hi b' });
    for (const d of await Promise.all(wait)) assert.equal(String(d.from.id), String(a.id));
    for (const cl of [a1, a2, b1, b2]) cl.ws.close();
  });

  it('presence and member counts are cluster-wide; user:joined crosses nodes', async () => {
    const room = uniqueRoom('p');
    const [a, b] = [await newUser(c.lb, 'pr'), await newUser(c.lb, 'pr')];
    const ca = await connect(c.nodes[0], a.token);
    const cb = await connect(c.nodes[1], b.token);
    await ca.ok('room:join', { room });
    const joined = ca.next('user:joined', (d) => d.room === room && String(d.userId) === String(b.id));
    const reply = await cb.ok('room:join', { room });
    assert.equal(reply.members, 2);
    await joined;
    const list = await ca.ok('presence:list', { room });
    assert.deepEqual(list.map((m) => String(m.userId)).sort(), [String(a.id), String(b.id)].sort());
    const rooms = await get(c.nodes[2], '/api/rooms', { token: a.token });
    assert.equal(rooms.body.find((r) => r.name === room)?.members, 2);
    const left = ca.next('user:left', (d) => d.room === room && String(d.userId) === String(b.id));
    cb.ws.close();
    await left;
    ca.ws.close();
  });

  it('server-side emit reaches every node (all, room, user) through nginx', async () => {
    const users = await Promise.all(c.nodes.map(() => newUser(c.lb, 'em')));
    const clients = await Promise.all(users.map((u, i) => connect(c.nodes[i], u.token)));
    // A round trip each: the node has attached the connection (it hears "all" and its user) once it answers.
    await Promise.all(clients.map((cl) => cl.ok('presence:list', {})));
    const n = Date.now();
    const all = clients.map((cl) => cl.next('ops:notice', (d) => d.n === n));
    const res = await post(c.lb, '/api/publish', { to: { all: true }, event: 'ops:notice', data: { n } },
      { headers: { 'x-api-key': API_KEY } });
    assert.equal(res.status, 202);
    await Promise.all(all);
    const one = clients[2].next('ops:direct', (d) => d.n === n);
    await post(c.nodes[0], '/api/publish', { to: { user: users[2].id }, event: 'ops:direct', data: { n } },
      { headers: { 'x-api-key': API_KEY } });
    await one;
    for (const cl of clients) cl.ws.close();
  });

  it('the rate limit is per user across the cluster', async () => {
    const u = await newUser(c.lb, 'rl');
    const room = uniqueRoom('rl');
    const [x, y] = [await connect(c.nodes[0], u.token), await connect(c.nodes[1], u.token)];
    await x.ok('room:join', { room });
    await y.ok('room:join', { room });
    const replies = await Promise.all(Array.from({ length: 30 }, (_, k) =>
      (k % 2 ? x : y).request('message:send', { room, text: `r${k}` })));
    const ok = replies.filter((r) => r.ok).length;
    const limited = replies.filter((r) => !r.ok && r.error.code === 'rate_limited').length;
    assert.ok(ok >= 20 && ok <= 23, `accepted ${ok} of 30 (burst 20 shared by both nodes)`);
    assert.equal(ok + limited, 30);
    x.ws.close();
    y.ws.close();
  });

  it('targeted routing: a node with no member hears nothing of a room or a user', async () => {
    const room = uniqueRoom('t');
    const [a, b, d] = [await newUser(c.lb, 'tg'), await newUser(c.lb, 'tg'), await newUser(c.lb, 'tg')];
    const ca = await connect(c.nodes[0], a.token);
    const cb = await connect(c.nodes[1], b.token);
    const cd = await connect(c.nodes[0], d.token);  // sends the DMs (each user stays within the rate limit)
    await ca.ok('room:join', { room });
    await cb.ok('room:join', { room });
    await new Promise((r) => setTimeout(r, 300));  // presence joins settle
    const before = await Promise.all(c.nodes.map((n) => metric(n, 'parley_broker_received_total')));
    const n = 15;
    for (let k = 0; k < n; k++) await ca.ok('message:send', { room, text: `t${k}` });
    for (let k = 0; k < n; k++) await cd.ok('message:private', { to: b.id, text: `d${k}` });
    await until(async () => (await metric(c.nodes[1], 'parley_broker_received_total')) - before[1] >= 2 * n,
      5000, 'node 2 received the room and DM traffic');
    await new Promise((r) => setTimeout(r, 300));
    const afterCounts = await Promise.all(c.nodes.map((n) => metric(n, 'parley_broker_received_total')));
    const delta = afterCounts.map((v, i) => v - before[i]);
    assert.equal(delta[2], 0, `node 3 has no member and must receive nothing (got ${delta[2]})`);
    assert.ok(delta[0] >= 2 * n, `node 1 hears the room and its user's DM copies (got ${delta[0]})`);
    for (const cl of [ca, cb, cd]) cl.ws.close();
  });
});
