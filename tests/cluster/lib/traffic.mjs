// Steady room traffic for the failure tests: senders that record every acknowledged seq, receivers that
// record every seq pushed to them, and the check that nothing acknowledged was lost or duplicated.
import assert from 'node:assert/strict';

/** Sends to `room` from `client` every `everyMs` until stop(); acked seqs go to `acked`. Errors are counted, not thrown. */
export function startSender(client, room, acked, { everyMs = 25, tag = 's' } = {}) {
  let running = true;
  let k = 0;
  let failures = 0;
  const done = (async () => {
    while (running) {
      k += 1;
      try {
        const r = await client.request('message:send', { room, text: `${tag} ${k}` }, { timeout: 3000 });
        if (r.ok) acked.add(r.data.seq);
        else failures += 1;
      } catch {
        failures += 1;
        if (!client.isOpen) return;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return { stop: async () => { running = false; await done; return failures; } };
}

/** Records the seqs of `room` pushed to a client (attach again after each reconnect). */
export function record(client, room, seqs) {
  client.ws.on('message', (raw) => {
    const m = JSON.parse(raw);
    if (m.event === 'message:received' && m.data.room === room) seqs.push(m.data.seq);
  });
}

/** Asserts `seqs` holds every acked seq, each exactly once, in increasing order. */
export function assertComplete(seqs, acked, who) {
  const seen = new Set();
  for (let i = 0; i < seqs.length; i++) {
    assert.ok(!seen.has(seqs[i]), `${who}: seq ${seqs[i]} delivered twice`);
    seen.add(seqs[i]);
    if (i > 0) assert.ok(seqs[i] > seqs[i - 1], `${who}: out of order at ${i}: ${seqs[i - 1]} then ${seqs[i]}`);
  }
  const missing = [...acked].filter((s) => !seen.has(s));
  assert.deepEqual(missing, [], `${who}: ${missing.length} acknowledged messages never arrived`);
}
