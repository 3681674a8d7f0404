// Browser test: a room's member count after a reload. The page asks GET /api/rooms as it starts, before its
// connection has joined the room again; when that answer (counted without the reloading user) arrives after the
// room:join's, the count shown must stay the join's, not go back to the older one ("1 member online" while two
// are in).
//   node --test web/e2e/member-count.test.mjs        (env: see lib/harness.mjs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { T, launchChromium, startParley } from './lib/harness.mjs';

let server;
let browser;

before(async () => {
  server = await startParley('parley-web-count-');
  browser = await launchChromium();
});

after(async () => {
  try { if (browser) await browser.close(); } finally { server?.stop(); }
});

async function signIn(name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${name} page error]`, e.message));
  await page.goto(`${server.base}/`);
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill('1234');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForSelector('.conn[data-state="open"]', { timeout: T });
  return page;
}

async function joinRoom(page, room) {
  await page.getByLabel('Join or create a room').fill(room);
  await page.getByLabel('Join or create a room').press('Enter');
  await page.waitForSelector(`#conv-title:has-text("${room}")`, { timeout: T });
}

test('a count read before the join does not replace the join\'s after a reload', async () => {
  const room = `count${Date.now() % 1_000_000}`;
  const alice = await signIn('alice');
  const bob = await signIn('bob');
  await joinRoom(alice, room);
  await joinRoom(bob, room);
  const shown = (page, text) => page.locator('.conv-sub', { hasText: text }).waitFor({ timeout: T });
  await shown(alice, '2 members online');

  // Alice reloads: her page goes (bob sees her leave), a new one starts. The new page's GET /api/rooms gets an
  // answer the server gave now, before the new connection joins, and gets it only once the join's answer is in:
  // the order in which a slow HTTP answer and a quick WebSocket one can arrive.
  const context = alice.context();
  await alice.close();
  await shown(bob, '1 member online');
  const login = await fetch(`${server.base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: '1234' }) }).then((r) => r.json());
  const early = await fetch(`${server.base}/api/rooms`, { headers: { authorization: `Bearer ${login.token}` } });
  const earlyBody = await early.text();
  assert.equal(JSON.parse(earlyBody).find((r) => r.name === room)?.members, 1, 'counted without alice');
  const again = await context.newPage();
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await again.route('**/api/rooms*', async (route) => {
    await held;
    await route.fulfill({ status: 200, contentType: 'application/json', body: earlyBody });
  }, { times: 1 });
  await again.goto(`${server.base}/`);
  await again.waitForSelector(`#conv-title:has-text("${room}")`, { timeout: T });
  await shown(again, '2 members online');  // the join's answer

  const delivered = again.waitForEvent('requestfinished', { predicate: (r) => r.url().includes('/api/rooms'), timeout: T });
  release();
  await delivered;
  // The page has read the body and rendered (two frames later).
  await again.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal((await again.locator('.conv-sub').textContent()).match(/\d+ members? online/)?.[0], '2 members online');
  await bob.context().close();
  await context.close();
});
