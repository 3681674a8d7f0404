// Cluster behind TLS (`scripts/cluster up --tls`): nginx serves https:// and wss:// with a certificate signed by
// a private CA the cluster generated. Clients that trust that CA (and only that: no rejectUnauthorized:false)
// use the REST API, a native WebSocket, Socket.IO over WebSocket and Socket.IO over long-polling only, the
// polling sessions routed by sid through TLS; a client that does not trust the CA is refused on every path.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from '../e2e/lib/client.mjs';
import { uniqueName, uniqueRoom } from '../e2e/lib/http.mjs';
import { sioConnect, sioConnectError } from '../e2e/lib/sio.mjs';
import { startCluster } from './lib/cluster.mjs';

/** One HTTPS request with the given TLS options; resolves {status, body} or rejects with the TLS error. */
function request(url, { method = 'GET', body, token, tls = {} } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = {};
    if (payload) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const req = https.request(url, { method, headers, timeout: 10_000, ...tls }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, text, body: json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The PEM of a fresh self-signed CA unrelated to the cluster's. */
function otherCa() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-other-ca-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
      '-days', '1', '-subj', '/CN=Some other CA', '-keyout', path.join(dir, 'ca.key'), '-out', path.join(dir, 'ca.crt')],
    { stdio: 'pipe' });
    return fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// What a client that does not trust the private CA gets from Node's TLS stack (the server sends its leaf only).
const UNTRUSTED = /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN/;

describe('TLS in front of the cluster (2 nodes, scripts/cluster up --tls)', () => {
  let c;
  let ca;
  const open = [];
  before(async () => {
    c = await startCluster({ nodes: 2, tls: true });
    ca = c.ca;
  });
  after(async () => { for (const x of open) x.socket?.close?.() ?? x.terminate?.(); await c?.down(); });

  async function newUser(prefix) {
    const username = uniqueName(prefix);
    const password = 'secret-pw';
    const reg = await request(`${c.lb.httpUrl}/api/auth/register`, { method: 'POST', body: { username, password }, tls: { ca } });
    assert.equal(reg.status, 201, reg.text);
    const login = await request(`${c.lb.httpUrl}/api/auth/login`, { method: 'POST', body: { username, password }, tls: { ca } });
    assert.equal(login.status, 200, login.text);
    return { id: login.body.user.id, username, token: login.body.token };
  }

  it('serves https:// and wss:// only, with a certificate for 127.0.0.1 from the cluster CA', async () => {
    assert.match(c.lb.httpUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(c.lb.wsUrl, /^wss:\/\/127\.0\.0\.1:\d+$/);
    assert.match(ca, /-----BEGIN CERTIFICATE-----/);
    const health = await request(`${c.lb.httpUrl}/healthz`, { tls: { ca } });
    assert.equal(health.status, 200);
    const ready = await request(`${c.lb.httpUrl}/readyz`, { tls: { ca } });
    assert.equal(ready.status, 200, ready.text);
    // Plain HTTP to the TLS port is not served (nginx answers 400 "plain HTTP request was sent to HTTPS port").
    const plain = await fetch(c.lb.httpUrl.replace(/^https/, 'http') + '/healthz', { signal: AbortSignal.timeout(5000) });
    assert.equal(plain.status, 400);
  });

  it('a native ws client, socket.io over WebSocket and socket.io over long-polling chat through TLS', async () => {
    const room = uniqueRoom('tls');
    const [nu, wu, pu] = [await newUser('tn'), await newUser('tw'), await newUser('tp')];
    const native = await connect(c.lb, nu.token, { wsOpts: { ca } });
    open.push(native);
    const sioWs = await sioConnect(c.lb, wu.token, { transports: ['websocket'], ca });
    open.push(sioWs);
    // Long-polling sessions through TLS on both nodes: every request of a session must reach the node in its sid.
    const polling = new Map();
    for (let i = 0; i < 12 && polling.size < 2; i++) {
      const p = await sioConnect(c.lb, pu.token, { transports: ['polling'], ca });
      open.push(p);
      const sid = p.socket.io.engine.id;
      const node = sid.slice(0, sid.indexOf('.'));
      assert.match(node, /^n[12]$/, `the sid names its node: ${sid}`);
      if (!polling.has(node)) polling.set(node, p);
    }
    assert.equal(polling.size, 2, 'polling sessions over TLS landed on both nodes');
    const pollers = [...polling.values()];

    await native.ok('room:join', { room });
    for (const x of [sioWs, ...pollers]) await x.ok('room:join', { room });
    const sent = [];
    for (let k = 0; k < 5; k++) {
      sent.push((await native.ok('message:send', { room, text: `native ${k}` })).seq);
      sent.push((await sioWs.ok('message:send', { room, text: `ws ${k}` })).seq);
      for (const p of pollers) sent.push((await p.ok('message:send', { room, text: `poll ${k}` })).seq);
    }
    sent.sort((a, b) => a - b);
    const nativeGot = await native.collect('message:received', sent.length, (d) => d.room === room, 15_000);
    assert.deepEqual(nativeGot.map((m) => m.seq), sent, 'the native client got every message once, in order');
    for (const x of [sioWs, ...pollers]) {
      const got = await x.collect('message:received', sent.length, (d) => d.room === room, 15_000);
      assert.deepEqual(got.map((m) => m.seq), sent, 'every message once, in order');
    }
    assert.equal(sioWs.transport, 'websocket');
    for (const p of pollers) {
      assert.equal(p.transport, 'polling');
      assert.deepEqual(p.disconnects, [], 'no polling session was lost to the wrong node');
    }
  });

  it('a client that does not trust the CA is refused: HTTPS, native wss, socket.io WebSocket and polling', async () => {
    await assert.rejects(request(`${c.lb.httpUrl}/healthz`), (e) => UNTRUSTED.test(e.code), 'https without the CA');
    // Trusting some other private CA does not help.
    await assert.rejects(request(`${c.lb.httpUrl}/healthz`, { tls: { ca: otherCa() } }),
      (e) => UNTRUSTED.test(e.code), 'https trusting an unrelated CA');

    const token = (await newUser('tr')).token;
    await assert.rejects(connect(c.lb, token), (e) => UNTRUSTED.test(e.code), 'native wss without the CA');

    // socket.io-client over WebSocket reports the TLS error itself ...
    const wsErr = await sioConnectError(c.lb, { token, transports: ['websocket'] });
    assert.equal(wsErr.message, 'websocket error');
    assert.match(String(wsErr.description?.error?.code ?? wsErr.description?.message ?? ''), UNTRUSTED,
      `socket.io over WebSocket refused for the certificate: ${wsErr.description?.message}`);
    // ... over long-polling its XHR only says "status 0"; the same client with the CA trusted connects.
    const pollErr = await sioConnectError(c.lb, { token, transports: ['polling'] });
    assert.equal(pollErr.message, 'xhr poll error');
    const trusted = await sioConnect(c.lb, token, { transports: ['polling'], ca });
    open.push(trusted);
    assert.equal(trusted.transport, 'polling');
  });
});
