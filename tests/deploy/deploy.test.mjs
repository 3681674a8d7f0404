// Validates deploy/ against the real binary and against each other, since containers cannot run here:
//  - every YAML file parses;
//  - every --flag and PARLEY_* variable that compose.yaml, k8s/*, parley.service, parley.env.example and the
//    Containerfile give parley exists in `parley serve --help` (which lists each flag with its env name);
//  - probes and healthchecks name real endpoints (/readyz, /healthz), and the compose/Containerfile healthcheck
//    command really answers 0 against a running parley and non-zero against a dead port;
//  - ports agree: PARLEY_LISTEN's port = EXPOSE = containerPort = Service targetPort = nginx upstream port;
//  - deploy/compose/nginx.conf is what `scripts/cluster render-nginx` renders for the compose nodes;
//  - the Containerfile's build stage installs scripts/setup's build packages and its runtime stage the packages
//    of every library the built binary links (readelf + dpkg -S);
//  - `systemd-analyze verify` accepts parley.service (a copy whose ExecStart is the built binary: verify
//    insists the binary exists) with no warning at all, and the original fails on nothing but the binary path.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { PARLEY_BIN, REPO_ROOT, startServer } from '../e2e/lib/server.mjs';

const DEPLOY = path.join(REPO_ROOT, 'deploy');
const read = (rel) => fs.readFileSync(path.join(DEPLOY, rel), 'utf8');

/** `parley serve --help` as {flags: Set('--listen', …), envs: Set('PARLEY_LISTEN', …)}. */
function serveHelp() {
  const text = execFileSync(PARLEY_BIN, ['serve', '--help'], { encoding: 'utf8' });
  const flags = new Set();
  const envs = new Set();
  for (const line of text.split('\n')) {
    const m = line.match(/^\s+(?:-\w,)?(--[a-z0-9][a-z0-9-]*)\b/);
    if (m) flags.add(m[1]);
    const e = line.match(/\(Env:(PARLEY_[A-Z0-9_]+)\)/);
    if (e) envs.add(e[1]);
  }
  return { flags, envs, text };
}

/** The `--flags` of an argv (or a shell-like string), without their `=value`. */
function flagsOf(argv) {
  const words = Array.isArray(argv) ? argv.map(String) : String(argv).split(/\s+/);
  return words.filter((w) => /^--[a-z]/.test(w)).map((w) => w.split('=')[0]);
}

/** Every PARLEY_* name in a text (cmake's -DPARLEY_… options are not environment variables and do not match). */
function parleyVarsIn(text) {
  return [...new Set([...text.matchAll(/(?<![A-Za-z0-9_-])PARLEY_[A-Z0-9_]+/g)].map((m) => m[0]))];
}

const portOf = (listen) => Number(String(listen).split(':').pop());

/** Parses every YAML document of a file; throws on any error. */
function yamlDocs(rel) {
  const docs = YAML.parseAllDocuments(read(rel), { merge: true });
  const errors = docs.flatMap((d) => d.errors);
  assert.deepEqual(errors.map(String), [], `${rel} parses`);
  return docs.map((d) => d.toJS({ maxAliasCount: 100 }));
}

function yamlFiles(dir = DEPLOY, rel = '') {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) return yamlFiles(path.join(dir, e.name), r);
    return /\.ya?ml$/.test(e.name) ? [r] : [];
  });
}

/** The Containerfile as stages [{from, name, lines: [{op, args}]}] (continuation lines joined). */
function containerfile() {
  const joined = read('Containerfile').replace(/\\\n/g, ' ').split('\n').filter((l) => l.trim() && !/^\s*#/.test(l));
  const stages = [];
  for (const line of joined) {
    const [, op, args] = line.trim().match(/^(\w+)\s+(.*)$/);
    if (op.toUpperCase() === 'FROM') {
      const [image, , name] = args.split(/\s+/);
      stages.push({ from: image, name, lines: [] });
    } else {
      stages.at(-1).lines.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

const execForm = (args) => JSON.parse(args);

/** The packages of an `apt-get install` in a RUN line. */
function aptPackages(runArgs) {
  const m = runArgs.match(/apt-get install ([^&;]*)/);
  return m ? m[1].split(/\s+/).filter((w) => w && !w.startsWith('-')) : [];
}

/** A bash array `name=(…)` of scripts/setup. */
function setupArray(name) {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'scripts/setup'), 'utf8');
  const m = text.match(new RegExp(`^${name}=\\(([^)]*)\\)`, 'm'));
  assert.ok(m, `scripts/setup has ${name}`);
  return m[1].split(/\s+/).filter(Boolean);
}

/** The unit file as {Section: {Key: [values]}}. */
function unitFile(text) {
  const out = {};
  let section;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const s = line.match(/^\[(.+)\]$/);
    if (s) { section = out[s[1]] ??= {}; continue; }
    const [key, ...rest] = line.split('=');
    (section[key.trim()] ??= []).push(rest.join('=').trim());
  }
  return out;
}

let help;
before(() => {
  help = serveHelp();
  assert.ok(help.flags.has('--listen') && help.envs.has('PARLEY_LISTEN') && help.flags.size > 10,
    `parley serve --help lists the flags and their env names:\n${help.text}`);
});

function assertKnownFlags(argv, where) {
  for (const f of flagsOf(argv)) assert.ok(help.flags.has(f), `${where}: ${f} is not a flag of parley serve`);
}
function assertKnownVars(names, where) {
  for (const v of names) assert.ok(help.envs.has(v), `${where}: ${v} is not an environment variable of parley serve`);
}

describe('deploy/', () => {
  it('every YAML file parses', () => {
    const files = yamlFiles();
    assert.ok(files.includes('compose.yaml') && files.some((f) => f.startsWith('k8s/')), files.join(' '));
    for (const f of files) yamlDocs(f);
  });

  it('every PARLEY_* variable named in a deployment file is one of parley serve', () => {
    for (const rel of ['compose.yaml', 'Containerfile', 'parley.service', 'parley.env.example', 'compose.env.example',
      ...fs.readdirSync(path.join(DEPLOY, 'k8s')).map((f) => `k8s/${f}`)]) {
      assertKnownVars(parleyVarsIn(read(rel)), rel);
    }
  });
});

describe('deploy/compose.yaml', () => {
  let compose;
  const nodes = ['n1', 'n2', 'n3'];
  before(() => { [compose] = yamlDocs('compose.yaml'); });

  it('has nginx, three parley nodes, Redis and PostgreSQL', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['n1', 'n2', 'n3', 'nginx', 'postgres', 'redis']);
  });

  it('runs each node as parley serve with real flags, its node id, Redis and PostgreSQL; secrets in the environment', () => {
    for (const n of nodes) {
      const svc = compose.services[n];
      assert.equal(svc.build.dockerfile, 'deploy/Containerfile', `${n} is built from the Containerfile`);
      assert.equal(path.resolve(DEPLOY, svc.build.context), REPO_ROOT, `${n} builds from the repository root`);
      const cmd = svc.command.map(String);
      assert.equal(cmd[0], 'serve', `${n}: parley serve (the image's entrypoint is parley)`);
      assertKnownFlags(cmd, `compose ${n} command`);
      const arg = (flag) => cmd[cmd.indexOf(flag) + 1];
      assert.equal(arg('--node-id'), n);
      assert.equal(arg('--broker'), 'redis://redis:6379');
      assert.match(arg('--store'), /^postgres:\/\/parley@postgres:5432\/parley$/, 'the store URL carries no password');
      for (const secret of ['--jwt-secret', '--api-key', '--jwt-previous-secret']) {
        assert.ok(!cmd.includes(secret), `${n}: ${secret} is not on the command line`);
      }
      assertKnownVars(Object.keys(svc.environment).filter((k) => k.startsWith('PARLEY_')), `compose ${n} environment`);
      for (const secret of ['PARLEY_JWT_SECRET', 'PARLEY_API_KEY']) {
        assert.match(String(svc.environment[secret]), /^\$\{[A-Z_]+:\?/, `${n}: ${secret} comes from the environment, required`);
      }
      assert.match(String(svc.environment.PGPASSWORD), /^\$\{POSTGRES_PASSWORD:\?/);
      assert.equal(portOf(svc.environment.PARLEY_LISTEN), 8080);
      assert.match(svc.healthcheck.test.join(' '), /\/readyz/, `${n}: the healthcheck asks /readyz`);
      assert.match(svc.healthcheck.test.join(' '), /127\.0\.0\.1\/8080\b/, `${n}: the healthcheck asks the listen port`);
    }
  });

  it('starts in order of health: PostgreSQL and Redis, then the nodes, then nginx', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [dep, how] of Object.entries(svc.depends_on ?? {})) {
        assert.equal(how.condition, 'service_healthy', `${name} waits for ${dep} to be healthy`);
        assert.ok(compose.services[dep]?.healthcheck?.test, `${dep} (a dependency of ${name}) has a healthcheck`);
      }
    }
    for (const n of nodes) assert.deepEqual(Object.keys(compose.services[n].depends_on).sort(), ['postgres', 'redis']);
    assert.deepEqual(Object.keys(compose.services.nginx.depends_on).sort(), nodes);
  });

  it('mounts the nginx config that scripts/cluster render-nginx renders for n1..n3', () => {
    const nginx = compose.services.nginx;
    const mount = nginx.volumes.find((v) => String(v).endsWith(':/etc/nginx/nginx.conf:ro'));
    assert.ok(mount, 'nginx mounts its config');
    const file = path.resolve(DEPLOY, mount.split(':')[0]);
    assert.equal(file, path.join(DEPLOY, 'compose/nginx.conf'));
    const port = portOf(compose.services.n1.environment.PARLEY_LISTEN);
    const rendered = execFileSync(path.join(REPO_ROOT, 'scripts/cluster'),
      ['render-nginx', ...nodes.map((n) => `${n}:${port}`)], { encoding: 'utf8' });
    assert.equal(fs.readFileSync(file, 'utf8'), rendered,
      'deploy/compose/nginx.conf is out of date: scripts/cluster render-nginx n1:8080 n2:8080 n3:8080 > deploy/compose/nginx.conf');
    // nginx listens on the port compose publishes, and its upstreams are the nodes' listen port.
    const listen = rendered.match(/^\s*listen (\S+?);/m)[1];
    assert.ok(nginx.ports.some((p) => String(p).split(':').pop() === listen), `nginx publishes its listen port ${listen}`);
    const upstreamPorts = [...rendered.matchAll(/server n\d:(\d+)/g)].map((m) => Number(m[1]));
    assert.ok(upstreamPorts.length >= 3 && upstreamPorts.every((p) => p === port), 'nginx upstream port = PARLEY_LISTEN port');
    // The config is valid for nginx (its include of mime types and paths aside): nginx -t on a local copy.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-nginx-'));
    try {
      fs.mkdirSync(path.join(dir, 'tmp'));
      // Paths of this machine (Node's stdio pipes are sockets, which /dev/stderr cannot open), no DNS names;
      // nginx -t binds no port.
      const local = rendered.replaceAll('/var/cache/nginx', path.join(dir, 'tmp')).replace('/tmp/nginx.pid', path.join(dir, 'nginx.pid'))
        .replace('/dev/stderr', path.join(dir, 'error.log')).replace('/dev/stdout', path.join(dir, 'access.log'))
        .replaceAll(/server n\d:(\d+)/g, 'server 127.0.0.1:$1');
      fs.writeFileSync(path.join(dir, 'nginx.conf'), local);
      const nginxBin = fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
      const r = spawnSync(nginxBin, ['-t', '-q', '-c', path.join(dir, 'nginx.conf'), '-p', dir, '-e', path.join(dir, 'error.log')], { encoding: 'utf8' });
      assert.equal(r.status, 0, `nginx -t: ${r.stderr}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('the /readyz healthcheck command (compose and Containerfile) against a real parley', () => {
    let srv;
    before(async () => { srv = await startServer(); });
    after(async () => { await srv?.cleanup(); });

    it('exits 0 against a ready node and non-zero against a closed port', () => {
      const test = compose.services.n1.healthcheck.test;
      assert.equal(test[0], 'CMD');
      const healthcheck = containerfile().at(-1).lines.find((l) => l.op === 'HEALTHCHECK');
      assert.ok(healthcheck, 'the runtime image has a HEALTHCHECK');
      assert.deepEqual(execForm(healthcheck.args.slice(healthcheck.args.indexOf('CMD') + 3).trim()), test.slice(1),
        'the Containerfile and compose.yaml probe alike');
      const argv = (port) => test.slice(1).map((a) => a.replaceAll('127.0.0.1/8080', `127.0.0.1/${port}`));
      const ok = spawnSync(argv(srv.port)[0], argv(srv.port).slice(1), { timeout: 10_000 });
      assert.equal(ok.status, 0, `healthcheck against the running node: ${ok.stderr}`);
      const dead = spawnSync(argv(1)[0], argv(1).slice(1), { timeout: 10_000 });
      assert.notEqual(dead.status, 0, 'healthcheck against a closed port fails');
    });
  });
});

describe('deploy/Containerfile', () => {
  let stages;
  let runtime;
  before(() => { stages = containerfile(); runtime = stages.at(-1); });

  it('builds on debian:12 with the build packages of scripts/setup, runs on debian:12-slim as a non-root user', () => {
    const build = stages.find((s) => s.lines.some((l) => l.op === 'RUN' && /ninja .*parley/.test(l.args)));
    assert.ok(build, 'a stage builds parley with ninja');
    assert.equal(build.from, 'debian:12');
    const installed = build.lines.filter((l) => l.op === 'RUN').flatMap((l) => aptPackages(l.args));
    // Not needed in the image: the tests' and benchmarks' libraries (-DPARLEY_TESTS=OFF -DPARLEY_BENCH=OFF) and
    // Node, which the web stage brings (Debian 12's nodejs is too old for Vite).
    const notNeeded = new Set(['libgtest-dev', 'libbenchmark-dev', 'nodejs', 'npm']);
    for (const p of setupArray('build_packages').filter((p) => !notNeeded.has(p))) {
      assert.ok(installed.includes(p), `the build stage installs ${p} (scripts/setup's build_packages)`);
    }
    assert.match(build.lines.map((l) => l.args).join('\n'), /-DPARLEY_TESTS=OFF -DPARLEY_BENCH=OFF/);
    // What the build reads outside src/ (e.g. docs/protocol.md, compiled in) is copied into the build stage.
    const copied = build.lines.filter((l) => l.op === 'COPY').map((l) => l.args.split(/\s+/)[0].replace(/\/$/, ''));
    const cmake = fs.readFileSync(path.join(REPO_ROOT, 'src/CMakeLists.txt'), 'utf8');
    for (const [, top] of cmake.matchAll(/\$\{PROJECT_SOURCE_DIR\}\/([^/\s)]+)/g)) {
      assert.ok(copied.includes(top), `src/CMakeLists.txt reads ${top}/, which the build stage does not COPY`);
    }
    for (const top of ['CMakeLists.txt', 'src']) assert.ok(copied.includes(top), `the build stage copies ${top}`);
    assert.ok(stages.some((s) => s.lines.some((l) => l.op === 'RUN' && /npm run build/.test(l.args))), 'a stage builds web/dist');
    assert.equal(runtime.from, 'debian:12-slim');
    const user = runtime.lines.filter((l) => l.op === 'USER').at(-1)?.args;
    assert.ok(user && !/^(root|0)(:|$)/.test(user), `runs as a non-root user (USER ${user})`);
    assert.ok(runtime.lines.some((l) => l.op === 'COPY' && /--from=\S+ .*\/parley /.test(l.args)), 'copies the binary');
    assert.ok(runtime.lines.some((l) => l.op === 'COPY' && /--from=\S+ \S*dist /.test(l.args)), 'copies web/dist');
  });

  it('the runtime stage installs the package of every library the built binary links', () => {
    const installed = runtime.lines.filter((l) => l.op === 'RUN').flatMap((l) => aptPackages(l.args));
    const needed = execFileSync('readelf', ['-d', PARLEY_BIN], { encoding: 'utf8' })
      .split('\n').map((l) => l.match(/\(NEEDED\).*\[(.+)\]/)?.[1]).filter(Boolean);
    assert.ok(needed.length > 3, `readelf found the NEEDED libraries: ${needed}`);
    const inSlim = new Set(['libc6', 'libstdc++6', 'libgcc-s1']);  // part of debian:12-slim
    const cache = execFileSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8' });
    for (const lib of needed) {
      const where = cache.split('\n').find((l) => l.trim().startsWith(`${lib} `))?.split(' => ').pop();
      assert.ok(where, `ldconfig knows ${lib}`);
      // Debian 12 has a merged /usr: dpkg knows each file under one of the two names.
      const paths = [where, where.startsWith('/usr/') ? where.slice(4) : `/usr${where}`];
      const found = paths.map((p) => spawnSync('dpkg', ['-S', p], { encoding: 'utf8' })).find((r) => r.status === 0);
      assert.ok(found, `dpkg knows which package has ${where}`);
      const owner = found.stdout.split(':')[0];
      if (inSlim.has(owner)) continue;
      assert.ok(installed.includes(owner), `${lib} comes from ${owner}, which the runtime stage does not install`);
    }
  });

  it('configures parley with real variables, listens on the port it exposes, runs parley serve', () => {
    const env = runtime.lines.filter((l) => l.op === 'ENV').map((l) => l.args).join(' ');
    const vars = Object.fromEntries([...env.matchAll(/(PARLEY_[A-Z0-9_]+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    assertKnownVars(Object.keys(vars), 'Containerfile ENV');
    assert.equal(vars.PARLEY_LISTEN, '0.0.0.0:8080');
    const expose = runtime.lines.filter((l) => l.op === 'EXPOSE').map((l) => Number(l.args));
    assert.deepEqual(expose, [portOf(vars.PARLEY_LISTEN)], 'EXPOSE = the PARLEY_LISTEN port');
    const entrypoint = execForm(runtime.lines.find((l) => l.op === 'ENTRYPOINT').args);
    const cmd = execForm(runtime.lines.find((l) => l.op === 'CMD').args);
    assert.match(entrypoint[0], /\/parley$/);
    assert.equal(cmd[0], 'serve');
    assertKnownFlags([...entrypoint, ...cmd], 'Containerfile ENTRYPOINT/CMD');
    assert.match(runtime.lines.find((l) => l.op === 'HEALTHCHECK').args, /\/readyz/);
  });
});

describe('deploy/k8s', () => {
  let objects;
  const byKind = (kind) => objects.filter((o) => o.kind === kind);
  const one = (kind) => { const list = byKind(kind); assert.equal(list.length, 1, `one ${kind}`); return list[0]; };
  before(() => {
    const files = fs.readdirSync(path.join(DEPLOY, 'k8s')).filter((f) => /\.ya?ml$/.test(f));
    objects = files.flatMap((f) => yamlDocs(`k8s/${f}`)).filter((o) => o && o.kind !== 'Kustomization');
    const kustomization = yamlDocs('k8s/kustomization.yaml')[0];
    assert.deepEqual([...kustomization.resources].sort(), files.filter((f) => f !== 'kustomization.yaml').sort(),
      'kustomization.yaml lists every manifest');
  });

  it('has a ConfigMap, a Secret, a Deployment, a Service, an Ingress and a PodDisruptionBudget', () => {
    assert.deepEqual([...new Set(objects.map((o) => o.kind))].sort(),
      ['ConfigMap', 'Deployment', 'Ingress', 'PodDisruptionBudget', 'Secret', 'Service']);
  });

  it('the Deployment: 3 replicas, parley serve with real flags and variables, from the ConfigMap and the Secret', () => {
    const d = one('Deployment');
    assert.equal(d.spec.replicas, 3);
    const pod = d.spec.template.spec;
    const [c] = pod.containers;
    assertKnownFlags([...(c.command ?? []), ...(c.args ?? [])], 'k8s container command/args');
    assert.equal((c.args ?? [])[0], 'serve');
    assertKnownVars((c.env ?? []).map((e) => e.name).filter((n) => n.startsWith('PARLEY_')), 'k8s container env');
    assert.ok(c.env.some((e) => e.name === 'PARLEY_NODE_ID' && e.valueFrom?.fieldRef?.fieldPath === 'metadata.name'),
      'each pod names its node after itself');
    const cm = one('ConfigMap');
    const secret = one('Secret');
    assert.deepEqual(c.envFrom.map((e) => e.configMapRef?.name ?? e.secretRef?.name).sort(), [cm.metadata.name, secret.metadata.name].sort());
    assertKnownVars(Object.keys(cm.data), 'ConfigMap data');
    const secrets = secret.stringData ?? Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    assertKnownVars(Object.keys(secrets), 'Secret');
    for (const k of ['PARLEY_JWT_SECRET', 'PARLEY_API_KEY']) assert.ok(secrets[k], `the Secret holds ${k}`);
    assert.match(secrets.PARLEY_STORE, /^postgres:\/\//, 'PostgreSQL is an external connection string in the Secret');
    assert.match(secrets.PARLEY_BROKER, /^redis(-cluster)?:\/\//, 'Redis is an external connection string in the Secret');
    for (const k of ['PARLEY_JWT_SECRET', 'PARLEY_API_KEY', 'PARLEY_STORE', 'PARLEY_BROKER']) {
      assert.ok(!(k in cm.data), `${k} is not in the ConfigMap`);
    }
    assert.ok(pod.securityContext.runAsNonRoot, 'runs as non-root');
    for (const r of ['cpu', 'memory']) assert.ok(c.resources.requests[r], `requests ${r}`);
  });

  it('probes name /readyz and /healthz on the container port; the grace period covers preStop and the drain', () => {
    const pod = one('Deployment').spec.template.spec;
    const [c] = pod.containers;
    const containerPort = (p) => (typeof p === 'number' ? p : c.ports.find((x) => x.name === p)?.containerPort);
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    const [port] = c.ports.map((p) => p.containerPort);
    for (const probe of [c.readinessProbe, c.livenessProbe]) assert.equal(containerPort(probe.httpGet.port), port);
    assert.equal(portOf(one('ConfigMap').data.PARLEY_LISTEN), port, 'PARLEY_LISTEN port = containerPort');
    const preStop = c.lifecycle.preStop.exec.command;
    assert.equal(preStop[0], 'sleep');
    const drainSeconds = 5;  // src/app/serve.cpp: drain_deadline
    assert.ok(pod.terminationGracePeriodSeconds >= Number(preStop[1]) + drainSeconds + 5,
      `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} covers preStop ${preStop[1]} s + the ${drainSeconds} s drain + margin`);
    const serve = fs.readFileSync(path.join(REPO_ROOT, 'src/app/serve.cpp'), 'utf8');
    assert.match(serve, new RegExp(`drain_deadline = std::chrono::seconds\\(${drainSeconds}\\)`), 'the drain is still 5 s');
  });

  it('the Service, the Ingress and the PodDisruptionBudget select the pods and their port', () => {
    const d = one('Deployment');
    const labels = d.spec.template.metadata.labels;
    const selects = (sel) => Object.entries(sel).every(([k, v]) => labels[k] === v);
    const [c] = d.spec.template.spec.containers;
    const svc = one('Service');
    assert.ok(selects(svc.spec.selector), 'Service selector');
    assert.ok(selects(one('PodDisruptionBudget').spec.selector.matchLabels), 'PDB selector');
    const [sp] = svc.spec.ports;
    const target = typeof sp.targetPort === 'number' ? sp.targetPort : c.ports.find((p) => p.name === sp.targetPort)?.containerPort;
    assert.equal(target, c.ports[0].containerPort, 'Service targetPort = containerPort');
    const ing = one('Ingress');
    const backend = ing.spec.rules[0].http.paths[0].backend.service;
    assert.equal(backend.name, svc.metadata.name);
    assert.ok(backend.port.name === sp.name || backend.port.number === sp.port, 'the Ingress uses the Service port');
    const a = ing.metadata.annotations;
    assert.equal(a['nginx.ingress.kubernetes.io/affinity'], 'cookie', 'cookie affinity keeps long-polling sessions on their pod');
    assert.ok(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout']) >= 3600, 'WebSockets live long');
    assert.ok(Number(a['nginx.ingress.kubernetes.io/proxy-send-timeout']) >= 3600);
  });
});

describe('deploy/parley.service', () => {
  const text = read('parley.service');
  const unit = unitFile(text);

  it('runs parley serve as user parley with restarts, a file limit, no new privileges and a read-only system', () => {
    const s = unit.Service;
    assert.deepEqual(s.User, ['parley']);
    assert.deepEqual(s.Restart, ['on-failure']);
    assert.ok(Number(s.LimitNOFILE?.[0]) >= 65536);
    assert.deepEqual(s.NoNewPrivileges, ['yes']);
    assert.deepEqual(s.ProtectSystem, ['strict']);
    assert.ok(s.ReadWritePaths.join(' ').split(/\s+/).includes('/var/lib/parley'));
    assert.ok(s.EnvironmentFile?.length, 'secrets come from an EnvironmentFile');
    const [exec] = s.ExecStart;
    assert.match(exec, /^\S*\/parley serve\b/);
    assertKnownFlags(exec, 'ExecStart');
    assert.ok(!/--jwt-secret|--api-key/.test(exec), 'no secret on the command line');
    const env = Object.fromEntries((s.Environment ?? []).map((e) => e.split('=')).map(([k, ...v]) => [k, v.join('=')]));
    assertKnownVars(Object.keys(env), 'Environment=');
    assert.match(env.PARLEY_STORE, /^sqlite:\/var\/lib\/parley\//, 'the SQLite store lives in the writable path');
  });

  it('systemd-analyze verify accepts it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-unit-'));
    try {
      // verify insists that ExecStart's binary exists: a copy that points at the built one must pass cleanly
      // (verify exits 0 on settings it ignores, so any output fails too) ...
      const copy = path.join(dir, 'parley.service');
      fs.writeFileSync(copy, text.replace(/^ExecStart=\S+/m, `ExecStart=${PARLEY_BIN}`));
      const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
      assert.equal(r.status, 0, `systemd-analyze verify: ${r.stderr}`);
      assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'systemd-analyze verify says nothing');
      // ... and the original may only complain that the binary is not installed on this machine.
      const installed = unit.Service.ExecStart[0].split(/\s+/)[0];
      const o = spawnSync('systemd-analyze', ['verify', path.join(DEPLOY, 'parley.service')], { encoding: 'utf8' });
      const complaints = `${o.stdout}${o.stderr}`.trim().split('\n').filter(Boolean);
      if (fs.existsSync(installed)) {
        assert.deepEqual(complaints, []);
      } else {
        assert.deepEqual(complaints, [`parley.service: Command ${installed} is not executable: No such file or directory`]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
