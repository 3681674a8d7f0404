// Every event has a price (docs/security.md): a per-user budget covers joins, typing, history, presence,
// listings and read marks (message sends keep their own limit); the rooms a user may create are capped;
// rooms:list, GET /api/rooms and presence:list come in pages (after + limit, at most 100).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serverFor } from './lib/server.mjs';
import { get, newUser, uniqueRoom } from './lib/http.mjs';
import { connect } from './lib/client.mjs';

describe('the per-user event budget', () => {
  it('past the burst, budgeted events answer rate_limited and the connection stays', async (t) => {
    const srv = await serverFor(t, { args: ['--event-rate', '0.5', '--event-burst', '4'] });
    const user = await newUser(srv, 'budget');
    const c = await connect(srv, user.token);
    t.after(() => c.terminate());
    const room = uniqueRoom('budget');
    await c.ok('room:join', { room });  // 1 of 4
    const replies = [];
    for (const event of ['typing:start', 'typing:stop', 'presence:list', 'history', 'rooms:list', 'dm:list']) {
      replies.push((await c.request(event, event.startsWith('typing') || event === 'history' ? { room } : {})));
    }
    assert.deepEqual(replies.map((r) => r.ok), [true, true, true, false, false, false]);
    for (const r of replies.slice(3)) assert.equal(r.error.code, 'rate_limited');
    // Message sends are not budgeted here (they have --rate-limit), and the connection is still open.
    assert.equal((await c.ok('message:send', { room, text: 'still here' })).seq, 1);
    // Another user has a budget of their own.
    const other = await connect(srv, (await newUser(srv, 'other')).token);
    t.after(() => other.terminate());
    assert.ok(Array.isArray(await other.ok('rooms:list')));
  });
});

describe('room creation', () => {
  it('a user creates at most --max-rooms-per-user rooms, and joins existing ones freely', async (t) => {
    const srv = await serverFor(t, { args: ['--max-rooms-per-user', '2'] });
    const [alice, bob] = [await newUser(srv, 'ca'), await newUser(srv, 'cb')];
    const [a, b] = [await connect(srv, alice.token), await connect(srv, bob.token)];
    t.after(() => { a.terminate(); b.terminate(); });
    const [r1, r2, r3] = [uniqueRoom('c1'), uniqueRoom('c2'), uniqueRoom('c3')];
    await a.ok('room:join', { room: r1 });
    await a.ok('room:join', { room: r2 });
    const refused = await a.request('room:join', { room: r3 });
    assert.equal(refused.error?.code, 'forbidden', JSON.stringify(refused));
    assert.equal((await a.request('message:send', { room: r3, text: 'x' })).error?.code, 'forbidden',
      'the refused join left the connection out of the room');
    await b.ok('room:join', { room: r3 });       // bob creates it
    await a.ok('room:join', { room: r3 });       // alice may join what exists
  });
});

describe('listings come in pages', () => {
  it('rooms:list and GET /api/rooms: after + limit, by name', async (t) => {
    const srv = await serverFor(t);
    const user = await newUser(srv, 'pg');
    const c = await connect(srv, user.token);
    t.after(() => c.terminate());
    const prefix = uniqueRoom('p');
    const names = ['a', 'b', 'c', 'd', 'e'].map((x) => `${prefix}-${x}`);
    for (const room of names) await c.ok('room:join', { room });
    const first = await c.ok('rooms:list', { limit: 2 });
    assert.deepEqual(first.map((r) => r.name), names.slice(0, 2));
    const second = await c.ok('rooms:list', { after: first.at(-1).name, limit: 2 });
    assert.deepEqual(second.map((r) => r.name), names.slice(2, 4));
    assert.equal((await c.ok('rooms:list', { limit: 1000 })).length, 5, 'clamped to 100, enough for 5');
    const http = await get(srv, `/api/rooms?after=${encodeURIComponent(names[3])}&limit=5`, { token: user.token });
    assert.deepEqual(http.body.map((r) => r.name), [names[4]]);
    assert.equal((await c.request('rooms:list', { after: { x: 1 } })).error?.code, 'bad_request');
  });

  it('presence:list: after (a user id) + limit, by user id', async (t) => {
    const srv = await serverFor(t);
    const users = [await newUser(srv, 'pr'), await newUser(srv, 'pr'), await newUser(srv, 'pr')];
    const conns = await Promise.all(users.map((u) => connect(srv, u.token)));
    t.after(() => conns.forEach((c) => c.terminate()));
    const room = uniqueRoom('pres');
    for (const c of conns) await c.ok('room:join', { room });
    const ids = users.map((u) => u.id).sort((x, y) => x - y);
    const page = await conns[0].ok('presence:list', { room, limit: 2 });
    assert.deepEqual(page.map((m) => m.userId), ids.slice(0, 2));
    const rest = await conns[0].ok('presence:list', { room, after: page.at(-1).userId, limit: 2 });
    assert.deepEqual(rest.map((m) => m.userId), ids.slice(2));
  });
});
