// The admin address (--admin) from outside, with raw Node sockets: it has the proxy port's request-head deadline
// (--handshake-timeout), and a request it refuses is answered readably even when the client's body follows its
// head a moment later (as from clients that write the two separately), not with a TCP reset.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DIRECT, TEST_TIMEOUT_MS, delay, scope, waitUntil, withTimeout } from './lib/harness.js';

const T = { timeout: TEST_TIMEOUT_MS, skip: DIRECT ? 'needs the launcher' : false };

/** A raw connection to the admin address that records what it receives, its errors, its end and its close. */
async function rawAdmin(s, l) {
  const { hostname, port } = new URL(l.admin);
  // Half-open allowed: a server's early FIN does not end the client's side, which still has its body to send.
  const socket = net.connect({ port: Number(port), host: hostname, allowHalfOpen: true });
  s.defer(() => socket.destroy());
  const seen = { data: [], errors: [], text: () => Buffer.concat(seen.data).toString('latin1') };
  socket.on('data', (d) => seen.data.push(d));
  socket.on('error', (e) => seen.errors.push(e.code || e.message));
  const closed = new Promise((resolve) => socket.on('close', resolve)); // errors are in seen.errors
  const ended = new Promise((resolve) => { socket.on('end', resolve); socket.on('close', resolve); });
  await once(socket, 'connect');
  return { socket, seen, closed, ended };
}

describe('wslb launcher: admin address', () => {
  test('1. --admin: a client that never finishes its request head is cut at --handshake-timeout, as on the proxy port', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend({ name: 'b' });
      const l = await s.launcher([b.url], { args: ['--admin', '127.0.0.1:0', '--handshake-timeout', '500ms'] });
      assert.ok(l.admin, 'the launcher printed its admin URL');

      const slow = await rawAdmin(s, l);
      slow.socket.write('GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // never the empty line
      // Generous next to the 500 ms deadline, and well under Jetty's 30 s idle timeout, which is all there was.
      await withTimeout(slow.ended, 10_000, 'the admin address to cut the unfinished request head');
      assert.equal(slow.seen.text(), '', 'nothing was answered to the unfinished head');

      const prompt = await fetch(`${l.admin}/status`);
      assert.equal(prompt.status, 200);
      assert.ok((await prompt.json()).backends, 'a prompt client is served');
    });
  });

  test('2. --admin-token-file: an unauthenticated POST whose small body follows its head reads a whole 401, no reset', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wslb-admin-test-'));
      s.defer(() => fs.rmSync(dir, { recursive: true, force: true }));
      const tokenFile = path.join(dir, 'token');
      fs.writeFileSync(tokenFile, 's3cret-T0ken-0123456789abcdef\n');
      const b = await s.backend({ name: 'b' });
      const l = await s.launcher([`${b.url};id=b`], { args: ['--admin', '127.0.0.1:0', '--admin-token-file', tokenFile] });

      const body = '{"weight":2}';
      // A few connections: whether a server that answered early has closed its socket by the time the body
      // arrives, or is still reading it, varies from one connection to the next.
      for (let round = 1; round <= 3; round++) {
        const client = await rawAdmin(s, l);
        client.socket.setNoDelay(true);
        client.socket.write(`POST /backends/b/weight HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n`
          + `Content-Length: ${body.length}\r\n\r\n`);
        await delay(300); // the client's pause between its head and its body: the scenario, not a synchronisation
        // In two writes, as a client streaming its body sends it: a connection closed after an early answer
        // resets at the first, and the second fails.
        client.socket.write(body.slice(0, 6));
        client.socket.end(body.slice(6));
        await withTimeout(client.closed, 10_000, 'the admin address to answer and close');

        const answer = client.seen.text();
        assert.deepEqual(client.seen.errors, [], `round ${round}: no reset; the client had read: ${JSON.stringify(answer)}`);
        assert.match(answer, /^HTTP\/1\.1 401 /);
        const [head, rest] = answer.split('\r\n\r\n');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)[1]);
        assert.equal(Buffer.byteLength(rest, 'latin1'), length, 'the whole body arrived');
        assert.match(JSON.parse(rest).error, /bearer token/);
      }
      const status = await fetch(`${l.admin}/backends/b`, { headers: { authorization: 'Bearer s3cret-T0ken-0123456789abcdef' } });
      assert.equal((await status.json()).weight, 1, 'the refused requests changed nothing');
    });
  });

  test('3. every change made through the admin API is one INFO line naming the caller and the change', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend({ name: 'b' });
      const c = await s.backend({ name: 'c' });
      const l = await s.launcher([`${b.url};id=b`], { args: ['--admin', '127.0.0.1:0'] });
      const post = async (p, body) => {
        const res = await fetch(`${l.admin}${p}`, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
        assert.ok(res.status < 300, `${p}: HTTP ${res.status} ${await res.text()}`);
      };
      await post('/backends', { id: 'c', uri: c.url, weight: 2 });
      await post('/backends/b/weight', { weight: 3 });
      await post('/backends/b/drain', { window: '1s' });
      await post('/backends/b/resume');
      await post('/backends/c/health', { healthy: false });
      await post('/backends/c/remove', {});
      assert.equal((await fetch(`${l.admin}/status`)).status, 200, 'a read is not a change');

      const wanted = [
        `admin API, 127.0.0.1: added backend c ${c.url} (weight 2, maxConnections 0, backup false)`,
        'admin API, 127.0.0.1: backend b: weight 1 -> 3',
        'admin API, 127.0.0.1: backend b: draining over PT1S',
        'admin API, 127.0.0.1: backend b: resumed',
        'admin API, 127.0.0.1: backend c: marked unhealthy',
        'admin API, 127.0.0.1: backend c: removed, its connections closed at once',
      ];
      await waitUntil(() => wanted.every((line) => l.output.text.includes(line)), 5_000, 'the six admin log lines');
      const adminLines = l.output.text.split('\n').filter((line) => line.includes('admin API, '));
      assert.equal(adminLines.length, wanted.length, adminLines.join('\n'));
    });
  });
});
