// Limits from outside: --max-connections-per-ip, --max-pending-handshakes(-per-ip), --max-frame-size,
// --max-message-size and --handshake-timeout, exercised by `ws` clients and raw Node sockets. Every loopback
// address 127.0.0.x is another client address.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { WebSocket } from 'ws';
import { DIRECT, TEST_TIMEOUT_MS, refusal, scope, waitUntil, withTimeout } from './lib/harness.js';

const T = { timeout: TEST_TIMEOUT_MS, skip: DIRECT ? 'needs the launcher' : false };

/** A TCP server on 127.0.0.1 that accepts connections and never answers (a hung backend). */
async function hungBackend(s) {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.resume(); // read (and drop) the upgrade request, so that the proxy's FIN is seen
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  s.defer(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(() => resolve()));
  });
  return { url: `ws://127.0.0.1:${server.address().port}`, sockets };
}

describe('wslb launcher: limits', () => {
  test('1. --max-connections-per-ip: the third connection from one address gets 429, others are served', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend({ name: 'b' });
      const l = await s.launcher([b.url], { args: ['--max-connections-per-ip', '2'] });
      const one = await s.connect(`${l.url}/1`);
      const two = await s.connect(`${l.url}/2`);

      const r = await refusal(`${l.url}/3`);
      assert.equal(r.status, 429);
      assert.equal(r.headers['retry-after'], '1');
      const other = await s.connect(`${l.url}/other`, undefined, { localAddress: '127.0.0.2' });
      assert.equal(await other.whoami(), 'b', 'another address is not limited');
      assert.equal((await one.roundTrip('still')).data.toString(), 'still');

      await two.close(1000);
      await waitUntil(async () => {
        try {
          const c = await s.connect(`${l.url}/4`);
          return (await c.whoami()) === 'b';
        } catch {
          return false; // the proxy may not have counted the close yet
        }
      }, 10_000, 'a slot from the closed connection to be free again');
    });
  });

  test('2. --max-pending-handshakes(-per-ip): handshakes waiting on a hung backend are capped (429, then 503)', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const hung = await hungBackend(s);
      const l = await s.launcher([hung.url], {
        args: ['--max-pending-handshakes-per-ip', '2', '--max-pending-handshakes', '3', '--max-attempts', '1',
          '--upgrade-timeout', '30s', '--eject-after', '0'],
      });
      const waiting = [];
      const pending = (localAddress) => {
        const ws = new WebSocket(`${l.url}/`, { localAddress });
        ws.on('error', () => {});
        waiting.push(ws);
        s.defer(() => ws.terminate());
      };
      pending('127.0.0.21');
      pending('127.0.0.21');
      await waitUntil(() => hung.sockets.size === 2, 10_000, 'two handshakes to reach the hung backend');

      assert.equal((await refusal(`${l.url}/`, { localAddress: '127.0.0.21' })).status, 429);
      pending('127.0.0.22');
      await waitUntil(() => hung.sockets.size === 3, 10_000, 'the third handshake to reach the hung backend');
      const r = await refusal(`${l.url}/`, { localAddress: '127.0.0.23' });
      assert.equal(r.status, 503);
      assert.ok(r.headers['retry-after'], 'a 503 carries Retry-After');

      for (const ws of waiting) ws.terminate();
      await waitUntil(() => hung.sockets.size === 0, 10_000, 'the proxy to drop the abandoned backend connections');
    });
  });

  test('3. --max-frame-size and --max-message-size: oversized input is closed with 1009, others go on', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend({ name: 'b' });
      const l = await s.launcher([b.url], { args: ['--max-frame-size', '1KiB', '--max-message-size', '4KiB'] });
      const bystander = await s.connect(`${l.url}/bystander`);

      const bigFrame = await s.connect(`${l.url}/frame`);
      assert.equal((await bigFrame.roundTrip('x'.repeat(1024))).data.length, 1024, 'a frame at the limit passes');
      bigFrame.ws.send('x'.repeat(1025));
      assert.equal((await withTimeout(bigFrame.closed, 10_000, 'the close')).code, 1009);

      const longMessage = await s.connect(`${l.url}/message`);
      for (let i = 0; i < 5; i++) longMessage.ws.send('y'.repeat(1000), { fin: i === 4 });
      assert.equal((await withTimeout(longMessage.closed, 10_000, 'the close')).code, 1009);

      assert.equal((await bystander.roundTrip('unaffected')).data.toString(), 'unaffected');
    });
  });

  test('4. --handshake-timeout: a client that never finishes its request head is cut; a prompt one is served', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend({ name: 'b' });
      const l = await s.launcher([b.url], { args: ['--handshake-timeout', '500ms'] });
      const port = Number(new URL(l.url).port);

      const slow = net.connect(port, '127.0.0.1');
      s.defer(() => slow.destroy());
      slow.on('error', () => {});
      await once(slow, 'connect');
      slow.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'); // never the empty line
      const received = [];
      slow.on('data', (d) => received.push(d));
      await withTimeout(once(slow, 'close'), 10_000, 'the proxy to cut the slow client');
      assert.equal(Buffer.concat(received).length, 0, 'nothing was answered to the unfinished head');

      const c = await s.connect(`${l.url}/prompt`);
      assert.equal(await c.whoami(), 'b');
    });
  });
});
