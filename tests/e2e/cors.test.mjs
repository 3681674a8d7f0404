// Origins (docs/protocol.md §7): --cors-origin lets pages from the listed origins use the REST API and
// Engine.IO long-polling (preflight answers, Access-Control-Allow-Origin + Vary: Origin on ordinary answers);
// when it is given, a WebSocket upgrade (native or Socket.IO) from an unlisted Origin is refused with 403,
// and one without Origin is unaffected. Without the flag no Access-Control-* header is ever sent.
// An invalid flag value stops `parley serve` (exit 2, the flag named). Malformed Origin headers get no grant.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { connect, upgradeStatus, WAIT_MS } from './lib/client.mjs';
import { assertError, get, http as request, newUser, post, uniqueRoom } from './lib/http.mjs';
import { ParleyServer, PARLEY_BIN, startServer } from './lib/server.mjs';
import { sioConnect, sioConnectError } from './lib/sio.mjs';

const APP = 'http://app.example:3000';
const CHAT = 'https://chat.example';
const EVIL = 'http://evil.example:3000';
// Origin header values that are not a serialized origin (RFC 6454): never granted, whatever is configured.
const MALFORMED = ['null', 'http://a b', 'javascript:x', `${APP}/`, `${APP}/path`, `${APP}, ${CHAT}`, 'app.example:3000'];

/** Every Access-Control-* header of a fetch Response's headers, as [name, value] pairs. */
const acHeaders = (headers) => [...headers].filter(([k]) => k.toLowerCase().startsWith('access-control-'));
const varyHasOrigin = (headers) => (headers.get('vary') || '').split(',').map((s) => s.trim().toLowerCase())
  .includes('origin');
const listOf = (value) => (value || '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);

function assertGranted(res, origin, what) {
  assert.equal(res.headers.get('access-control-allow-origin'), origin,
    `${what}: Access-Control-Allow-Origin for ${origin} (headers ${JSON.stringify([...res.headers])})`);
  assert.ok(varyHasOrigin(res.headers), `${what}: Vary: Origin missing (${res.headers.get('vary')})`);
}

function assertNotGranted(res, what) {
  assert.equal(res.headers.get('access-control-allow-origin'), null,
    `${what}: no Access-Control-Allow-Origin expected (headers ${JSON.stringify([...res.headers])})`);
}

/** A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method (+ -Headers). */
function preflight(srv, path, origin, method = 'GET', reqHeaders = 'authorization') {
  const headers = { origin, 'access-control-request-method': method };
  if (reqHeaders) headers['access-control-request-headers'] = reqHeaders;
  return request(srv, 'OPTIONS', path, { headers });
}

function assertPreflightAllowed(res, origin, method = 'GET') {
  const where = `preflight from ${origin}: ${res.status} ${JSON.stringify([...res.headers])}`;
  assert.equal(res.status, 204, where);
  assert.equal(res.headers.get('access-control-allow-origin'), origin, where);
  assert.ok(varyHasOrigin(res.headers), where);
  const methods = listOf(res.headers.get('access-control-allow-methods'));
  assert.ok(methods.includes(method.toLowerCase()), `Allow-Methods lacks ${method}: ${where}`);
  const allowed = listOf(res.headers.get('access-control-allow-headers'));
  for (const h of ['authorization', 'content-type', 'x-api-key']) {
    assert.ok(allowed.includes(h), `Allow-Headers lacks ${h}: ${where}`);
  }
  assert.match(res.headers.get('access-control-max-age') || '', /^[1-9]\d*$/, `Max-Age: ${where}`);
}

function assertPreflightRefused(res, what) {
  const where = `${what}: ${res.status} ${JSON.stringify([...res.headers])}`;
  assert.equal(res.status, 204, where);
  assert.deepEqual(acHeaders(res.headers), [], `no Access-Control-* header expected: ${where}`);
  assert.ok(varyHasOrigin(res.headers), where);
}

/**
 * A raw WebSocket upgrade request (no client library in the way). Resolves with {status, body, headers}:
 * 101 if it was accepted (the socket is then destroyed), else the HTTP answer.
 */
function rawUpgrade(srv, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${srv.httpUrl}${path}`, {
      headers: {
        connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers,
      },
      timeout: WAIT_MS,
    });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve({ status: res.statusCode, headers: res.headers }); });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to the upgrade of ${path} within ${WAIT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function assertForbiddenUpgrade(r, what) {
  assert.equal(r.status, 403, `${what}: ${r.status} ${r.body}`);
  const body = JSON.parse(r.body);
  assert.equal(body?.error?.code, 'forbidden', `${what}: ${r.body}`);
  assert.equal(typeof body.error.message, 'string');
}

const SIO_WS = '/socket.io/?EIO=4&transport=websocket';

/** Polling handshake (Engine.IO open packet) with an Origin; resolves with the fetch answer and the sid. */
async function pollingOpen(srv, origin) {
  const res = await request(srv, 'GET', '/socket.io/?EIO=4&transport=polling', { headers: origin ? { origin } : {} });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text[0], '0', res.text);
  return { res, sid: JSON.parse(res.text.slice(1)).sid };
}

/** `parley serve` that must not start: resolves with {status, stdout, stderr}. */
function serveRefused(args, env = {}) {
  const srv = new ParleyServer({ args, env });
  try {
    const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PARLEY_')));
    const r = spawnSync(PARLEY_BIN, srv.args(), { cwd: srv.dir, env: { ...cleanEnv, ...env }, encoding: 'utf8', timeout: 10_000 });
    return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  } finally {
    srv.cleanup();
  }
}

describe('without --cors-origin no Access-Control-* header is sent', () => {
  let srv;
  let user;
  before(async () => { srv = await startServer(); user = await newUser(srv, 'nocors'); });
  after(() => srv?.cleanup());

  it('REST answers (GET /api/rooms, POST /api/auth/login, an error) carry none, whatever the Origin', async () => {
    for (const origin of [APP, EVIL, 'null']) {
      const rooms = await get(srv, '/api/rooms', { token: user.token, headers: { origin } });
      assert.equal(rooms.status, 200, rooms.text);
      assert.deepEqual(acHeaders(rooms.headers), [], `GET /api/rooms from ${origin}`);
      const login = await post(srv, '/api/auth/login', { username: user.username, password: user.password },
        { headers: { origin } });
      assert.equal(login.status, 200, login.text);
      assert.deepEqual(acHeaders(login.headers), [], `login from ${origin}`);
      const unauth = await get(srv, '/api/rooms', { headers: { origin } });
      assertError(unauth, 401, 'unauthorized');
      assert.deepEqual(acHeaders(unauth.headers), [], `401 from ${origin}`);
    }
  });

  it('a preflight gets no Access-Control-* header', async () => {
    const res = await preflight(srv, '/api/rooms', APP);
    assert.deepEqual(acHeaders(res.headers), [], `${res.status} ${JSON.stringify([...res.headers])}`);
  });

  it('a long-polling handshake gets no Access-Control-* header', async () => {
    const { res } = await pollingOpen(srv, APP);
    assert.deepEqual(acHeaders(res.headers), []);
  });

  it('WebSocket upgrades are not filtered by Origin', async () => {
    const c = await connect(srv, user.token, { headers: { origin: EVIL } });
    await c.ok('room:join', { room: uniqueRoom('nocors') });
    c.terminate();
    const s = await sioConnect(srv, user.token, { transports: ['websocket'], extraHeaders: { origin: EVIL } });
    s.close();
  });
});

describe('--cors-origin (given twice)', () => {
  let srv;
  let user;
  before(async () => {
    srv = await startServer({ args: ['--cors-origin', APP, '--cors-origin', CHAT] });
    user = await newUser(srv, 'cors');
  });
  after(() => srv?.cleanup());

  it('GET /api/rooms with a token: a listed origin is granted, echoed, with Vary: Origin', async () => {
    for (const origin of [APP, CHAT]) {
      const res = await get(srv, '/api/rooms', { token: user.token, headers: { origin } });
      assert.equal(res.status, 200, res.text);
      assert.ok(Array.isArray(res.body), res.text);
      assertGranted(res, origin, `GET /api/rooms from ${origin}`);
    }
  });

  it('GET /api/rooms: an unlisted origin gets the normal answer, Vary: Origin and no grant', async () => {
    const plain = await get(srv, '/api/rooms', { token: user.token });
    assert.equal(plain.status, 200);
    assertNotGranted(plain, 'no Origin');
    for (const origin of [EVIL, 'http://app.example', 'http://app.example:3001', 'https://app.example:3000']) {
      const res = await get(srv, '/api/rooms', { token: user.token, headers: { origin } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.text, plain.text, `body from ${origin}`);
      assertNotGranted(res, `GET /api/rooms from ${origin}`);
      assert.deepEqual(acHeaders(res.headers), [], origin);
      assert.ok(varyHasOrigin(res.headers), `Vary from ${origin}: ${res.headers.get('vary')}`);
    }
  });

  it('POST /api/auth/login from a listed origin is granted, and its token works', async () => {
    const res = await post(srv, '/api/auth/login', { username: user.username, password: user.password },
      { headers: { origin: APP } });
    assert.equal(res.status, 200, res.text);
    assertGranted(res, APP, 'login');
    const rooms = await get(srv, '/api/rooms', { token: res.body.token, headers: { origin: APP } });
    assert.equal(rooms.status, 200, rooms.text);
    const wrong = await post(srv, '/api/auth/login', { username: user.username, password: 'not-it' },
      { headers: { origin: CHAT } });
    assertError(wrong, 401, 'unauthorized');
    assertGranted(wrong, CHAT, 'failed login (the page must be able to read the 401)');
    const evil = await post(srv, '/api/auth/login', { username: user.username, password: user.password },
      { headers: { origin: EVIL } });
    assert.equal(evil.status, 200, evil.text);
    assertNotGranted(evil, 'login from an unlisted origin');
  });

  it('a preflight from a listed origin is answered 204 with the methods, headers and max-age', async () => {
    assertPreflightAllowed(await preflight(srv, '/api/rooms', APP, 'GET', 'authorization'), APP, 'GET');
    assertPreflightAllowed(await preflight(srv, '/api/auth/login', CHAT, 'POST', 'content-type'), CHAT, 'POST');
    assertPreflightAllowed(await preflight(srv, '/api/publish', APP, 'POST', 'x-api-key, content-type'), APP, 'POST');
    assertPreflightAllowed(await preflight(srv, '/socket.io/?EIO=4&transport=polling', APP, 'POST', null), APP,
      'POST');
  });

  it('a preflight from an unlisted origin is answered 204 with only Vary: Origin', async () => {
    for (const origin of [EVIL, 'http://app.example']) {
      assertPreflightRefused(await preflight(srv, '/api/rooms', origin), `preflight from ${origin}`);
      assertPreflightRefused(await preflight(srv, '/api/auth/login', origin, 'POST', 'content-type'),
        `login preflight from ${origin}`);
    }
  });

  it('Engine.IO long-polling: handshake, CONNECT and poll answers carry the grant for a listed origin', async () => {
    const { res, sid } = await pollingOpen(srv, APP);
    assertGranted(res, APP, 'polling handshake');
    const q = `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;
    const sent = await request(srv, 'POST', q, {
      body: `40${JSON.stringify({ token: user.token })}`,
      headers: { origin: APP, 'content-type': 'text/plain;charset=UTF-8' },
    });
    assert.equal(sent.status, 200, sent.text);
    assertGranted(sent, APP, 'polling POST');
    const polled = await request(srv, 'GET', q, { headers: { origin: APP } });
    assert.equal(polled.status, 200, polled.text);
    assert.match(polled.text, /^40\{"sid":/, 'the CONNECT is accepted');
    assertGranted(polled, APP, 'polling GET');
    const other = await pollingOpen(srv, EVIL);
    assertNotGranted(other.res, 'polling handshake from an unlisted origin');
    assert.ok(varyHasOrigin(other.res.headers));
  });

  it('a native WebSocket upgrade from an unlisted origin is refused with 403 forbidden', async () => {
    for (const origin of [EVIL, 'http://app.example', 'null']) {
      assertForbiddenUpgrade(await rawUpgrade(srv, '/ws', { origin, 'sec-websocket-protocol': user.token }),
        `/ws from ${origin}`);
      assert.equal(await upgradeStatus(srv, user.token, { headers: { origin } }), 403, `ws client from ${origin}`);
    }
    assertForbiddenUpgrade(await rawUpgrade(srv, '/entrypoint', { origin: EVIL, authorization: `Bearer ${user.token}` }),
      '/entrypoint');
  });

  it('a native WebSocket upgrade from a listed origin or with no Origin is accepted', async () => {
    const room = uniqueRoom('cors');
    const a = await connect(srv, user.token, { headers: { origin: APP } });
    const b = await connect(srv, user.token);
    try {
      await a.ok('room:join', { room });
      await b.ok('room:join', { room });
      const sent = await a.ok('message:send', { room, text: 'from a listed origin' });
      const got = await b.next('message:received', (m) => m.id === sent.id);
      assert.equal(got.text, 'from a listed origin');
    } finally {
      a.terminate();
      b.terminate();
    }
    assert.equal((await rawUpgrade(srv, '/ws', { origin: CHAT, 'sec-websocket-protocol': user.token })).status, 101);
  });

  it('a Socket.IO WebSocket upgrade from an unlisted origin is refused with 403; listed or none is accepted', async () => {
    assertForbiddenUpgrade(await rawUpgrade(srv, SIO_WS, { origin: EVIL }), 'socket.io websocket from EVIL');
    assert.equal((await rawUpgrade(srv, SIO_WS, { origin: APP })).status, 101);
    assert.equal((await rawUpgrade(srv, SIO_WS)).status, 101);

    const err = await sioConnectError(srv, { token: user.token, transports: ['websocket'],
      extraHeaders: { origin: EVIL } });
    assert.ok(err instanceof Error, String(err));

    const room = uniqueRoom('cors-sio');
    const listed = await sioConnect(srv, user.token, { transports: ['websocket'], extraHeaders: { origin: APP } });
    const none = await sioConnect(srv, user.token, { transports: ['websocket'] });
    try {
      assert.equal(listed.transport, 'websocket');
      await listed.ok('room:join', { room });
      await none.ok('room:join', { room });
      const sent = await none.ok('message:send', { room, text: 'to a listed origin' });
      const got = await listed.next('message:received', (m) => m.id === sent.id);
      assert.equal(got.text, 'to a listed origin');
    } finally {
      listed.close();
      none.close();
    }
  });

  it('a Socket.IO session that starts on polling from an unlisted origin cannot upgrade to WebSocket', async () => {
    const { sid } = await pollingOpen(srv, EVIL);
    assertForbiddenUpgrade(await rawUpgrade(srv, `${SIO_WS}&sid=${encodeURIComponent(sid)}`, { origin: EVIL }),
      'upgrade of a polling session');
  });
});

describe('--cors-origin *', () => {
  let srv;
  let user;
  before(async () => { srv = await startServer({ args: ['--cors-origin', '*'] }); user = await newUser(srv, 'star'); });
  after(() => srv?.cleanup());

  it('any well-formed origin is granted on REST, preflight and polling', async () => {
    for (const origin of [APP, EVIL, 'http://localhost:5173', 'http://127.0.0.1:8081', 'https://[::1]:8443']) {
      const res = await get(srv, '/api/rooms', { token: user.token, headers: { origin } });
      assert.equal(res.status, 200, res.text);
      assertGranted(res, origin, `GET /api/rooms from ${origin}`);
      assertPreflightAllowed(await preflight(srv, '/api/rooms', origin), origin);
      assertGranted((await pollingOpen(srv, origin)).res, origin, `polling from ${origin}`);
    }
  });

  it('WebSocket upgrades from any well-formed origin are accepted', async () => {
    const c = await connect(srv, user.token, { headers: { origin: EVIL } });
    await c.ok('room:join', { room: uniqueRoom('star') });
    c.terminate();
    const s = await sioConnect(srv, user.token, { transports: ['websocket'], extraHeaders: { origin: EVIL } });
    s.close();
  });
});

describe('malformed Origin headers are never granted and get the normal answer', () => {
  for (const [name, args] of [['listed origins', ['--cors-origin', APP, '--cors-origin', CHAT]],
    ['*', ['--cors-origin', '*']]]) {
    describe(`with ${name}`, () => {
      let srv;
      let user;
      before(async () => { srv = await startServer({ args }); user = await newUser(srv, 'bad'); });
      after(() => srv?.cleanup());

      it('REST, preflight and polling', async () => {
        const plainRooms = await get(srv, '/api/rooms', { token: user.token });
        const plainMissing = await get(srv, '/api/rooms/x/messages?limit=abc', { token: user.token });
        for (const origin of MALFORMED) {
          const rooms = await get(srv, '/api/rooms', { token: user.token, headers: { origin } });
          assert.equal(rooms.status, 200, `${origin}: ${rooms.text}`);
          assert.equal(rooms.text, plainRooms.text, origin);
          assert.deepEqual(acHeaders(rooms.headers), [], `GET /api/rooms with Origin ${JSON.stringify(origin)}`);

          const bad = await get(srv, '/api/rooms/x/messages?limit=abc', { token: user.token, headers: { origin } });
          assert.equal(bad.status, plainMissing.status, origin);
          assert.equal(bad.text, plainMissing.text, origin);
          assert.deepEqual(acHeaders(bad.headers), [], `400 with Origin ${JSON.stringify(origin)}`);

          const login = await post(srv, '/api/auth/login', { username: user.username, password: user.password },
            { headers: { origin } });
          assert.equal(login.status, 200, `${origin}: ${login.text}`);
          assert.equal(typeof login.body.token, 'string');
          assert.deepEqual(acHeaders(login.headers), [], `login with Origin ${JSON.stringify(origin)}`);

          assertPreflightRefused(await preflight(srv, '/api/rooms', origin), `preflight with Origin ${JSON.stringify(origin)}`);

          const { res } = await pollingOpen(srv, origin);
          assert.deepEqual(acHeaders(res.headers), [], `polling with Origin ${JSON.stringify(origin)}`);
        }
      });

      it('a WebSocket upgrade with a malformed Origin is refused with 403 (the Origin is present and not allowed)', async () => {
        for (const origin of MALFORMED) {
          assertForbiddenUpgrade(await rawUpgrade(srv, '/ws', { origin, 'sec-websocket-protocol': user.token }),
            `/ws with Origin ${JSON.stringify(origin)}`);
          assertForbiddenUpgrade(await rawUpgrade(srv, SIO_WS, { origin }),
            `socket.io websocket with Origin ${JSON.stringify(origin)}`);
        }
      });
    });
  }
});

describe('PARLEY_CORS_ORIGIN (comma-separated)', () => {
  const ONE = 'http://one.example:8000';
  const TWO = 'https://two.example';
  let srv;
  let user;
  before(async () => {
    srv = await startServer({ env: { PARLEY_CORS_ORIGIN: `${ONE},${TWO}` } });
    user = await newUser(srv, 'env');
  });
  after(() => srv?.cleanup());

  it('both origins are granted; a third is not', async () => {
    for (const origin of [ONE, TWO]) {
      const res = await get(srv, '/api/rooms', { token: user.token, headers: { origin } });
      assertGranted(res, origin, `GET /api/rooms from ${origin}`);
      assertPreflightAllowed(await preflight(srv, '/api/rooms', origin), origin);
      assert.equal((await rawUpgrade(srv, '/ws', { origin, 'sec-websocket-protocol': user.token })).status, 101);
    }
    const res = await get(srv, '/api/rooms', { token: user.token, headers: { origin: `${ONE},${TWO}` } });
    assertNotGranted(res, 'the whole list as one Origin');
    assertNotGranted(await get(srv, '/api/rooms', { token: user.token, headers: { origin: APP } }), 'a third origin');
    assertPreflightRefused(await preflight(srv, '/api/rooms', APP), 'a third origin');
    assertForbiddenUpgrade(await rawUpgrade(srv, '/ws', { origin: APP, 'sec-websocket-protocol': user.token }),
      'a third origin on /ws');
  });
});

describe('an invalid --cors-origin stops parley serve', () => {
  for (const value of ['http://x/y', 'ftp://a', 'example.com', 'http://app.example:3000/', 'http://', '']) {
    it(`--cors-origin ${JSON.stringify(value)}`, () => {
      const r = serveRefused(['--cors-origin', APP, '--cors-origin', value]);
      assert.equal(r.status, 2, `exit ${r.status} ${r.signal}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /--cors-origin/, r.stderr);
      assert.doesNotMatch(r.stdout, /listening/, r.stdout);
    });
  }

  it('PARLEY_CORS_ORIGIN with one invalid entry', () => {
    const r = serveRefused([], { PARLEY_CORS_ORIGIN: `${APP},ftp://b` });
    assert.equal(r.status, 2, `exit ${r.status} ${r.signal}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /--cors-origin/, r.stderr);
    assert.match(r.stderr, /ftp:\/\/b/, r.stderr);
  });
});
