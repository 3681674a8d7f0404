// Starts the real parley binary for a test: port 0, a fresh temp dir with its own SQLite file, and a
// guaranteed cleanup (SIGKILL + rm -rf) even when a test fails or the test process exits early.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rememberSecret, secretsIn } from './secrets.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const PARLEY_BIN = path.resolve(REPO_ROOT, process.env.PARLEY_BIN || 'build/src/parley');
export const JWT_SECRET = 'e2e-jwt-secret-0123456789abcdef0123456789abcdef';
export const API_KEY = 'e2e-api-key';
rememberSecret(JWT_SECRET);
rememberSecret(API_KEY);
export const START_TIMEOUT_MS = 15_000;
export const STOP_TIMEOUT_MS = 10_000;

const LISTEN_RE = /^parley listening on http:\/\/127\.0\.0\.1:(\d+)\s*$/;
const VERBOSE = !!process.env.PARLEY_E2E_VERBOSE;

// Every process and temp dir still alive; reaped synchronously when the test process exits.
const liveProcs = new Set();
const liveDirs = new Set();
process.on('exit', () => {
  for (const p of liveProcs) { try { p.kill('SIGKILL'); } catch {} }
  for (const d of liveDirs) { try { fs.rmSync(d, { recursive: true, force: true }); } catch {} }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => process.exit(130));
}

function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PARLEY_')) env[k] = v;
  return { ...env, ...extra };
}

/**
 * One parley process (and, across restart(), its successors on the same store).
 * Use `await startServer({args: ['--rate-limit', '0']})`, then `srv.cleanup()` in an after/t.after hook.
 * `jwtSecret: null` starts it without --jwt-secret. `args`, `env` and `jwtSecret` may be changed between
 * stop() and start() (restart() keeps them).
 */
export class ParleyServer {
  constructor({ args = [], env = {}, demo = false, dir, jwtSecret = JWT_SECRET } = {}) {
    this.extraArgs = args;
    this.jwtSecret = jwtSecret; // null: no --jwt-secret (the server keeps its own in the store)
    this.extraEnv = env;
    this.demo = demo;
    this.dir = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'parley-e2e-'));
    liveDirs.add(this.dir);
    this.dbPath = path.join(this.dir, 'parley.db');
    this.proc = null;
    this.port = null;
    this.output = [];
    this.leaks = new Set();  // secrets seen in the output (lib/secrets.mjs)
    this.exitInfo = null;
  }

  get httpUrl() { return `http://127.0.0.1:${this.port}`; }
  get wsUrl() { return `ws://127.0.0.1:${this.port}`; }

  args() {
    return [
      'serve',
      '--listen', '127.0.0.1:0',
      '--store', `sqlite:${this.dbPath}`,
      ...(this.jwtSecret === null ? [] : ['--jwt-secret', this.jwtSecret]),
      '--api-key', API_KEY,
      '--threads', '2',
      ...(this.demo ? ['--demo'] : []),
      // The suites register many users from one address: the abuse limits are off unless a test sets them.
      ...(this.extraArgs.includes('--registrations-per-minute') ? [] : ['--registrations-per-minute', '0']),
      ...(this.extraArgs.includes('--login-failures-per-minute') ? [] : ['--login-failures-per-minute', '0']),
      ...(this.extraArgs.includes('--event-rate') ? [] : ['--event-rate', '0']),
      ...(this.extraArgs.includes('--handshakes-per-second-per-address') ? [] : ['--handshakes-per-second-per-address', '0']),
      ...this.extraArgs,
    ];
  }

  /** Last lines the process printed (stdout and stderr), for failure messages. */
  tail(n = 40) { return this.output.slice(-n).join('\n'); }

  async start() {
    if (!fs.existsSync(PARLEY_BIN)) {
      throw new Error(`parley binary not found at ${PARLEY_BIN} (set PARLEY_BIN or build it: ninja -C build parley)`);
    }
    this.exitInfo = null;
    this.port = null;
    const proc = spawn(PARLEY_BIN, this.args(), {
      cwd: this.dir,
      env: cleanEnv(this.extraEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    liveProcs.add(proc);
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        liveProcs.delete(proc);
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      proc.once('error', (error) => {
        if (proc.pid !== undefined) return;
        liveProcs.delete(proc);
        this.exitInfo = { code: null, signal: null, error };
        resolve(this.exitInfo);
      });
    });
    const record = (stream, name) => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        if (VERBOSE) process.stderr.write(`[parley ${name}] ${chunk}`);
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          this.output.push(`${name}: ${line}`);
          for (const leaked of secretsIn(line)) this.leaks.add(leaked);
          if (this.output.length > 2000) this.output.splice(0, 1000);
          if (name === 'out') this._onStdoutLine(line);
        }
      });
    };
    const ctl = {};
    const ready = new Promise((resolve, reject) => { ctl.resolve = resolve; ctl.reject = reject; });
    this._ready = ctl;
    record(proc.stdout, 'out');
    record(proc.stderr, 'err');
    proc.once('error', (e) => ctl.reject(new Error(`cannot spawn ${PARLEY_BIN}: ${e.message}`)));
    this.exited.then((info) => ctl.reject(
      new Error(`parley exited before listening (code ${info.code}, signal ${info.signal})\n${this.tail()}`)));
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(
        `parley did not print its listening line within ${START_TIMEOUT_MS} ms\n${this.tail()}`)), START_TIMEOUT_MS);
    });
    try {
      this.port = await Promise.race([ready, timeout]);
    } catch (e) {
      await this.kill();
      throw e;
    } finally {
      clearTimeout(timer);
      this._ready = null;
    }
    return this;
  }

  _onStdoutLine(line) {
    if (!this._ready || this.port) return;
    const m = LISTEN_RE.exec(line);
    if (m) this._ready.resolve(Number(m[1]));
  }

  /** SIGTERM, then wait for exit; resolves with {code, signal}. Fails if it does not exit in time. */
  async stop(timeoutMs = STOP_TIMEOUT_MS) {
    if (!this.proc || this.exitInfo) return this.exitInfo;
    this.proc.kill('SIGTERM');
    let timer;
    const t = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`parley did not exit within ${timeoutMs} ms of SIGTERM\n${this.tail()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, t]);
    } catch (e) {
      await this.kill();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL; resolves once the process is gone. */
  async kill() {
    if (!this.proc || this.exitInfo) return this.exitInfo;
    try { this.proc.kill('SIGKILL'); } catch {}
    return this.exited;
  }

  /** Graceful stop, then a new process on the same store and flags (new port). */
  async restart() {
    const info = await this.stop();
    await this.start();
    return info;
  }

  /** Kill whatever runs and remove the temp dir. Safe to call twice. Fails if the output held a secret. */
  async cleanup() {
    await this.kill();
    try { fs.rmSync(this.dir, { recursive: true, force: true }); } catch {}
    liveDirs.delete(this.dir);
    for (const leaked of secretsIn(this.output.join('\n'))) this.leaks.add(leaked);
    if (this.leaks.size > 0) {
      const shown = [...this.leaks].map((s) => `${s.slice(0, 6)}…`).join(', ');
      this.leaks.clear();
      throw new Error(`the server's output holds ${shown}: a password, token or key reached its logs`);
    }
  }
}

export async function startServer(opts = {}) {
  const srv = new ParleyServer(opts);
  try {
    await srv.start();
  } catch (e) {
    await srv.cleanup();
    throw e;
  }
  return srv;
}

/** Starts a server for one test and registers its cleanup on the test context `t`. */
export async function serverFor(t, opts = {}) {
  const srv = new ParleyServer(opts);
  t.after(() => srv.cleanup());
  await srv.start();
  return srv;
}
