// Small shared helpers for the test files.
import assert from 'node:assert/strict';
import { post } from './http.mjs';
import { API_KEY } from './server.mjs';

let barrierSeq = 0;

/**
 * Ordering barrier through a room: `client` sends a message to `room` (which it has joined) and waits for
 * its own message:received. Anything the server queued to this connection before it handled the send has
 * then been received too. Returns the message id and seq.
 */
export async function roomBarrier(client, room) {
  barrierSeq += 1;
  const text = `barrier ${barrierSeq}`;
  const r = await client.ok('message:send', { room, text });
  await client.next('message:received', (d) => d.room === room && String(d.id) === String(r.id));
  return r;
}

/**
 * Ordering barrier through server-side emit: publishes an `e2e:barrier` push to `user` and waits until
 * `client` (one of that user's connections) receives it.
 */
export async function publishBarrier(srv, client, user) {
  barrierSeq += 1;
  const n = barrierSeq;
  const res = await post(srv, '/api/publish', { to: { user: user.id }, event: 'e2e:barrier', data: { n } },
    { headers: { 'x-api-key': API_KEY } });
  assert.equal(res.status, 202, `publish barrier: ${res.status} ${res.text}`);
  await client.next('e2e:barrier', (d) => d && d.n === n);
}

/** Asserts the seqs are numbers in strictly increasing order. */
export function assertStrictlyIncreasing(seqs, what = 'seq') {
  for (let i = 0; i < seqs.length; i++) {
    assert.equal(typeof seqs[i], 'number', `${what}[${i}] is not a number: ${seqs[i]}`);
    if (i > 0) assert.ok(seqs[i] > seqs[i - 1], `${what} not strictly increasing at ${i}: ${seqs[i - 1]} then ${seqs[i]}`);
  }
}

/** A promise that resolves after `ms` — only for pacing offered load in time-based tests, never for sync. */
export const pace = (ms) => new Promise((r) => setTimeout(r, ms));

/** Asserts a message:received push has the contract's shape. */
export function assertRoomMessage(m, { room, from, text } = {}) {
  assert.equal(typeof m, 'object');
  assert.ok(m.id !== undefined && m.id !== null && m.id !== '', `message id: ${JSON.stringify(m)}`);
  assert.equal(typeof m.seq, 'number', `seq: ${JSON.stringify(m)}`);
  assert.equal(typeof m.ts, 'number', `ts: ${JSON.stringify(m)}`);
  assert.ok(Math.abs(m.ts - Date.now()) < 120_000, `ts should be ms since the epoch: ${m.ts}`);
  assert.equal(typeof m.text, 'string');
  assert.ok(m.from && typeof m.from === 'object', `from: ${JSON.stringify(m)}`);
  assert.equal(typeof m.from.username, 'string');
  assert.ok(m.from.id !== undefined);
  if (room !== undefined) assert.equal(m.room, room);
  if (from !== undefined) {
    assert.equal(String(m.from.id), String(from.id));
    assert.equal(m.from.username, from.username);
  }
  if (text !== undefined) assert.equal(m.text, text);
}
