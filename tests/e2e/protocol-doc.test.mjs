// docs/protocol.md §3, §8: the user's copy of the protocol against the real server. Parses the doc's event
// tables and checks that every client→server event it lists is handled (never "unknown event"), over the
// native WebSocket and over Socket.IO, with replies shaped as the doc says; that a made-up event IS answered
// unknown; and that the server→client events a two-user scenario can trigger arrive with the payload the doc
// gives. (tests/unit/chat/protocol_doc_test.cpp checks the other way: no event served that the doc lacks.)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, REPO_ROOT, PARLEY_BIN } from './lib/server.mjs';
import { newUser, uniqueRoom } from './lib/http.mjs';
import { connect, closeAll } from './lib/client.mjs';
import { sioConnect, closeAllSio } from './lib/sio.mjs';

const DOC_PATH = path.join(REPO_ROOT, 'docs/protocol.md');
const doc = fs.readFileSync(DOC_PATH, 'utf8');

// The lines of the section under the first heading matching `pattern`, up to the next heading of any level.
function section(pattern) {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => /^#{1,6} /.test(l) && pattern.test(l));
  assert.ok(start >= 0, `docs/protocol.md has no heading matching ${pattern}`);
  const end = lines.findIndex((l, i) => i > start && /^#{1,6} /.test(l));
  return lines.slice(start + 1, end < 0 ? lines.length : end);
}

// Rows "| `event` | col | col | ..." of the table in a section: [{event, cells:[...]}], in order.
function tableRows(pattern) {
  const rows = [];
  for (const line of section(pattern)) {
    const m = /^\| `([^`]+)` \|(.*)\|\s*$/.exec(line);
    // Cells split on unescaped pipes; "\|" inside a cell (markdown's escape) is a literal "|".
    if (m) rows.push({ event: m[1], cells: m[2].split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|')) });
  }
  return rows;
}

// A shape from the doc's notation: `{a, b?, c:{d,e}, f:[…]}`, `[{name, members}]`, `{}`; null = anything.
function parseShape(text) {
  const s = text.replace(/`/g, '').trim();
  let i = 0;
  const ws = () => { while (s[i] === ' ') i++; };
  function shape() {
    ws();
    if (s[i] === '{') {
      i++;
      const keys = {};
      ws();
      while (s[i] !== '}') {
        let name = '';
        while (i < s.length && /[A-Za-z0-9_|]/.test(s[i])) name += s[i++];
        assert.ok(name, `cannot read the shape ${text} at ${i}`);
        const optional = s[i] === '?';
        if (optional) i++;
        let inner = null;
        if (s[i] === ':') { i++; inner = shape(); }
        keys[name] = { optional, inner };
        ws();
        if (s[i] === ',') { i++; ws(); }
      }
      i++;
      return { kind: 'object', keys };
    }
    if (s[i] === '[') {
      i++;
      ws();
      const item = s[i] === '…' || s[i] === ']' ? null : shape();
      while (i < s.length && s[i] !== ']') i++;
      i++;
      return { kind: 'array', item };
    }
    return null;
  }
  if (!s.startsWith('{') && !s.startsWith('[')) return null;  // "–" and prose: not checked
  return shape();
}

// Asserts `value` has the doc's shape: every required key, no key the doc does not list ("a|b" keys: any one).
function assertShape(value, shape, where) {
  if (!shape) return;
  if (shape.kind === 'array') {
    assert.ok(Array.isArray(value), `${where}: expected an array, got ${JSON.stringify(value)}`);
    for (const [k, v] of value.entries()) assertShape(v, shape.item, `${where}[${k}]`);
    return;
  }
  assert.ok(value && typeof value === 'object' && !Array.isArray(value), `${where}: expected an object, got ${JSON.stringify(value)}`);
  const allowed = new Set();
  for (const [name, { optional, inner }] of Object.entries(shape.keys)) {
    const names = name.split('|');
    names.forEach((n) => allowed.add(n));
    const present = names.filter((n) => n in value);
    if (!optional) assert.ok(present.length > 0, `${where}: the doc lists "${name}", the server sent ${JSON.stringify(value)}`);
    for (const n of present) assertShape(value[n], inner, `${where}.${n}`);
  }
  for (const k of Object.keys(value)) {
    assert.ok(allowed.has(k), `${where}: the server sent "${k}", which the doc does not list: ${JSON.stringify(value)}`);
  }
}

const clientRows = tableRows(/Events: client → server/);
const serverRows = tableRows(/Events: server → client/);
const clientEvents = clientRows.map((r) => r.event);

const MADE_UP = 'protocol-doc:no-such-event';
const isUnknown = (reply, event) =>
  reply.ok === false && reply.error?.code === 'bad_request' && reply.error?.message === `unknown event: ${event}`;

describe('docs/protocol.md against the server', { timeout: 60_000 }, () => {
  let srv;
  let alice;
  let bob;
  const clients = [];
  const sioClients = [];
  before(async () => {
    srv = await startServer();
    alice = await newUser(srv, 'pda');
    bob = await newUser(srv, 'pdb');
  });
  after(async () => { closeAll(clients); closeAllSio(sioClients); await srv?.cleanup(); });

  // Plausible data per event; `ok` = the request must succeed with it. Events the doc adds later get `{}`
  // and are only required not to be unknown.
  const plausible = (room) => ({
    'room:join': { data: { room }, ok: true },
    'room:leave': { data: { room: `${room}-other` }, ok: true },
    'rooms:list': { data: undefined, ok: true },
    'message:send': { data: { room, text: 'doc check', clientMsgId: 'doc-1' }, ok: true },
    'message:private': { data: { to: bob.id, text: 'doc dm', clientMsgId: 'doc-2' }, ok: true },
    'send_chat_message_to_participant': { data: { participantId: bob.id, message: 'doc alias' }, ok: true },
    'typing:start': { data: { room }, ok: true },
    'typing:stop': { data: { room }, ok: true },
    'presence:list': { data: { room }, ok: true },
    'history': { data: { room }, ok: true },
    'rooms:mine': { data: undefined, ok: true },
    'dm:history': { data: { with: bob.id }, ok: true },
    'dm:list': { data: undefined, ok: true },
    'read:mark': { data: { room, seq: 0 }, ok: true },
  });

  it('the doc lists the client→server events in its table, one per row', () => {
    assert.ok(clientEvents.length >= 8, `too few rows in "Events: client → server": ${clientEvents.join(', ')}`);
    assert.equal(new Set(clientEvents).size, clientEvents.length, `an event listed twice: ${clientEvents.join(', ')}`);
    for (const e of clientEvents) assert.match(e, /^[A-Za-z0-9_:.-]+$/, `one event name per row: "${e}"`);
    for (const e of ['room:join', 'message:send', 'message:private', 'typing:start', 'typing:stop']) {
      assert.ok(clientEvents.includes(e), `the table lacks ${e}`);
    }
  });

  it('lists every flag of parley serve', () => {
    const help = spawnSync(PARLEY_BIN, ['serve', '--help'], { encoding: 'utf8' }).stdout;
    const flags = [...new Set(help.match(/--[a-z][a-z0-9-]+/g))].filter((f) => f !== '--help');
    assert.ok(flags.length > 20, help);
    const missing = flags.filter((f) => !doc.includes(`\`${f}`));
    assert.deepEqual(missing, [], `docs/protocol.md does not mention ${missing.join(', ')}`);
  });

  it('native WebSocket: every listed event is handled, with the reply the doc gives; others are unknown', async () => {
    const c = await connect(srv, alice.token);
    clients.push(c);
    const room = uniqueRoom('doc');
    await c.ok('room:join', { room });  // first, whatever the table's order, so room events have a room
    const table = plausible(room);
    for (const { event, cells } of clientRows) {
      const { data, ok } = table[event] ?? { data: {}, ok: false };
      const reply = await c.request(event, data);
      assert.ok(!isUnknown(reply, event), `the server does not know ${event}, which the doc lists`);
      if (!ok) continue;
      assert.equal(reply.ok, true, `${event} ${JSON.stringify(data)}: ${JSON.stringify(reply)}`);
      assertShape(reply.data, parseShape(cells[1]), `${event} reply`);
    }
    const made = await c.request(MADE_UP, {});
    assert.ok(isUnknown(made, MADE_UP), `a made-up event: ${JSON.stringify(made)}`);
  });

  it('Socket.IO: every listed event is handled; a made-up one is unknown', async () => {
    const s = await sioConnect(srv, alice.token);
    sioClients.push(s);
    const room = uniqueRoom('docsio');
    await s.ok('room:join', { room });
    const table = plausible(room);
    for (const { event } of clientRows) {
      const { data, ok } = table[event] ?? { data: {}, ok: false };
      const reply = await s.request(event, data);
      assert.ok(!isUnknown(reply, event), `the server does not know ${event} over Socket.IO`);
      if (ok) assert.equal(reply.ok, true, `${event} over Socket.IO: ${JSON.stringify(reply)}`);
    }
    assert.ok(isUnknown(await s.request(MADE_UP, {}), MADE_UP));
  });

  it('the server→client events a two-user scenario triggers arrive, shaped as the doc says', async () => {
    const triggered = ['message:received', 'message:private:received', 'user:joined', 'user:left',
      'typing:user:start', 'typing:user:stop', 'read:marked', 'error'];
    const listed = new Map(serverRows.map((r) => [r.event, parseShape(r.cells[0])]));
    for (const e of triggered) assert.ok(listed.has(e), `"Events: server → client" lacks ${e}`);

    const a = await connect(srv, alice.token);
    const b = await connect(srv, bob.token);
    clients.push(a, b);
    const room = uniqueRoom('docpush');
    const seen = {};
    const expect = async (client, event, pred) => {
      seen[event] = await client.next(event, pred);
      assertShape(seen[event], listed.get(event), event);
    };

    await a.ok('room:join', { room });
    await b.ok('room:join', { room });
    await expect(a, 'user:joined', (d) => d.room === room && String(d.userId) === String(bob.id));
    await b.ok('typing:start', { room });
    await expect(a, 'typing:user:start', (d) => d.room === room);
    await b.ok('typing:stop', { room });
    await expect(a, 'typing:user:stop', (d) => d.room === room);
    const sent = await b.ok('message:send', { room, text: 'pushed', clientMsgId: 'doc-push' });
    await expect(a, 'message:received', (d) => d.id === sent.id);
    const dm = await b.ok('message:private', { to: alice.id, text: 'pushed dm', clientMsgId: 'doc-dm' });
    await expect(a, 'message:private:received', (d) => d.id === dm.id);
    const a2 = await connect(srv, alice.token);  // alice's second device marks the conversation read
    clients.push(a2);
    await a2.ok('read:mark', { with: bob.id, seq: dm.seq });
    await expect(a, 'read:marked', (d) => String(d.with) === String(bob.id) && d.seq === dm.seq);
    b.send({ event: 'message:send', data: { room: `${room}-not-joined`, text: 'no id' } });  // fails, no id
    await expect(b, 'error', (d) => d.event === 'message:send');
    assert.equal(seen.error.code, 'forbidden');
    await b.ok('room:leave', { room });
    await expect(a, 'user:left', (d) => d.room === room && String(d.userId) === String(bob.id));

    for (const e of listed.keys()) {
      if (!triggered.includes(e)) console.log(`# docs/protocol.md lists ${e}; this scenario does not trigger it`);
    }
  });
});
