// A Socket.IO session born on a WebSocket (no long-polling first) is one object on the server
// (SocketIoConnection): the same Engine.IO and Socket.IO rules as a session that starts with long-polling,
// checked here with raw frames over `ws`, as a client author or an attacker would send them; plus the two
// rules of its own (docs/protocol.md, "Socket.IO"): one CONNECT per connection, and leaving the main namespace
// ends the session.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { serverFor } from './lib/server.mjs';
import { newUser } from './lib/http.mjs';
import { eio } from './lib/sio.mjs';

const WAIT_MS = 5_000;

// A raw Engine.IO-over-WebSocket client: every text message received is kept in order; next() waits for the
// next one matching a predicate.
async function rawSocket(srv, query = '') {
  const ws = new WebSocket(`${srv.wsUrl}/socket.io/?EIO=4&transport=websocket${query}`);
  const messages = [];
  const waiters = [];
  let closed = null;
  const closedPromise = new Promise((resolve) => ws.on('close', (code) => { closed = code; resolve(code); }));
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? null : data.toString();
    messages.push(text);
    for (const w of [...waiters]) if (w.match(text)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(text); }
  });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const client = {
    ws,
    send: (text) => ws.send(text),
    next(match, what = String(match)) {
      const pred = typeof match === 'function' ? match : (t) => t !== null && match.test(t);
      const seen = messages.find(pred);
      if (seen !== undefined) { messages.splice(messages.indexOf(seen), 1); return Promise.resolve(seen); }
      return new Promise((resolve, reject) => {
        const w = { match: pred, resolve };
        waiters.push(w);
        setTimeout(() => reject(new Error(`timeout waiting for ${what}; got ${JSON.stringify(messages)}`)), WAIT_MS);
      });
    },
    closed: () => Promise.race([closedPromise,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the server did not close the socket')), WAIT_MS))]),
    isClosed: () => closed !== null,
  };
  client.handshake = JSON.parse((await client.next(/^0\{/, 'the Engine.IO handshake')).slice(1));
  return client;
}

async function connected(srv, token) {
  const c = await rawSocket(srv);
  c.send(`40${JSON.stringify({ token })}`);
  await c.next(/^40\{"sid":"/, 'CONNECT accepted');
  return c;
}

describe('Socket.IO born on a WebSocket', { timeout: 60_000 }, () => {
  it('handshakes with no upgrades, answers pongs, and chats once CONNECT authenticates', async (t) => {
    const srv = await serverFor(t, { args: ['--ping-interval', '200', '--ping-timeout', '2000'] });
    const user = await newUser(srv, 'wsone');
    const c = await rawSocket(srv);
    t.after(() => c.ws.terminate());
    assert.deepEqual(c.handshake.upgrades, []);
    assert.equal(typeof c.handshake.sid, 'string');
    await c.next(/^2$/, 'a ping');
    c.send('3');
    c.send(`40${JSON.stringify({ token: user.token })}`);
    await c.next(/^40\{"sid":"/, 'CONNECT accepted');
    c.send('421["room:join",{"room":"wsone"}]');
    const reply = JSON.parse((await c.next(/^431\[/, 'the ack')).slice(3));
    assert.equal(reply[0].ok, true);
    assert.equal(reply[0].data.room, 'wsone');
    await c.next(/^2$/, 'a second ping: the first pong kept the session alive');
    assert.equal(c.isClosed(), false);
  });

  it('an event before CONNECT closes the session', async (t) => {
    const srv = await serverFor(t);
    const c = await rawSocket(srv);
    t.after(() => c.ws.terminate());
    c.send('42["message:send",{"room":"r","text":"x"}]');
    await c.closed();
  });

  it('a CONNECT with a bad token is refused, and a good one after it is accepted', async (t) => {
    const srv = await serverFor(t);
    const user = await newUser(srv, 'wsretry');
    const c = await rawSocket(srv);
    t.after(() => c.ws.terminate());
    c.send('40{"token":"not-a-token"}');
    const refused = JSON.parse((await c.next(/^44/, 'CONNECT_ERROR')).slice(2));
    assert.equal(refused.data.code, 'unauthorized');
    c.send(`40${JSON.stringify({ token: user.token })}`);
    await c.next(/^40\{"sid":"/, 'CONNECT accepted');
  });

  it('the token may come with the upgrade request instead of the CONNECT', async (t) => {
    const srv = await serverFor(t);
    const user = await newUser(srv, 'wsquery');
    const c = await rawSocket(srv, `&token=${encodeURIComponent(user.token)}`);
    t.after(() => c.ws.terminate());
    c.send('40');
    await c.next(/^40\{"sid":"/, 'CONNECT accepted');
  });

  it('a second CONNECT is refused with bad_request and the first goes on', async (t) => {
    const srv = await serverFor(t);
    const user = await newUser(srv, 'wstwice');
    const c = await connected(srv, user.token);
    t.after(() => c.ws.terminate());
    c.send(`40${JSON.stringify({ token: user.token })}`);
    const refused = JSON.parse((await c.next(/^44/, 'CONNECT_ERROR')).slice(2));
    assert.equal(refused.data.code, 'bad_request');
    c.send('427["rooms:list"]');
    assert.equal(JSON.parse((await c.next(/^437\[/, 'the ack')).slice(3))[0].ok, true);
  });

  it('leaving the main namespace (DISCONNECT) ends the session', async (t) => {
    const srv = await serverFor(t);
    const user = await newUser(srv, 'wsleave');
    const c = await connected(srv, user.token);
    t.after(() => c.ws.terminate());
    c.send('41');
    await c.closed();
  });

  it('an event with binary attachments is refused without keeping them; a stray attachment closes', async (t) => {
    const srv = await serverFor(t);
    const user = await newUser(srv, 'wsbin');
    const c = await connected(srv, user.token);
    t.after(() => c.ws.terminate());
    c.send('452-3["message:send",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    const reply = JSON.parse((await c.next(/^433\[/, 'the error ack')).slice(3));
    assert.equal(reply[0].ok, false);
    assert.equal(reply[0].error.code, 'bad_request');
    c.ws.send(Buffer.alloc(100, 1));
    c.ws.send(Buffer.alloc(100, 2));
    c.send('424["rooms:list"]');  // both attachments were counted off: the next packet is read as one
    assert.equal(JSON.parse((await c.next(/^434\[/, 'the ack')).slice(3))[0].ok, true);
    c.ws.send(Buffer.alloc(10, 3));  // announced by nothing
    await c.closed();
  });

  it('is not a long-polling session: its sid is unknown to polling requests', async (t) => {
    const srv = await serverFor(t);
    const c = await rawSocket(srv);
    t.after(() => c.ws.terminate());
    const r = await eio(srv, 'GET', `EIO=4&transport=polling&sid=${c.handshake.sid}`);
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.text).code, 1);
  });

  it('counts as unauthenticated until its CONNECT, and closes when none comes in time', async (t) => {
    const srv = await serverFor(t, { args: ['--max-unauthenticated-sessions', '2', '--socketio-connect-timeout', '1500'] });
    const user = await newUser(srv, 'wscap');
    const a = await rawSocket(srv);
    const b = await rawSocket(srv);
    t.after(() => { a.ws.terminate(); b.ws.terminate(); });
    await assert.rejects(rawSocket(srv), /503/);
    a.send(`40${JSON.stringify({ token: user.token })}`);
    await a.next(/^40\{"sid":"/, 'CONNECT accepted');
    const c = await rawSocket(srv);  // a's place is free again
    t.after(() => c.ws.terminate());
    await b.closed();  // no CONNECT within the timeout
    assert.equal(a.isClosed(), false);
  });
});
