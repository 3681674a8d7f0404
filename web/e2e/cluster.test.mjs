// Browser test of the web client on a 3-node cluster (Redis, PostgreSQL, nginx via scripts/cluster):
// alice's browser talks to node n1 and bob's to node n2, so everything between them crosses Redis.
//   node --test web/e2e/cluster.test.mjs
// Env: PARLEY_BIN (default build/src/parley), CHROMIUM (default /usr/bin/chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startCluster } from '../../tests/cluster/lib/cluster.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const artifacts = path.join(here, 'artifacts');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const T = 20000;

let cluster;
let browser;
const pages = {};

const logItem = (page, text) => page.locator('[role="log"] .msg-text', { hasText: text });

async function openAs(name, baseUrl) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${name} page error]`, e.message));
  await page.goto(baseUrl + '/');
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill('1234');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForSelector('.conn[data-state="open"]', { timeout: T });
  pages[name] = page;
  return page;
}

async function joinRoom(page, room) {
  await page.getByLabel('Join or create a room').fill(room);
  await page.getByLabel('Join or create a room').press('Enter');
  await page.waitForSelector(`#conv-title:has-text("${room}")`, { timeout: T });
}

async function send(page, text) {
  await page.locator('#composer-input').fill(text);
  await page.locator('#composer-input').press('Enter');
}

before(async () => {
  assert.ok(fs.existsSync(chromiumPath), `Chromium not found at ${chromiumPath} (apt-get install -y chromium)`);
  cluster = await startCluster({ nodes: 3, demo: true });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  try { if (browser) await browser.close(); } finally { await cluster?.down(); }
});

test('alice on n1 and bob on n2 chat, see typing and presence, DM, and a reload keeps it', async () => {
  const alice = await openAs('alice', cluster.nodes[0].httpUrl);
  const bob = await openAs('bob', cluster.nodes[1].httpUrl);
  await joinRoom(alice, 'general');
  await joinRoom(bob, 'general');
  await alice.locator('.conv-sub', { hasText: '2 members' }).waitFor({ timeout: T });

  await send(alice, 'hello across nodes');
  await logItem(bob, 'hello across nodes').waitFor({ timeout: T });
  await send(bob, 'bob on n2 here');
  await logItem(alice, 'bob on n2 here').waitFor({ timeout: T });

  await alice.locator('#composer-input').pressSequentially('typing on n1', { delay: 30 });
  await bob.locator('[data-testid="typing"]', { hasText: 'alice is typing' }).waitFor({ timeout: T });
  await alice.locator('#composer-input').fill('');

  await alice.locator('[data-user="bob"]').click();
  await alice.waitForSelector('#conv-title:has-text("bob")', { timeout: T });
  await send(alice, 'a private word across nodes');
  await bob.locator('[data-dm="alice"]').click();
  await logItem(bob, 'a private word across nodes').waitFor({ timeout: T });
  fs.mkdirSync(artifacts, { recursive: true });
  await bob.screenshot({ path: path.join(artifacts, 'cluster-bob-dm.png') });

  await alice.reload();
  await alice.waitForSelector('.conn[data-state="open"]', { timeout: T });
  await alice.locator('[data-room="general"]').click();
  await logItem(alice, 'hello across nodes').waitFor({ timeout: T });
  await logItem(alice, 'bob on n2 here').waitFor({ timeout: T });
  assert.equal(await logItem(alice, 'hello across nodes').count(), 1, 'no duplicate after the reload');
  await alice.screenshot({ path: path.join(artifacts, 'cluster-alice-after-reload.png') });
});
