// Engine.IO v4 under /socket.io/, driven by hand (fetch and ws) where the stock client cannot show it:
// protocol-version errors, polling payloads, maxPayload on both transports, the heartbeat timeout closing a
// session (and its chat membership), and a polling session whose requests arrive on many TCP connections.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer } from './lib/server.mjs';
import { newUser, uniqueRoom } from './lib/http.mjs';
import { connect, closeAll } from './lib/client.mjs';
import { eio, eioHandshake, sioConnect, closeAllSio } from './lib/sio.mjs';

const PING_INTERVAL = 300;
const PING_TIMEOUT = 300;
const MAX_PAYLOAD = 4000;

let srv;
before(async () => {
  srv = await startServer({
    args: ['--ping-interval', `${PING_INTERVAL}`, '--ping-timeout', `${PING_TIMEOUT}`, '--max-payload', `${MAX_PAYLOAD}`],
  });
});
after(async () => { await srv?.cleanup(); });

/** Polls (GET) until a payload with a packet matching `pred` arrives; answers pings. Returns that packet. */
async function pollFor(sid, pred, rounds = 20) {
  for (let i = 0; i < rounds; i++) {
    const r = await eio(srv, 'GET', `EIO=4&transport=polling&sid=${sid}`);
    assert.equal(r.status, 200, r.text);
    const packets = r.text.split('\x1e');
    for (const p of packets) {
      if (p === '2') await eio(srv, 'POST', `EIO=4&transport=polling&sid=${sid}`, '3');
      else if (pred(p)) return p;
    }
  }
  throw new Error('no matching packet');
}

describe('Engine.IO handshake and errors', () => {
  test('another protocol version gets 400 {"code":5,"message":"Unsupported protocol version"}', async () => {
    const r = await eio(srv, 'GET', 'EIO=3&transport=polling');
    assert.equal(r.status, 400);
    assert.deepEqual(JSON.parse(r.text), { code: 5, message: 'Unsupported protocol version' });
  });

  test('handshake carries the configured heartbeat and maxPayload', async () => {
    const h = await eioHandshake(srv);
    assert.deepEqual(Object.keys(h).sort(), ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
    assert.equal(h.pingInterval, PING_INTERVAL);
    assert.equal(h.pingTimeout, PING_TIMEOUT);
    assert.equal(h.maxPayload, MAX_PAYLOAD);
    assert.deepEqual(h.upgrades, ['websocket']);
  });

  test('unknown sid, unknown transport and a POST handshake are 400', async () => {
    assert.equal((await eio(srv, 'GET', 'EIO=4&transport=polling&sid=nope')).status, 400);
    assert.equal((await eio(srv, 'GET', 'EIO=4&transport=carrier-pigeon')).status, 400);
    assert.equal((await eio(srv, 'POST', 'EIO=4&transport=polling', '40')).status, 400);
  });
});

describe('long-polling by hand', () => {
  test('CONNECT, an event with an ack and a push, in \\x1e payloads over separate connections', async () => {
    const user = await newUser(srv, 'raw');
    const { sid } = await eioHandshake(srv);
    const q = `EIO=4&transport=polling&sid=${sid}`;
    assert.equal((await eio(srv, 'POST', q, `40${JSON.stringify({ token: user.token })}`)).text, 'ok');
    const connected = await pollFor(sid, (p) => p.startsWith('40'));
    assert.ok(JSON.parse(connected.slice(2)).sid);
    const room = uniqueRoom('raw');
    const join = `421${JSON.stringify(['room:join', { room }])}`;
    assert.equal((await eio(srv, 'POST', q, join)).text, 'ok');
    const ack1 = JSON.parse((await pollFor(sid, (p) => p.startsWith('431'))).slice(3));
    assert.equal(ack1[0].ok, true);
    assert.equal(ack1[0].data.room, room);
    // two packets in one POST: an unknown event and a send, each with an ack
    const body = `422${JSON.stringify(['nope', {}])}\x1e423${JSON.stringify(['message:send', { room, text: 'raw' }])}`;
    assert.equal((await eio(srv, 'POST', q, body)).text, 'ok');
    const seen = [];
    const done = () => ['432', '433', '42["message:received"'].every((k) => seen.some((s) => s.startsWith(k)));
    await pollFor(sid, (p) => { seen.push(p); return done(); }, 40);
    const ack2 = JSON.parse(seen.find((s) => s.startsWith('432')).slice(3));
    assert.deepEqual(ack2[0].ok, false);
    assert.equal(ack2[0].error.code, 'bad_request');
    const ack3 = JSON.parse(seen.find((s) => s.startsWith('433')).slice(3));
    assert.equal(ack3[0].ok, true);
    const push = JSON.parse(seen.find((s) => s.startsWith('42["message:received"')).slice(2));
    assert.equal(push[1].text, 'raw');
    assert.equal((await eio(srv, 'POST', q, '1')).status, 200);
    assert.equal((await eio(srv, 'GET', q)).status, 400);
  });

  test('a payload over maxPayload is refused (413) and the session closed', async () => {
    const { sid } = await eioHandshake(srv);
    const q = `EIO=4&transport=polling&sid=${sid}`;
    const r = await eio(srv, 'POST', q, `4${'x'.repeat(MAX_PAYLOAD + 10)}`);
    assert.equal(r.status, 413);
    assert.equal((await eio(srv, 'GET', q)).status, 400);
  });

  test('a malformed payload closes the session', async () => {
    const { sid } = await eioHandshake(srv);
    const q = `EIO=4&transport=polling&sid=${sid}`;
    assert.equal((await eio(srv, 'POST', q, 'abc')).status, 400);
    assert.equal((await eio(srv, 'GET', q)).status, 400);
  });

  test('without pongs the heartbeat closes the session and its chat membership ends (user:left)', async () => {
    const [watcher, sleeper] = [await newUser(srv, 'hw'), await newUser(srv, 'hs')];
    const room = uniqueRoom('hb');
    const native = await connect(srv, watcher.token);
    try {
      await native.ok('room:join', { room });
      const { sid } = await eioHandshake(srv);
      const q = `EIO=4&transport=polling&sid=${sid}`;
      await eio(srv, 'POST', q, `40${JSON.stringify({ token: sleeper.token })}`);
      await pollFor(sid, (p) => p.startsWith('40'));
      await eio(srv, 'POST', q, `421${JSON.stringify(['room:join', { room }])}`);
      await pollFor(sid, (p) => p.startsWith('431'));
      await native.next('user:joined', (d) => d.userId === sleeper.id);
      // no more polls, no pongs: gone after about pingInterval + pingTimeout
      const left = await native.next('user:left', (d) => d.userId === sleeper.id && d.room === room, 5000);
      assert.equal(left.room, room);
      assert.equal((await eio(srv, 'GET', q)).status, 400);
    } finally {
      closeAll([native]);
    }
  });
});

describe('WebSocket transport limits', () => {
  test('a message over maxPayload closes the WebSocket with 1009', async () => {
    const ws = new WebSocket(`${srv.wsUrl}/socket.io/?EIO=4&transport=websocket`);
    const first = await new Promise((resolve, reject) => { ws.once('message', (d) => resolve(d.toString())); ws.once('error', reject); });
    assert.equal(first[0], '0');
    const closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(`4${'x'.repeat(MAX_PAYLOAD + 10)}`);
    assert.equal(await closed, 1009);
  });

  test('a socket.io-client that stops answering pings is disconnected by the server', async () => {
    const user = await newUser(srv, 'hbws');
    const c = await sioConnect(srv, user.token, { transports: ['websocket'] });
    try {
      // Silence the client's pongs: the engine's ping handler answers them, so stop the transport writing.
      c.socket.io.engine.transport.send = () => {};
      const reason = await c.disconnected(5000);
      assert.ok(['ping timeout', 'transport close', 'transport error'].includes(reason), reason);
    } finally {
      closeAllSio([c]);
    }
  });
});
