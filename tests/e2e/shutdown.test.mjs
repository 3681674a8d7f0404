// docs/protocol.md §3 / operations: SIGTERM closes open WebSockets with 1001 and the process exits 0.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serverFor } from './lib/server.mjs';
import { newUser, uniqueRoom, get } from './lib/http.mjs';
import { connect } from './lib/client.mjs';

describe('graceful shutdown', { timeout: 60_000 }, () => {
  it('SIGTERM closes every WebSocket with 1001 and exits 0', async (t) => {
    const srv = await serverFor(t);
    const [a, b] = [await newUser(srv, 'sda'), await newUser(srv, 'sdb')];
    const room = uniqueRoom('shutdown');
    const ca = await connect(srv, a.token);
    const ca2 = await connect(srv, a.token, { placement: 'query', path: '/entrypoint' });
    const cb = await connect(srv, b.token, { placement: 'header' });
    t.after(() => { for (const c of [ca, ca2, cb]) c.terminate(); });
    await ca.ok('room:join', { room });
    await cb.ok('room:join', { room });
    await ca.ok('message:send', { room, text: 'last words' });
    await cb.next('message:received');

    const closes = Promise.all([ca, ca2, cb].map((c) => c.closed(10_000)));
    const exit = await srv.stop(10_000);
    assert.deepEqual(exit, { code: 0, signal: null }, 'exit status after SIGTERM');
    const codes = (await closes).map((x) => x.code);
    assert.deepEqual(codes, [1001, 1001, 1001]);
  });

  it('an idle server exits 0 on SIGTERM and its data is intact on the next start', async (t) => {
    const srv = await serverFor(t);
    const u = await newUser(srv, 'sdi');
    assert.equal((await get(srv, '/healthz')).status, 200);
    const exit = await srv.stop(10_000);
    assert.deepEqual(exit, { code: 0, signal: null });
    await srv.start();
    const c = await connect(srv, u.token);
    t.after(() => c.terminate());
    assert.ok(Array.isArray(await c.ok('rooms:list')));
  });
});
