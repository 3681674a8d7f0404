// Nothing before authentication costs more than a few kilobytes (docs/security.md): an Engine.IO session that
// has not authenticated may send only CONNECT (and pings), binary attachments are bounded by the payload limit
// in total, and unauthenticated sessions are capped in number (--max-unauthenticated-sessions) and in lifetime
// (--socketio-connect-timeout). Driven with raw Engine.IO long-polling requests, as an attacker would.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { serverFor, PARLEY_BIN } from './lib/server.mjs';
import { newUser } from './lib/http.mjs';
import { eio, eioHandshake, sioConnect, closeAllSio } from './lib/sio.mjs';

const SEP = '\x1e';
const poll = (srv, sid) => eio(srv, 'GET', `EIO=4&transport=polling&sid=${sid}`);
const send = (srv, sid, body) => eio(srv, 'POST', `EIO=4&transport=polling&sid=${sid}`, body);

// Polls until the session answers with a close packet ("1") or as unknown (400): the server ended it.
async function assertClosed(srv, sid) {
  for (let i = 0; i < 5; i++) {
    const r = await poll(srv, sid);
    if (r.status === 400 || r.text.split(SEP).includes('1')) return;
  }
  assert.fail(`session ${sid} is still open`);
}

describe('Engine.IO before authentication', { timeout: 60_000 }, () => {
  it('an event before CONNECT closes the session', async (t) => {
    const srv = await serverFor(t);
    const { sid } = await eioHandshake(srv);
    assert.equal((await send(srv, sid, '42["message:send",{"room":"r","text":"x"}]')).status, 200);
    await assertClosed(srv, sid);
  });

  it('a binary packet announcing attachments before CONNECT closes the session', async (t) => {
    const srv = await serverFor(t);
    const { sid } = await eioHandshake(srv);
    const announce = '464-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},' +
      '{"_placeholder":true,"num":2},{"_placeholder":true,"num":3}]';
    await send(srv, sid, announce);
    await assertClosed(srv, sid);
  });

  it('pings are answered before CONNECT, and CONNECT with a token opens the chat', async (t) => {
    const srv = await serverFor(t);
    const user = await newUser(srv, 'pre');
    const { sid } = await eioHandshake(srv);
    await send(srv, sid, '3');  // a pong-like packet: Engine.IO level, allowed
    await send(srv, sid, `40${JSON.stringify({ token: user.token })}`);
    const r = await poll(srv, sid);
    assert.match(r.text, /^40\{"sid":"/, r.text);
    await send(srv, sid, '421["rooms:list"]');
    const reply = await poll(srv, sid);
    assert.match(reply.text, /^431\[\{"ok":true/, reply.text);
  });

  it('attachments over the payload limit in total close the session, even after CONNECT', async (t) => {
    const srv = await serverFor(t, { args: ['--max-payload', '4000'] });
    const user = await newUser(srv, 'att');
    const { sid } = await eioHandshake(srv);
    await send(srv, sid, `40${JSON.stringify({ token: user.token })}`);
    await poll(srv, sid);
    const chunk = Buffer.alloc(1500, 7).toString('base64');  // 1500 bytes each once decoded
    const body = ['452-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]'].join('');
    await send(srv, sid, body);
    await send(srv, sid, `b${chunk}`);
    await send(srv, sid, `b${chunk}`);  // 3000 bytes so far: under 4000, the packet completes
    await send(srv, sid, '453-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]');
    await send(srv, sid, `b${chunk}`);
    await send(srv, sid, `b${chunk}`);
    await send(srv, sid, `b${chunk}`);  // 4500 bytes: over
    await assertClosed(srv, sid);
  });

  it('unauthenticated sessions are capped per node; authenticating frees a place', async (t) => {
    const srv = await serverFor(t, { args: ['--max-unauthenticated-sessions', '3'] });
    const user = await newUser(srv, 'cap');
    const sids = [];
    for (let i = 0; i < 3; i++) sids.push((await eioHandshake(srv)).sid);
    const refused = await eio(srv, 'GET', 'EIO=4&transport=polling');
    assert.equal(refused.status, 503, refused.text);
    // A socket.io-client with a token cannot get in either while the cap is reached...
    await send(srv, sids[0], `40${JSON.stringify({ token: user.token })}`);
    await poll(srv, sids[0]);  // ...until one of the pending sessions authenticates.
    assert.equal((await eio(srv, 'GET', 'EIO=4&transport=polling')).status, 200);
  });

  it('a session that does not authenticate in time is closed', async (t) => {
    const srv = await serverFor(t, { args: ['--socketio-connect-timeout', '300'] });
    const { sid } = await eioHandshake(srv);
    const r = await poll(srv, sid);  // held until the server closes the session, ~0.3 s
    assert.ok(r.status === 400 || r.text.split(SEP).includes('1'), `${r.status} ${r.text}`);
  });

  it('socket.io-client still connects and chats with the defaults', async (t) => {
    const srv = await serverFor(t);
    const user = await newUser(srv, 'ok');
    const c = await sioConnect(srv, user.token);
    t.after(() => closeAllSio([c]));
    assert.deepEqual(Object.keys(await c.ok('room:join', { room: 'preauth' })).sort(),
      ['lastSeq', 'members', 'readSeq', 'room']);
  });
});

describe('--socketio-conformance', () => {
  it('refuses a listen address other than loopback', () => {
    const r = spawnSync(PARLEY_BIN, ['serve', '--socketio-conformance', '--listen', '0.0.0.0:0', '--store',
      'sqlite:/nonexistent/never-opened.db'], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--socketio-conformance .* loopback/);
  });
});
