// Drives `scripts/cluster up/down` for the cluster tests: Redis, PostgreSQL, N parley nodes and nginx on
// loopback, in a temporary state directory, always torn down (test `after`, and process exit).
//   const c = await startCluster({ nodes: 3 });
//   c.lb                 {httpUrl, wsUrl} of nginx (what clients use)
//   c.nodes[i]           {httpUrl, wsUrl, id} of node n(i+1), for direct access and /metrics
//   c.killNode(i)        kill -9 of node i
//   c.stopRedis() / c.startRedis()   Redis outage (same port)
//   c.down()
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { API_KEY, JWT_SECRET, PARLEY_BIN, REPO_ROOT } from '../../e2e/lib/server.mjs';

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, 'scripts/cluster');
const live = new Set();

function parseEnv(text) {
  const env = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^([A-Z_]+)=(.*)$/);
    if (m) env[m[1]] = m[2].replace(/^"|"$/g, '');
  }
  return env;
}

const endpoint = (httpUrl) => ({ httpUrl, wsUrl: httpUrl.replace(/^http/, 'ws') });

export async function startCluster({ nodes = 3 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cluster-'));
  fs.rmSync(dir, { recursive: true });  // `up` makes it
  const env = { ...process.env, PARLEY_CLUSTER_DIR: dir, PARLEY_BIN, PARLEY_JWT_SECRET: JWT_SECRET, PARLEY_API_KEY: API_KEY };
  const cluster = { dir, env, down: () => down(cluster) };
  live.add(cluster);
  try {
    await run(SCRIPT, ['up', '--nodes', String(nodes)], { env, timeout: 120_000 });
  } catch (e) {
    await down(cluster);
    throw new Error(`scripts/cluster up failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
  const vars = parseEnv(fs.readFileSync(path.join(dir, 'env'), 'utf8'));
  cluster.lb = endpoint(vars.PARLEY_URL);
  cluster.nodes = vars.PARLEY_NODE_URLS.split(' ').map((u, i) => ({ ...endpoint(u), id: `n${i + 1}` }));
  cluster.redisPort = Number(vars.REDIS_PORT);
  cluster.killNode = (i) => {
    const pid = Number(fs.readFileSync(path.join(dir, `node${i + 1}.pid`), 'utf8'));
    process.kill(pid, 'SIGKILL');
  };
  cluster.stopRedis = () => {
    spawnSync('redis-cli', ['-p', String(cluster.redisPort), 'shutdown', 'nosave'], { timeout: 10_000 });
  };
  cluster.startRedis = () => {
    execFileSync('redis-server', ['--port', String(cluster.redisPort), '--bind', '127.0.0.1', '--save', '',
      '--appendonly', 'no', '--daemonize', 'yes', '--pidfile', path.join(dir, 'redis.pid'),
      '--logfile', path.join(dir, 'redis.log'), '--dir', dir]);
  };
  cluster.redis = (...args) => execFileSync('redis-cli', ['-p', String(cluster.redisPort), ...args], { encoding: 'utf8' }).trim();
  return cluster;
}

async function down(cluster) {
  if (!live.has(cluster)) return;
  live.delete(cluster);
  try {
    await run(SCRIPT, ['down'], { env: cluster.env, timeout: 60_000 });
  } catch (e) {
    console.error(`scripts/cluster down: ${e.message}`);
  }
}

process.on('exit', () => {
  for (const c of live) spawnSync(SCRIPT, ['down'], { env: c.env, timeout: 30_000 });
});

/** Reads one Prometheus sample (the first line starting with `name` followed by a space or `{`). */
export async function metric(node, name) {
  const res = await fetch(`${node.httpUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  if (!line) throw new Error(`no metric ${name} on ${node.httpUrl}`);
  return Number(line.split(' ').pop());
}

/** Polls `fn` until it returns a truthy value or `ms` passes; returns the value or throws `what`. */
export async function until(fn, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timeout after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
