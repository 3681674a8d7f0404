// The token signing secret (docs/protocol.md §7): without --jwt-secret it is generated once and kept in the
// store, so tokens outlive a restart; --jwt-previous-secret keeps a rotated-out secret's tokens valid; a
// token signed with any other secret is refused everywhere (401 on REST and on the native upgrade,
// CONNECT_ERROR on Socket.IO); a corrupt stored secret, and a Redis broker on a SQLite store without
// --jwt-secret, stop `parley serve` with exit 2 and a clear message.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import { describe, it } from 'node:test';
import { connect, upgradeStatus } from './lib/client.mjs';
import { assertError, decodeJwt, get, newUser, post, signJwt, uniqueRoom } from './lib/http.mjs';
import { ParleyServer, PARLEY_BIN, serverFor } from './lib/server.mjs';
import { sioConnect, sioConnectError } from './lib/sio.mjs';

const SECRET_A = 'rotation-secret-A-0123456789abcdef0123456789abcdef';
const SECRET_B = 'rotation-secret-B-fedcba9876543210fedcba9876543210';
const UNRELATED = 'an-unrelated-secret-nobody-configured-0123456789';

/** True if `token`'s HS256 signature was made with `secret`. */
function signedWith(token, secret) {
  const [head, body, sig] = token.split('.');
  const expected = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return sig === expected;
}

/** The value of a settings row of a SQLite store (read with python3's sqlite3 while no server runs). */
function sqlite(dbPath, sql, params = []) {
  const script = 'import json, sqlite3, sys\n'
    + 'c = sqlite3.connect(sys.argv[1]); rows = c.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall()\n'
    + 'c.commit(); print(json.dumps(rows))';
  return JSON.parse(execFileSync('python3', ['-c', script, dbPath, sql, JSON.stringify(params)],
    { encoding: 'utf8', timeout: 10_000 }));
}

/**
 * `parley serve` with these args and env that must not start: resolves {status, signal, stdout, stderr}
 * once it exits (killed after 10 s). Asynchronous, so that listeners in this process keep accepting.
 */
function serveRefused(args, env = {}) {
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PARLEY_')));
  return new Promise((resolve) => {
    execFile(PARLEY_BIN, args, { env: { ...cleanEnv, ...env }, encoding: 'utf8', timeout: 10_000 },
      (err, stdout, stderr) => resolve({ status: err ? err.code : 0, signal: err?.signal ?? null, stdout, stderr }));
  });
}

/** The token is accepted on REST, on the native WebSocket and by Socket.IO. */
async function assertAccepted(srv, token, what) {
  const rooms = await get(srv, '/api/rooms', { token });
  assert.equal(rooms.status, 200, `${what}: GET /api/rooms ${rooms.status} ${rooms.text}`);
  const room = uniqueRoom('tok');
  const c = await connect(srv, token).catch((e) => { throw new Error(`${what}: native upgrade: ${e.message}`); });
  try {
    const joined = await c.ok('room:join', { room });
    assert.equal(joined.room, room);
  } finally {
    c.terminate();
  }
  const s = await sioConnect(srv, token).catch((e) => { throw new Error(`${what}: socket.io: ${e.message}`); });
  try {
    await s.ok('room:join', { room });
  } finally {
    s.close();
  }
}

/** The token is refused: 401 on REST, 401 on the native upgrade, CONNECT_ERROR unauthorized on Socket.IO. */
async function assertRefused(srv, token, what) {
  assertError(await get(srv, '/api/rooms', { token }), 401, 'unauthorized');
  assert.equal(await upgradeStatus(srv, token), 401, `${what}: native upgrade (token as subprotocol)`);
  assert.equal(await upgradeStatus(srv, token, { placement: 'query' }), 401, `${what}: native upgrade (?token=)`);
  const err = await sioConnectError(srv, { token });
  assert.equal(err.data?.code, 'unauthorized', `${what}: socket.io connect_error ${err.message} ${JSON.stringify(err.data)}`);
}

/** A token for this user, as the server would sign it, but with another secret. */
function forgedToken(user, secret) {
  const { payload } = decodeJwt(user.token);
  return signJwt({ sub: payload.sub, name: payload.name, iat: payload.iat, exp: payload.exp }, { secret });
}

describe('without --jwt-secret the secret is kept in the store', () => {
  it('a token outlives a restart of the binary on the same SQLite store', async (t) => {
    const srv = await serverFor(t, { jwtSecret: null });
    const user = await newUser(srv, 'keep');
    await assertAccepted(srv, user.token, 'before the restart');

    const info = await srv.stop();
    assert.equal(info.code, 0, `exit ${JSON.stringify(info)}\n${srv.tail()}`);
    const rows = sqlite(srv.dbPath, "SELECT value FROM settings WHERE name = 'jwt_secret'");
    assert.equal(rows.length, 1, 'one settings row jwt_secret');
    const stored = rows[0][0];
    assert.match(stored, /^[0-9a-f]{64}$/i, 'the stored secret is 64 hex digits');
    assert.ok(signedWith(user.token, stored) || signedWith(user.token, Buffer.from(stored, 'hex')),
      'the token is signed with the stored secret');

    await srv.start();
    await assertAccepted(srv, user.token, 'after the restart');
    const again = await post(srv, '/api/auth/login', { username: user.username, password: user.password });
    assert.equal(again.status, 200, again.text);
    assert.equal(sqlite(srv.dbPath, "SELECT value FROM settings WHERE name = 'jwt_secret'")[0][0], stored,
      'the restart kept the secret');
    await assertAccepted(srv, again.body.token, 'a token from the second run');
  });

  it('a token from another store, or signed with an unrelated secret, is refused', async (t) => {
    const one = await serverFor(t, { jwtSecret: null });
    const two = await serverFor(t, { jwtSecret: null });
    const userOne = await newUser(one, 'one');
    const userTwo = await newUser(two, 'two');
    // Both stores number their first user alike; a token of store one must still not open store two.
    assert.equal(userOne.id, userTwo.id, 'fresh stores give the same first id');
    await assertRefused(two, userOne.token, 'a token signed by another store');
    await assertRefused(one, forgedToken(userOne, UNRELATED), 'a token signed with an unrelated secret');
    await assertAccepted(one, userOne.token, 'its own token');
  });
});

describe('rotation with --jwt-previous-secret', () => {
  it('A, then B with previous A (A tokens still valid), then B alone (A tokens refused)', async (t) => {
    const srv = await serverFor(t, { jwtSecret: SECRET_A });
    const user = await newUser(srv, 'rot');
    const tokenA = user.token;
    assert.ok(signedWith(tokenA, SECRET_A), 'the first token is signed with A');
    await assertAccepted(srv, tokenA, 'A token under A');

    await srv.stop();
    srv.jwtSecret = SECRET_B;
    srv.extraArgs = ['--jwt-previous-secret', SECRET_A];
    await srv.start();
    await assertAccepted(srv, tokenA, 'A token under B with previous A');
    const login = await post(srv, '/api/auth/login', { username: user.username, password: user.password });
    assert.equal(login.status, 200, login.text);
    const tokenB = login.body.token;
    assert.ok(signedWith(tokenB, SECRET_B), 'new tokens are signed with the current secret B');
    assert.ok(!signedWith(tokenB, SECRET_A), 'new tokens are not signed with the previous secret');
    await assertAccepted(srv, tokenB, 'B token under B with previous A');
    await assertRefused(srv, forgedToken(user, UNRELATED), 'a token signed with neither secret');

    await srv.stop();
    srv.extraArgs = [];
    await srv.start();
    await assertRefused(srv, tokenA, 'A token under B alone');
    await assertAccepted(srv, tokenB, 'B token under B alone');
  });

  it('a native connection opened with a previous-secret token works like any other', async (t) => {
    const srv = await serverFor(t, { jwtSecret: SECRET_A });
    const alice = await newUser(srv, 'ra');
    const bob = await newUser(srv, 'rb');
    await srv.stop();
    srv.jwtSecret = SECRET_B;
    srv.extraArgs = ['--jwt-previous-secret', SECRET_A];
    await srv.start();
    const room = uniqueRoom('rot');
    const a = await connect(srv, alice.token);
    const b = await sioConnect(srv, bob.token);
    try {
      await a.ok('room:join', { room });
      await b.ok('room:join', { room });
      const sent = await b.ok('message:send', { room, text: 'signed with the old secret' });
      const got = await a.next('message:received', (m) => m.id === sent.id);
      assert.equal(got.from.username, bob.username);
      assert.equal(got.from.id, bob.id);
    } finally {
      a.terminate();
      b.close();
    }
  });
});

describe('parley serve refuses to start', () => {
  it('when the stored secret is corrupt', async (t) => {
    const srv = await serverFor(t, { jwtSecret: null });
    await newUser(srv, 'corrupt');
    await srv.stop();
    sqlite(srv.dbPath, "UPDATE settings SET value = 'zz' WHERE name = 'jwt_secret'");
    assert.deepEqual(sqlite(srv.dbPath, "SELECT value FROM settings WHERE name = 'jwt_secret'"), [['zz']]);
    const r = await serveRefused(srv.args());
    assert.equal(r.status, 2, `exit ${r.status} ${r.signal}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /secret/i, r.stderr);
    assert.match(r.stderr, /corrupt/i, r.stderr);
    assert.doesNotMatch(r.stdout, /listening/, r.stdout);
  });

  it('with a Redis broker and a SQLite store but no --jwt-secret, before contacting the broker', async (t) => {
    // A listener stands in for Redis: it records whether the binary ever connects.
    // After the binary exits, our own probe connection is accepted after any connection it made (one
    // listen queue), so awaiting the probe's accept is enough to know.
    const accepted = [];
    let probeAccepted;
    const fake = net.createServer((sock) => {
      accepted.push(sock.remotePort);
      sock.once('data', (d) => { if (d.toString() === 'probe') probeAccepted?.(); });
      sock.on('error', () => {});
    });
    await new Promise((resolve, reject) => fake.listen(0, '127.0.0.1', resolve).once('error', reject));
    t.after(() => new Promise((resolve) => { fake.close(resolve); }));
    const noneBeforeProbe = async (what) => {
      const probe = net.connect(fake.address().port, '127.0.0.1');
      const done = new Promise((resolve) => { probeAccepted = resolve; });
      let probePort;
      probe.on('connect', () => { probePort = probe.localPort; probe.write('probe'); });
      let timer;
      await Promise.race([done, new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('the probe connection was not accepted within 5 s')), 5000);
      })]).finally(() => { clearTimeout(timer); probe.destroy(); });
      const others = accepted.splice(0).filter((port) => port !== probePort);
      assert.deepEqual(others, [], what);
    };
    const srv = new ParleyServer({ jwtSecret: null, args: ['--broker', `redis://127.0.0.1:${fake.address().port}`] });
    t.after(() => srv.cleanup());
    const r = await serveRefused(srv.args());
    assert.equal(r.status, 2, `exit ${r.status} ${r.signal}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /--jwt-secret/, r.stderr);
    assert.doesNotMatch(r.stdout, /listening/, r.stdout);
    await noneBeforeProbe('the broker was contacted before the check');

    const env = await serveRefused(['serve', '--listen', '127.0.0.1:0', '--store', `sqlite:${srv.dbPath}`],
      { PARLEY_BROKER: `redis-cluster://127.0.0.1:${fake.address().port},127.0.0.1:1` });
    assert.equal(env.status, 2, `redis-cluster: exit ${env.status} ${env.signal}\n${env.stderr}`);
    assert.match(env.stderr, /--jwt-secret/, env.stderr);
    await noneBeforeProbe('the cluster seeds were contacted before the check');
  });
});
