// Logs and errors leak nothing, headers and safe defaults (docs/security.md): the web client's pages carry a
// Content-Security-Policy that fits them and are never framed, every answer says nosniff and no-referrer,
// oversized request headers get 431, a request trickled byte by byte is cut off, and credentials in a store
// URL never reach the output. (Every suite also checks its servers' output for the passwords and tokens it
// used: tests/e2e/lib/secrets.mjs.)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, PARLEY_BIN, REPO_ROOT } from './lib/server.mjs';
import { get, newUser } from './lib/http.mjs';

// Writes `text` on a raw connection and resolves with everything the server sent until it closed.
function raw(srv, text, { timeoutMs = 20_000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(srv.port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no close within ${timeoutMs} ms: ${got}`)); }, timeoutMs);
    socket.on('data', (d) => { got += d.toString('latin1'); });
    socket.on('close', () => { clearTimeout(timer); resolve(got); });
    socket.on('error', () => {});
    socket.write(text);
  });
}

describe('headers and limits', { timeout: 60_000 }, () => {
  let srv;
  before(async () => {
    const webRoot = path.join(REPO_ROOT, 'web/dist');
    srv = await startServer({ args: fs.existsSync(webRoot) ? ['--web-root', webRoot] : [] });
  });
  after(async () => { await srv?.cleanup(); });

  it('the web client is served with a CSP that fits it, never framed', async () => {
    const page = await get(srv, '/');
    assert.equal(page.status, 200);
    if (!/<div id="root">/.test(page.text)) return;  // web/dist not built: the placeholder page has no CSP
    const csp = page.headers.get('content-security-policy') ?? '';
    for (const part of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'",
      "object-src 'none'", "base-uri 'none'"]) {
      assert.ok(csp.includes(part), `CSP lacks ${part}: ${csp}`);
    }
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
  });

  it('every answer says nosniff and no-referrer', async () => {
    for (const p of ['/', '/healthz', '/api/rooms', '/no-such-path']) {
      const res = await get(srv, p);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', p);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', p);
    }
  });

  it('request headers over 16 KiB are answered 431', async () => {
    const answer = await raw(srv, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 431 /);
  });

  it('a request trickled too slowly is cut off (15 s for the whole request)', async () => {
    const started = Date.now();
    const answer = await raw(srv, 'GET /healthz HTTP/1.1\r\nHost: x\r\n');  // never finishes its headers
    assert.equal(answer, '');
    const took = Date.now() - started;
    assert.ok(took >= 14_000 && took < 20_000, `closed after ${took} ms`);
  });

  it('a user\'s password and token never reach the output (checked again at cleanup)', async () => {
    const user = await newUser(srv, 'leak');
    const res = await get(srv, `/api/rooms?token=${user.token}`, { token: user.token });
    assert.equal(res.status, 200);
  });
});

describe('credentials in URLs', () => {
  it('a postgres:// password is not printed when the store cannot be reached', () => {
    const r = spawnSync(PARLEY_BIN, ['serve', '--listen', '127.0.0.1:0', '--jwt-secret', 'x'.repeat(40),
      '--store', 'postgres://parley:Sup3rS3cretPassw0rd@127.0.0.1:1/parley?connect_timeout=2'],
    { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.ok(!`${r.stdout}${r.stderr}`.includes('Sup3rS3cretPassw0rd'), r.stderr);
    assert.match(r.stderr, /127\.0\.0\.1/);
  });
});
