#!/usr/bin/env node
// The chaos drill: a Parley cluster (N nodes behind nginx, Redis or a Redis Cluster, PostgreSQL) under chat
// traffic while faults are injected at random, then a checker that proves nothing acknowledged was lost,
// stored twice, shown out of order or answered differently on a resend.
//
//   node tests/chaos/drill.mjs [--duration S] [--faults N] [--seed N] [--nodes N] [--users N] [--rooms N]
//                              [--abusers N] [--redis-cluster] [--kinds node_kill,redis,postgres]
//   (also PARLEY_DRILL_DURATION, _FAULTS, _SEED, _NODES, _USERS, _ROOMS, _ABUSERS, _KINDS,
//   PARLEY_DRILL_REDIS_CLUSTER=1). --kinds limits the faults to some kinds (e.g. --redis-cluster --kinds redis:
//   only Redis Cluster failovers), taken in turn.
//
// Traffic: native (`ws`) and stock socket.io-client users (websocket, polling, polling+upgrade), all through
// nginx, each in every room and sending direct messages to the next user (a ring, so each conversation has one
// sender); every send carries a clientMsgId and the first reply is kept. A connection that is lost is opened
// again through nginx and resumed: rooms with `room:join {since}`, the conversation with `dm:list` then
// `dm:history {with, since}` (live pushes held until the catch-up is applied); every unanswered message is
// resent with its clientMsgId, and so are the last two answered ones (their answer must be the first one).
// Faults, one at a time, spaced over the duration, kinds and targets from the seed: kill -9 of a node and its
// restart; kill -9 of Redis and its restart (with --redis-cluster: kill -9 of a primary, its replica promoted,
// the old primary restarted as a replica); `pg_ctl restart -m immediate` of PostgreSQL. After each, every node's
// /readyz must say ready again. Meanwhile a few abusive clients (tests/chaos/lib/abuse.mjs) hit every node
// directly; a node that dies without the drill killing it is a crash.
// The checker reads every room (`history` pages) and conversation (`dm:history` pages) and counts: acked
// messages missing at their seq (lost), messages stored twice or seqs twice (duplicated), holes in the seqs,
// client views (live + catch-up) with a gap, a reversal or a repeat (out_of_order), resends answered with
// another id/seq/ts (resend_mismatches). The seed goes to stderr first; the last line on stdout is one JSON
// object; the exit status is 0 only when it says ok. The seed reproduces the traffic plan and the fault
// schedule (kinds, targets, timing), not the machine's timing.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { get, newUser, uniqueRoom } from '../e2e/lib/http.mjs';
import { startCluster, until } from '../cluster/lib/cluster.mjs';
import { openAs, openNative, fullHistory, fullRoomHistory } from '../cluster/lib/connections.mjs';
import { startAbusers } from './lib/abuse.mjs';

const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const same = (a, b) => String(a) === String(b);
const PROTOS = ['native', 'websocket', 'native', 'polling', 'native', ['polling', 'websocket']];
const RETRYABLE = new Set(['unavailable', 'rate_limited', 'internal', 'forbidden']);

/** mulberry32: a small seeded generator, [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function parseArgs(argv, env = process.env) {
  const num = (v, d) => (v === undefined || v === '' ? d : Number(v));
  const o = {
    duration: num(env.PARLEY_DRILL_DURATION, 60),
    faults: num(env.PARLEY_DRILL_FAULTS, 6),
    seed: num(env.PARLEY_DRILL_SEED, undefined),
    nodes: num(env.PARLEY_DRILL_NODES, 3),
    users: num(env.PARLEY_DRILL_USERS, 9),
    rooms: num(env.PARLEY_DRILL_ROOMS, 3),
    abusers: num(env.PARLEY_DRILL_ABUSERS, 3),
    redisCluster: env.PARLEY_DRILL_REDIS_CLUSTER === '1',
    kinds: (env.PARLEY_DRILL_KINDS || 'node_kill,redis,postgres').split(','),
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=');
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--duration': o.duration = Number(value()); break;
      case '--faults': o.faults = Number(value()); break;
      case '--seed': o.seed = Number(value()); break;
      case '--nodes': o.nodes = Number(value()); break;
      case '--users': o.users = Number(value()); break;
      case '--rooms': o.rooms = Number(value()); break;
      case '--abusers': o.abusers = Number(value()); break;
      case '--redis-cluster': o.redisCluster = true; break;
      case '--kinds': o.kinds = value().split(','); break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  if (o.seed === undefined || Number.isNaN(o.seed)) o.seed = Math.floor(Math.random() * 2 ** 31);
  if (!(o.users >= 3)) throw new Error('--users must be at least 3 (the DM ring)');
  if (!(o.nodes >= 2)) throw new Error('--nodes must be at least 2');
  const known = ['node_kill', 'redis', 'postgres'];
  if (!o.kinds.length || o.kinds.some((k) => !known.includes(k))) throw new Error(`--kinds takes ${known.join(', ')}`);
  return o;
}

export async function runDrill(opts, log = (m) => process.stderr.write(`${m}\n`)) {
  const t0 = Date.now();
  const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(1)}s]`;
  const say = (m) => log(`drill ${stamp()} ${m}`);
  const rng = prng(opts.seed);
  const sub = () => prng(Math.floor(rng() * 2 ** 32));  // an independent generator per actor / the faults
  const faultRng = sub();
  const abuseRng = sub();
  say(`seed ${opts.seed} (node tests/chaos/drill.mjs --seed ${opts.seed} --duration ${opts.duration} --faults ${opts.faults}` +
    `${opts.redisCluster ? ' --redis-cluster' : ''})`);

  // The message rate limit is on (the abusers flood against it; the drill's users stay far under it); the
  // limits on registrations, handshakes and other events are off, as for every cluster test.
  const c = await startCluster({ nodes: opts.nodes, redisCluster: opts.redisCluster ? 3 : 0 });
  say(`cluster up: ${opts.nodes} nodes, ${opts.redisCluster ? 'Redis Cluster 3+3' : 'Redis'}, PostgreSQL, nginx ${c.lb.httpUrl}`);
  const result = { seed: opts.seed, nodes: opts.nodes, redis_cluster: opts.redisCluster };
  try {
    return Object.assign(result, await drill(c, opts, { rng, sub, faultRng, abuseRng, say }));
  } finally {
    await c.down();
    result.duration_s = Math.round((Date.now() - t0) / 100) / 10;
  }
}

async function drill(c, opts, { sub, faultRng, abuseRng, say }) {
  const rooms = Array.from({ length: opts.rooms }, () => uniqueRoom('chaos'));
  const users = [];
  for (let i = 0; i < opts.users; i++) users.push(await newUser(c.lb, `ch${i}`));
  const abuseUsers = [];
  for (let i = 0; i < opts.abusers; i++) abuseUsers.push(await newUser(c.lb, `ab${i}`));

  // ---- actors -------------------------------------------------------------------------------------------
  const counters = { reconnects: 0, resends: 0, connect_failures: 0, resume_failures: 0, errors: {} };
  const anomalies = [];  // the first few, for the report
  const anomaly = (what) => { if (anomalies.length < 20) anomalies.push(what); };
  const view = { gaps: 0, reversals: 0, repeats: 0, conflicts: 0, overlap: 0 };
  const actors = users.map((user, i) => ({
    i, user, rng: sub(), proto: PROTOS[i % PROTOS.length], tag: `a${i}`, conn: null, ready: false, gen: 0,
    entries: new Map(), queue: [], inflight: new Set(), k: 0,
    roomView: new Map(rooms.map((r) => [r, []])),  // room -> [{seq, id}] applied, in order
    dmView: [],                                     // the conversation with the previous user: [{seq, id}]
  }));
  for (const a of actors) {
    a.to = actors[(a.i + 1) % actors.length];    // a sends DMs to `to`
    a.from = actors[(a.i - 1 + actors.length) % actors.length];  // and receives from `from`
  }
  const protoName = (p) => (Array.isArray(p) ? p.join('+') : p);
  const who = (a) => `${a.tag}(${protoName(a.proto)})`;

  // Applies one message to a view that must grow by exactly one seq at a time.
  const applyTo = (list, d, where, { overlapOk = false } = {}) => {
    const last = list.length ? list[list.length - 1].seq : 0;
    if (d.seq === last + 1) { list.push({ seq: d.seq, id: d.id }); return; }
    if (d.seq <= last) {
      const had = list.find((m) => m.seq === d.seq);
      if (had && had.id !== d.id) { view.conflicts += 1; anomaly(`${where}: seq ${d.seq} is ${d.id}, was ${had.id}`); return; }
      if (overlapOk && had) { view.overlap += 1; return; }
      if (d.seq < last) { view.reversals += 1; anomaly(`${where}: seq ${d.seq} after ${last}`); return; }
      view.repeats += 1;
      anomaly(`${where}: seq ${d.seq} twice`);
      return;
    }
    view.gaps += 1;
    anomaly(`${where}: gap ${last} -> ${d.seq}`);
    list.push({ seq: d.seq, id: d.id });
  };

  // One connection's life: open through nginx, resume, serve until lost; again, until stopped.
  let stopping = false;
  const life = async (a) => {
    let first = true;
    while (!stopping) {
      let conn;
      try {
        conn = await openAs(a.proto, c.lb, a.user);
      } catch {
        counters.connect_failures += 1;
        await pause(200);
        continue;
      }
      const gen = ++a.gen;
      // Room pushes apply at once (room:join `since` replays in order before anything live); DM pushes wait
      // until the catch-up is applied (a connection orders the conversation from dm:list's lastSeq on).
      const seenHere = new Set();
      for (const room of rooms) {
        conn.on('message:received', (d) => {
          if (d.room !== room || a.gen !== gen) return;
          applyTo(a.roomView.get(room), d, `${who(a)} room ${room} connection ${gen}`);
        });
      }
      let held = first ? null : [];
      conn.onDm((d) => {
        if (!same(d.from.id, a.from.user.id) || a.gen !== gen) return;
        if (seenHere.has(d.seq)) { view.repeats += 1; anomaly(`${who(a)} dm seq ${d.seq} pushed twice on one connection`); return; }
        seenHere.add(d.seq);
        if (held) held.push(d);
        else applyTo(a.dmView, d, `${who(a)} dm connection ${gen}`, { overlapOk: !first });
      });
      try {
        for (const room of rooms) {
          const since = a.roomView.get(room).at(-1)?.seq ?? 0;
          const r = await conn.request('room:join', first ? { room } : { room, since }, 8000);
          if (!r.ok) throw new Error(`room:join ${room}: ${r.error.code}`);
        }
        if (!first) {
          const r = await conn.request('dm:list', undefined, 8000);
          if (!r.ok) throw new Error(`dm:list: ${r.error.code}`);
          const since = a.dmView.at(-1)?.seq ?? 0;
          const missed = await fullHistory(conn, a.from.user.id, since);
          for (const d of missed) applyTo(a.dmView, d, `${who(a)} dm catch-up ${gen}`);
          const live = held;
          held = null;
          for (const d of live) applyTo(a.dmView, d, `${who(a)} dm connection ${gen}`, { overlapOk: true });
          // The last two answered messages go out again: their answer must be the first one.
          const answered = [...a.entries.values()].filter((e) => e.replies.length && !a.queue.includes(e.cmid))
            .sort((x, y) => x.at - y.at).slice(-2);
          a.queue.unshift(...answered.map((e) => e.cmid));
        }
      } catch (e) {
        counters.resume_failures += 1;
        a.gen += 1;  // what this connection still pushes is not applied
        conn.close();
        await pause(200);
        continue;
      }
      a.conn = conn;
      a.ready = true;
      first = false;
      await conn.lost;
      a.ready = false;
      a.conn = null;
      if (!stopping) counters.reconnects += 1;
    }
  };

  const send = (a, cmid) => {
    const e = a.entries.get(cmid);
    e.sends += 1;
    if (e.sends > 1) counters.resends += 1;
    a.inflight.add(cmid);
    const requeue = () => { if (!e.replies.length && !a.queue.includes(cmid)) a.queue.push(cmid); };
    const [event, data] = e.room ? ['message:send', { room: e.room, text: e.text, clientMsgId: cmid }]
      : ['message:private', { to: a.to.user.id, text: e.text, clientMsgId: cmid }];
    return a.conn.request(event, data, 6000)
      .then((r) => {
        if (r?.ok) e.replies.push(r.data);
        else {
          const code = r?.error?.code ?? 'no-reply';
          counters.errors[code] = (counters.errors[code] ?? 0) + 1;
          if (!RETRYABLE.has(code)) anomaly(`${who(a)} ${cmid}: ${event} answered ${code}`);
          requeue();
        }
      }, requeue)
      .finally(() => a.inflight.delete(cmid));
  };
  const fresh = (a) => {
    a.k += 1;
    const cmid = `${a.tag}-${a.k}`;
    const room = a.rng() < 0.55 ? rooms[Math.floor(a.rng() * rooms.length)] : null;
    a.entries.set(cmid, { cmid, room, text: `${a.tag} ${room ? 'room' : 'dm'} ${a.k}`, sends: 0, replies: [], at: a.k });
    return cmid;
  };
  let sending = true;
  const sender = async (a) => {
    while (sending) {
      if (a.ready && a.inflight.size < 2) send(a, a.queue.shift() ?? fresh(a));
      await pause(180 + Math.floor(a.rng() * 250));
    }
    // Drain: resend until every message has its answer (bounded).
    const deadline = Date.now() + 60_000;
    while ((a.queue.length || a.inflight.size) && Date.now() < deadline) {
      if (a.ready && a.queue.length && a.inflight.size < 2) send(a, a.queue.shift());
      await pause(100);
    }
  };

  const lives = actors.map((a) => life(a));
  await until(async () => actors.every((a) => a.ready), 30_000, 'every drill user connected and joined');
  say(`${actors.length} users (${actors.map(who).join(' ')}), ${rooms.length} rooms, DM ring; traffic starts`);
  const senders = actors.map((a) => sender(a));
  const abusers = opts.abusers ? startAbusers({ nodes: c.nodes, users: abuseUsers, rng: abuseRng, log: say }) : null;

  // ---- node watch: a node the drill did not kill must stay up -----------------------------------------
  const killed = new Set();
  const crashes = [];
  const watch = setInterval(() => {
    for (let i = 0; i < c.nodes.length; i++) {
      if (killed.has(i) || c.nodeAlive(i)) continue;
      killed.add(i);  // restarted below
      crashes.push(i);
      const logFile = path.join(c.dir, `node${i + 1}.log`);
      const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') : '';
      say(`CRASH: node n${i + 1} died on its own; its log ends:\n${tail}`);
      c.restartNode(i).then(() => killed.delete(i), (e) => say(`restart of crashed n${i + 1} failed: ${e.message}`));
    }
  }, 300);

  // ---- faults -------------------------------------------------------------------------------------------
  const kinds = opts.kinds;
  const plan = Array.from({ length: opts.faults }, (_, k) => kinds[k % kinds.length]);
  for (let k = plan.length - 1; k > 0; k--) {
    const j = Math.floor(faultRng() * (k + 1));
    [plan[k], plan[j]] = [plan[j], plan[k]];
  }
  const faults = { node_kill: 0, redis: 0, postgres: 0 };
  const recovery = [];
  let readyzFailures = 0;
  const allReady = async () => {
    for (const n of c.nodes) if ((await get(n, '/readyz')).status !== 200) return false;
    return true;
  };
  const inject = async (kind) => {
    const downMs = 300 + Math.floor(faultRng() * 1700);
    if (kind === 'node_kill') {
      const i = Math.floor(faultRng() * c.nodes.length);
      killed.add(i);
      c.killNode(i);
      await pause(downMs);
      await c.restartNode(i);
      killed.delete(i);
      return `kill -9 n${i + 1}, down ${downMs} ms`;
    }
    if (kind === 'redis' && c.redisCluster) {
      const rc = c.redisCluster;
      const view0 = rc.nodes();
      const primaries = view0.filter((n) => n.role === 'master' && n.slots.length && !n.failed);
      const victim = primaries[Math.floor(faultRng() * primaries.length)];
      const replica = view0.find((n) => n.masterId === victim.id && !n.failed);
      rc.killPrimary(victim.port);
      await until(async () => {
        const now = rc.nodes(replica.port);
        return now.find((n) => n.id === replica.id).role === 'master' && now.find((n) => n.id === victim.id).failed;
      }, 30_000, `replica ${replica.port} of ${victim.port} promoted`);
      await pause(downMs);
      rc.restart(victim.port);
      // Back as a replica, and synchronised: a replica that has not synchronised with its primary yet refuses to
      // take over (cluster-replica-validity-factor), so the next fault could leave a shard without a primary.
      await until(async () => {
        const now = rc.nodes(replica.port);
        const back = now.find((n) => n.id === victim.id);
        return back && !back.failed && back.connected && back.role === 'slave' &&
          /^master_link_status:up\s*$/m.test(rc.cli(victim.port, 'info', 'replication'));
      }, 30_000, `old primary ${victim.port} back as a synchronised replica`);
      return `kill -9 of Redis Cluster primary ${victim.port}, replica ${replica.port} promoted, old primary back as its replica`;
    }
    if (kind === 'redis') {
      c.killRedis();
      await pause(downMs);
      await until(async () => { c.startRedis(); return true; }, 10_000, 'redis-server starts again');
      return `kill -9 of Redis, down ${downMs} ms`;
    }
    await c.restartPostgres();
    return 'pg_ctl restart -m immediate';
  };

  const tStart = Date.now();
  const spacing = (opts.duration * 1000) / (plan.length + 1);
  for (let k = 0; k < plan.length; k++) {
    const due = tStart + (k + 1) * spacing;
    await pause(Math.max(due - Date.now(), 1500));
    const t = Date.now();
    let what;
    try {
      what = await inject(plan[k]);
    } catch (e) {
      what = `FAILED to inject: ${e.message}`;
      anomaly(`fault ${k + 1} (${plan[k]}): ${e.message}`);
    }
    faults[plan[k]] += 1;
    const ok = await until(allReady, 45_000, 'ready').catch(() => false);
    if (!ok) readyzFailures += 1;
    recovery.push(Date.now() - t);
    say(`fault ${k + 1}/${plan.length} ${plan[k]}: ${what}; every node ready after ${Date.now() - t} ms${ok ? '' : ' (NOT READY)'}`);
  }
  await pause(Math.max(tStart + opts.duration * 1000 - Date.now(), 2000));

  // ---- stop, drain, let the views settle --------------------------------------------------------------
  sending = false;
  await Promise.all(senders);
  const abuse = abusers ? await abusers.stop() : null;
  clearInterval(watch);
  const unacked = actors.flatMap((a) => [...a.entries.values()].filter((e) => !e.replies.length));
  say(`traffic stopped; ${unacked.length} messages unanswered after the drain`);

  // ---- checker ------------------------------------------------------------------------------------------
  const reader = await until(async () => openNative(c.lb, users[0]), 10_000, 'the checker connects');
  let stored = 0;
  let lost = 0;
  let dupStored = 0;
  let holes = 0;
  let phantom = 0;
  let mismatches = 0;
  const stores = [];  // {where, messages, entries: Map key -> entry}
  const keyOf = (fromId, cmid) => `${fromId}/${cmid}`;
  for (const room of rooms) {
    const entries = new Map();
    for (const a of actors) for (const e of a.entries.values()) if (e.room === room) entries.set(keyOf(a.user.id, e.cmid), e);
    stores.push({ where: `room ${room}`, messages: await fullRoomHistory(reader, room), entries, viewers: actors.map((a) => [a, a.roomView.get(room)]) });
  }
  for (const a of actors) {
    const entries = new Map();
    for (const e of a.entries.values()) if (!e.room) entries.set(keyOf(a.user.id, e.cmid), e);
    const conn = await until(async () => openNative(c.lb, a.to.user), 10_000, 'the checker connects');
    stores.push({ where: `dm ${a.tag}->${a.to.tag}`, messages: await fullHistory(conn, a.user.id), entries, viewers: [[a.to, a.to.dmView]] });
    conn.close();
  }
  reader.close();
  let viewMissing = 0;
  for (const s of stores) {
    const { where, messages, entries } = s;
    stored += messages.length;
    const seqs = new Map();
    const keys = new Map();
    for (const m of messages) {
      if (seqs.has(m.seq)) { dupStored += 1; anomaly(`${where}: seq ${m.seq} stored twice`); }
      seqs.set(m.seq, m);
      const key = keyOf(m.from.id, m.clientMsgId);
      if (keys.has(key)) { dupStored += 1; anomaly(`${where}: ${m.clientMsgId} stored twice (seq ${keys.get(key).seq} and ${m.seq})`); }
      keys.set(key, m);
      if (!entries.has(key)) { phantom += 1; anomaly(`${where}: seq ${m.seq} (${m.clientMsgId}) was never sent`); }
    }
    const n = messages.length ? messages[messages.length - 1].seq : 0;
    for (let q = 1; q <= n; q++) if (!seqs.has(q)) { holes += 1; anomaly(`${where}: no message at seq ${q}`); }
    for (const e of entries.values()) {
      if (!e.replies.length) continue;
      const first = e.replies[0];
      for (const r of e.replies.slice(1)) {
        if (r.id !== first.id || r.seq !== first.seq || r.ts !== first.ts) {
          mismatches += 1;
          anomaly(`${where}: ${e.cmid} answered ${JSON.stringify(r)} after ${JSON.stringify(first)}`);
        }
      }
      const m = seqs.get(first.seq);
      if (!m || m.id !== first.id || m.clientMsgId !== e.cmid || m.text !== e.text) {
        lost += 1;
        anomaly(`${where}: ${e.cmid} acked as seq ${first.seq} (${first.id}) but stored ${m ? `${m.id} ${m.clientMsgId}` : 'nothing'}`);
      }
    }
    // Each viewer's view ends with the same messages as the store (they arrive late at most).
    for (const [a, list] of s.viewers) {
      await until(async () => (list.at(-1)?.seq ?? 0) >= n, 15_000, '').catch(() => {});
      const ids = new Map(list.map((d) => [d.seq, d.id]));
      for (const m of messages) {
        if (!ids.has(m.seq)) { viewMissing += 1; anomaly(`${who(a)} never saw ${where} seq ${m.seq}`); }
        else if (ids.get(m.seq) !== m.id) { view.conflicts += 1; anomaly(`${who(a)} saw ${where} seq ${m.seq} as ${ids.get(m.seq)}, stored ${m.id}`); }
      }
    }
  }
  stopping = true;
  for (const a of actors) a.conn?.close();
  await Promise.race([Promise.all(lives), pause(5000)]);

  const sent = actors.reduce((s, a) => s + a.entries.size, 0);
  const acked = sent - unacked.length;
  const outOfOrder = view.gaps + view.reversals + view.conflicts;
  const nodesUp = c.nodes.every((_, i) => c.nodeAlive(i));
  const readyAtEnd = await allReady().catch(() => false);
  const ok = sent > 0 && acked === sent && lost === 0 && dupStored === 0 && view.repeats === 0 && outOfOrder === 0 &&
    mismatches === 0 && holes === 0 && phantom === 0 && viewMissing === 0 && crashes.length === 0 &&
    readyzFailures === 0 && nodesUp && readyAtEnd && anomalies.length === 0;
  if (anomalies.length) say(`anomalies (first ${anomalies.length}):\n  ${anomalies.join('\n  ')}`);
  return {
    faults,
    sent,
    acked,
    stored,
    lost,
    duplicated: dupStored + view.repeats,
    out_of_order: outOfOrder,
    resend_mismatches: mismatches,
    unacked: unacked.length,
    seq_holes: holes,
    view_missing: viewMissing,
    phantom,
    resends: counters.resends,
    reconnects: counters.reconnects,
    resume_failures: counters.resume_failures,
    error_replies: counters.errors,
    catchup_overlap: view.overlap,
    recovery_ms_max: Math.max(0, ...recovery),
    readyz_failures: readyzFailures,
    node_crashes: crashes.length,
    abuse,
    ok,
  };
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
  runDrill(opts).then((r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(r.ok ? 0 : 1);
  }, (e) => {
    process.stderr.write(`drill failed: ${e.stack ?? e}\n`);
    process.stdout.write(`${JSON.stringify({ seed: opts.seed, ok: false, error: e.message })}\n`);
    process.exit(1);
  });
}
