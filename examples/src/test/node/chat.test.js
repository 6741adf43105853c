// The chat example, end to end: two balancer instances over one Redis, three stateless chat backends (the jar's
// chat-backend command) that tag each connection with its room and publish what users say through the admin API,
// and `ws` clients. A user on instance A sees what a user on instance B said in their room; the backends hold no
// list of clients and no Redis subscription.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { DIRECT, JAR, TEST_TIMEOUT_MS, scope, waitUntil, withTimeout } from './lib/harness.js';
import { redisServer } from './lib/redis.js';

const T = { timeout: TEST_TIMEOUT_MS, skip: DIRECT ? 'needs the launcher' : false };

async function user(url) {
  const ws = new WebSocket(url);
  const heard = [];
  ws.on('message', (data) => heard.push(JSON.parse(data.toString('utf8'))));
  ws.on('error', () => {});
  await withTimeout(once(ws, 'open'), 10_000, `the connection to ${url}`);
  return { ws, heard };
}

describe('wslb launcher: the chat example', () => {
  test('1. two instances, three backends: a user on A hears what a user on B said in their room, and only that', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const redis = await redisServer(s);
      const adminPort = await s.deadPort();
      const chat = await s.javaChild(['-jar', JAR, 'chat-backend', '--port', '0', '--port', '0', '--port', '0', '--publish-to',
        `http://127.0.0.1:${adminPort}`], /(chat backend listening on ws:\/\/127\.0\.0\.1:\d+\/\s+){3}/, 'the chat backends',
        'chat backend listening on ws://HOST:PORT/ (three times)');
      const backends = [...chat.output.text.matchAll(/chat backend listening on (ws:\/\/127\.0\.0\.1:\d+)\//g)].map((m) => m[1]);
      assert.equal(backends.length, 3);
      const a = await s.launcher(backends, { args: ['--redis', redis.url, '--admin', `127.0.0.1:${adminPort}`] });
      const b = await s.launcher(backends, { args: ['--redis', redis.url] });

      const ada = await user(`${a.url}/chat?room=7&user=ada`);
      const eve = await user(`${a.url}/chat?room=8&user=eve`);
      const bob = await user(`${b.url}/chat?room=7&user=bob`);
      const joined = async () => {
        const response = await fetch(`http://127.0.0.1:${adminPort}/channels/room:7`);
        return (await response.json()).subscribers === 1; // this instance's: ada
      };
      await waitUntil(joined, 5_000, 'ada in room 7 on instance A');

      bob.ws.send('hello from B');

      await waitUntil(() => ada.heard.length === 1 && bob.heard.length === 1, 10_000, 'room 7 on both instances to hear bob');
      assert.deepEqual(ada.heard, [{ room: '7', user: 'bob', text: 'hello from B' }], 'ada, on instance A, heard bob');
      assert.deepEqual(bob.heard, [{ room: '7', user: 'bob', text: 'hello from B' }], 'bob heard himself, once');
      eve.ws.send('room 8 only');
      await waitUntil(() => eve.heard.length === 1, 10_000, 'eve to hear herself');
      assert.equal(ada.heard.length, 1, 'room 7 heard nothing of room 8');
      for (const u of [ada, eve, bob]) u.ws.close();
    });
  });
});
