// One connection of either protocol (native /ws or the stock socket.io-client) behind the same small interface,
// for the tests and the drill that kill things under their clients:
//   request(event, data, timeout) -> the reply {ok, data | error}; rejects once the connection is lost
//   ok(event, data)               -> reply.data, asserting ok
//   on(event, fn)                 -> fn(data) for every push `event`, from the first frame on (nothing missed)
//   onDm(fn)                      -> on('message:private:received', fn)
//   lost                          -> resolves when the connection is gone (the node died, or close())
//   close()
// openAs(proto, srv, user): proto 'native' or a Socket.IO transport ('websocket', 'polling'); an array of
// transports (['polling', 'websocket']: the upgrade) also works.
import assert from 'node:assert/strict';
import { connect } from '../../e2e/lib/client.mjs';
import { sioConnect } from '../../e2e/lib/sio.mjs';

export const DM = 'message:private:received';

export async function openNative(srv, user) {
  const cl = await connect(srv, user.token);
  const lost = new Promise((resolve) => (cl.closeInfo ? resolve(cl.closeInfo) : cl.closeWaiters.push(resolve)));
  const on = (event, fn) => {
    // What arrived before this call (the client buffers every frame), then what comes after: nothing missed.
    for (const m of cl.all) if (m.event === event) fn(m.data);
    cl.ws.on('message', (raw) => {
      const m = JSON.parse(raw);
      if (m.event === event) fn(m.data);
    });
  };
  return {
    kind: 'native',
    request: (event, data, timeout = 5000) => cl.request(event, data, { timeout }),
    ok: (event, data) => cl.ok(event, data),
    on,
    onDm: (fn) => on(DM, fn),
    lost,
    close: () => cl.terminate(),
    raw: cl,
  };
}

export async function openSio(srv, user, transports) {
  const s = await sioConnect(srv, user.token, { transports });
  const lost = new Promise((resolve) => s.socket.once('disconnect', resolve));
  const gone = lost.then((reason) => { throw new Error(`socket.io disconnected: ${reason}`); });
  gone.catch(() => {});
  const request = (event, data, timeout = 5000) =>
    Promise.race([s.socket.timeout(timeout).emitWithAck(event, data), gone]);
  const on = (event, fn) => {
    for (const m of s.pushes) if (m.event === event) fn(m.data);
    s.socket.on(event, fn);
  };
  return {
    kind: `socket.io/${transports.join('+')}`,
    request,
    ok: async (event, data) => {
      const reply = await request(event, data);
      assert.equal(reply?.ok, true, `"${event}" failed: ${JSON.stringify(reply)}`);
      return reply.data;
    },
    on,
    onDm: (fn) => on(DM, fn),
    lost,
    close: () => s.close(),
    raw: s,
  };
}

export const openAs = (proto, srv, user) =>
  (proto === 'native' ? openNative(srv, user) : openSio(srv, user, Array.isArray(proto) ? proto : [proto]));

/** Every stored message of the conversation with `withId` after seq `since`, read page by page (ascending). */
export async function fullHistory(conn, withId, since = 0) {
  const out = [];
  for (;;) {
    const from = out.length ? out[out.length - 1].seq : since;
    const page = await conn.ok('dm:history', { with: withId, since: from, limit: 100 });
    out.push(...page.messages);
    if (page.messages.length < 100) return out;
  }
}

/** Every stored message of `room`, read page by page backwards with `history` `before` (returned ascending). */
export async function fullRoomHistory(conn, room) {
  const pages = [];
  let before;
  for (;;) {
    const page = await conn.ok('history', before === undefined ? { room, limit: 100 } : { room, before, limit: 100 });
    pages.unshift(page.messages);
    if (page.messages.length < 100 || page.messages[0].seq <= 1) return pages.flat();
    before = page.messages[0].seq;
  }
}
