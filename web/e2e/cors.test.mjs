// Cross-origin pages in a real browser (docs/protocol.md §7, --cors-origin): a page served from a SECOND
// origin (a small Node server on another port, which also serves socket.io-client's browser bundle) logs in
// with fetch to Parley, reads GET /api/rooms with a Bearer token, connects with
// io(parley, {transports: ['polling'], auth: {token}}), joins a room and sends a message.
//   A. Parley with --cors-origin <the page's origin>: all of it works.
//   B. Parley without --cors-origin: Chromium blocks the login fetch ("Failed to fetch", a CORS console error).
//   C. Parley with --cors-origin <another origin>, the page given a token: Chromium blocks the long-polling.
//   env PARLEY_WEB_NO_BUILD=1 node --test --test-concurrency=1 web/e2e/cors.test.mjs
// Env: PARLEY_BIN, CHROMIUM (default /usr/bin/chromium), PARLEY_ARTIFACTS_DIR (default web/e2e/artifacts/,
// git-ignored) for the screenshots cors-allowed.png, cors-blocked.png and cors-polling-blocked.png.
// Needs tests/e2e's node_modules (npm ci there; scripts/test does) for socket.io-client's browser bundle.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ParleyServer } from '../../tests/e2e/lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const artifacts = process.env.PARLEY_ARTIFACTS_DIR ? path.resolve(process.env.PARLEY_ARTIFACTS_DIR)
  : path.join(here, 'artifacts');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const sioBundle = path.join(repoRoot, 'tests/e2e/node_modules/socket.io-client/dist/socket.io.min.js');
const T = 15000; // bound of every wait on the page

// The page: every step is shown in #status / #steps, and recorded in window.result for the test.
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley from another origin</title>
<style>
  body { font: 16px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
  #status { font-size: 1.6rem; font-weight: 600; padding: .6rem 1rem; border-radius: .4rem; background: #eee; }
  #status[data-state="done"] { background: #d7f5dd; color: #0b5d1e; }
  #status[data-state="error"] { background: #fde0e0; color: #8a1010; }
  code { background: #f4f4f4; padding: 0 .2rem; }
  li.err { color: #8a1010; }
</style></head>
<body>
  <h1>Parley from another origin</h1>
  <p>This page: <code id="page-origin"></code><br>Parley: <code id="parley-origin"></code></p>
  <div id="status" role="status" data-state="running">starting…</div>
  <ol id="steps"></ol>
  <script src="/socket.io.min.js"></script>
  <script>
    const q = new URLSearchParams(location.search);
    const parley = q.get('parley');
    const room = q.get('room');
    window.result = { phase: 'running', steps: [] };
    document.getElementById('page-origin').textContent = location.origin;
    document.getElementById('parley-origin').textContent = parley;
    const status = (state, text) => {
      const el = document.getElementById('status');
      el.dataset.state = state;
      el.textContent = text;
    };
    const step = (text, cls) => {
      window.result.steps.push(text);
      const li = document.createElement('li');
      li.textContent = text;
      if (cls) li.className = cls;
      document.getElementById('steps').appendChild(li);
      status('running', text);
    };
    const withTimeout = (p, ms, what) => Promise.race([p, new Promise((_, rej) =>
      setTimeout(() => rej(new Error('timeout: ' + what)), ms))]);
    async function run() {
      let token = q.get('token');
      if (!token) {
        step('POST /api/auth/login as alice…');
        const res = await fetch(parley + '/api/auth/login', {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'alice', password: '1234' }),
        });
        const body = await res.json();
        if (res.status !== 200) throw new Error('login answered ' + res.status);
        token = body.token;
        step('logged in as ' + body.user.username + ' (HTTP ' + res.status + ')');
        const rooms = await fetch(parley + '/api/rooms', { headers: { authorization: 'Bearer ' + token } });
        window.result.roomsStatus = rooms.status;
        step('GET /api/rooms with a Bearer token: HTTP ' + rooms.status + ', ' + (await rooms.json()).length + ' rooms');
      } else {
        step('using the token given in the address');
      }
      const socket = io(parley, { transports: ['polling'], auth: { token }, reconnection: false, timeout: 5000 });
      window.socket = socket;
      await withTimeout(new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', (e) => reject(new Error('socket.io connect_error: ' + e.message)));
      }), 8000, 'socket.io connect');
      window.result.transport = socket.io.engine.transport.name;
      step('Socket.IO connected over ' + window.result.transport);
      const received = new Promise((resolve) => socket.on('message:received', (m) => resolve(m)));
      const join = await socket.timeout(5000).emitWithAck('room:join', { room });
      window.result.join = join;
      if (!join.ok) throw new Error('room:join: ' + JSON.stringify(join.error));
      step('joined ' + room);
      const ack = await socket.timeout(5000).emitWithAck('message:send', { room, text: 'hello from ' + location.origin });
      window.result.ack = ack;
      if (!ack.ok) throw new Error('message:send: ' + JSON.stringify(ack.error));
      step('message:send ack: seq ' + ack.data.seq + ', id ' + ack.data.id);
      window.result.received = await withTimeout(received, 5000, 'message:received');
      step('message:received: "' + window.result.received.text + '"');
      window.result.phase = 'done';
      status('done', 'OK: logged in, connected, message seq ' + ack.data.seq + ' acknowledged');
    }
    run().catch((e) => {
      window.result.phase = 'error';
      window.result.error = { name: e.name, message: e.message };
      step(e.name + ': ' + e.message, 'err');
      status('error', 'blocked: ' + e.name + ': ' + e.message);
    });
  </script>
</body></html>
`;

/** The second origin: serves the page and the socket.io-client bundle, on 127.0.0.1 and a port of its own. */
function startPageServer() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(PAGE);
    } else if (url.pathname === '/socket.io.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      fs.createReadStream(sioBundle).pipe(res);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

let pageServer;
let pageOrigin;
let browser;

before(async () => {
  assert.ok(fs.existsSync(chromiumPath), `Chromium not found at ${chromiumPath} (apt-get install -y chromium)`);
  assert.ok(fs.existsSync(sioBundle), `${sioBundle} missing: run npm ci in tests/e2e`);
  pageServer = await startPageServer();
  pageOrigin = `http://127.0.0.1:${pageServer.address().port}`;
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  try { if (browser) await browser.close(); } finally {
    await new Promise((resolve) => (pageServer ? pageServer.close(resolve) : resolve()));
  }
});

/** A Parley with the demo users, its own store, and the given flags; cleaned up after the test. */
async function parleyFor(t, args) {
  const srv = new ParleyServer({ demo: true, args: ['--rate-limit', '0', ...args] });
  t.after(() => srv.cleanup());
  await srv.start();
  assert.notEqual(srv.httpUrl, pageOrigin, 'Parley and the page must be different origins');
  return srv;
}

/** Opens the page in a new context; resolves {page, context, consoleErrors, result} once it is done or failed. */
async function runPage(t, srv, room, extra = {}) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 600 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  const q = new URLSearchParams({ parley: srv.httpUrl, room, ...extra });
  await page.goto(`${pageOrigin}/?${q}`, { timeout: T });
  await page.waitForFunction(() => window.result && window.result.phase !== 'running', null, { timeout: T });
  const result = await page.evaluate(() => window.result);
  return { page, context, consoleErrors, result };
}

/** Shows what Chromium's console said below the page's own steps, so that the screenshot carries it. */
async function showConsole(page, lines) {
  await page.evaluate((text) => {
    const h = document.createElement('h2');
    h.textContent = "Chromium's console (errors, added by the test)";
    h.style.fontSize = '1rem';
    const pre = document.createElement('pre');
    pre.textContent = text || '(none)';
    pre.style.cssText = 'white-space: pre-wrap; font-size: 13px; background: #f6f6f6; padding: .6rem';
    document.body.append(h, pre);
  }, lines.join('\n'));
}

async function shot(page, name) {
  fs.mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

async function login(srv, username = 'bob') {
  const res = await fetch(`${srv.httpUrl}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: '1234' }), signal: AbortSignal.timeout(T),
  });
  assert.equal(res.status, 200);
  return (await res.json()).token;
}

test('A: with --cors-origin <the page origin>, the page logs in, lists rooms and chats over long-polling', async (t) => {
  const srv = await parleyFor(t, ['--cors-origin', pageOrigin]);
  const room = `cors-${Date.now().toString(36)}`;
  const { page, result, consoleErrors } = await runPage(t, srv, room);
  await showConsole(page, consoleErrors);
  const file = await shot(page, 'cors-allowed');
  assert.equal(result.phase, 'done', `the page failed: ${JSON.stringify(result)}\nconsole: ${consoleErrors.join('\n')}\n${file}`);
  assert.equal(result.roomsStatus, 200);
  assert.equal(result.transport, 'polling');
  assert.equal(result.join.ok, true);
  assert.equal(result.join.data.room, room);
  assert.equal(result.ack.ok, true, JSON.stringify(result.ack));
  assert.equal(result.ack.data.seq, 1);
  assert.equal(result.received.id, result.ack.data.id);
  assert.equal(result.received.from.username, 'alice');
  assert.equal(result.received.text, `hello from ${pageOrigin}`);
  assert.equal(await page.locator('#status[data-state="done"]').count(), 1);
  assert.deepEqual(consoleErrors.filter((m) => /CORS|Access-Control/i.test(m)), [], 'no CORS error in the console');

  // The message the page sent is in the store, as another user sees it.
  const token = await login(srv);
  const hist = await fetch(`${srv.httpUrl}/api/rooms/${room}/messages`, {
    headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(T),
  });
  assert.equal(hist.status, 200);
  const { messages } = await hist.json();
  assert.deepEqual(messages.map((m) => [m.seq, m.from.username, m.text]), [[1, 'alice', `hello from ${pageOrigin}`]]);
  console.log(`screenshot: ${file}`);
});

test('B: without --cors-origin, Chromium blocks the cross-origin login fetch', async (t) => {
  const srv = await parleyFor(t, []);
  const room = `cors-b-${Date.now().toString(36)}`;
  const { page, result, consoleErrors } = await runPage(t, srv, room);
  await showConsole(page, consoleErrors);
  const file = await shot(page, 'cors-blocked');
  assert.equal(result.phase, 'error', JSON.stringify(result));
  assert.equal(result.error.name, 'TypeError', JSON.stringify(result.error));
  assert.match(result.error.message, /Failed to fetch/, JSON.stringify(result.error));
  assert.equal(result.roomsStatus, undefined, 'nothing after the login ran');
  assert.match(await page.locator('#status[data-state="error"]').textContent(), /Failed to fetch/);
  const cors = consoleErrors.filter((m) => /blocked by CORS policy/.test(m));
  assert.ok(cors.length > 0, `Chromium's console shows the CORS error; it showed: ${JSON.stringify(consoleErrors)}`);
  assert.ok(cors.some((m) => m.includes(`${srv.httpUrl}/api/auth/login`) && m.includes(pageOrigin)),
    JSON.stringify(cors));
  console.log(`screenshot: ${file}`);
});

test('C: with --cors-origin <another origin>, Chromium blocks Socket.IO long-polling from the page', async (t) => {
  const srv = await parleyFor(t, ['--cors-origin', 'http://127.0.0.1:1']);
  const room = `cors-c-${Date.now().toString(36)}`;
  const token = await login(srv, 'alice');
  const { page, result, consoleErrors } = await runPage(t, srv, room, { token });
  await showConsole(page, consoleErrors);
  const file = await shot(page, 'cors-polling-blocked');
  assert.equal(result.phase, 'error', JSON.stringify(result));
  assert.match(result.error.message, /socket\.io connect_error/, JSON.stringify(result.error));
  assert.equal(result.transport, undefined, 'never connected');
  const cors = consoleErrors.filter((m) => /blocked by CORS policy/.test(m) && m.includes('/socket.io/'));
  assert.ok(cors.length > 0, `Chromium's console shows the CORS error on polling: ${JSON.stringify(consoleErrors)}`);
  console.log(`screenshot: ${file}`);
});
