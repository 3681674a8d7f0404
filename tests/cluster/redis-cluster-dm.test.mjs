// Cluster over a Redis Cluster: direct messages while the primary that owns the recipient's channel, or the
// sender's, dies (kill -9, its replica promoted). Every acknowledged DM is stored once, and reaches each of the recipient's connections (one
// on the sender's node, one on the other) and the sender's other connection exactly once, in seq order.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from '../e2e/lib/client.mjs';
import { get, newUser, sameId } from '../e2e/lib/http.mjs';
import { fullHistory } from './lib/connections.mjs';
import { startCluster, until } from './lib/cluster.mjs';
import { assertComplete } from './lib/traffic.mjs';

const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const DM = 'message:private:received';

/** Records the seqs of DMs from `fromId` pushed to a client. */
function recordDms(client, fromId, seqs) {
  client.ws.on('message', (raw) => {
    const m = JSON.parse(raw);
    if (m.event === DM && sameId(m.data.from.id, fromId)) seqs.push(m.data.seq);
  });
}

describe('direct messages through a Redis Cluster failover', () => {
  let c;
  before(async () => { c = await startCluster({ nodes: 2, redisCluster: 3 }); });
  after(async () => { await c?.down(); });

  for (const owner of ['recipient', 'sender']) {
  it(`delivers every acknowledged DM once, in order, to every connection of both users (the ${owner}'s shard fails)`, async () => {
    const rc = c.redisCluster;
    const [a, b] = await Promise.all([newUser(c.lb, 'rda'), newUser(c.lb, 'rdb')]);
    const view = rc.nodes();
    const victim = view.find((n) => n.port === rc.primaryForKey(`parley:user:${owner === 'sender' ? a.id : b.id}`));
    const replica = view.find((n) => n.masterId === victim.id && !n.failed);
    const witness = view.find((n) => n.role === 'master' && n.id !== victim.id);
    assert.ok(replica && witness, JSON.stringify(view));

    const sender = await connect(c.nodes[0], a.token);
    const senderElsewhere = await connect(c.nodes[1], a.token);
    const near = await connect(c.nodes[0], b.token);  // the recipient on the sender's node
    const far = await connect(c.nodes[1], b.token);   // and on the other
    const got = { near: [], far: [], senderElsewhere: [] };
    recordDms(near, a.id, got.near);
    recordDms(far, a.id, got.far);
    recordDms(senderElsewhere, a.id, got.senderElsewhere);

    // The sender resends each message with its clientMsgId until it is answered, as a client does.
    const acked = new Map();  // clientMsgId -> seq
    let running = true;
    let resends = 0;
    const sending = (async () => {
      for (let k = 1; running; k++) {
        const cmid = `dm-${k}`;
        for (let attempt = 0; ; attempt++) {
          if (attempt) resends += 1;
          const r = await sender.request('message:private', { to: b.id, text: cmid, clientMsgId: cmid }, { timeout: 8000 })
            .catch(() => null);
          if (r?.ok) { acked.set(cmid, r.data.seq); break; }
          await pause(100);
        }
        await pause(20);
      }
    })();
    await until(async () => acked.size >= 20, 10_000, 'DMs flow before the kill');

    rc.killPrimary(victim.port);
    await until(async () => {
      const now = rc.nodes(witness.port);
      return now.find((n) => n.id === replica.id).role === 'master' && now.find((n) => n.id === victim.id).failed;
    }, 30_000, `the replica ${replica.port} of ${victim.port} is promoted`);
    await until(async () => (await get(c.nodes[0], '/readyz')).status === 200 &&
      (await get(c.nodes[1], '/readyz')).status === 200, 30_000, 'both nodes ready on the new slot map');
    const whenReady = acked.size;
    await until(async () => acked.size >= whenReady + 20, 15_000, 'DMs acknowledged after the failover');
    running = false;
    await sending;

    const seqs = new Set(acked.values());
    assert.equal(seqs.size, acked.size, 'two clientMsgIds answered with one seq');
    for (const [who, list] of Object.entries(got)) {
      await until(async () => [...seqs].every((s) => list.includes(s)), 15_000, `${who} got every acknowledged DM`)
        .catch(() => {});
      assertComplete(list, seqs, who);
    }
    const stored = await fullHistory(far, a.id);
    assert.deepEqual(stored.map((m) => m.clientMsgId), [...acked.keys()], 'stored once each, in the order sent');
    assert.deepEqual(stored.map((m) => m.seq), [...acked.values()]);
    console.log(`# DMs through a Redis Cluster failover (the ${owner}'s shard): ${acked.size} acknowledged (${resends} resends), lost 0, duplicated 0`);
    for (const cl of [sender, senderElsewhere, near, far]) cl.ws.close();
    // The old primary comes back as a synchronised replica of the new one (a replica that has not synchronised
    // refuses to take over): the next test has three full shards again.
    rc.restart(victim.port);
    await until(async () => {
      const back = rc.nodes(replica.port).find((n) => n.id === victim.id);
      return back && !back.failed && back.connected && back.role === 'slave' &&
        /^master_link_status:up\s*$/m.test(rc.cli(victim.port, 'info', 'replication'));
    }, 30_000, `the old primary ${victim.port} is back as a synchronised replica`);
  });
  }
});
