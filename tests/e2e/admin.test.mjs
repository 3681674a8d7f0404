// --admin-listen (docs/security.md): the operator's endpoints (/metrics, /readyz with each dependency's state)
// move to an address of their own; the public address answers /metrics 404 and /readyz with readiness alone,
// and the admin address serves nothing else (no API, no WebSocket).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { serverFor, PARLEY_BIN, JWT_SECRET } from './lib/server.mjs';
import { get, newUser } from './lib/http.mjs';
import { upgradeStatus } from './lib/client.mjs';

// The admin address the server printed ("parley admin on http://HOST:PORT").
function adminOf(srv) {
  const line = srv.output.find((l) => l.includes('parley admin on http://'));
  assert.ok(line, `no admin line in:\n${srv.tail()}`);
  const url = new URL(line.slice(line.indexOf('http://')));
  return { httpUrl: url.origin, wsUrl: url.origin.replace('http', 'ws'), port: Number(url.port) };
}

describe('--admin-listen', () => {
  it('moves /metrics and the readiness detail off the public address', async (t) => {
    const srv = await serverFor(t, { args: ['--admin-listen', '127.0.0.1:0'] });
    const admin = adminOf(srv);

    assert.equal((await get(srv, '/metrics')).status, 404);
    const ready = await get(srv, '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { ready: true }, 'readiness only: no node name, no dependency detail');

    const metrics = await get(admin, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /^parley_/m);
    const detail = await get(admin, '/readyz');
    assert.equal(detail.status, 200);
    assert.equal(detail.body.ready, true);
    assert.equal(detail.body.store.ok, true);
    assert.equal((await get(admin, '/healthz')).status, 200);
  });

  it('the admin address serves nothing else: no API, no WebSocket', async (t) => {
    const srv = await serverFor(t, { args: ['--admin-listen', '127.0.0.1:0'] });
    const admin = adminOf(srv);
    const user = await newUser(srv, 'adm');
    assert.equal((await get(admin, '/api/rooms', { token: user.token })).status, 404);
    assert.equal((await get(admin, '/')).status, 404);
    assert.notEqual(await upgradeStatus(admin, user.token), 101);
    assert.equal((await get(srv, '/api/rooms', { token: user.token })).status, 200, 'the public address is unchanged');
  });

  it('without it, /metrics and the detail stay on --listen', async (t) => {
    const srv = await serverFor(t);
    assert.equal((await get(srv, '/metrics')).status, 200);
    assert.equal((await get(srv, '/readyz')).body.store.ok, true);
  });

  it('a bad value stops startup naming the flag', () => {
    const r = spawnSync(PARLEY_BIN, ['serve', '--listen', '127.0.0.1:0', '--jwt-secret', JWT_SECRET,
      '--store', 'sqlite:/nonexistent/never.db', '--admin-listen', 'nowhere'], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--admin-listen/);
  });
});
