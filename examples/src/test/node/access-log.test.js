// Launcher-level tests of the access log (--access-log stdout|PATH): one key=value line per connection when it
// ends and per refused handshake, read back by a peer not written in Java. The clients and backends are the `ws`
// package; the lines are parsed here, field by field.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DIRECT, TEST_TIMEOUT_MS, refusal, scope, waitUntil } from './lib/harness.js';

const T = { timeout: TEST_TIMEOUT_MS, skip: DIRECT ? 'needs the launcher' : false };

const FIELDS = ['time', 'event', 'client', 'path', 'backend', 'retries', 'status', 'handshake_ms', 'lifetime_ms',
  'up_bytes', 'down_bytes', 'up_msgs', 'down_msgs', 'close', 'cause'];

/** The access-log lines of a text: the lines that start with `time=`, each as an ordered list of [key, value]. */
function accessLines(text) {
  return text.split('\n').filter((line) => line.startsWith('time=')).map((line) => {
    const pairs = [];
    const re = /([a-z_]+)=("(?:[^"\\]|\\.)*"|\S+)/g;
    let m;
    while ((m = re.exec(line)) !== null) pairs.push([m[1], m[2].startsWith('"') ? m[2].slice(1, -1) : m[2]]);
    return pairs;
  });
}

function assertEveryField(pairs) {
  assert.deepEqual(pairs.map(([k]) => k), FIELDS, 'every field, in the documented order');
  const f = Object.fromEntries(pairs);
  assert.ok(!Number.isNaN(Date.parse(f.time)), `time is an ISO-8601 instant: ${f.time}`);
  for (const k of ['retries', 'status', 'up_bytes', 'down_bytes', 'up_msgs', 'down_msgs']) {
    assert.match(f[k], /^\d+$/, `${k} is a count`);
  }
  for (const k of ['handshake_ms', 'lifetime_ms']) assert.match(f[k], /^\d+\.\d{3}$/, `${k} is milliseconds`);
  return f;
}

describe('wslb launcher: access log', () => {
  test('1. --access-log PATH: a normal close and a backend crash, every field', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wslb-access-'));
      t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
      const file = path.join(dir, 'access.log');
      const crashing = await s.childBackend('crashing');
      const steady = await s.backend({ name: 'steady' });
      const l = await s.launcher([`${steady.url};id=steady`, `${crashing.url};id=crashing`],
        { args: ['--access-log', file, '--strategy', 'round-robin'] });

      const a = await s.connect(`${l.url}/chat/room-7?token=secret`);
      const b = await s.connect(`${l.url}/chat/room-8`);
      const aIs = await a.whoami();
      await b.whoami();
      const onSteady = aIs === 'steady' ? a : b;
      await onSteady.roundTrip('hello');
      await onSteady.close(1000, 'bye');
      crashing.child.kill('SIGKILL');
      await waitUntil(() => fs.existsSync(file) && accessLines(fs.readFileSync(file, 'utf8')).length >= 2, 10_000,
        'two access-log lines in the file');

      const lines = accessLines(fs.readFileSync(file, 'utf8')).map(assertEveryField);
      const normal = lines.find((f) => f.backend === 'steady');
      const crash = lines.find((f) => f.backend === 'crashing');
      assert.equal(normal.event, 'closed');
      assert.match(normal.client, /^127\.0\.0\.1:\d+$/);
      assert.ok(!lines.some((f) => f.path.includes('secret')), 'the query string is never logged');
      assert.equal(normal.status, '101');
      assert.equal(normal.up_msgs, '2', 'whoami and hello');
      assert.equal(normal.down_msgs, '2');
      assert.equal(normal.close, '1000');
      assert.equal(normal.cause, 'CLIENT_CLOSED');
      assert.equal(crash.close, '1011', 'the client of a crashed backend got 1011');
      assert.equal(crash.cause, 'BACKEND_GONE');
      assert.equal(crash.up_msgs, '1');
    });
  });

  test('2. --access-log stdout: a refused handshake, every field', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const one = await s.backend({ name: 'one' });
      const l = await s.launcher([`${one.url};id=one`],
        { args: ['--access-log', 'stdout', '--allowed-origin', 'https://chat.example.com'] });

      const refused = await refusal(`${l.url}/private`, { origin: 'https://evil.example.net' });
      assert.equal(refused.status, 403);
      await waitUntil(() => accessLines(l.output.text).length >= 1, 10_000, 'an access-log line on stdout');

      const [f] = accessLines(l.output.text).map(assertEveryField);
      assert.equal(f.event, 'refused');
      assert.equal(f.path, '/private');
      assert.equal(f.backend, '-', 'refused before any backend');
      assert.equal(f.status, '403');
      assert.equal(f.close, '-');
      assert.equal(f.cause, 'FORBIDDEN');
    });
  });
});
