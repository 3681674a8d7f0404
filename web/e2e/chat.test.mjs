// Browser tests of the web client against the real server.
//   node --test web/e2e/
// Env: PARLEY_BIN (default build/src/parley, relative to the repo root),
//      CHROMIUM (default /usr/bin/chromium), PARLEY_WEB_NO_BUILD=1 to serve web/dist as it is.
// Screenshots go to web/e2e/artifacts/ (git-ignored).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { T, eventually, launchChromium, shot, startParley } from './lib/harness.mjs';

let server;
let browser;
let base;
const ctx = {}; // name -> { context, page }

async function openAs(name, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${name} page error]`, e.message));
  await page.goto(base + '/');
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill('1234');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForSelector('.conn[data-state="open"]', { timeout: T });
  ctx[name] = { context, page };
  return page;
}

async function joinRoom(page, room) {
  await page.getByLabel('Join or create a room').fill(room);
  await page.getByLabel('Join or create a room').press('Enter');
  await page.waitForSelector(`#conv-title:has-text("${room}")`, { timeout: T });
  await page.waitForSelector(`.conv-sub:has-text("online")`, { timeout: T });
}

async function send(page, text) {
  const box = page.locator('#composer-input');
  await box.fill(text);
  await box.press('Enter');
}

const logItem = (page, text) => page.locator('[role="log"] .msg-text', { hasText: text });

before(async () => {
  server = await startParley('parley-web-e2e-');
  base = server.base;
  browser = await launchChromium();
});

after(async () => {
  try { if (browser) await browser.close(); } finally { server?.stop(); }
});

test('the client is served at / and shows the sign-in form', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(base + '/');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: T });
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong username or password' }).waitFor({ timeout: T });
  await shot(page, 'login-desktop');
  await context.close();
});

test('register a new account and land in the app', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(base + '/');
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Username').fill('zed_e2e');
  await page.getByLabel('Password').fill('secret-one');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForSelector('.conn[data-state="open"]', { timeout: T });
  await page.getByRole('heading', { name: 'Welcome to Parley' }).waitFor({ timeout: T });
  await context.close();
});

test('alice and bob join general and exchange messages', async () => {
  const alice = await openAs('alice');
  const bob = await openAs('bob');
  await joinRoom(alice, 'general');
  await joinRoom(bob, 'general');
  await eventually(async () => (await alice.locator('.conv-sub').textContent()).includes('2 members'),
    'alice to see 2 members in general');

  await send(alice, 'Hello from alice');
  await logItem(bob, 'Hello from alice').waitFor({ timeout: T });
  await logItem(alice, 'Hello from alice').waitFor({ timeout: T });
  await send(bob, 'Hi alice, bob here');
  await logItem(alice, 'Hi alice, bob here').waitFor({ timeout: T });
  // One copy each: the sender's optimistic copy is replaced, not doubled.
  assert.equal(await logItem(alice, 'Hello from alice').count(), 1);
  assert.equal(await logItem(bob, 'Hi alice, bob here').count(), 1);
});

test('bob sees alice typing', async () => {
  const { page: alice } = ctx.alice;
  const { page: bob } = ctx.bob;
  await alice.locator('#composer-input').pressSequentially('I am typ', { delay: 30 });
  await bob.locator('[data-testid="typing"]', { hasText: 'alice is typing' }).waitFor({ timeout: T });
  await shot(bob, 'desktop-bob-typing');
  await alice.locator('#composer-input').fill('');
  await alice.locator('#composer-input').blur();
  await eventually(async () => !(await bob.locator('[data-testid="typing"]').textContent()).includes('alice'),
    'the typing indicator to clear');
});

test('alice sees bob online and sends him a direct message', async () => {
  const { page: alice } = ctx.alice;
  const { page: bob } = ctx.bob;
  await alice.locator('[data-user="bob"]').waitFor({ timeout: T });
  await alice.locator('[data-user="bob"]').click();
  await alice.waitForSelector('#conv-title:has-text("bob")', { timeout: T });
  await send(alice, 'psst bob, a private word');
  await alice.locator('[role="log"] .msg:not(.sending) .msg-text', { hasText: 'psst bob' }).waitFor({ timeout: T });
  await bob.locator('[data-dm="alice"]').waitFor({ timeout: T });
  await bob.locator('[data-dm="alice"] .unread').waitFor({ timeout: T });
  await shot(bob, 'desktop-bob-dm-unread');
  await bob.locator('[data-dm="alice"]').click();
  await logItem(bob, 'psst bob, a private word').waitFor({ timeout: T });
  await send(bob, 'got it');
  await logItem(alice, 'got it').waitFor({ timeout: T });
  await shot(alice, 'desktop-alice-dm');
});

test('a reload keeps alice signed in with her conversations', async () => {
  const { page: alice } = ctx.alice;
  await alice.reload();
  await alice.waitForSelector('.conn[data-state="open"]', { timeout: T });
  // The open DM comes back.
  await logItem(alice, 'psst bob, a private word').waitFor({ timeout: T });
  // And the room's history is reloaded from the server.
  await alice.locator('[data-room="general"]').click();
  await logItem(alice, 'Hello from alice').waitFor({ timeout: T });
  await logItem(alice, 'Hi alice, bob here').waitFor({ timeout: T });
  assert.equal(await logItem(alice, 'Hello from alice').count(), 1);
  await shot(alice, 'desktop-alice-general-after-reload');
});

test('a dropped connection resumes with no gaps and no duplicates', async () => {
  const { page: alice } = ctx.alice;
  const { page: bob, context: bobCtx } = ctx.bob;
  await bob.locator('[data-room="general"]').click();
  await bobCtx.setOffline(true);
  await bob.evaluate(() => window.parleyDebug.dropConnection());
  await bob.waitForSelector('.conn[data-state="reconnecting"]', { timeout: T });
  await shot(bob, 'desktop-bob-reconnecting');
  for (let i = 1; i <= 5; i++) await send(alice, `while bob was away ${i}`);
  await alice.locator('[role="log"] .msg:not(.sending) .msg-text', { hasText: 'while bob was away 5' }).waitFor({ timeout: T });
  // Bob was really away for all five: they must come back through `since`, not live.
  assert.notEqual(await bob.locator('.conn').getAttribute('data-state'), 'open');
  assert.equal(await logItem(bob, 'while bob was away').count(), 0);
  await bobCtx.setOffline(false);
  await bob.waitForSelector('.conn[data-state="open"]', { timeout: 30000 });
  await logItem(bob, 'while bob was away 5').waitFor({ timeout: T });
  await send(alice, 'after the reconnect');
  await logItem(bob, 'after the reconnect').waitFor({ timeout: T });
  const texts = await bob.locator('[role="log"] .msg-text').allTextContents();
  const away = texts.filter((t) => t.startsWith('while bob was away'));
  assert.deepEqual(away, [1, 2, 3, 4, 5].map((i) => `while bob was away ${i}`));
  const seqs = await bob.locator('[role="log"] .msg[data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
  assert.equal(new Set(seqs).size, seqs.length, 'no duplicate seq');
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in seq order');
});

test('scrolling up loads older history', async () => {
  const { page: alice } = ctx.alice;
  // Fill a room with 70 messages through the native protocol, from the page.
  const n = await alice.evaluate(async () => {
    const { token } = JSON.parse(localStorage.getItem('parley.session'));
    const ws = new WebSocket((location.protocol === 'https:' ? 'wss' : 'ws') + '://' + location.host + '/ws', token);
    await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
    const replies = new Map();
    ws.onmessage = (e) => { const m = JSON.parse(e.data); if (m.id != null) replies.get(m.id)?.(m); };
    const req = (event, data, id) => new Promise((res) => { replies.set(id, res); ws.send(JSON.stringify({ event, data, id })); });
    await req('room:join', { room: 'longroom' }, 1);
    let ok = 0;
    for (let i = 1; i <= 70; i++) if ((await req('message:send', { room: 'longroom', text: `old message ${i}` }, 100 + i)).ok) ok++;
    ws.close();
    return ok;
  });
  assert.equal(n, 70);
  await joinRoom(alice, 'longroom');
  await logItem(alice, 'old message 70').waitFor({ timeout: T });
  const list = alice.locator('.messages');
  await eventually(async () => {
    await list.evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); });
    return (await logItem(alice, /^old message 1$/).count()) === 1;
  }, 'the first message after scrolling up');
  await alice.getByText('This is the beginning of the conversation.').waitFor({ timeout: T });
  assert.equal(await alice.locator('[role="log"] .msg').count(), 70);
});

test('an over-long message is refused plainly', async () => {
  const { page: alice } = ctx.alice;
  await alice.locator('#composer-input').fill('x'.repeat(4001));
  await alice.getByText('Too long: 4001 / 4000 characters').waitFor({ timeout: T });
  assert.equal(await alice.getByRole('button', { name: 'Send message' }).isDisabled(), true);
  await alice.locator('#composer-input').fill('');
});

test('phone width: rooms collapse into a menu', async () => {
  const page = await openAs('carol', { width: 390, height: 844 });
  await page.getByRole('button', { name: 'Rooms and people' }).waitFor({ timeout: T });
  assert.equal(await page.locator('#sidebar').isVisible(), false, 'sidebar hidden at phone width');
  await page.getByRole('button', { name: 'Rooms and people' }).click();
  await page.locator('#sidebar').waitFor({ state: 'visible', timeout: T });
  await eventually(async () => (await page.locator('#sidebar').boundingBox())?.x >= 0, 'the menu to slide in');
  await shot(page, 'phone-carol-menu');
  await joinRoom(page, 'general');
  assert.equal(await page.locator('#sidebar').isVisible(), false, 'menu closes after choosing a room');
  await logItem(page, 'after the reconnect').waitFor({ timeout: T });
  await send(page, 'hello from a phone');
  await logItem(page, 'hello from a phone').waitFor({ timeout: T });
  await shot(page, 'phone-carol-general');
});

test('an invalid session goes back to the login with a message', async () => {
  const { page } = ctx.carol;
  await page.evaluate(() => {
    const s = JSON.parse(localStorage.getItem('parley.session'));
    s.token = 'not-a-valid-token';
    localStorage.setItem('parley.session', JSON.stringify(s));
  });
  await page.reload();
  await page.getByText('Your session has expired').waitFor({ timeout: 30000 });
  await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: T });
  await shot(page, 'phone-session-expired');
});
