// Redis as production runs it (docs/operations.md "Securing Redis"): a node sends AUTH from the --broker URL,
// is not ready (503, and says why) while Redis refuses it, publishes again what Redis refused once it is let in,
// and drops (and counts) messages on its channels that are not sealed with the cluster key.
// Two nodes on one shared SQLite file and a redis-server started here with a password (no nginx, no PostgreSQL).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from '../e2e/lib/client.mjs';
import { get, newUser, uniqueRoom } from '../e2e/lib/http.mjs';
import { ParleyServer } from '../e2e/lib/server.mjs';
import { until } from './lib/cluster.mjs';

const CLUSTER_KEY = 'cluster-key-for-tests-0123456789abcdef0123456789';
const ADMIN_PW = 'admin-pw-Zq8';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

const metric = async (node, name) => {
  const text = (await get(node, '/metrics')).text;
  const m = text.match(new RegExp(`^${name} (\\d+)`, 'm'));
  return m ? Number(m[1]) : 0;
};

describe('Redis with a password, an ACL user and sealed envelopes', () => {
  let dir, port, redis;
  const nodes = [];
  const node = async (brokerUrl) => {
    const srv = new ParleyServer({ dir, args: ['--broker', brokerUrl, '--cluster-key', CLUSTER_KEY] });
    nodes.push(srv);
    await srv.start();
    return srv;
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-redis-sec-'));
    port = await freePort();
    // The ACL user `app` (the least privilege docs/operations.md recommends) exists but is disabled: nodes
    // using it are refused until the operator enables it.
    execFileSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--daemonize', 'yes', '--dir', dir, '--pidfile', path.join(dir, 'redis.pid'), '--logfile', path.join(dir, 'redis.log'),
      '--requirepass', ADMIN_PW, '--user', 'app', 'off', '>app-pw', '~parley:*', '&parley:*', '+@pubsub', '+@read',
      '+@write', '+@scripting', '+ping', '+time', '+asking', '+cluster|slots']);
    redis = (...args) => execFileSync('redis-cli', ['-p', String(port), '-a', ADMIN_PW, '--no-auth-warning', ...args],
      { encoding: 'utf8' }).trim();
    await until(async () => redis('ping') === 'PONG', 5000, 'redis up');
  });
  after(async () => {
    for (const n of nodes) await n.cleanup();
    spawnSync('redis-cli', ['-p', String(port), '-a', ADMIN_PW, '--no-auth-warning', 'shutdown', 'nosave']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is not ready, and says why, while Redis refuses it; ready with the password', async () => {
    const none = await node(`redis://127.0.0.1:${port}`);
    const r1 = await until(async () => {
      const r = await get(none, '/readyz');
      return r.status === 503 && /NOAUTH/.test(r.body.broker.error ?? '') && r;
    }, 8000, 'no password: 503 with NOAUTH');
    assert.equal(r1.body.ready, false);
    assert.equal(r1.body.broker.ok, false);
    assert.match(r1.body.broker.error, /refuses this node/);

    const wrong = await node(`redis://:not-the-password@127.0.0.1:${port}`);
    const r2 = await until(async () => {
      const r = await get(wrong, '/readyz');
      return r.status === 503 && /WRONGPASS/.test(r.body.broker.error ?? '') && r;
    }, 8000, 'wrong password: 503 with WRONGPASS');
    assert.ok(!r2.text.includes('not-the-password'), 'the password is never shown');
    assert.ok(!wrong.tail(200).includes('not-the-password'), 'nor logged');

    const right = await node(`redis://:${encodeURIComponent(ADMIN_PW)}@127.0.0.1:${port}`);
    await until(async () => (await get(right, '/readyz')).status === 200, 8000, 'the right password: ready');
    for (const n of [none, wrong]) await n.stop();
  });

  it('publishes again what Redis refused, once it is let in, so other nodes get it without a later message', async () => {
    const n1 = nodes[2]; // ready, default user with the password
    const n2 = await node(`redis://app:app-pw@127.0.0.1:${port}`); // user `app` is still off
    await until(async () => /WRONGPASS/.test((await get(n2, '/readyz')).body.broker.error ?? ''), 8000, 'n2 refused');
    const room = uniqueRoom('acl');
    const [a, b] = await Promise.all([newUser(n1, 'acl'), newUser(n1, 'acl')]);
    const reader = await connect(n1, a.token);
    const writer = await connect(n2, b.token);
    await reader.ok('room:join', { room });
    await writer.ok('room:join', { room });
    // Stored and acknowledged; n2's own member would get it at once, n1's only through Redis.
    const sent = await writer.ok('message:send', { room, text: 'while refused' });
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(await metric(n2, 'parley_broker_publish_failures_total') >= 1, 'the refused publish is counted');

    redis('ACL', 'SETUSER', 'app', 'on');
    const got = await reader.next('message:received', (d) => d.seq === sent.seq, 10_000);
    assert.equal(got.text, 'while refused');
    await until(async () => (await get(n2, '/readyz')).status === 200, 15_000, 'n2 ready once refusals stop');
    reader.close();
    writer.close();
  });

  it('drops and counts a message published on a room channel without the cluster key', async () => {
    const [n1, n2] = [nodes[2], nodes[3]];
    const room = uniqueRoom('forged');
    const [a, b] = await Promise.all([newUser(n1, 'fg'), newUser(n1, 'fg')]);
    const reader = await connect(n1, a.token);
    const writer = await connect(n2, b.token);
    await reader.ok('room:join', { room });
    await writer.ok('room:join', { room });
    const before = await Promise.all([n1, n2].map((n) => metric(n, 'parley_broker_envelopes_rejected_total')));
    const forged = `v1\n0\n\n${room}\n999\nmessage:received\n` +
      JSON.stringify({ room, seq: 999, text: 'forged', from: { id: 1, username: 'admin' }, ts: 0 });
    assert.equal(redis('PUBLISH', `parley:room:${room}`, forged), '2'); // both nodes hear it...
    await until(async () => (await metric(n1, 'parley_broker_envelopes_rejected_total')) === before[0] + 1 &&
      (await metric(n2, 'parley_broker_envelopes_rejected_total')) === before[1] + 1, 5000, '...and drop it, counted');
    const genuine = await writer.ok('message:send', { room, text: 'genuine' });
    const got = await reader.next('message:received', () => true, 5000);
    assert.equal(got.seq, genuine.seq);
    assert.equal(got.text, 'genuine');
    reader.close();
    writer.close();
  });
});
