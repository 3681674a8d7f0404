// Browser tests of "conversations that survive" (docs/protocol.md §8) in the web client, against the real server:
// rooms and direct messages from the server (rooms:mine, dm:list, dm:history), unread badges and read markers
// across devices (read:mark, read:marked), and the outbox (messages typed offline, sent once with their
// clientMsgId, across a reload and a lost reply).
//   node --test web/e2e/conversations.test.mjs
// Env: PARLEY_BIN (default build/src/parley, relative to the repo root),
//      CHROMIUM (default /usr/bin/chromium), PARLEY_WEB_NO_BUILD=1 to serve web/dist as it is.
// Screenshots go to web/e2e/artifacts/ (git-ignored).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { T, eventually, launchChromium, shot, startParley } from './lib/harness.mjs';

let server;
let browser;
let base;
const pages = {}; // label -> { context, page }

/**
 * Signs `user` in, in a new browser context (a separate device). The context's WebSocket can be held down from
 * the page (sessionStorage `e2e.blockWs`, which survives a reload): connections then go to a path the server
 * refuses, as if the network were down, while the page itself still loads.
 */
async function openAs(label, user, { viewport = { width: 1280, height: 800 }, setup } = {}) {
  const context = await browser.newContext({ viewport });
  await context.addInitScript(() => {
    const Real = window.WebSocket;
    window.WebSocket = class extends Real {
      constructor(url, protocols) {
        super(sessionStorage.getItem('e2e.blockWs') ? String(url).replace(/\/ws$/, '/blocked-by-test') : url, protocols);
      }
    };
  });
  if (setup) await setup(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${label} page error]`, e.message));
  await page.goto(base + '/');
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill('1234');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForSelector('.conn[data-state="open"]', { timeout: T });
  pages[label] = { context, page };
  return page;
}

async function joinRoom(page, room) {
  await page.getByLabel('Join or create a room').fill(room);
  await page.getByLabel('Join or create a room').press('Enter');
  await page.waitForSelector(`#conv-title:has-text("${room}")`, { timeout: T });
  await page.waitForSelector('.conv-sub:has-text("online")', { timeout: T });
}

async function send(page, text) {
  const box = page.locator('#composer-input');
  await box.fill(text);
  await box.press('Enter');
}

const logItem = (page, text) => page.locator('[role="log"] .msg-text', { hasText: text });
const ownMsg = (page, text, status) => page.locator(`[role="log"] .msg.mine[data-status="${status}"] .msg-text`, { hasText: text });

/** The sidebar as [name, unread] pairs: rooms and direct conversations. */
const sidebar = (page) => page.evaluate(() => ({
  rooms: [...document.querySelectorAll('[data-room]')].map((e) => [e.dataset.room, Number(e.dataset.unread)]),
  dms: [...document.querySelectorAll('[data-dm]')].map((e) => [e.dataset.dm, Number(e.dataset.unread)]),
}));

async function sidebarIs(page, expected, what) {
  let seen;
  try {
    await eventually(async () => { seen = await sidebar(page); return JSON.stringify(seen) === JSON.stringify(expected); }, what);
  } catch (e) {
    throw new Error(`${e.message}\n  expected ${JSON.stringify(expected)}\n  saw      ${JSON.stringify(seen)}`);
  }
}

/** Asks the server, on a connection of its own with the page's token, for a request's reply data. */
function ask(page, event, data) {
  return page.evaluate(async ([event, data]) => {
    const { token } = JSON.parse(localStorage.getItem('parley.session'));
    const ws = new WebSocket((location.protocol === 'https:' ? 'wss' : 'ws') + '://' + location.host + '/ws', token);
    await new Promise((res, rej) => { ws.onopen = res; ws.onerror = () => rej(new Error('ws failed')); });
    const reply = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no reply to ${event}`)), 10000);
      ws.onmessage = (e) => { const m = JSON.parse(e.data); if (m.id === 1) { clearTimeout(timer); res(m); } };
      ws.send(JSON.stringify({ event, data, id: 1 }));
    });
    ws.close();
    if (!reply.ok) throw new Error(`${event}: ${reply.error.code}`);
    return reply.data;
  }, [event, data]);
}

const countText = (messages, text) => messages.filter((m) => m.text === text).length;

before(async () => {
  server = await startParley('parley-web-conv-');
  base = server.base;
  browser = await launchChromium();
});

after(async () => {
  try { if (browser) await browser.close(); } finally { server?.stop(); }
});

test('a DM to a user who is offline arrives when they sign in, with an unread badge', async () => {
  const erin = await openAs('erin', 'erin');
  const alice = await openAs('alice', 'alice');
  // Both in one room, so alice hears (user:left) when erin goes offline.
  await joinRoom(erin, 'lobby');
  await joinRoom(alice, 'lobby');
  await alice.locator('[data-user="erin"]').waitFor({ timeout: T });
  await alice.locator('[data-user="erin"]').click();
  await alice.waitForSelector('#conv-title:has-text("erin")', { timeout: T });
  await pages.erin.context.close();
  delete pages.erin;
  await alice.locator('[data-user="erin"]').waitFor({ state: 'detached', timeout: T });

  await send(alice, 'erin, read this when you are back');
  await ownMsg(alice, 'erin, read this when you are back', 'sent').waitFor({ timeout: T });

  const erin2 = await openAs('erin', 'erin');
  await sidebarIs(erin2, { rooms: [['lobby', 0]], dms: [['alice', 1]] }, "erin's sidebar with the DM unread");
  await erin2.locator('[data-dm="alice"] .unread', { hasText: '1' }).waitFor({ timeout: T });
  await erin2.locator('[data-dm="alice"]').click();
  await logItem(erin2, 'erin, read this when you are back').waitFor({ timeout: T });
  assert.equal(await logItem(erin2, 'erin, read this when you are back').count(), 1);
  await sidebarIs(erin2, { rooms: [['lobby', 0]], dms: [['alice', 0]] }, 'the badge to clear once read');
  // The read mark is the server's: erin's readSeq for the conversation is now its last seq.
  await eventually(async () => {
    const [c] = await ask(erin2, 'dm:list', {});
    return c.readSeq === c.lastSeq && c.unread === 0;
  }, 'the server to store the read mark');
});

test('a second device of the same user shows the same rooms, DMs and unread counts', async () => {
  const alice = pages.alice.page;
  const bob1 = await openAs('bob1', 'bob');
  await joinRoom(bob1, 'books');
  await joinRoom(bob1, 'films'); // films stays open on this device, books does not
  await joinRoom(alice, 'books');
  await send(alice, 'book talk 1');
  await send(alice, 'book talk 2');
  await ownMsg(alice, 'book talk 2', 'sent').waitFor({ timeout: T });
  await alice.locator('[data-user="bob"]').click();
  await alice.waitForSelector('#conv-title:has-text("bob")', { timeout: T });
  await send(alice, 'hi bob 1');
  await send(alice, 'hi bob 2');
  await ownMsg(alice, 'hi bob 2', 'sent').waitFor({ timeout: T });

  const expected = { rooms: [['books', 2], ['films', 0]], dms: [['alice', 2]] };
  await sidebarIs(bob1, expected, "bob's first device to count the unread");
  const bob2 = await openAs('bob2', 'bob');
  await sidebarIs(bob2, expected, "bob's second device to show the same");
  await bob2.locator('[data-room="books"] .unread', { hasText: '2' }).waitFor({ timeout: T });
  const file = await shot(bob2, 'conversations-sidebar-badges');
  assert.ok(fs.existsSync(file));
});

test('reading on one device clears the badge on the other', async () => {
  const bob1 = pages.bob1.page;
  const bob2 = pages.bob2.page;
  await bob2.locator('[data-dm="alice"]').click();
  await logItem(bob2, 'hi bob 2').waitFor({ timeout: T });
  await sidebarIs(bob1, { rooms: [['books', 2], ['films', 0]], dms: [['alice', 0]] }, 'the DM badge to clear on device 1');
  await bob1.locator('[data-room="books"]').click();
  await logItem(bob1, 'book talk 2').waitFor({ timeout: T });
  await sidebarIs(bob2, { rooms: [['books', 0], ['films', 0]], dms: [['alice', 0]] }, 'the room badge to clear on device 2');
  await sidebarIs(bob1, { rooms: [['books', 0], ['films', 0]], dms: [['alice', 0]] }, 'device 1 to be all read');
});

test('messages typed offline are shown pending and delivered once after the reconnect', async () => {
  const { page: alice, context: aliceCtx } = pages.alice;
  const bob1 = pages.bob1.page; // in #books
  const bob2 = pages.bob2.page; // in the DM with alice
  await aliceCtx.setOffline(true);
  await alice.evaluate(() => window.parleyDebug.dropConnection());
  await alice.waitForSelector('.conn[data-state="reconnecting"]', { timeout: T });
  // alice is in the DM with bob.
  await send(alice, 'written offline to bob');
  await ownMsg(alice, 'written offline to bob', 'pending').waitFor({ timeout: T });
  await alice.getByText('Pending — will be sent when you are back online').first().waitFor({ timeout: T });
  await shot(alice, 'conversations-pending-offline');
  await alice.locator('[data-room="books"]').click();
  await send(alice, 'written offline to books');
  await ownMsg(alice, 'written offline to books', 'pending').waitFor({ timeout: T });
  assert.notEqual(await alice.locator('.conn').getAttribute('data-state'), 'open');
  assert.equal(await logItem(bob2, 'written offline to bob').count(), 0);

  await aliceCtx.setOffline(false);
  await alice.waitForSelector('.conn[data-state="open"]', { timeout: 30000 });
  await ownMsg(alice, 'written offline to books', 'sent').waitFor({ timeout: T });
  await logItem(bob1, 'written offline to books').waitFor({ timeout: T });
  await logItem(bob2, 'written offline to bob').waitFor({ timeout: T });
  await alice.locator('[data-dm="bob"]').click();
  await ownMsg(alice, 'written offline to bob', 'sent').waitFor({ timeout: T });
  // Once everywhere: on screen, and in the server's history.
  await send(alice, 'after the reconnect');
  await logItem(bob2, 'after the reconnect').waitFor({ timeout: T });
  assert.equal(await logItem(bob2, 'written offline to bob').count(), 1);
  assert.equal(await logItem(bob1, 'written offline to books').count(), 1);
  assert.equal(await logItem(alice, 'written offline to bob').count(), 1);
  const dm = await ask(bob2, 'dm:history', { withUsername: 'alice', limit: 100 });
  assert.equal(countText(dm.messages, 'written offline to bob'), 1);
  const room = await ask(bob1, 'history', { room: 'books', limit: 100 });
  assert.equal(countText(room.messages, 'written offline to books'), 1);
  const seqs = await bob2.locator('[role="log"] .msg[data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
  assert.equal(new Set(seqs).size, seqs.length, 'no duplicate seq');
});

test('a send whose reply is lost is resent with the same clientMsgId and stored once', async () => {
  const alice = pages.alice.page;
  const sent = []; // clientMsgIds of the message:private frames the page sent
  const dmTyping = []; // typing:start/stop frames for a DM ({with}) the page sent, and the server's answers
  let loseNextReply = true;
  const carol = await openAs('carol', 'carol', {
    setup: (context) => context.routeWebSocket(/\/ws$/, (ws) => {
      const srv = ws.connectToServer();
      const privateIds = new Set();
      ws.onMessage((m) => {
        try {
          const f = JSON.parse(m);
          if (f.event === 'message:private') { sent.push(f.data.clientMsgId); privateIds.add(f.id); }
          if (f.event?.startsWith('typing:') && f.data?.with != null) dmTyping.push({ id: f.id, event: f.event });
        } catch { /* not JSON */ }
        srv.send(m);
      });
      srv.onMessage((m) => {
        let f = null;
        try { f = JSON.parse(m); } catch { /* not JSON */ }
        const t = f && dmTyping.find((x) => x.id === f.id);
        if (t) t.answer = f.ok ? 'ok' : f.error.code;
        if (loseNextReply && f && privateIds.has(f.id)) {
          // The server stored the message; the reply is lost with the connection.
          loseNextReply = false;
          ws.close({ code: 1001, reason: 'lost' });
          srv.close();
          return;
        }
        ws.send(m);
      });
    }),
  });
  await carol.locator('[data-user="alice"]').waitFor({ timeout: T });
  await carol.locator('[data-user="alice"]').click();
  await carol.waitForSelector('#conv-title:has-text("alice")', { timeout: T });
  await send(carol, 'reply to this one is lost');
  await ownMsg(carol, 'reply to this one is lost', 'sent').waitFor({ timeout: 30000 });
  assert.equal(loseNextReply, false, 'the first reply was dropped');
  assert.equal(sent.length, 2, 'sent twice');
  assert.equal(sent[0], sent[1], 'with the same clientMsgId');
  await alice.locator('[data-dm="carol"]').click();
  await logItem(alice, 'reply to this one is lost').waitFor({ timeout: T });
  // Typing in a DM: typing:start {with} reaches alice, who has the conversation open, as an indicator.
  await carol.locator('#composer-input').pressSequentially('hmm, let me think', { delay: 20 });
  await eventually(() => dmTyping[0]?.answer, 'the answer to typing:start {with}');
  assert.equal(dmTyping[0].answer, 'ok');
  await alice.locator('[data-testid="typing"]', { hasText: 'carol is typing' }).waitFor({ timeout: T });
  await carol.locator('#composer-input').fill('');
  await eventually(async () => !(await alice.locator('[data-testid="typing"]').textContent()).includes('carol'),
    'the DM typing indicator to clear');
  const dm = await ask(alice, 'dm:history', { withUsername: 'carol', limit: 100 });
  assert.equal(countText(dm.messages, 'reply to this one is lost'), 1);
  assert.equal(await logItem(alice, 'reply to this one is lost').count(), 1);
  assert.equal(await logItem(carol, 'reply to this one is lost').count(), 1);
});

test('a reload keeps rooms, conversations, unread state and the outbox', async () => {
  const alice = pages.alice.page;
  const bob1 = pages.bob1.page;
  // Something unread for bob, then reload his first device: everything comes back from the server.
  await joinRoom(alice, 'films');
  await send(alice, 'film night?');
  await ownMsg(alice, 'film night?', 'sent').waitFor({ timeout: T });
  const expected = { rooms: [['books', 0], ['films', 1]], dms: [['alice', 0]] };
  await sidebarIs(bob1, expected, "bob's sidebar before the reload");
  await bob1.reload();
  await bob1.waitForSelector('.conn[data-state="open"]', { timeout: T });
  await sidebarIs(bob1, expected, "bob's sidebar after the reload");
  await logItem(bob1, 'book talk 2').waitFor({ timeout: T }); // the open room came back with its history

  // erin types while her connection is down, reloads while it is still down, then comes back: sent once.
  const erin = pages.erin.page;
  await erin.evaluate(() => { sessionStorage.setItem('e2e.blockWs', '1'); window.parleyDebug.dropConnection(); });
  await erin.waitForSelector('.conn[data-state="reconnecting"]', { timeout: T });
  await send(erin, 'typed offline, then a reload');
  await ownMsg(erin, 'typed offline, then a reload', 'pending').waitFor({ timeout: T });
  await erin.reload();
  await ownMsg(erin, 'typed offline, then a reload', 'pending').waitFor({ timeout: T });
  assert.notEqual(await erin.locator('.conn').getAttribute('data-state'), 'open');
  await shot(erin, 'conversations-pending-after-reload');
  assert.equal(countText((await ask(alice, 'dm:history', { withUsername: 'erin', limit: 100 })).messages,
    'typed offline, then a reload'), 0, 'not sent while offline');
  await erin.evaluate(() => { sessionStorage.removeItem('e2e.blockWs'); window.dispatchEvent(new Event('online')); });
  await erin.waitForSelector('.conn[data-state="open"]', { timeout: 30000 });
  await ownMsg(erin, 'typed offline, then a reload', 'sent').waitFor({ timeout: T });
  await sidebarIs(erin, { rooms: [['lobby', 0]], dms: [['alice', 0]] }, "erin's sidebar after the reload");
  await alice.locator('[data-dm="erin"]').click();
  await logItem(alice, 'typed offline, then a reload').waitFor({ timeout: T });
  assert.equal(await logItem(alice, 'typed offline, then a reload').count(), 1);
  assert.equal(countText((await ask(alice, 'dm:history', { withUsername: 'erin', limit: 100 })).messages,
    'typed offline, then a reload'), 1);
  // Nothing is left in erin's outbox.
  assert.deepEqual(await erin.evaluate(() => {
    const { user } = JSON.parse(localStorage.getItem('parley.session'));
    return JSON.parse(localStorage.getItem(`parley.outbox.${user.id}`) || '[]');
  }), []);
});
