// Cluster: a PostgreSQL COMMIT whose outcome the node never learns (the connection drops with the COMMIT in
// flight). The send is answered `unavailable`; the client's resend with the same clientMsgId must then succeed
// exactly once: one stored message, the same reply to every resend, and the room's members see it once, in order
// — whether the COMMIT happened (its answer was lost) or not (the COMMIT itself was lost).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from '../e2e/lib/client.mjs';
import { get, newUser, uniqueRoom } from '../e2e/lib/http.mjs';
import { fullRoomHistory } from './lib/connections.mjs';
import { startCluster, until } from './lib/cluster.mjs';
import { startPgProxy } from './lib/pg-proxy.mjs';

describe('a lost PostgreSQL COMMIT', () => {
  let c;
  let proxy;
  before(async () => {
    c = await startCluster({ nodes: 2 });
    // Node n1 is restarted to reach PostgreSQL through the proxy; n2 connects directly.
    const urlFile = path.join(c.dir, 'store.url');
    const direct = new URL(fs.readFileSync(urlFile, 'utf8').trim());
    proxy = await startPgProxy({ host: direct.hostname, port: Number(direct.port) });
    const viaProxy = new URL(direct);
    viaProxy.port = String(proxy.port);
    viaProxy.searchParams.set('sslmode', 'disable');
    viaProxy.searchParams.set('gssencmode', 'disable');
    fs.writeFileSync(urlFile, `${viaProxy}\n`);
    c.killNode(0);
    await c.restartNode(0);
    fs.writeFileSync(urlFile, `${direct}\n`);
    await until(async () => (await get(c.nodes[0], '/readyz')).status === 200, 15_000, 'n1 ready through the proxy');
  });
  after(async () => {
    await c?.down();
    await proxy?.close();
  });

  for (const when of ['after', 'before']) {
    it(`answers the resend once when the COMMIT ${when === 'after' ? 'happened but its answer was lost' : 'was lost'}`, async () => {
      const room = uniqueRoom(`commit-${when}`);
      const [sender, watcher] = await Promise.all([newUser(c.lb, 'lcs'), newUser(c.lb, 'lcw')]);
      const cs = await connect(c.nodes[0], sender.token);  // through the proxy
      const cw = await connect(c.nodes[1], watcher.token);
      await cs.ok('room:join', { room });
      await cw.ok('room:join', { room });
      const first = await cs.ok('message:send', { room, text: 'before', clientMsgId: `${when}-0` });

      const cut = proxy.loseCommit(when);
      const lost = await cs.request('message:send', { room, text: 'in doubt', clientMsgId: `${when}-1` });
      await cut;
      assert.equal(lost.ok, false, `the send in doubt was answered ${JSON.stringify(lost)}`);
      assert.equal(lost.error.code, 'unavailable');

      // The client resends until the store is back (the writer reconnects on its next transaction).
      const resend = () => cs.request('message:send', { room, text: 'in doubt', clientMsgId: `${when}-1` });
      const reply = await until(async () => { const r = await resend(); return r.ok && r.data; }, 15_000,
        'the resend succeeds');
      assert.equal(reply.seq, first.seq + 1);
      const again = await cs.ok('message:send', { room, text: 'in doubt', clientMsgId: `${when}-1` });
      assert.deepEqual([again.id, again.seq, again.ts], [reply.id, reply.seq, reply.ts]);
      const next = await cs.ok('message:send', { room, text: 'after', clientMsgId: `${when}-2` });
      assert.equal(next.seq, reply.seq + 1);

      // Stored once, at the seq the resend was answered with.
      const history = await fullRoomHistory(cw, room);
      assert.deepEqual(history.map((m) => [m.seq, m.clientMsgId]),
        [[first.seq, `${when}-0`], [reply.seq, `${when}-1`], [next.seq, `${when}-2`]]);
      assert.equal(history[1].id, reply.id);
      // The other member sees each message once, in order (the one in doubt at the latest when the next one
      // shows the gap).
      const seen = await cw.collect('message:received', 3, (d) => d.room === room, 10_000);
      assert.deepEqual(seen.map((d) => d.seq), [first.seq, reply.seq, next.seq]);
      assert.equal(cw.buffered('message:received', (d) => d.room === room).length, 0);
      cs.ws.close();
      cw.ws.close();
    });
  }
});
