// Cluster: stock socket.io-client through nginx. Long-polling sessions stay on the node that holds them (every
// client here has the same IP, so only the sid can route them), and Socket.IO clients on different nodes chat
// with each other and with a native client. Real Redis, PostgreSQL and nginx.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from '../e2e/lib/client.mjs';
import { newUser, uniqueRoom } from '../e2e/lib/http.mjs';
import { sioConnect } from '../e2e/lib/sio.mjs';
import { startCluster, until } from './lib/cluster.mjs';

describe('Socket.IO through nginx (2 nodes)', () => {
  let c;
  const open = [];
  before(async () => { c = await startCluster({ nodes: 2 }); });
  after(async () => { for (const x of open) x.socket?.close?.() ?? x.terminate?.(); await c?.down(); });

  it('polling sessions stay on their node and chat across nodes with websocket and native clients', async () => {
    const room = uniqueRoom('sio');
    // Connect polling clients through nginx until both nodes hold at least one session.
    const byNode = new Map();
    for (let i = 0; i < 12 && byNode.size < 2; i++) {
      const user = await newUser(c.lb, 'sp');
      const client = await sioConnect(c.lb, user.token, { transports: ['polling'] });
      open.push(client);
      const sid = client.socket.io.engine.id;
      const node = sid.slice(0, sid.indexOf('.'));
      assert.match(node, /^n[12]$/, `the sid names its node: ${sid}`);
      if (!byNode.has(node)) byNode.set(node, client);
    }
    assert.equal(byNode.size, 2, 'nginx spread the polling sessions over both nodes');
    const [p1, p2] = [byNode.get('n1'), byNode.get('n2')];
    const wsUser = await newUser(c.lb, 'sw');
    const w = await sioConnect(c.lb, wsUser.token, { transports: ['websocket'] });
    const nativeUser = await newUser(c.lb, 'sn');
    const n = await connect(c.lb, nativeUser.token);
    open.push(w, n);
    for (const x of [p1, p2, w]) await x.ok('room:join', { room });
    await n.ok('room:join', { room });

    // Every request of a polling session reached its node: 30 acked sends each, polled replies in between.
    const per = 15;
    const sent = [];
    for (let k = 0; k < per; k++) {
      for (const [name, x] of [['p1', p1], ['p2', p2], ['w', w]]) sent.push((await x.ok('message:send', { room, text: `${name} ${k}` })).seq);
      sent.push((await n.ok('message:send', { room, text: `native ${k}` })).seq);
    }
    sent.sort((a, b) => a - b);
    for (const x of [p1, p2, w]) {
      const got = await x.collect('message:received', sent.length, (d) => d.room === room, 15_000);
      assert.deepEqual(got.map((m) => m.seq), sent, 'every message once, in seq order');
    }
    const nativeGot = await n.collect('message:received', sent.length, (d) => d.room === room, 15_000);
    assert.deepEqual(nativeGot.map((m) => m.seq), sent);
    assert.equal(p1.transport, 'polling');
    assert.equal(p2.transport, 'polling');
    assert.deepEqual([p1, p2].map((x) => x.disconnects), [[], []], 'no polling session was lost to the wrong node');
  });

  it('a DM from a polling client on one node reaches a polling client on the other', async () => {
    const [a, b] = [await newUser(c.lb, 'da'), await newUser(c.lb, 'db')];
    let ca;
    let cb;
    await until(async () => {
      ca ??= await sioConnect(c.lb, a.token, { transports: ['polling'] });
      const candidate = await sioConnect(c.lb, b.token, { transports: ['polling'] });
      open.push(candidate);
      const node = (x) => x.socket.io.engine.id.split('.')[0];
      if (node(candidate) !== node(ca)) { cb = candidate; return true; }
      return false;
    }, 10_000, 'a second client on the other node');
    open.push(ca);
    const sent = await ca.ok('message:private', { to: b.id, text: 'across nodes' });
    const got = await cb.next('message:private:received', (d) => d.id === sent.id, 10_000);
    assert.equal(got.text, 'across nodes');
    assert.equal(String(got.from.id), String(a.id));
  });
});
