// Drives `scripts/cluster up/down` for the cluster tests: Redis, PostgreSQL, N parley nodes and nginx on
// loopback, in a temporary state directory, always torn down (test `after`, and process exit).
//   const c = await startCluster({ nodes: 3 });
//   c.lb                 {httpUrl, wsUrl} of nginx (what clients use)
//   c.nodes[i]           {httpUrl, wsUrl, id} of node n(i+1), for direct access and /metrics
//   c.killNode(i)        kill -9 of node i
//   c.restartNode(i)     start node i again (same port and --node-id) once it is dead; resolves when it answers
//   c.nodeAlive(i)       whether node i's process runs
//   c.stopRedis() / c.startRedis()   Redis outage (same port); c.killRedis(): kill -9 instead of SHUTDOWN
//   c.restartPostgres()  pg_ctl restart -m immediate of the cluster's PostgreSQL (a crash and recovery, same port)
//   c.down()
// With startCluster({ nodes, redisCluster: 3 }) the broker is a Redis Cluster of 3 primaries and 3 replicas
// (`scripts/cluster up --redis-cluster 3`) instead of one redis-server, and c.redisCluster (below) drives it.
// With startCluster({ nodes, tls: true }) nginx serves https:// and wss:// only (`scripts/cluster up --tls`):
// c.lb is {httpUrl: 'https://…', wsUrl: 'wss://…'} and c.ca the PEM of the private CA that signed its certificate.
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

/** Whether process `pid` runs (a zombie or a pid reused since are beyond this check). */
function alive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

/**
 * `pg_ctl restart -m immediate` of the PostgreSQL in `pgDir` (scripts/lib/postgres.sh's layout: data/, server.log,
 * owned by the postgres OS user when we are root): every backend dies without a checkpoint, the server recovers
 * from its WAL and listens again on the same port (the options of the last start, from postmaster.opts).
 */
function restartPostgres(pgDir) {
  const pgBin = process.env.PG_BIN || '/usr/lib/postgresql/15/bin';
  const cmd = [path.join(pgBin, 'pg_ctl'), '-D', path.join(pgDir, 'data'), '-l', path.join(pgDir, 'server.log'),
    '-m', 'immediate', '-w', '-t', '60', 'restart'];
  const [file, args] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', ...cmd]] : [cmd[0], cmd.slice(1)];
  return run(file, args, { timeout: 90_000 });
}

const endpoint = (httpUrl) => ({ httpUrl, wsUrl: httpUrl.replace(/^http/, 'ws') });

export async function startCluster({ nodes = 3, redisCluster = 0, tls = false, demo = false, env: extraEnv = {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cluster-'));
  fs.rmSync(dir, { recursive: true });  // `up` makes it
  const env = { ...process.env, PARLEY_CLUSTER_DIR: dir, PARLEY_BIN, PARLEY_JWT_SECRET: JWT_SECRET, PARLEY_API_KEY: API_KEY,
    // The suites register many users from one address: the abuse limits are off.
    PARLEY_REGISTRATIONS_PER_MINUTE: '0', PARLEY_LOGIN_FAILURES_PER_MINUTE: '0', PARLEY_EVENT_RATE: '0',
    PARLEY_HANDSHAKES_PER_SECOND_PER_ADDRESS: '0', ...extraEnv };
  const cluster = { dir, env, down: () => down(cluster) };
  live.add(cluster);
  try {
    const args = ['up', '--nodes', String(nodes)];
    if (redisCluster) args.push('--redis-cluster', String(redisCluster));
    if (tls) args.push('--tls');
    if (demo) args.push('--demo');  // alice, bob, carol, dave, erin / 1234
    await run(SCRIPT, args, { env, timeout: 120_000 });
  } catch (e) {
    await down(cluster);
    throw new Error(`scripts/cluster up failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
  const vars = parseEnv(fs.readFileSync(path.join(dir, 'env'), 'utf8'));
  cluster.lb = endpoint(vars.PARLEY_URL);
  if (vars.PARLEY_TLS_CA) cluster.ca = fs.readFileSync(vars.PARLEY_TLS_CA, 'utf8');
  cluster.nodes = vars.PARLEY_NODE_URLS.split(' ').map((u, i) => ({ ...endpoint(u), id: `n${i + 1}` }));
  const nodePid = (i) => Number(fs.readFileSync(path.join(dir, `node${i + 1}.pid`), 'utf8'));
  cluster.killNode = (i) => process.kill(nodePid(i), 'SIGKILL');
  cluster.nodeAlive = (i) => alive(nodePid(i));
  cluster.restartNode = async (i) => {
    await until(async () => !cluster.nodeAlive(i), 10_000, `node n${i + 1} is gone`);
    await run(SCRIPT, ['restart-node', String(i + 1)], { env, timeout: 60_000 });
  };
  cluster.restartPostgres = () => restartPostgres(path.join(dir, 'pg'));
  if (vars.REDIS_CLUSTER_PORTS) {
    cluster.redisCluster = redisClusterOf(vars.REDIS_CLUSTER_PORTS.split(' ').map(Number), vars.REDIS_CLUSTER_DIR);
    return cluster;
  }
  cluster.redisPort = Number(vars.REDIS_PORT);
  cluster.stopRedis = () => {
    spawnSync('redis-cli', ['-p', String(cluster.redisPort), 'shutdown', 'nosave'], { timeout: 10_000 });
  };
  cluster.startRedis = () => {
    execFileSync('redis-server', ['--port', String(cluster.redisPort), '--bind', '127.0.0.1', '--save', '',
      '--appendonly', 'no', '--daemonize', 'yes', '--pidfile', path.join(dir, 'redis.pid'),
      '--logfile', path.join(dir, 'redis.log'), '--dir', dir]);
  };
  cluster.killRedis = () => process.kill(Number(fs.readFileSync(path.join(dir, 'redis.pid'), 'utf8')), 'SIGKILL');
  cluster.redis = (...args) => execFileSync('redis-cli', ['-p', String(cluster.redisPort), ...args], { encoding: 'utf8' }).trim();
  return cluster;
}

/**
 * Drives the Redis Cluster of a cluster started with `redisCluster`; `dir` holds its pidfiles (redis-PORT.pid).
 *   ports                  every node's port
 *   cli(port, ...args)     redis-cli against one node (no redirects followed); its output, trimmed
 *   nodes(port?)           CLUSTER NODES as seen by `port` (default: the first node that answers), parsed:
 *                          [{id, port, role: 'master'|'slave', masterId, slots: [[from, to], ...], flags,
 *                            failed, myself, connected}]
 *   keySlot(key)           CLUSTER KEYSLOT key
 *   primaryForKey(key)     the port of the primary that owns the key's slot now
 *   killPrimary(port)      kill -9 of that node (it must be a primary)
 *   restart(port)          start a node killed by killPrimary again, on its ports (it rejoins the cluster with its
 *                          nodes-PORT.conf, as a replica of the primary that replaced it)
 */
function redisClusterOf(ports, dir) {
  const cli = (port, ...args) =>
    execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 5000, stdio: 'pipe' }).trim();
  const livePort = () => {
    for (const p of ports) {
      try { if (cli(p, 'ping') === 'PONG') return p; } catch { /* dead or hung: try the next */ }
    }
    throw new Error(`no Redis Cluster node answers (ports ${ports.join(' ')})`);
  };
  const nodes = (port = livePort()) => cli(port, 'cluster', 'nodes').split('\n').filter(Boolean).map((line) => {
    // <id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>...
    const [id, addr, flagText, master, , , , linkState, ...slotText] = line.trim().split(' ');
    const flags = flagText.split(',');
    return {
      id,
      port: Number(addr.split('@')[0].split(':').pop()),
      role: flags.includes('master') ? 'master' : flags.includes('slave') ? 'slave' : 'unknown',
      masterId: master === '-' ? null : master,
      // Plain slots and ranges; entries in brackets are slots being migrated or imported.
      slots: slotText.filter((t) => !t.startsWith('[')).map((t) => t.split('-').map(Number))
        .map(([from, to = from]) => [from, to]),
      flags,
      failed: flags.includes('fail') || flags.includes('fail?'),
      myself: flags.includes('myself'),
      connected: linkState === 'connected',
    };
  });
  const keySlot = (key) => Number(cli(livePort(), 'cluster', 'keyslot', key));
  const primaryForKey = (key) => {
    const slot = keySlot(key);
    const owner = nodes().find((n) => n.role === 'master' && n.slots.some(([a, b]) => slot >= a && slot <= b));
    if (!owner) throw new Error(`no primary owns slot ${slot} (key ${key})`);
    return owner.port;
  };
  const killPrimary = (port) => {
    const node = nodes().find((n) => n.port === port);
    if (node?.role !== 'master') throw new Error(`node ${port} is not a primary: ${JSON.stringify(node)}`);
    process.kill(Number(fs.readFileSync(path.join(dir, `redis-${port}.pid`), 'utf8')), 'SIGKILL');
  };
  // The options of scripts/lib/redis-cluster.sh's _rc_start_node (redis-server's /proc cmdline holds its title only);
  // the cluster-bus port from the node's own line of its nodes-PORT.conf.
  const restart = (port) => {
    const conf = path.join(dir, `nodes-${port}.conf`);
    const own = fs.readFileSync(conf, 'utf8').split('\n').find((l) => l.split(' ')[2]?.split(',').includes('myself'));
    const bus = own?.split(' ')[1].match(/@(\d+)/)?.[1];
    if (!bus) throw new Error(`no cluster-bus port for ${port} in ${conf}`);
    execFileSync('redis-server', ['--port', String(port), '--cluster-port', bus, '--bind', '127.0.0.1',
      '--cluster-enabled', 'yes', '--cluster-config-file', conf,
      '--cluster-node-timeout', process.env.PARLEY_REDIS_CLUSTER_NODE_TIMEOUT || '1500',
      '--save', '', '--appendonly', 'no', '--daemonize', 'yes', '--dir', dir,
      '--pidfile', path.join(dir, `redis-${port}.pid`), '--logfile', path.join(dir, `redis-${port}.log`)], { timeout: 10_000 });
  };
  return { ports, dir, cli, nodes, keySlot, primaryForKey, killPrimary, restart };
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
