// Abusive clients for the chaos drill: malformed frames, oversized payloads, bad UTF-8, binary frames, deeply
// nested JSON, floods against the rate limits and garbage Engine.IO requests, each against one node directly
// (so every node gets its share). They record what they got back (reply codes, close codes, HTTP statuses);
// none of it may take a node down. Random choices come from the drill's seeded generator.
import { connect } from '../../e2e/lib/client.mjs';
import { uniqueRoom } from '../../e2e/lib/http.mjs';

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

const JUNK = [
  'not json', '{', '[]', '42', '"a string"', 'null', '{"event":5}', '{"event":"message:send"}',
  '{"event":"room:join","data":{"room":"bad room!"},"id":1}', '{"event":"x","id":{"a":1}}',
  '{"event":"message:send","data":{"room":"nope","text":"hi"},"id":"s"}', '{"event":"message:private","data":{"to":-1,"text":"x"},"id":3}',
  '{"event":"dm:history","data":{"with":"99999999999999999999999"},"id":4}', '{"event":"read:mark","data":{"room":"r","seq":-1},"id":5}',
  '{"event":"history","data":{"room":"r","before":"x","limit":1e308},"id":6}', '{"event":"room:join","data":{"room":"r","since":-5},"id":7}',
  `{"event":"message:send","data":{"room":"r","text":"x","clientMsgId":"${'k'.repeat(65)}"},"id":8}`,
  '{"event":"\u0000","id":9}', '{"event":"typing:start","data":{"with":"0"},"id":10}',
];

/**
 * Starts `count` abusers, abuser j against node j % nodes.length (users already registered), until stop().
 * Returns {stop: async () => stats}; stats counts what was sent and what came back.
 */
export function startAbusers({ nodes, users, rng, maxFrameBytes = 65536, log = () => {} }) {
  const stats = { actions: 0, frames: 0, replies: {}, closes: {}, http: {}, connect_failures: 0 };
  const bump = (o, k) => { o[k] = (o[k] ?? 0) + 1; };
  let running = true;

  const abuser = async (j) => {
    const srv = nodes[j % nodes.length];
    const user = users[j];
    const room = uniqueRoom(`abuse${j}`);
    let cl = null;
    const open = async () => {
      if (cl?.isOpen) return cl;
      if (cl?.closeInfo) bump(stats.closes, cl.closeInfo.code);
      cl = null;
      try {
        cl = await connect(srv, user.token);
        cl.ws.on('message', (raw) => {
          try {
            const m = JSON.parse(raw);
            if (m.ok === false) bump(stats.replies, m.error?.code);
            else if (m.event === 'error') bump(stats.replies, `push:${m.data?.code}`);
          } catch { /* a push we do not parse */ }
        });
        await cl.request('room:join', { room }, { timeout: 3000 }).catch(() => {});
        return cl;
      } catch {
        stats.connect_failures += 1;
        cl = null;
        return null;
      }
    };
    const send = (c, data, opts) => { stats.frames += 1; try { c.sendRaw(data, opts); } catch { /* closing */ } };
    const actions = [
      (c) => { for (const f of JUNK) send(c, f); },
      (c) => send(c, 'x'.repeat(maxFrameBytes + 1024)),                       // over the frame limit: 1009
      (c) => send(c, Buffer.from([1, 2, 3]), { binary: true }),               // binary: 1003
      (c) => send(c, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false }), // invalid UTF-8: 1007
      (c) => send(c, `${'['.repeat(20_000)}${']'.repeat(20_000)}`),            // deep nesting
      (c) => send(c, JSON.stringify({ event: 'message:send', id: 1, data: { room, text: 'é'.repeat(4001) } })),
      (c) => { for (let k = 0; k < 40; k++) send(c, JSON.stringify({ event: 'message:send', id: k, data: { room, text: `flood ${k}` } })); },
      (c) => { for (let k = 0; k < 60; k++) send(c, JSON.stringify({ event: 'typing:start', id: k, data: { room } })); },
      (c) => { for (let k = 0; k < 30; k++) send(c, JSON.stringify({ event: 'room:join', id: k, data: { room: `${room}-${k}` } })); },
      async () => engineGarbage(srv, stats, maxFrameBytes),
    ];
    while (running) {
      const a = Math.floor(rng() * actions.length);
      stats.actions += 1;
      if (a === actions.length - 1) await actions[a]();
      else {
        const c = await open();
        if (c) actions[a](c);
        else await pause(500);
      }
      await pause(80 + Math.floor(rng() * 150));
    }
    if (cl?.closeInfo) bump(stats.closes, cl.closeInfo.code);
    cl?.terminate();
  };

  const loops = users.map((_, j) => abuser(j).catch((e) => log(`abuser ${j} stopped: ${e.message}`)));
  return { stop: async () => { running = false; await Promise.all(loops); return stats; } };
}

/** Garbage Engine.IO traffic: a bogus sid, a handshake followed by malformed packets, an oversized body. */
async function engineGarbage(srv, stats, maxFrameBytes) {
  const bump = (k) => { stats.http[k] = (stats.http[k] ?? 0) + 1; };
  const req = async (method, query, body) => {
    stats.frames += 1;
    try {
      const res = await fetch(`${srv.httpUrl}/socket.io/?${query}`, {
        method, body, signal: AbortSignal.timeout(3000),
        headers: body === undefined ? {} : { 'content-type': 'text/plain;charset=UTF-8' },
      });
      const text = await res.text();
      bump(res.status);
      return { status: res.status, text };
    } catch {
      bump('error');
      return null;
    }
  };
  await req('GET', 'EIO=4&transport=polling&sid=bogus');
  await req('POST', 'EIO=3&transport=polling', '1:4');
  const hs = await req('GET', 'EIO=4&transport=polling');
  if (hs?.status !== 200 || hs.text[0] !== '0') return;
  let sid;
  try { sid = JSON.parse(hs.text.slice(1)).sid; } catch { return; }
  const q = `EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;
  await req('POST', q, '40{"token":"garbage"}\x1e42["message:send",\x1e4{"bad\x1e9\x1e');
  await req('POST', q, `4${'y'.repeat(1_000_100)}`);  // over --max-payload
  await req('POST', q, '451-["x",{"_placeholder":true,"num":0}]');
  await req('GET', q);
}
