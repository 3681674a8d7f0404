// A TCP proxy in front of PostgreSQL that loses one COMMIT on purpose, for tests of a transaction whose outcome
// its client never learns. Clients must connect with sslmode=disable and gssencmode=disable (the proxy reads the
// protocol's messages: an untyped startup message from the client, typed messages after it and from the server).
//   const p = await startPgProxy({ host, port });   p.port: where clients connect
//   const cut = p.loseCommit('before')  the next COMMIT query is not forwarded: the connection is dropped instead
//                                       (the server rolls the transaction back)
//   const cut = p.loseCommit('after')   the next COMMIT reaches the server, its answer (CommandComplete "COMMIT")
//                                       does not reach the client: the connection is dropped instead (committed)
//   await cut                           resolves once it happened
//   p.close()
import net from 'node:net';

/** Splits a byte stream into protocol messages: `startup` when the first one has no type byte. */
function messages(socket, startup, onMessage) {
  let pending = Buffer.alloc(0);
  let typed = !startup;
  socket.on('data', (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      const head = typed ? 5 : 4;
      if (pending.length < head) return;
      const total = (typed ? 1 : 0) + pending.readUInt32BE(typed ? 1 : 0);
      if (pending.length < total) return;
      const msg = pending.subarray(0, total);
      pending = pending.subarray(total);
      typed = true;
      if (!onMessage(msg)) return;
    }
  });
}

const is = (msg, type, text) => msg[0] === type.charCodeAt(0) && msg.subarray(5).toString('latin1') === `${text}\0`;

export function startPgProxy(target) {
  const sockets = new Set();
  let armed = null;  // {when: 'before' | 'after', done}
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', drop);
      s.on('close', drop);
    }
    const fire = () => {
      const { done } = armed;
      armed = null;
      drop();
      done();
      return false;
    };
    messages(client, true, (msg) => {
      if (armed?.when === 'before' && is(msg, 'Q', 'COMMIT')) return fire();
      upstream.write(msg);
      return true;
    });
    messages(upstream, false, (msg) => {
      if (armed?.when === 'after' && is(msg, 'C', 'COMMIT')) return fire();
      client.write(msg);
      return true;
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({
      port: server.address().port,
      loseCommit(when) {
        if (armed) throw new Error('a COMMIT is already to be lost');
        return new Promise((done) => { armed = { when, done }; });
      },
      close() {
        for (const s of sockets) s.destroy();
        return new Promise((r) => server.close(r));
      },
    }));
  });
}
