// docs/protocol.md §4: text length in code points (too_large, connection kept), invalid UTF-8 (1007), frame limit
// (1009), per-user rate limit (refused messages use none of it), --rate-limit 0.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { newUser, uniqueRoom } from './lib/http.mjs';
import { connect, closeAll } from './lib/client.mjs';
import { pace } from './lib/util.mjs';

/** A message:send frame padded so that its UTF-8 encoding is exactly `bytes` long. */
function sendFrameOfSize(room, bytes, id = 1) {
  const skeleton = JSON.stringify({ event: 'message:send', data: { room, text: '' }, id });
  const pad = bytes - Buffer.byteLength(skeleton);
  assert.ok(pad >= 0);
  const frame = JSON.stringify({ event: 'message:send', data: { room, text: 'a'.repeat(pad) }, id });
  assert.equal(Buffer.byteLength(frame), bytes);
  return frame;
}

describe('text and frame limits (defaults)', { timeout: 60_000 }, () => {
  let srv;
  const clients = [];
  const open = async (u) => { const c = await connect(srv, u.token); clients.push(c); return c; };
  before(async () => { srv = await startServer(); });
  after(async () => { closeAll(clients); await srv?.cleanup(); });

  it('refuses text over 4000 code points with too_large and keeps the connection', async () => {
    const [a, b] = [await newUser(srv, 'tl'), await newUser(srv, 'tlb')];
    const c = await open(a);
    const peer = await open(b);
    const room = uniqueRoom('textlimit');
    await c.ok('room:join', { room });
    await peer.ok('room:join', { room });

    await c.fails('message:send', { room, text: 'a'.repeat(4001) }, 'too_large');
    assert.ok(c.isOpen, 'the connection stays');
    await c.fails('message:send', { room, text: '😀'.repeat(4001) }, 'too_large');
    await c.fails('message:send', { room, text: 'a'.repeat(3999) + '👍🏽' }, 'too_large'); // 3999 + 2 code points
    await c.fails('message:private', { to: b.id, text: 'b'.repeat(4001) }, 'too_large');

    const ascii = 'a'.repeat(4000);
    await c.ok('message:send', { room, text: ascii });
    assert.equal((await peer.next('message:received')).text, ascii);

    // 4000 emoji: 4000 code points, 8000 UTF-16 units, 16000 UTF-8 bytes — accepted: the limit is code points.
    const emoji = '😀'.repeat(4000);
    await c.ok('message:send', { room, text: emoji });
    assert.equal((await peer.next('message:received')).text, emoji, 'the text arrives intact');
    const mixed = 'é'.repeat(1000) + '中'.repeat(1000) + '🎉'.repeat(1000) + 'z'.repeat(1000);
    await c.ok('message:send', { room, text: mixed });
    assert.equal((await peer.next('message:received')).text, mixed);
    await c.ok('message:private', { to: b.id, text: emoji });
    assert.equal((await peer.next('message:private:received')).text, emoji);

    assert.equal((await c.ok('history', { room, limit: 3 })).messages.map((m) => m.text).join('|'),
      [ascii, emoji, mixed].join('|'), 'stored intact');
    // Refused messages were never delivered.
    assert.equal(peer.buffered('message:received').length, 0);
    c.terminate(); peer.terminate();
  });

  it('accepts a frame of exactly 64 KiB (text over the limit → too_large, connection kept)', async () => {
    const a = await newUser(srv, 'fe');
    const c = await open(a);
    const room = uniqueRoom('exact');
    await c.ok('room:join', { room });
    const { reply, closed } = await c.rawRequest(sendFrameOfSize(room, 65536, 'exact-64k'), 'exact-64k');
    assert.ok(!closed, `a 65536-byte frame must not close the connection (closed ${JSON.stringify(closed)})`);
    assert.equal(reply.ok, false);
    assert.equal(reply.error.code, 'too_large');
    assert.ok(await c.ok('rooms:list'));
    c.terminate();
  });

  it('closes with 1009 on a frame over --max-frame-bytes (default 65536)', async () => {
    const a = await newUser(srv, 'fb');
    const c = await open(a);
    const room = uniqueRoom('bigframe');
    await c.ok('room:join', { room });
    c.sendRaw(sendFrameOfSize(room, 65537), { binary: false });
    const { code } = await c.closed();
    assert.equal(code, 1009);
  });

  it('closes with 1007 on invalid UTF-8 in a text frame', async () => {
    const a = await newUser(srv, 'utf');
    const c = await open(a);
    const bad = Buffer.concat([
      Buffer.from('{"event":"rooms:list","id":1,"data":{"x":"'),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
      Buffer.from('"}}'),
    ]);
    c.sendRaw(bad, { binary: false });
    const { code } = await c.closed();
    assert.equal(code, 1007);
  });

  it('closes with 1007 on an overlong / surrogate UTF-8 encoding', async () => {
    const a = await newUser(srv, 'utf2');
    const c = await open(a);
    // CESU-style encoded surrogate U+D800 (ED A0 80) is not valid UTF-8.
    c.sendRaw(Buffer.concat([Buffer.from('{"event":"x","data":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), { binary: false });
    assert.equal((await c.closed()).code, 1007);
  });
});

describe('configured limits', { timeout: 60_000 }, () => {
  let srv;
  const clients = [];
  const open = async (u) => { const c = await connect(srv, u.token); clients.push(c); return c; };
  before(async () => { srv = await startServer({ args: ['--max-frame-bytes', '2048', '--max-text-chars', '10'] }); });
  after(async () => { closeAll(clients); await srv?.cleanup(); });

  it('--max-text-chars 10: 10 code points ok, 11 too_large', async () => {
    const a = await newUser(srv, 'mt');
    const c = await open(a);
    const room = uniqueRoom('mt');
    await c.ok('room:join', { room });
    await c.ok('message:send', { room, text: '🙂'.repeat(10) });
    await c.fails('message:send', { room, text: 'x'.repeat(11) }, 'too_large');
    await c.fails('message:send', { room, text: 'y'.repeat(1500) }, 'too_large');
    assert.ok(c.isOpen);
    c.terminate();
  });

  it('--max-frame-bytes 2048: 2048 bytes kept, 2049 closes with 1009', async () => {
    const a = await newUser(srv, 'mf');
    const c = await open(a);
    const room = uniqueRoom('mf');
    await c.ok('room:join', { room });
    const { reply, closed } = await c.rawRequest(sendFrameOfSize(room, 2048, 99), 99);
    assert.ok(!closed, `2048 bytes is within the limit (closed ${JSON.stringify(closed)})`);
    assert.equal(reply.error?.code, 'too_large');
    c.sendRaw(sendFrameOfSize(room, 2049), { binary: false });
    assert.equal((await c.closed()).code, 1009);
  });
});

describe('rate limit --rate-limit 5 --rate-burst 5', { timeout: 60_000 }, () => {
  let srv;
  const clients = [];
  const open = async (u) => { const c = await connect(srv, u.token); clients.push(c); return c; };
  before(async () => { srv = await startServer({ args: ['--rate-limit', '5', '--rate-burst', '5'] }); });
  after(async () => { closeAll(clients); await srv?.cleanup(); });

  const outcome = (replies) => ({
    ok: replies.filter((r) => r.ok === true).length,
    limited: replies.filter((r) => r.ok === false && r.error?.code === 'rate_limited').length,
    other: replies.filter((r) => !(r.ok === true || r.error?.code === 'rate_limited')),
  });

  it('of 10 quick sends exactly 5 are ok and 5 rate_limited; the connection stays', async () => {
    const [a, watcher] = [await newUser(srv, 'rl'), await newUser(srv, 'rlw')];
    const c = await open(a);
    const w = await open(watcher);
    const room = uniqueRoom('rl');
    await c.ok('room:join', { room });
    await w.ok('room:join', { room });
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => c.request('message:send', { room, text: `r${i}` })));
    const o = outcome(replies);
    assert.deepEqual(o.other, []);
    assert.equal(o.ok, 5, JSON.stringify(replies));
    assert.equal(o.limited, 5);
    assert.ok(c.isOpen);
    // Only the accepted ones are delivered.
    const got = await w.collect('message:received', 5);
    assert.deepEqual(got.map((m) => m.text).sort(), replies.map((r, i) => (r.ok ? `r${i}` : null)).filter(Boolean).sort());
    // typing is not rate limited.
    for (let i = 0; i < 30; i++) assert.deepEqual(await c.ok('typing:start', { room }), {});
    c.terminate(); w.terminate();
  });

  it('refused messages use none of the budget: a steady overload still gets ~5/s through', async () => {
    const a = await newUser(srv, 'rb');
    const c = await open(a);
    const room = uniqueRoom('rb');
    await c.ok('room:join', { room });
    // Empty the bucket.
    const burst = outcome(await Promise.all(Array.from({ length: 8 }, (_, i) => c.request('message:send', { room, text: `b${i}` }))));
    assert.ok(burst.ok >= 5 && burst.ok <= 6, `burst: ${burst.ok} accepted`);
    // Offer 20 messages/s for ~2.4 s: 4x the rate. If refusals cost budget, almost nothing gets through.
    const start = Date.now();
    const pending = [];
    for (let i = 0; i < 48; i++) {
      pending.push(c.request('message:send', { room, text: `s${i}` }, { timeout: 10_000 }));
      await pace(50);
    }
    const elapsed = (Date.now() - start) / 1000;
    const o = outcome(await Promise.all(pending));
    assert.deepEqual(o.other, []);
    const expected = 5 * elapsed;
    assert.ok(o.ok >= Math.floor(expected * 0.7) && o.ok <= Math.ceil(expected) + 1,
      `${o.ok} accepted in ${elapsed.toFixed(2)} s at 5/s (expected ~${expected.toFixed(1)}); ${o.limited} refused`);
    c.terminate();
  });

  it('the limit is per user, across the user\'s connections', async () => {
    const a = await newUser(srv, 'rpu');
    const c1 = await open(a);
    const c2 = await open(a);
    const room = uniqueRoom('rpu');
    await c1.ok('room:join', { room });
    await c2.ok('room:join', { room });
    const first = outcome(await Promise.all(Array.from({ length: 5 }, (_, i) => c1.request('message:send', { room, text: `p${i}` }))));
    assert.equal(first.ok, 5);
    await c2.fails('message:send', { room, text: 'one more' }, 'rate_limited');
    // Another user is not affected.
    const b = await newUser(srv, 'rpo');
    const cb = await open(b);
    await cb.ok('room:join', { room });
    await cb.ok('message:send', { room, text: 'fresh budget' });
    c1.terminate(); c2.terminate(); cb.terminate();
  });

  it('message:private is rate limited too', async () => {
    const [a, b] = [await newUser(srv, 'rpa'), await newUser(srv, 'rpb')];
    const c = await open(a);
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => c.request('message:private', { to: b.id, text: `d${i}` })));
    const o = outcome(replies);
    assert.deepEqual(o.other, []);
    assert.equal(o.ok, 5);
    assert.equal(o.limited, 5);
    c.terminate();
  });
});

describe('rate limit off (--rate-limit 0)', { timeout: 60_000 }, () => {
  it('allows 200 quick sends', async (t) => {
    const srv = await startServer({ args: ['--rate-limit', '0'] });
    t.after(() => srv.cleanup());
    const [a, w] = [await newUser(srv, 'nol'), await newUser(srv, 'nolw')];
    const c = await connect(srv, a.token);
    const cw = await connect(srv, w.token);
    t.after(() => closeAll([c, cw]));
    const room = uniqueRoom('nolimit');
    await c.ok('room:join', { room });
    await cw.ok('room:join', { room });
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => c.request('message:send', { room, text: `n${i}` }, { timeout: 20_000 })));
    const bad = replies.filter((r) => r.ok !== true);
    assert.deepEqual(bad, [], `${bad.length} of 200 refused`);
    const got = await cw.collect('message:received', 200, () => true, 10_000);
    assert.deepEqual(got.map((m) => m.text), replies.map((_, i) => `n${i}`));
  });
});
