// Launcher-level tests of backend operations: the admin API (--admin), drains, connection caps (503 +
// Retry-After) and active health checks (--health-check). Backends and clients are the `ws` package and
// Node's own fetch: peers not written in Java. These tests always start their own launcher.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { DIRECT, TEST_TIMEOUT_MS, refusal, scope, waitUntil, withTimeout } from './lib/harness.js';

const T = { timeout: TEST_TIMEOUT_MS, skip: DIRECT ? 'needs the launcher' : false };

async function admin(l, method, path, body) {
  const response = await fetch(`${l.admin}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

describe('wslb launcher: operations', () => {
  test('1. admin API: status, drain with 1012, add a backend at runtime', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const one = await s.backend({ name: 'one' });
      const two = await s.backend({ name: 'two' });
      const l = await s.launcher([`${one.url};id=one`, `${two.url};id=two`], { args: ['--admin', '127.0.0.1:0'] });
      assert.ok(l.admin, 'the launcher printed its admin URL');

      const c1 = await s.connect(l.url);
      const c2 = await s.connect(l.url);
      const names = [await c1.whoami(), await c2.whoami()].sort();
      assert.deepEqual(names, ['one', 'two'], 'round robin put one client on each backend');
      const onTwo = (await c1.whoami()) === 'two' ? c1 : c2;
      const onOne = onTwo === c1 ? c2 : c1;

      let r = await admin(l, 'GET', '/status');
      assert.equal(r.status, 200);
      assert.deepEqual(r.json.backends.map((b) => [b.id, b.health, b.activeConnections]), [['one', 'HEALTHY', 1], ['two', 'HEALTHY', 1]]);

      r = await admin(l, 'POST', '/backends/two/drain', { window: '0s' });
      assert.equal(r.status, 202);
      const closed = await withTimeout(onTwo.closed, 5_000, 'the close of the drained backend\'s client');
      assert.equal(closed.code, 1012, 'a drained backend\'s client is told 1012 (service restart)');
      assert.equal((await onOne.roundTrip('still there')).data.toString('utf8'), 'still there');
      for (let i = 0; i < 3; i++) {
        const c = await s.connect(l.url);
        assert.equal(await c.whoami(), 'one', 'no new connection goes to a draining backend');
      }

      const three = await s.backend({ name: 'three' });
      r = await admin(l, 'POST', '/backends', { id: 'three', uri: three.url });
      assert.equal(r.status, 201);
      r = await admin(l, 'POST', '/backends/one/drain', { window: '0s' });
      assert.equal(r.status, 202);
      const c = await s.connect(l.url);
      assert.equal(await c.whoami(), 'three', 'the backend added at runtime takes connections');

      r = await admin(l, 'POST', '/backends/nobody/drain', { window: '0s' });
      assert.equal(r.status, 404);
      r = await admin(l, 'POST', '/backends', { uri: 'http://127.0.0.1:1' });
      assert.equal(r.status, 400);
      assert.match(r.json.error, /ws:\/\/ or wss:\/\//);
    });
  });

  test('2. a backend at its cap: the next client gets 503 with Retry-After', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend({ name: 'small' });
      const l = await s.launcher([`${b.url};max-connections=1`]);
      const first = await s.connect(l.url);

      const refused = await refusal(l.url);
      assert.equal(refused.status, 503);
      assert.ok(Number(refused.headers['retry-after']) > 0, 'a Retry-After header with seconds');
      assert.equal((await first.roundTrip('ok')).data.toString('utf8'), 'ok');

      await first.close();
      await waitUntil(() => b.open === 0, 5_000, 'the backend to see the close');
      const again = await s.connect(l.url);
      assert.equal(await again.whoami(), 'small');
    });
  });

  test('3. --allowed-origin: a browser page from another origin gets 403, the listed one connects', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend({ name: 'site' });
      const l = await s.launcher([b.url], { args: ['--allowed-origin', 'https://chat.example.com'] });

      const refused = await refusal(l.url, { origin: 'https://evil.example' });
      assert.equal(refused.status, 403);
      assert.equal(b.connections, 0, 'no backend connection for a refused origin');

      const c = await s.connect(l.url, undefined, { origin: 'https://chat.example.com' });
      assert.equal(await c.whoami(), 'site');
      assert.equal(b.conns[0].headers.origin, 'https://chat.example.com', 'the Origin reaches the backend');
    });
  });

  test('4. --max-handshakes-per-ip-per-second: a burst over the rate gets 429 with Retry-After', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend({ name: 'limited' });
      const l = await s.launcher([b.url], { args: ['--max-handshakes-per-ip-per-second', '1'] });

      // Six upgrades at once from 127.0.0.1: one token, refilled at 1/s, cannot cover them.
      const outcomes = await Promise.all(Array.from({ length: 6 }, () => withTimeout(new Promise((resolve) => {
        const ws = new WebSocket(l.url);
        ws.on('open', () => { ws.terminate(); resolve({ status: 101 }); });
        ws.on('unexpected-response', (req, res) => { resolve({ status: res.statusCode, retry: res.headers['retry-after'] }); req.destroy(); });
        ws.on('error', () => {});
      }), 10_000, 'an upgrade outcome')));

      const refused = outcomes.filter((o) => o.status !== 101);
      assert.ok(outcomes.some((o) => o.status === 101), 'the first handshake is within the rate');
      assert.ok(refused.length >= 3, `most of the burst is refused: ${JSON.stringify(outcomes)}`);
      for (const r of refused) {
        assert.equal(r.status, 429);
        assert.equal(r.retry, '1');
      }
    });
  });

  test('5. a killed backend fails its WebSocket health check; clients go to the other one', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const good = await s.backend({ name: 'good' });
      const doomed = await s.childBackend('doomed');
      const l = await s.launcher([`${good.url};id=good`, `${doomed.url};id=doomed`], {
        args: ['--admin', '127.0.0.1:0', '--health-check', 'ws:/probe', '--health-interval', '300ms',
          '--health-timeout', '250ms', '--eject-after', '0'],
      });

      doomed.child.kill('SIGKILL');
      await waitUntil(async () => {
        const r = await admin(l, 'GET', '/backends/doomed');
        return r.json.health === 'UNHEALTHY';
      }, 10_000, 'the killed backend to be marked unhealthy');

      const before = good.connections;
      for (let i = 0; i < 4; i++) {
        const c = await s.connect(`${l.url}/chat`);
        assert.equal(await c.whoami(), 'good');
      }
      assert.equal(good.conns.filter((x) => x.url === '/chat').length, 4, 'every client reached the good backend');
      assert.ok(good.connections >= before + 4);
    });
  });
});
