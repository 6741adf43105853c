// The admin address's status page (GET / on --admin) in a real browser: Debian's Chromium, headless, driven by
// playwright-core (which downloads no browser of its own; .ci/run installs the chromium package). The page is
// checked against the launcher's own JSON status with real ws backends and clients behind it, and its drain and
// resume buttons against the admin token. A screenshot of ten backends on a laptop screen is written to
// examples/target/status-page.png for review.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { DIRECT, TEST_DIR, TEST_TIMEOUT_MS, scope, waitUntil } from './lib/harness.js';

const T = { timeout: TEST_TIMEOUT_MS, skip: DIRECT ? 'needs the launcher' : false };
const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 's3cret-T0ken-0123456789abcdef';
const SCREENSHOT = path.resolve(TEST_DIR, '../../../target/status-page.png');
// A laptop screen: ten backends must fit without scrolling.
const VIEWPORT = { width: 1366, height: 768 };
const BROWSER_BARS = 100;

let browser = null;

/** The launcher's JSON status, read by the test itself (with the token when one is given). */
async function status(l, token) {
  const response = await fetch(`${l.admin}/status`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  assert.equal(response.status, 200, `GET /status: ${response.status}`);
  return response.json();
}

/** A token file for --admin-token-file, removed with the scope. */
function tokenFile(s) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wslb-status-page-'));
  s.defer(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'token');
  fs.writeFileSync(file, `${TOKEN}\n`);
  return file;
}

/**
 * Opens the status page in a fresh browser context (closed with the scope) and records what went wrong in it:
 * console errors, uncaught exceptions, requests that failed, and answers of 400 or more.
 */
async function openPage(s, url) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  s.defer(() => context.close());
  const page = await context.newPage();
  const trouble = { console: [], exceptions: [], failed: [], refused: [] };
  page.on('console', (m) => { if (m.type() === 'error') trouble.console.push(m.text()); });
  page.on('pageerror', (e) => trouble.exceptions.push(String(e)));
  page.on('requestfailed', (r) => trouble.failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) trouble.refused.push(`${r.request().method()} ${r.url()}: ${r.status()}`); });
  const response = await page.goto(url);
  assert.equal(response.status(), 200, `GET ${url}`);
  return { page, trouble };
}

/** What the page shows for each backend, in the page's order. */
function shown(page) {
  return page.$$eval('#rows tr', (rows) => rows.map((tr) => ({
    id: tr.dataset.id,
    state: tr.querySelector('[data-field=state]').textContent,
    open: tr.querySelector('[data-field=open]').textContent,
    weight: tr.querySelector('[data-field=weight]').textContent,
    effectiveWeight: tr.querySelector('[data-field=effectiveWeight]').textContent,
  })));
}

/** The same figures, as the JSON status gives them. */
function expected(json) {
  return json.backends.map((b) => ({
    id: b.id,
    state: b.state,
    open: String(b.activeConnections),
    weight: String(b.weight),
    effectiveWeight: `(${b.effectiveWeight})`,
  }));
}

/** Waits until the page shows what GET /status says (the page polls every second); fails naming the difference. */
async function waitUntilPageMatchesStatus(page, l, token) {
  let last = null;
  try {
    await waitUntil(async () => {
      const json = await status(l, token);
      last = { page: await shown(page), status: expected(json), open: await page.textContent('#open'), json };
      return JSON.stringify(last.page) === JSON.stringify(last.status)
        && last.open.startsWith(String(json.openConnections));
    }, 10_000, 'the page shows the figures of GET /status');
  } catch (err) {
    assert.deepEqual(last?.page, last?.status, `${err.message}; open connections shown: ${last?.open}`);
    throw err;
  }
  return last.json;
}

/** Logs in on the page as an operator does: types the token and presses Use. */
async function useToken(page, token) {
  await page.fill('#token', token);
  await page.click('#useToken');
}

describe('wslb launcher: the status page in headless Chromium', () => {
  before(async () => {
    if (DIRECT) return;
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // No sandbox: CI runs as root. The rest keeps Chromium from reaching out: the machine has no outside network.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    if (browser) await browser.close();
  });

  test('1. the page loads with no console error or failed request, and shows what GET /status says', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const backends = [await s.backend({ name: 'b1' }), await s.backend({ name: 'b2' }), await s.backend({ name: 'b3' })];
      const dead = await s.deadPort();
      const l = await s.launcher([`${backends[0].url};id=b1;weight=3`, `${backends[1].url};id=b2`,
        `${backends[2].url};id=b3`, `ws://127.0.0.1:${dead};id=dead`], { args: ['--admin', '127.0.0.1:0'] });
      assert.ok(l.admin, 'the launcher printed its admin URL');
      assert.match(l.output.text, /status page on http:\/\/127\.0\.0\.1:\d+\//, 'the start-up line names the page');
      const down = await fetch(`${l.admin}/backends/b3/health`, { method: 'POST', body: '{"healthy":false}' });
      assert.equal(down.status, 200);
      const { page, trouble } = await openPage(s, `${l.admin}/`);
      await page.waitForSelector('#live.ok', { timeout: 10_000 });

      // Real traffic once the page has its first figures, so that its per-second rates see it: round robin
      // tries "dead" too, which fails (and is retried elsewhere), until it is ejected.
      const clients = [];
      for (let i = 0; i < 8; i++) clients.push(await s.connect(l.url));
      const json = await waitUntilPageMatchesStatus(page, l);

      assert.ok(json.openConnections >= 8, `the clients are open through the balancer: ${json.openConnections}`);
      assert.ok(json.backends.filter((b) => b.activeConnections > 0).length >= 2, 'non-zero figures on several backends');
      assert.equal(json.backends.find((b) => b.id === 'b1').weight, 3);
      const deadRow = json.backends.find((b) => b.id === 'dead');
      assert.ok(deadRow.failedAttempts > 0, `"dead" failed attempts: ${deadRow.failedAttempts}`);
      // The failures show as errors per second, in red, for a poll or two after they happened.
      await page.waitForFunction(() => {
        const cell = document.querySelector('tr[data-id="dead"] td:nth-child(6)');
        return cell && cell.classList.contains('errors') && Number(cell.textContent) > 0;
      }, null, { timeout: 5_000, polling: 'raf' }).catch((err) => {
        throw new Error(`the errors/s of "dead" never showed in red: ${err.message}`);
      });
      assert.equal(await page.textContent('#panic'), json.panic ? 'YES' : 'no');
      assert.equal(json.backends.find((b) => b.id === 'b3').state, 'unhealthy');
      const healthy = json.backends.filter((b) => b.health === 'HEALTHY').length;
      assert.equal(await page.textContent('#healthy'), `${healthy} / ${json.backends.length}`);
      assert.equal(await page.textContent('#pending'), String(json.pendingHandshakes));
      assert.equal(await page.isVisible('#tileRedis'), false, 'no Redis tile without --redis');

      assert.deepEqual(trouble, { console: [], exceptions: [], failed: [], refused: [] }, 'nothing went wrong in the page');
    });
  });

  test('2. with the admin token typed, Drain drains the backend and Resume resumes it', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b1 = await s.backend({ name: 'b1' });
      const b2 = await s.backend({ name: 'b2' });
      const l = await s.launcher([`${b1.url};id=b1`, `${b2.url};id=b2`],
        { args: ['--admin', '127.0.0.1:0', '--admin-token-file', tokenFile(s)] });
      for (let i = 0; i < 4; i++) await s.connect(l.url);
      const { page, trouble } = await openPage(s, `${l.admin}/`);
      await page.waitForSelector('#live.bad', { timeout: 10_000 });
      assert.match(await page.textContent('#live'), /admin token is needed \(401\)/, 'the page says the token is needed');
      assert.equal(await page.locator('#rows tr').count(), 0, 'no figures without the token');

      await useToken(page, TOKEN);
      await page.waitForSelector('#live.ok', { timeout: 10_000 });
      await waitUntilPageMatchesStatus(page, l, TOKEN);
      assert.equal(await page.evaluate(() => location.href.includes('s3cret')), false, 'the token is not in the URL');

      await page.click('tr[data-id="b2"] button[data-action="drain"]');
      await waitUntil(async () => (await status(l, TOKEN)).backends.find((b) => b.id === 'b2').draining, 10_000,
        'GET /status shows b2 draining');
      await page.waitForSelector('#message.ok', { timeout: 5_000 });
      assert.match(await page.textContent('#message'), /b2 is draining, its connections closing over 30s/);
      const drained = await waitUntilPageMatchesStatus(page, l, TOKEN);
      assert.equal(drained.backends.find((b) => b.id === 'b2').state, 'draining');
      assert.equal(drained.backends.find((b) => b.id === 'b1').draining, false, 'only b2 was drained');

      await page.click('tr[data-id="b2"] button[data-action="resume"]');
      await waitUntil(async () => !(await status(l, TOKEN)).backends.find((b) => b.id === 'b2').draining, 10_000,
        'GET /status shows b2 resumed');
      await waitUntilPageMatchesStatus(page, l, TOKEN);
      await waitUntil(() => /admin API, 127\.0\.0\.1: backend b2: draining over PT30S/.test(l.output.text), 5_000,
        'the launcher logs the drain, naming the caller');
      assert.deepEqual(trouble.exceptions, []);
    });
  });

  test('3. without the token, or with a wrong one, Drain is refused: the page says so and nothing drains', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b1 = await s.backend({ name: 'b1' });
      const b2 = await s.backend({ name: 'b2' });
      const l = await s.launcher([`${b1.url};id=b1`, `${b2.url};id=b2`],
        { args: ['--admin', '127.0.0.1:0', '--admin-token-file', tokenFile(s)] });
      const { page, trouble } = await openPage(s, `${l.admin}/`);
      await useToken(page, TOKEN);
      await waitUntilPageMatchesStatus(page, l, TOKEN); // the rows, and their buttons, are there

      for (const [how, typed, word] of [['no token', null, 'missing'], ['a wrong token', `${TOKEN}x`, 'wrong']]) {
        if (typed === null) await page.click('#forgetToken');
        else await useToken(page, typed);
        await page.waitForSelector('#live.bad', { timeout: 10_000 });
        const drain = page.locator('tr[data-id="b2"] button[data-action="drain"]');

        await drain.click();

        await page.waitForSelector('#message.bad', { timeout: 5_000 });
        assert.match(await page.textContent('#message'), new RegExp(`Drain of b2 refused \\(401\\): the admin token is ${word}`),
          how);
        assert.match(await page.textContent('#live'), /last update \d+ s ago/, `${how}: the figures are marked as old`);
        assert.equal((await status(l, TOKEN)).backends.find((b) => b.id === 'b2').draining, false, `${how}: b2 is not draining`);
        assert.equal(await drain.isEnabled(), true, 'the button is usable again');
        await page.evaluate(() => { document.getElementById('message').hidden = true; });
      }
      assert.doesNotMatch(l.output.text, /backend b2: draining/, 'no drain was logged');
      assert.deepEqual(trouble.exceptions, []);
      assert.ok(trouble.refused.some((r) => r.startsWith('POST ') && r.endsWith('/backends/b2/drain: 401')),
        `the refusals came from the server: ${trouble.refused.join(', ')}`);
    });
  });

  test('4. ten backends fit on a 1366x768 screen without scrolling (screenshot in target/status-page.png)', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const backends = [];
      for (let i = 1; i <= 10; i++) backends.push(await s.backend({ name: `chat-${i}` }));
      const l = await s.launcher(backends.map((b, i) => `${b.url};id=chat-${String(i + 1).padStart(2, '0')};weight=${1 + (i % 3)}`),
        { args: ['--admin', '127.0.0.1:0', '--max-connections', '1000'] });
      const { page, trouble } = await openPage(s, `${l.admin}/`);
      await page.waitForSelector('#live.ok', { timeout: 10_000 });
      for (let i = 0; i < 24; i++) await s.connect(l.url);
      const admin = (p, body) => fetch(`${l.admin}${p}`, { method: 'POST', body: JSON.stringify(body) });
      assert.equal((await admin('/backends/chat-04/health', { healthy: false })).status, 200);
      assert.equal((await admin('/backends/chat-07/drain', { window: '30s' })).status, 202);
      await waitUntilPageMatchesStatus(page, l);
      await page.waitForFunction(() => [...document.querySelectorAll('#rows td:nth-child(5)')].some((c) => c.textContent !== '–'),
        null, { timeout: 5_000 });

      const fits = await page.evaluate(() => ({
        height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth,
        innerHeight, innerWidth, bottom: Math.ceil(document.querySelector('main').getBoundingClientRect().bottom),
      }));
      assert.ok(fits.height <= fits.innerHeight && fits.width <= fits.innerWidth, `no scrolling: ${JSON.stringify(fits)}`);
      // On a real laptop the browser's own bars take about a hundred pixels of the 768.
      assert.ok(fits.bottom <= VIEWPORT.height - BROWSER_BARS, `room for the browser's bars: ${JSON.stringify(fits)}`);
      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
      assert.ok(fs.statSync(SCREENSHOT).size > 10_000, `a screenshot in ${SCREENSHOT}`);
      assert.deepEqual(trouble, { console: [], exceptions: [], failed: [], refused: [] }, 'nothing went wrong in the page');
    });
  });

  test('5. the demo links to its status page, which shows its three echo backends', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const demo = await s.demo();
      assert.match(demo.output.text, /status page on http:\/\/127\.0\.0\.1:\d+\//, 'the start-up line names the page');
      const { page, trouble } = await openPage(s, demo.page);
      const href = await page.getAttribute('#statusPage', 'href');
      assert.match(href, /^http:\/\/127\.0\.0\.1:\d+\/$/);

      const [statusPage] = await Promise.all([page.context().waitForEvent('page'), page.click('#statusPage')]);
      await statusPage.waitForSelector('#live.ok', { timeout: 10_000 });

      assert.deepEqual(await statusPage.$$eval('#rows tr', (rows) => rows.map((tr) => tr.dataset.id)), ['echo-1', 'echo-2', 'echo-3']);
      await waitUntil(async () => parseInt(await statusPage.textContent('#open'), 10) >= 1, 10_000,
        'the demo page\'s own connection shows on the status page');
      assert.deepEqual(trouble, { console: [], exceptions: [], failed: [], refused: [] }, 'nothing went wrong in the demo page');
    });
  });

  test('6. with --redis, the summary shows the Redis link: DEGRADED in red, with the reason, when Redis is out of reach', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const dead = await s.deadPort();
      const a = await s.backend({ name: 'a' });
      const l = await s.launcher([`${a.url};id=a`], { args: ['--redis', `redis://127.0.0.1:${dead}`, '--admin', '127.0.0.1:0'] });
      const { page } = await openPage(s, `${l.admin}/`);

      await page.waitForSelector('#tileRedis.bad', { timeout: 10_000 });

      const redis = (await status(l)).redis;
      assert.equal(redis.state, 'DEGRADED');
      assert.equal(await page.textContent('#redis'), 'DEGRADED');
      assert.equal(await page.getAttribute('#tileRedis', 'title'), redis.lastError, 'the reason is a hover away');
    });
  });
});
