// Writes the Markdown report of a bench/compare run and one PNG chart per workload (gnuplot).
//   node bench/report.mjs RESULTS.jsonl OUT.md CHART_DIR DATE_TAG "UPTIME"
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [resultsPath, outPath, chartDir, tag, uptime = ''] = process.argv.slice(2);
const rows = fs.readFileSync(resultsPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const runsOf = (workload, server) => rows.filter((r) => r.workload === workload && r.impl === server);
const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? 'unknown';
const fmt = (n, d = 0) => (n === undefined || n === null || Number.isNaN(n) ? '–' : Number(n).toLocaleString('en-US', { maximumFractionDigits: d }));
const ratio = (a, b) => (a && b ? a / b : NaN);
// The run a workload is judged by: the median one by `metric` when it ran several times (bench/compare PAIRS).
const pick = (runs, metric) => {
  if (runs.length <= 1 || !metric) return runs[0];
  const sorted = [...runs].sort((a, b) => (metric(a) ?? 0) - (metric(b) ?? 0));
  return sorted[(sorted.length - 1) >> 1];
};
const get = (workload, server) => pick(runsOf(workload, server), workloads.find((w) => w.name === workload)?.metric);

// The figure each workload is judged by, and its target (Parley vs the peer).
const workloads = [
  { name: 'fanout', title: 'Room fan-out, saturation (100 rooms x 100 members, 16 in flight per sender)',
    metric: (r) => r.deliveries_per_s, unit: 'deliveries/s', target: '>= 20x the peer', ok: (p, s) => ratio(p, s) >= 20, better: 'higher' },
  { name: 'dm', title: 'Direct messages, saturation (100 pairs, 16 in flight per sender)',
    metric: (r) => r.deliveries_per_s, unit: 'DMs delivered/s', target: '>= 4x the peer', ok: (p, s) => ratio(p, s) >= 4, better: 'higher' },
  { name: 'idle', title: 'Idle connections (10,000): server memory per connection',
    metric: (r) => r.server?.bytes_per_conn, unit: 'bytes/connection', target: '<= 1024 B', ok: (p) => p <= 1024, better: 'lower' },
  { name: 'fanout-fixed', title: 'Room fan-out at a fixed 526 msg/s (52.6k deliveries/s): p99 latency',
    metric: (r) => r.latency_ms?.p99, unit: 'ms p99', target: '<= 1/4 of the peer', ok: (p, s) => p <= s / 4, better: 'lower' },
  { name: 'dm-fixed', title: 'Direct messages at a fixed 5,000 DMs/s (100 pairs): p99 latency',
    metric: (r) => r.latency_ms?.p99, unit: 'ms p99', target: 'reported beside fanout-fixed', better: 'lower' },
  { name: 'cross-node', title: 'Cross-node fan-out at saturation (2 nodes on Redis, 100 x 100)',
    metric: (r) => r.lost, unit: 'messages lost', target: 'zero loss', ok: (p) => p === 0, better: 'lower' },
];

function chart(w, p, s) {
  const png = path.join(chartDir, `${tag}-${w.name}.png`);
  const dat = path.join(os.tmpdir(), `parley-chart-${process.pid}-${w.name}.dat`);
  let plot;
  if (w.name.endsWith('-fixed')) {
    const line = (label, r) => `${label} ${r?.latency_ms?.p50 ?? 0} ${r?.latency_ms?.p90 ?? 0} ${r?.latency_ms?.p99 ?? 0}`;
    fs.writeFileSync(dat, `${line('Parley', p)}\n${line('Socket.IO', s)}\n`);
    plot = `set style data histograms; set style histogram clustered gap 1; set style fill solid 0.8 border -1;
set ylabel "latency (ms)"; set key top left; set yrange [0:*];
plot "${dat}" using 2:xtic(1) title "p50", "" using 3 title "p90", "" using 4 title "p99"`;
  } else if (w.name === 'cross-node') {
    const line = (label, r) => `${label} ${r?.deliveries_per_s ?? 0} ${r?.lost ?? 0}`;
    fs.writeFileSync(dat, `${line('Parley', p)}\n${line('Socket.IO', s)}\n`);
    plot = `set style data histograms; set style fill solid 0.8 border -1; set yrange [0:*]; set ylabel "deliveries/s";
set y2label "messages lost"; set y2tics; set y2range [0:*]; set boxwidth 0.35; set key top right;
plot "${dat}" using ($0-0.2):2:xtic(1) with boxes title "deliveries/s", "" using ($0+0.2):3 axes x1y2 with boxes title "lost"`;
  } else {
    fs.writeFileSync(dat, `Parley ${w.metric(p ?? {}) ?? 0}\nSocket.IO ${w.metric(s ?? {}) ?? 0}\n`);
    plot = `set style fill solid 0.8 border -1; set boxwidth 0.5; set yrange [0:*]; set ylabel "${w.unit}"; unset key;
plot "${dat}" using 0:2:xtic(1) with boxes lc rgb "#3b7dd8", "" using 0:2:(sprintf("%.0f",$2)) with labels offset 0,1 notitle`;
  }
  const script = `set terminal pngcairo size 720,420 font "sans,10"; set output "${png}"; set title "${w.title} (${w.better} is better)";\n${plot}\n`;
  try {
    execFileSync('gnuplot', { input: script });
  } catch (e) {
    return null;
  } finally {
    fs.rmSync(dat, { force: true });
  }
  return path.basename(png);
}

const lines = [];
lines.push(`# Parley vs Socket.IO 4.8 — ${tag}`, '');
lines.push(`Machine: ${os.cpus().length} cores (nproc), ${cpu}, Linux ${os.release()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM.`);
lines.push(`Load when the report was written: \`${uptime.trim()}\`.`);
lines.push('Each server pinned to core 0 (`taskset -c 0`, Parley `--threads 1`, SQLite store on, `--rate-limit 0`), parley-bench on core 1.', '');
lines.push('| workload | Parley | Socket.IO peer | ratio | target | met |', '|---|---|---|---|---|---|');
for (const w of workloads) {
  const p = get(w.name, 'parley');
  const s = get(w.name, 'socketio');
  if (!p && !s) continue;
  const pv = p ? w.metric(p) : undefined;
  const sv = s ? w.metric(s) : undefined;
  const r = ratio(pv, sv);
  const met = !w.ok ? '–' : p && pv !== undefined ? (w.ok(pv, sv) ? 'yes' : 'no') : 'not run';
  const d = w.name.endsWith('-fixed') ? 2 : 0;
  lines.push(`| ${w.name} (${w.unit}) | ${fmt(pv, d)} | ${fmt(sv, d)} | ${Number.isFinite(r) ? fmt(r, 2) + 'x' : '–'} | ${w.target} | ${met} |`);
}
lines.push('');
// Several runs of a workload: the spread, and the ratio within each pair (Parley and the peer back to back).
for (const w of workloads) {
  const ps = runsOf(w.name, 'parley');
  const ss = runsOf(w.name, 'socketio');
  if (ps.length <= 1 && ss.length <= 1) continue;
  const range = (rs) => `${fmt(Math.min(...rs.map(w.metric)))}–${fmt(Math.max(...rs.map(w.metric)))}`;
  const pairs = ps.map((p) => ratio(w.metric(p), w.metric(ss.find((s) => s.run === p.run) ?? {})));
  lines.push(`${w.name}: ${ps.length} runs each, alternating (the table gives the medians). Parley ${range(ps)}, ` +
    `the peer ${range(ss)} ${w.unit}; ratio within each pair: ${pairs.map((r) => (Number.isFinite(r) ? fmt(r, 1) + 'x' : '–')).join(', ')}.`);
}
lines.push('');
const maxConns = get('max-conns', 'parley');
const maxCluster = get('max-conns-cluster', 'parley');
if (maxConns) lines.push(`Largest connection count per node: ${fmt(maxConns.connected)} (of ${fmt(maxConns.conns)} attempted; RLIMIT_NOFILE ${maxConns.nofile.soft}), ${fmt(maxConns.server?.bytes_per_conn)} B/connection.`);
if (maxCluster) lines.push(`Largest 2-node cluster: ${fmt(maxCluster.connected)} connections (of ${fmt(maxCluster.conns)}).`);
lines.push('', '## Details', '');
lines.push('| workload | server | run | conns | msgs/s | deliveries/s | p50 | p90 | p99 | max (ms) | lost | dup | errors | server CPU % | RSS KiB (connected) |');
lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const l = r.latency_ms ?? {};
  lines.push(`| ${r.workload} | ${r.impl} | ${r.run ?? 1} | ${fmt(r.connected)} | ${fmt(r.messages_per_s)} | ${fmt(r.deliveries_per_s)} | ${l.p50} | ${l.p90} | ${l.p99} | ${l.max} | ${fmt(r.lost)} | ${fmt(r.duplicated)} | ${fmt(r.send_errors + r.connect_errors)} | ${r.server?.cpu_pct_run ?? '–'} | ${fmt(r.server?.rss_kib_connected)} |`);
}
lines.push('', '## Charts', '');
for (const w of workloads) {
  const p = get(w.name, 'parley');
  const s = get(w.name, 'socketio');
  if (!p && !s) continue;
  const png = chart(w, p, s);
  if (png) lines.push(`![${w.title}](${png})`, '');
}
lines.push('Raw results (one JSON line per run): `' + `${tag}.jsonl` + '`.', '');
fs.writeFileSync(outPath, lines.join('\n'));
console.log(outPath);
