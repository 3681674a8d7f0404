// Brute force and enumeration (docs/security.md): failed logins throttled per username and per client address
// (429 with Retry-After, other users unaffected), registrations limited per address, the password-hashing
// queue bounded, an unknown username as slow to refuse as a wrong password, X-Forwarded-For believed only from
// a --trusted-proxy, and secrets too short to resist guessing refused at start.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { serverFor, PARLEY_BIN } from './lib/server.mjs';
import { post, assertError, newUser, uniqueName } from './lib/http.mjs';

const login = (srv, username, password, headers = {}) =>
  post(srv, '/api/auth/login', { username, password }, { headers });
const register = (srv, username, headers = {}) =>
  post(srv, '/api/auth/register', { username, password: 'long-enough-pw' }, { headers });

function assertThrottled(res) {
  assertError(res, 429, 'rate_limited');
  const wait = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(wait) && wait >= 1 && wait <= 60, `Retry-After: ${res.headers.get('retry-after')}`);
}

describe('login throttling', () => {
  it('after N failures for a username its logins get 429 with Retry-After; other users are unaffected', async (t) => {
    const srv = await serverFor(t, { args: ['--login-failures-per-minute', '3', '--trusted-proxy', '127.0.0.1'] });
    const [victim, bystander] = [await newUser(srv, 'vic'), await newUser(srv, 'by')];
    // Failures from three addresses (named by the trusted proxy): each address stays under the limit, the
    // username does not.
    for (let i = 1; i <= 3; i++) {
      const res = await login(srv, victim.username, 'wrong-password', { 'x-forwarded-for': `10.0.0.${i}` });
      assertError(res, 401, 'unauthorized');
    }
    const from = { 'x-forwarded-for': '10.0.0.9' };
    assertThrottled(await login(srv, victim.username, 'wrong-password', from));
    assertThrottled(await login(srv, victim.username, victim.password, from));  // even the right password waits
    assert.equal((await login(srv, bystander.username, bystander.password, from)).status, 200);
  });

  it('failures from one address throttle every username tried from it', async (t) => {
    const srv = await serverFor(t, { args: ['--login-failures-per-minute', '3'] });
    const user = await newUser(srv, 'addr');
    for (let i = 0; i < 3; i++) {
      assertError(await login(srv, uniqueName('guess'), 'wrong-password'), 401, 'unauthorized');
    }
    assertThrottled(await login(srv, user.username, user.password));
  });

  it('X-Forwarded-For names the client only when the peer is a trusted proxy', async (t) => {
    const untrusted = await serverFor(t, { args: ['--login-failures-per-minute', '2'] });
    for (let i = 0; i < 2; i++) {
      await login(untrusted, uniqueName('g'), 'wrong-password', { 'x-forwarded-for': `10.0.0.${i + 1}` });
    }
    // The header is the client's own claim here: both failures counted for 127.0.0.1.
    assertThrottled(await login(untrusted, uniqueName('g'), 'x', { 'x-forwarded-for': '10.0.0.9' }));

    const behindProxy = await serverFor(t, { args: ['--login-failures-per-minute', '2', '--trusted-proxy', '127.0.0.1'] });
    for (let i = 0; i < 2; i++) {
      await login(behindProxy, uniqueName('g'), 'wrong-password', { 'x-forwarded-for': '203.0.113.7' });
    }
    assertThrottled(await login(behindProxy, uniqueName('g'), 'x', { 'x-forwarded-for': '203.0.113.7' }));
    // Another client behind the same proxy is not; only the last hop counts (the first is the client's claim).
    const other = await newUser(behindProxy, 'ok');
    const res = await login(behindProxy, other.username, other.password, { 'x-forwarded-for': '203.0.113.7, 198.51.100.4' });
    assert.equal(res.status, 200, res.text);
  });

  it('an unknown username is refused as slowly as a wrong password for a real one', async (t) => {
    const srv = await serverFor(t);
    const user = await newUser(srv, 'timing');
    const median = async (fn) => {
      const times = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        assertError(await fn(), 401, 'unauthorized');
        times.push(performance.now() - t0);
      }
      return times.sort((a, b) => a - b)[2];
    };
    const known = await median(() => login(srv, user.username, 'wrong-password'));
    const unknown = await median(() => login(srv, uniqueName('nobody'), 'wrong-password'));
    // Before: 1-6 ms against ~120 ms. Both now pay one argon2id verification.
    assert.ok(unknown > known * 0.4, `unknown ${unknown.toFixed(1)} ms vs known ${known.toFixed(1)} ms`);
  });

  it('the hashing queue is bounded: past it, logins get 429 at once', async (t) => {
    const srv = await serverFor(t, { args: ['--max-pending-hashes', '1'] });
    const user = await newUser(srv, 'busy');
    const results = await Promise.all(Array.from({ length: 12 }, () => login(srv, user.username, user.password)));
    const statuses = results.map((r) => r.status);
    assert.ok(statuses.includes(200), statuses.join(' '));
    const busy = results.filter((r) => r.status === 429);
    assert.ok(busy.length > 0, `12 logins at once with one hashing slot: ${statuses.join(' ')}`);
    for (const r of busy) assertThrottled(r);
    assert.equal(statuses.filter((s) => s !== 200 && s !== 429).length, 0, statuses.join(' '));
  });
});

describe('registration limits', () => {
  it('registrations per address per minute, then 429 with Retry-After', async (t) => {
    const srv = await serverFor(t, { args: ['--registrations-per-minute', '2'] });
    assert.equal((await register(srv, uniqueName('r'))).status, 201);
    assert.equal((await register(srv, uniqueName('r'))).status, 201);
    assertThrottled(await register(srv, uniqueName('r')));
  });

  it('the defaults are 5 failed logins and 10 registrations a minute', () => {
    const help = spawnSync(PARLEY_BIN, ['serve', '--help'], { encoding: 'utf8' }).stdout;
    assert.match(help, /--login-failures-per-minute[^\n]*\n?[^\n]*=5\b/);
    assert.match(help, /--registrations-per-minute[^\n]*\n?[^\n]*=10\b/);
  });
});

describe('secrets', () => {
  for (const flag of ['--jwt-secret', '--jwt-previous-secret']) {
    it(`${flag} shorter than 32 bytes stops startup`, () => {
      const r = spawnSync(PARLEY_BIN, ['serve', '--listen', '127.0.0.1:0', '--store', 'sqlite::memory-never-opened:',
        '--jwt-secret', 'x'.repeat(flag === '--jwt-secret' ? 31 : 40), ...(flag === '--jwt-previous-secret' ? [flag, 'short'] : [])],
        { encoding: 'utf8', timeout: 10_000 });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${flag} must be at least 32 bytes`));
    });
  }
});
