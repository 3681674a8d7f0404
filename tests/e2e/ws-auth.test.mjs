// docs/protocol.md §3: authenticating native WebSocket connections, the /entrypoint alias, token expiry (4001).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, serverFor } from './lib/server.mjs';
import { newUser, signJwt, decodeJwt } from './lib/http.mjs';
import { connect, upgradeStatus, closeAll } from './lib/client.mjs';

/** Flips the first signature character (6 significant bits): the signature no longer verifies. */
function tamperSignature(token) {
  const i = token.lastIndexOf('.') + 1;
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
}

describe('WebSocket authentication', { timeout: 60_000 }, () => {
  let srv;
  let user;
  const clients = [];
  const open = async (...a) => { const c = await connect(srv, ...a); clients.push(c); return c; };
  before(async () => {
    srv = await startServer();
    user = await newUser(srv, 'wsauth');
  });
  after(async () => { closeAll(clients); await srv?.cleanup(); });

  it('accepts the token as Sec-WebSocket-Protocol and echoes it as the selected subprotocol', async () => {
    const c = await open(user.token, { placement: 'protocol' });
    assert.equal(c.protocol, user.token);
    assert.ok(Array.isArray(await c.ok('rooms:list')));
    c.terminate();
  });

  it('accepts the token as ?token=', async () => {
    const c = await open(user.token, { placement: 'query' });
    assert.ok(Array.isArray(await c.ok('rooms:list')));
    c.terminate();
  });

  it('accepts the token as Authorization: Bearer', async () => {
    const c = await open(user.token, { placement: 'header' });
    assert.ok(Array.isArray(await c.ok('rooms:list')));
    c.terminate();
  });

  it('serves the same protocol at /entrypoint', async () => {
    for (const placement of ['protocol', 'query', 'header']) {
      const c = await open(user.token, { placement, path: '/entrypoint' });
      if (placement === 'protocol') assert.equal(c.protocol, user.token);
      const room = `entry-${placement}`;
      const joined = await c.ok('room:join', { room });
      assert.equal(joined.room, room);
      c.terminate();
    }
  });

  it('identifies the user from the token', async () => {
    const other = await newUser(srv, 'wsauthpeer');
    const a = await open(user.token);
    const b = await open(other.token, { placement: 'header' });
    const room = 'whoami-room';
    await a.ok('room:join', { room });
    await b.ok('room:join', { room });
    await b.ok('message:send', { room, text: 'who am i' });
    const m = await a.next('message:received', (d) => d.text === 'who am i');
    assert.equal(String(m.from.id), String(other.id));
    assert.equal(m.from.username, other.username);
    a.terminate(); b.terminate();
  });

  it('refuses a missing token with HTTP 401 on the upgrade', async () => {
    assert.equal(await upgradeStatus(srv, undefined), 401);
    assert.equal(await upgradeStatus(srv, undefined, { path: '/entrypoint' }), 401);
  });

  it('refuses bad tokens with HTTP 401 on the upgrade, in every placement', async () => {
    const { payload } = decodeJwt(user.token);
    const now = Math.floor(Date.now() / 1000);
    const bad = {
      garbage: 'not-a-token',
      tampered: tamperSignature(user.token),
      wrongSecret: signJwt({ ...payload, exp: now + 3600 }, { secret: 'some-other-secret' }),
      expired: signJwt({ ...payload, exp: now - 60 }),
      algNone: signJwt({ ...payload, exp: now + 3600 }, { header: { alg: 'none', typ: 'JWT' } }),
    };
    for (const [what, token] of Object.entries(bad)) {
      for (const placement of ['protocol', 'query', 'header']) {
        const status = await upgradeStatus(srv, token, { placement });
        assert.equal(status, 401, `${what} token via ${placement}`);
      }
    }
  });

  it('accepts any HS256 token signed with --jwt-secret carrying sub, name, exp', async () => {
    const { payload } = decodeJwt(user.token);
    const token = signJwt({ sub: payload.sub, name: payload.name, exp: Math.floor(Date.now() / 1000) + 600 });
    const c = await open(token);
    assert.ok(Array.isArray(await c.ok('presence:list', {})));
    c.terminate();
  });
});

describe('token expiry', { timeout: 30_000 }, () => {
  it('closes the connection with 4001 when the token expires', async (t) => {
    const srv = await serverFor(t, { args: ['--token-ttl', '2s'] });
    const u = await newUser(srv, 'expiring');
    assert.ok(u.expiresAt - Date.now() <= 3000 && u.expiresAt - Date.now() > 0,
      `expiresAt should be ~2 s away: ${u.expiresAt - Date.now()} ms`);
    const c = await connect(srv, u.token);
    t.after(() => c.terminate());
    const room = 'expiry-room';
    await c.ok('room:join', { room });
    await c.ok('message:send', { room, text: 'still valid' });
    const { code } = await c.closed(8_000);
    assert.equal(code, 4001);
    // And the expired token no longer opens a connection.
    assert.equal(await upgradeStatus(srv, u.token), 401);
  });
});
