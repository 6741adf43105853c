// Launcher-level tests of broadcast: a backend written with the `ws` package tags each connection with its room in
// its 101 (Wslb-Channels), and a message published through the admin API reaches exactly that room's clients, as a
// whole message, while the clients (the `ws` package, permessage-deflate negotiated) go on inflating the backend's
// compressed messages. Peers not written in Java, over real sockets.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { DIRECT, TEST_TIMEOUT_MS, scope, withTimeout } from './lib/harness.js';

const T = { timeout: TEST_TIMEOUT_MS, skip: DIRECT ? 'needs the launcher' : false };

/** A chat backend: tags each connection with the room of its `?room=` query, echoes, compresses what it sends. */
async function roomsBackend(s) {
  const seen = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
  wss.on('headers', (headers, req) => {
    const room = new URL(req.url, 'http://x').searchParams.get('room');
    if (room) headers.push(`Wslb-Channels: room:${room}`);
  });
  wss.on('connection', (ws, req) => {
    seen.push({ headers: { ...req.headers } });
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  await withTimeout(once(wss, 'listening'), 5_000, 'the rooms backend to listen');
  s.defer(async () => {
    for (const ws of wss.clients) ws.terminate();
    await new Promise((resolve) => wss.close(() => resolve()));
  });
  return { url: `ws://127.0.0.1:${wss.address().port}`, seen };
}

/** A client that keeps every message it gets, in order, and the 101's headers. */
async function client(url, headers = {}) {
  const ws = new WebSocket(url, { perMessageDeflate: true, headers });
  const messages = [];
  let upgrade = null;
  ws.on('upgrade', (res) => { upgrade = res.headers; });
  ws.on('message', (data, isBinary) => messages.push({ text: isBinary ? null : data.toString('utf8'), isBinary, data }));
  ws.on('error', () => {});
  await withTimeout(once(ws, 'open'), 10_000, `the connection to ${url}`);
  const next = async (n) => {
    const deadline = Date.now() + 5_000;
    while (messages.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(messages.length >= n, `${n} messages within 5 s, got ${messages.length}: ${JSON.stringify(messages.map((m) => m.text))}`);
  };
  return { ws, messages, next, get upgrade() { return upgrade; } };
}

async function publish(l, path, body) {
  const response = await fetch(`${l.admin}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}

describe('wslb launcher: broadcast', () => {
  test('1. a publish through the admin API reaches exactly its room, between the backend\'s compressed messages', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const backend = await roomsBackend(s);
      const l = await s.launcher([`${backend.url};id=chat`], { args: ['--admin', '127.0.0.1:0'] });
      const a = await client(`${l.url}/chat?room=7`, { 'Wslb-Channels': 'room:8', 'Wslb-Connection-Id': 'forged' });
      const b = await client(`${l.url}/chat?room=8`);
      assert.equal(a.ws.extensions.includes('permessage-deflate'), true, 'permessage-deflate negotiated');
      assert.equal(a.upgrade['wslb-channels'], undefined, 'the tag never reaches the client');
      assert.ok(backend.seen.every((c) => c.headers['wslb-connection-id'] && c.headers['wslb-connection-id'] !== 'forged'),
        'every connection has an id of the balancer\'s, never the client\'s');
      assert.ok(backend.seen.every((c) => c.headers['wslb-channels'] === undefined), 'a client cannot tag itself');

      const big = 'compress me '.repeat(2_000);
      a.ws.send(big);
      await a.next(1);
      const r = await publish(l, '/channels/room:7/messages', { text: 'hello room 7' });
      assert.equal(r.status, 202);
      assert.equal(r.json.localConnections, 1);
      a.ws.send(`${big}again`);
      await a.next(3);
      assert.deepEqual(a.messages.map((m) => m.text), [big, 'hello room 7', `${big}again`],
        'the injected message is whole, and the compressed echoes around it inflate');

      b.ws.send('room 8 here');
      await b.next(1);
      assert.deepEqual(b.messages.map((m) => m.text), ['room 8 here'], 'room 8 got nothing of room 7');
      a.ws.close();
      b.ws.close();
    });
  });
});
