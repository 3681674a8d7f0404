// A short chaos drill (tests/chaos/drill.mjs) as a test: 3 nodes, Redis, PostgreSQL, nginx, native and
// Socket.IO users chatting in rooms and DMs, abusive clients, and at least 6 faults (node kill -9 and restart,
// Redis kill -9 and restart, PostgreSQL immediate restart) in about a minute; the drill's JSON line must say ok,
// with every message acknowledged, none lost, duplicated, out of order or answered differently on a resend.
// PARLEY_DRILL_SEED replays a seed; PARLEY_DRILL_REDIS_CLUSTER=1 runs it over a Redis Cluster.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const DRILL = path.join(path.dirname(fileURLToPath(import.meta.url)), 'drill.mjs');

function runDrill(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [DRILL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; process.stderr.write(d); });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('chaos drill (short)', () => {
  it('survives >= 6 faults under traffic and abuse: nothing lost, duplicated or out of order', { timeout: 240_000 }, async () => {
    const t0 = Date.now();
    const { code, out, err } = await runDrill(['--duration', process.env.PARLEY_DRILL_DURATION || '70',
      '--faults', process.env.PARLEY_DRILL_FAULTS || '6']);
    const seconds = (Date.now() - t0) / 1000;
    const line = out.trim().split('\n').pop();
    const seed = err.match(/seed (\d+)/)?.[1];
    let r;
    try { r = JSON.parse(line); } catch { assert.fail(`no JSON line from the drill (exit ${code}, seed ${seed}):\n${out}`); }
    console.log(`# ${line}`);
    const why = `seed ${seed}: ${line}`;
    assert.equal(r.ok, true, why);
    assert.equal(code, 0, why);
    const total = Object.values(r.faults).reduce((a, b) => a + b, 0);
    assert.ok(total >= 5, `${total} faults: ${why}`);
    for (const kind of ['node_kill', 'redis', 'postgres']) assert.ok(r.faults[kind] >= 1, `no ${kind} fault: ${why}`);
    assert.ok(r.sent > 100, `only ${r.sent} messages sent: ${why}`);
    assert.equal(r.acked, r.sent, why);
    assert.ok(r.stored >= r.acked, why);
    for (const k of ['lost', 'duplicated', 'out_of_order', 'resend_mismatches', 'node_crashes', 'readyz_failures']) {
      assert.equal(r[k], 0, `${k}: ${why}`);
    }
    assert.ok(r.resends > 0, `no resend exercised: ${why}`);
    assert.ok(seconds < 180, `the drill took ${seconds} s with the cluster's start and stop`);
  });
});
