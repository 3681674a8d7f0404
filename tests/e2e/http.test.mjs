// docs/protocol.md §2 (HTTP API) and §5 (server-side emit over POST /api/publish).
import { describe, it, before, after } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { startServer, API_KEY } from './lib/server.mjs';
import { get, post, http, assertError, newUser, uniqueName, uniqueRoom, decodeJwt, sameId } from './lib/http.mjs';
import { connect, closeAll } from './lib/client.mjs';
import { assertRoomMessage, assertStrictlyIncreasing } from './lib/util.mjs';

describe('HTTP API', { timeout: 90_000 }, () => {
  let srv;
  const clients = [];
  const open = async (...a) => { const c = await connect(srv, ...a); clients.push(c); return c; };
  before(async () => { srv = await startServer({ args: ['--rate-limit', '0'] }); });
  after(async () => { closeAll(clients); await srv?.cleanup(); });

  describe('POST /api/auth/register', () => {
    it('creates a user: 201 {id, username}', async () => {
      const username = uniqueName('reg');
      const res = await post(srv, '/api/auth/register', { username, password: 'pass-word' });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.username, username);
      assert.ok(['number', 'string'].includes(typeof res.body.id), `id: ${res.text}`);
    });

    it('answers 409 conflict when the name is taken', async () => {
      const username = uniqueName('dup');
      assert.equal((await post(srv, '/api/auth/register', { username, password: 'pass-word-1' })).status, 201);
      assertError(await post(srv, '/api/auth/register', { username, password: 'other-pass' }), 409, 'conflict');
    });

    it('accepts names of 3–32 chars of [a-z0-9_.-] and passwords of 8+ characters', async () => {
      const base = uniqueName('x').replace(/_/g, '').slice(0, 20);
      const three = Math.random().toString(36).replace(/[^a-z0-9]/g, '').padEnd(3, '0').slice(-3);
      for (const username of [`${base}.a-b_c`, three, (base + 'z'.repeat(32)).slice(0, 32)]) {
        const res = await post(srv, '/api/auth/register', { username, password: '12345678' });
        assert.equal(res.status, 201, `${username}: ${res.text}`);
      }
    });

    it('answers 400 bad_request for bad names, short passwords and bad bodies', async () => {
      const ok = uniqueName('ok');
      const bad = [
        { username: 'ab', password: 'pass-word-1' },                  // too short
        { username: 'a'.repeat(33), password: 'pass-word-1' },       // too long
        { username: 'Upper' + ok.slice(0, 10), password: 'pass-word-1' }, // upper case
        { username: 'with space', password: 'pass-word-1' },
        { username: 'slash/name', password: 'pass-word-1' },
        { username: 'émile_' + ok.slice(-5), password: 'pass-word-1' },
        { username: '', password: 'pass-word-1' },
        { password: 'pass-word-1' },                                    // missing username
        { username: ok, password: 'abc' },                        // password too short
        { username: ok, password: 'seven77' },                    // 7 characters: one short
        { username: ok, password: '' },
        { username: ok },                                         // missing password
        { username: 12345, password: 'pass-word-1' },                   // wrong type
      ];
      for (const body of bad) {
        assertError(await post(srv, '/api/auth/register', body), 400, 'bad_request');
      }
      assertError(await post(srv, '/api/auth/register', '{"username": "broken'), 400, 'bad_request');
      // None of the refused attempts created the user.
      assert.equal((await post(srv, '/api/auth/register', { username: ok, password: 'pass-word-1' })).status, 201);
    });
  });

  describe('POST /api/auth/login', () => {
    it('answers 200 {token, expiresAt (ms), user:{id, username}} with an HS256 JWT', async () => {
      const username = uniqueName('login');
      const reg = await post(srv, '/api/auth/register', { username, password: 'pw-123456' });
      assert.equal(reg.status, 201);
      const before = Date.now();
      const res = await post(srv, '/api/auth/login', { username, password: 'pw-123456' });
      assert.equal(res.status, 200, res.text);
      const { token, expiresAt, user } = res.body;
      assert.equal(typeof token, 'string');
      assert.equal(typeof expiresAt, 'number');
      // Default --token-ttl is 24 h; expiresAt is in milliseconds.
      assert.ok(expiresAt > before + 23 * 3600_000 && expiresAt < before + 25 * 3600_000,
        `expiresAt ${expiresAt} should be ~24 h from now in ms (now ${before})`);
      assert.deepEqual({ id: String(user.id), username: user.username }, { id: String(reg.body.id), username });
      const { header, payload } = decodeJwt(token);
      assert.equal(header.alg, 'HS256');
      assert.equal(String(payload.sub), String(reg.body.id));
      assert.equal(payload.name, username);
      assert.equal(typeof payload.exp, 'number');
      assert.ok(Math.abs(payload.exp * 1000 - expiresAt) <= 2000, `exp ${payload.exp} vs expiresAt ${expiresAt}`);
    });

    it('answers 401 unauthorized for a wrong password or an unknown user', async () => {
      const u = await newUser(srv, 'l401');
      assertError(await post(srv, '/api/auth/login', { username: u.username, password: 'wrong-pw' }), 401, 'unauthorized');
      assertError(await post(srv, '/api/auth/login', { username: uniqueName('nobody'), password: 'whatever' }), 401, 'unauthorized');
    });
  });

  describe('errors and operational endpoints', () => {
    it('answers unknown paths 404 not_found with the JSON error body', async () => {
      assertError(await get(srv, '/api/does-not-exist'), 404, 'not_found');
      assertError(await get(srv, '/no/such/path'), 404, 'not_found');
      assertError(await post(srv, '/api/nope', { a: 1 }), 404, 'not_found');
    });

    it('GET /healthz is 200', async () => {
      const res = await get(srv, '/healthz');
      assert.equal(res.status, 200, res.text);
    });

    it('GET /readyz is 200 JSON naming the store', async () => {
      const res = await get(srv, '/readyz');
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get('content-type') || '', /application\/json/);
      assert.ok(res.body && typeof res.body === 'object', `readyz body: ${res.text}`);
      assert.match(JSON.stringify(res.body).toLowerCase(), /store/, `readyz should report the store: ${res.text}`);
    });

    it('GET /metrics is Prometheus text with connection and message counters that move', async () => {
      const parse = (text) => {
        const samples = new Map();
        for (const line of text.split('\n')) {
          if (!line.trim() || line.startsWith('#')) continue;
          const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)(\s+\d+)?$/.exec(line);
          assert.ok(m, `not a Prometheus sample line: ${JSON.stringify(line)}`);
          samples.set(m[1] + (m[2] || ''), Number(m[3]));
        }
        return samples;
      };
      const sum = (samples, re) => [...samples].filter(([k]) => re.test(k.replace(/\{.*/, ''))).reduce((a, [, v]) => a + (Number.isFinite(v) ? v : 0), 0);
      const first = await get(srv, '/metrics');
      assert.equal(first.status, 200);
      assert.match(first.headers.get('content-type') || '', /text\/plain/);
      assert.match(first.text, /^# (HELP|TYPE) /m, 'metrics should carry # HELP/# TYPE lines');
      const s0 = parse(first.text);
      assert.ok([...s0.keys()].some((k) => /connection/i.test(k)), 'a connection metric');
      assert.ok([...s0.keys()].some((k) => /message/i.test(k)), 'a message metric');

      const u = await newUser(srv, 'metr');
      const c = await open(u.token);
      const room = uniqueRoom('metrics');
      await c.ok('room:join', { room });
      await c.ok('message:send', { room, text: 'counted' });
      await c.next('message:received');
      const s1 = parse((await get(srv, '/metrics')).text);
      assert.ok(sum(s1, /message/i) > sum(s0, /message/i), 'message metrics should grow after a message');
      assert.ok(sum(s1, /connection/i) > sum(s0, /connection/i), 'connection metrics should grow with a new connection');
      c.terminate();
    });

    it('GET /docs serves the OpenAPI description', async () => {
      const res = await get(srv, '/docs');
      assert.equal(res.status, 200, res.text.slice(0, 200));
      if (res.body && typeof res.body === 'object') {
        assert.ok(res.body.openapi, 'JSON docs must have an "openapi" field');
        assert.ok(res.body.paths && res.body.paths['/api/auth/login'], 'docs should describe /api/auth/login');
      } else {
        assert.match(res.headers.get('content-type') || '', /text\/html/);
        assert.match(res.text, /openapi/i, 'HTML docs should embed or reference the OpenAPI document');
        const ref = /["'(]([^"'()\s]*openapi[^"'()\s]*\.(?:json|ya?ml))["')]/i.exec(res.text);
        if (ref) {
          const specPath = new URL(ref[1], srv.httpUrl + '/docs/').pathname;
          const spec = await get(srv, specPath);
          assert.equal(spec.status, 200, `${specPath}: ${spec.status}`);
          assert.match(spec.text, /openapi/);
        }
      }
    });

    it('GET /docs links the protocol reference, served as the repository\'s docs/protocol.md', async () => {
      const page = await get(srv, '/docs');
      const link = /href="([^"]*protocol\.md)"/.exec(page.text);
      assert.ok(link, '/docs should link the protocol reference');
      const doc = await get(srv, new URL(link[1], srv.httpUrl + '/docs').pathname);
      assert.equal(doc.status, 200);
      assert.match(doc.headers.get('content-type') || '', /text\/markdown/);
      const inRepo = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
      assert.equal(doc.text, inRepo, 'the binary serves the docs/protocol.md it was built from');
    });
  });

  describe('rooms and history', () => {
    it('GET /api/rooms needs a Bearer token', async () => {
      assertError(await get(srv, '/api/rooms'), 401, 'unauthorized');
      assertError(await get(srv, '/api/rooms', { token: 'not.a.jwt' }), 401, 'unauthorized');
      assertError(await get(srv, '/api/rooms', { headers: { authorization: 'Basic Zm9vOmJhcg==' } }), 401, 'unauthorized');
    });

    it('GET /api/rooms lists rooms with members = distinct users online', async () => {
      const [a, b] = [await newUser(srv, 'ra'), await newUser(srv, 'rb')];
      const room = uniqueRoom('listed');
      const a1 = await open(a.token);
      const a2 = await open(a.token);
      const b1 = await open(b.token);
      for (const c of [a1, a2, b1]) await c.ok('room:join', { room });
      const res = await get(srv, '/api/rooms', { token: a.token });
      assert.equal(res.status, 200, res.text);
      assert.ok(Array.isArray(res.body), `rooms: ${res.text}`);
      const entry = res.body.find((r) => r.name === room);
      assert.ok(entry, `room ${room} missing from ${res.text}`);
      assert.equal(entry.members, 2, 'two distinct users (one with two connections)');
      await b1.close();
      // user:left for b reaches a once b's last connection is gone; then the count must be 1.
      await a1.next('user:left', (d) => d.room === room && sameId(d.userId, b.id));
      const res2 = await get(srv, '/api/rooms', { token: a.token });
      assert.equal(res2.body.find((r) => r.name === room)?.members, 1, res2.text);
      a1.terminate(); a2.terminate();
    });

    it('GET /api/rooms/{room}/messages: default 50, clamp 100, before=SEQ, ascending', async () => {
      const u = await newUser(srv, 'hist');
      const c = await open(u.token);
      const room = uniqueRoom('history');
      await c.ok('room:join', { room });
      const N = 120;
      const replies = await Promise.all(Array.from({ length: N }, (_, i) => c.ok('message:send', { room, text: `m${i}` }, { timeout: 20_000 })));
      const seqs = replies.map((r) => r.seq);
      assertStrictlyIncreasing(seqs, 'reply seq');
      const url = `/api/rooms/${encodeURIComponent(room)}/messages`;

      assertError(await get(srv, url), 401, 'unauthorized');

      const def = await get(srv, url, { token: u.token });
      assert.equal(def.status, 200, def.text);
      assert.equal(def.body.messages.length, 50, 'limit defaults to 50');
      assert.deepEqual(def.body.messages.map((m) => m.seq), seqs.slice(-50), 'the newest 50, ascending');
      assert.deepEqual(def.body.messages.map((m) => m.text), replies.slice(-50).map((_, i) => `m${N - 50 + i}`));
      for (const m of def.body.messages) assertRoomMessage(m, { room, from: u });

      const clamped = await get(srv, `${url}?limit=500`, { token: u.token });
      assert.equal(clamped.status, 200, clamped.text);
      assert.equal(clamped.body.messages.length, 100, 'limit is clamped to 100');
      assert.deepEqual(clamped.body.messages.map((m) => m.seq), seqs.slice(-100));

      const page = await get(srv, `${url}?before=${seqs[60]}&limit=10`, { token: u.token });
      assert.equal(page.status, 200, page.text);
      assert.deepEqual(page.body.messages.map((m) => m.seq), seqs.slice(50, 60), 'the 10 just before seq');

      const first = await get(srv, `${url}?before=${seqs[3]}`, { token: u.token });
      assert.deepEqual(first.body.messages.map((m) => m.seq), seqs.slice(0, 3), 'fewer than limit at the start');

      const ids = new Set(clamped.body.messages.map((m) => String(m.id)));
      assert.equal(ids.size, 100, 'message ids are unique');
      assert.deepEqual(replies.slice(-100).map((r) => String(r.id)), clamped.body.messages.map((m) => String(m.id)),
        'stored ids match the ids in the send replies');
      c.terminate();
    });
  });

  describe('POST /api/publish', () => {
    const publish = (body, key) => post(srv, '/api/publish', body, { headers: key === undefined ? {} : { 'x-api-key': key } });

    it('answers 401 without or with a wrong X-Api-Key', async () => {
      const body = { to: { all: true }, event: 'announce', data: { x: 1 } };
      assertError(await publish(body), 401, 'unauthorized');
      assertError(await publish(body, 'wrong-key'), 401, 'unauthorized');
      const u = await newUser(srv, 'pubb');
      // A user's Bearer token is not an API key.
      assertError(await http(srv, 'POST', '/api/publish', { body, token: u.token }), 401, 'unauthorized');
    });

    it('answers 400 for a malformed publish', async () => {
      const res = await publish({ event: 'x', data: {} }, API_KEY);
      assertError(res, 400, 'bad_request');
    });

    it('reaches the addressed user (all connections), a room, or everyone', async () => {
      const [b, c] = [await newUser(srv, 'pubto'), await newUser(srv, 'pubother')];
      const b1 = await open(b.token);
      const b2 = await open(b.token, { placement: 'query' });
      const c1 = await open(c.token);
      const room = uniqueRoom('pubroom');
      await c1.ok('room:join', { room });

      let res = await publish({ to: { user: b.id }, event: 'notify', data: { n: 1, s: 'hé' } }, API_KEY);
      assert.equal(res.status, 202, res.text);
      assert.deepEqual(await b1.next('notify'), { n: 1, s: 'hé' });
      assert.deepEqual(await b2.next('notify'), { n: 1, s: 'hé' });

      res = await publish({ to: { room }, event: 'room-news', data: { n: 2 } }, API_KEY);
      assert.equal(res.status, 202, res.text);
      assert.deepEqual(await c1.next('room-news'), { n: 2 });

      res = await publish({ to: { all: true }, event: 'broadcast', data: { n: 3 } }, API_KEY);
      assert.equal(res.status, 202, res.text);
      for (const cl of [b1, b2, c1]) assert.deepEqual(await cl.next('broadcast'), { n: 3 });

      // The broadcast came after the user- and room-addressed pushes: nobody else got those.
      assert.deepEqual(c1.buffered('notify'), [], 'a push to user b must not reach c');
      assert.deepEqual(b1.buffered('room-news'), [], 'a push to a room must not reach non-members');
      assert.deepEqual(b2.buffered('room-news'), []);
      for (const cl of [b1, b2, c1]) cl.terminate();
    });
  });
});
