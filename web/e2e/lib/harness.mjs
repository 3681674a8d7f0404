// What the browser test files share: the real server started for a file, headless Chromium, waits and
// screenshots.
// Env: PARLEY_BIN (default build/src/parley, relative to the repo root), CHROMIUM (default /usr/bin/chromium),
//      PARLEY_WEB_NO_BUILD=1 to serve web/dist as it is. Screenshots go to web/e2e/artifacts/ (git-ignored).
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const webDir = path.resolve(here, '../..');
export const repoRoot = path.resolve(webDir, '..');
export const artifacts = path.resolve(here, '../artifacts');
export const bin = path.resolve(repoRoot, process.env.PARLEY_BIN || 'build/src/parley');
export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
export const T = 15000; // default wait for any page condition

/**
 * Builds the client (unless PARLEY_WEB_NO_BUILD) and starts `parley serve --demo` on a fresh SQLite file.
 * Resolves with {base, log(), stop()}; stop() kills it and removes its files.
 */
export async function startParley(tmpPrefix, extraArgs = []) {
  assert.ok(fs.existsSync(bin), `server binary not found at ${bin} (set PARLEY_BIN)`);
  assert.ok(fs.existsSync(chromiumPath), `Chromium not found at ${chromiumPath} (apt-get install -y chromium)`);
  // Build the client so the server serves the code under test (about a second).
  if (!process.env.PARLEY_WEB_NO_BUILD) execFileSync('npm', ['run', 'build'], { cwd: webDir, stdio: ['ignore', 'ignore', 'inherit'] });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  const args = ['serve', '--listen', '127.0.0.1:0', '--store', `sqlite:${path.join(tmp, 't.db')}`, '--demo',
    '--web-root', 'web/dist', '--rate-limit', '0',
    // Every browser page connects from 127.0.0.1: no handshake limit (--handshakes-per-second-per-address).
    ...(extraArgs.includes('--handshakes-per-second-per-address') ? [] : ['--handshakes-per-second-per-address', '0']),
    ...extraArgs];
  const server = spawn(bin, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let serverLog = '';
  const stop = () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.on('exit', stop);
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not print its address in 20s:\n${serverLog}`)), 20000);
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      serverLog += d;
      const m = out.match(/parley listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.stderr.on('data', (d) => { serverLog += d; });
    server.on('error', (e) => { clearTimeout(timer); reject(e); });
    server.on('exit', (code, sig) => { clearTimeout(timer); reject(new Error(`server exited (${code ?? sig}):\n${serverLog}`)); });
  });
  return { base, log: () => serverLog, stop };
}

/** Headless Chromium with the flags this machine's closed network needs. */
export function launchChromium() {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Polls fn until it returns a truthy value, or fails after the timeout. */
export async function eventually(fn, what, timeout = T) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Saves a screenshot as artifacts/NAME.png; resolves with its path. */
export async function shot(page, name) {
  fs.mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
