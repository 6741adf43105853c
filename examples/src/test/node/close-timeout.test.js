// --close-timeout from outside: a backend that accepts the upgrade, then never answers the client's close frame
// (nor closes its socket), must not hold the client until the idle timeout. The client is the `ws` package, whose
// own closing timer is 30 s; the backend is a raw Node socket that speaks just enough of RFC 6455 to accept.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { DIRECT, TEST_TIMEOUT_MS, scope, waitUntil, withTimeout } from './lib/harness.js';

const T = { timeout: TEST_TIMEOUT_MS, skip: DIRECT ? 'needs the launcher' : false };

/** Accepts every upgrade with a valid 101, then reads and drops everything: it never answers a close frame. */
async function deafBackend(s) {
  const sockets = [];
  const server = net.createServer((socket) => {
    const record = { socket, closed: false };
    sockets.push(record);
    socket.on('error', () => {});
    socket.on('close', () => {
      record.closed = true;
    });
    let head = '';
    const onData = (chunk) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)[1];
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      socket.resume(); // frames, the close frame among them, are read and dropped
    };
    socket.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  s.defer(async () => {
    for (const { socket } of sockets) socket.destroy();
    await new Promise((resolve) => server.close(() => resolve()));
  });
  return { url: `ws://127.0.0.1:${server.address().port}`, sockets };
}

describe('wslb launcher: close timeout', () => {
  test('1. --close-timeout: a close frame the backend never answers ends both sockets after the timeout', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const deaf = await deafBackend(s);
      const l = await s.launcher([deaf.url], { args: ['--close-timeout', '1s'] });
      const c = await s.connect(`${l.url}/`);
      await waitUntil(() => deaf.sockets.length === 1, 10_000, 'the backend connection');

      const start = performance.now();
      c.ws.close(1000, 'bye');
      await withTimeout(c.closed, 10_000, 'the end of the client connection (the ws client itself waits 30 s)');
      const elapsed = performance.now() - start;
      assert.ok(elapsed >= 800, `the proxy waited for the close timeout, not ${Math.round(elapsed)} ms`);
      await waitUntil(() => deaf.sockets[0].closed, 10_000, 'the proxy to close the backend socket');
    });
  });
});
