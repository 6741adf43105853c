// Launcher-level tests of several instances acting as one over Redis (--redis): each test starts its own Debian
// redis-server on a free port (persistence off), two or three launchers sharing it, `ws` backends and clients, and
// Node's fetch on the admin API. Peers not written in Java, real sockets, a real Redis.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DIRECT, JAR, JAVA, TEST_TIMEOUT_MS, scope, stopProcess, waitUntil, withTimeout } from './lib/harness.js';
import { redisServer } from './lib/redis.js';

const T = { timeout: TEST_TIMEOUT_MS, skip: DIRECT ? 'needs the launcher' : false };

async function status(l) {
  const response = await fetch(`${l.admin}/status`);
  assert.equal(response.status, 200);
  return response.json();
}

async function post(l, p, body) {
  const response = await fetch(`${l.admin}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}) });
  return { status: response.status, text: await response.text() };
}

/** Runs the launcher until it exits (20 s at most); returns its status and output. */
async function runToExit(args) {
  const child = spawn(JAVA, ['-jar', JAR, 'proxy', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  try {
    const code = await withTimeout(new Promise((resolve) => child.once('exit', (c) => resolve(c))), 20_000, 'the launcher to exit');
    return { code, output };
  } finally {
    await stopProcess(child, 1_000);
  }
}

describe('wslb launcher: several instances over one Redis', () => {
  test('a. an affinity key first served through one instance reaches the same backend through the other', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const redis = await redisServer(s);
      const bs = [await s.backend({ name: 'a' }), await s.backend({ name: 'b' }), await s.backend({ name: 'c' })];
      const common = ['--redis', redis.url, '--affinity', 'query:room', '--admin', '127.0.0.1:0',
        ...bs.flatMap((b) => ['--backend', `${b.url};id=${b.name}`])];
      const one = await s.launcher([], { args: [...common, '--instance-id', 'one'] });
      const two = await s.launcher([], { args: [...common, '--instance-id', 'two'] });
      assert.match(one.output.text, /shares affinity keys, connection counts and admin actions with the instances on redis:\/\/127\.0\.0\.1:\d+\/0, as one/);
      await waitUntil(async () => (await status(one)).redis?.state === 'UP', 10_000, 'instance one to reach Redis');
      await waitUntil(async () => (await status(two)).redis?.state === 'UP', 10_000, 'instance two to reach Redis');

      const home = {};
      for (let k = 0; k < 20; k++) {
        const c = await s.connect(new URL(`/chat?room=room-${k}`, one.url).href);
        home[k] = await c.whoami();
        await c.close();
      }
      assert.ok(new Set(Object.values(home)).size > 1, `20 rooms spread over the backends: ${JSON.stringify(home)}`);
      for (let k = 0; k < 20; k++) {
        const c = await s.connect(new URL(`/chat?room=room-${k}`, two.url).href);
        assert.equal(await c.whoami(), home[k], `room-${k} through the second instance`);
        await c.close();
      }
      const st = await status(two);
      assert.equal(st.redis.instanceId, 'two');
      assert.equal(st.redis.uri, `redis://127.0.0.1:${redis.port}/0`);
    });
  });

  test('b. a drain asked of one instance closes that backend\'s connections on the other with 1012', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const redis = await redisServer(s);
      const bs = [await s.backend({ name: 'a' }), await s.backend({ name: 'b' })];
      const common = ['--redis', redis.url, '--admin', '127.0.0.1:0', ...bs.flatMap((b) => ['--backend', `${b.url};id=${b.name}`])];
      const one = await s.launcher([], { args: [...common, '--instance-id', 'one'] });
      const two = await s.launcher([], { args: [...common, '--instance-id', 'two'] });
      await waitUntil(async () => (await status(two)).redis?.state === 'UP', 10_000, 'instance two to reach Redis');
      const clients = [];
      for (let i = 0; i < 4; i++) clients.push(await s.connect(two.url));
      const onA = [];
      for (const c of clients) if ((await c.whoami()) === 'a') onA.push(c);
      assert.ok(onA.length > 0, 'round robin put a client of instance two on a');

      const r = await post(one, '/backends/a/drain', { window: '0s' });
      assert.equal(r.status, 202, r.text);
      for (const c of onA) {
        const closed = await withTimeout(c.closed, 10_000, 'the drain to reach instance two');
        assert.equal(closed.code, 1012, 'instance two closes its clients of the drained backend with 1012');
      }
      const again = await s.connect(two.url);
      assert.equal(await again.whoami(), 'b', 'instance two sends nothing new to the drained backend');
      await waitUntil(async () => (await status(two)).backends.find((b) => b.id === 'a')?.draining === true, 5_000,
        "instance two's status to show the drain");
    });
  });

  test('c. an instance killed with SIGKILL leaves the others\' counts within the heartbeat expiry', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const redis = await redisServer(s);
      const a = await s.backend({ name: 'a' });
      const common = ['--redis', redis.url, '--admin', '127.0.0.1:0', '--backend', `${a.url};id=a`];
      const one = await s.launcher([], { args: [...common, '--instance-id', 'one'] });
      const two = await s.launcher([], { args: [...common, '--instance-id', 'two'] });
      for (let i = 0; i < 5; i++) await s.connect(one.url);
      await waitUntil(async () => (await status(two)).backends[0].peerConnections === 5, 10_000,
        'instance two to see the 5 connections of instance one');

      one.child.kill('SIGKILL');
      const killedAt = performance.now();
      await waitUntil(async () => (await status(two)).backends[0].peerConnections === 0, 10_000,
        'the killed instance to leave the counts');
      const took = performance.now() - killedAt;
      assert.ok(took < 5_000, `gone within the expiry (3 heartbeats of 1 s) and a heartbeat: ${Math.round(took)} ms`);
    });
  });

  test('d. Redis unreachable at start: the instance serves from local state and says so in its status', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const dead = await s.deadPort();
      const a = await s.backend({ name: 'a' });
      const l = await s.launcher([], { args: ['--redis', `redis://127.0.0.1:${dead}`, '--affinity', 'query:room',
        '--admin', '127.0.0.1:0', '--backend', `${a.url};id=a`] });
      for (let i = 0; i < 5; i++) {
        const c = await s.connect(new URL(`/?room=r${i}`, l.url).href);
        assert.equal(await c.whoami(), 'a');
        await c.close();
      }
      const st = await status(l);
      assert.equal(st.redis.state, 'DEGRADED');
      assert.ok(st.redis.lastError, `the status says why: ${JSON.stringify(st.redis)}`);
      const warnings = l.output.text.split('\n').filter((line) => /WARN/.test(line) && /redis/i.test(line));
      assert.ok(warnings.length <= 1, `the outage is logged once, not per handshake: ${warnings.join('\n')}`);
    });
  });

  test('f. a wrong Redis password: the instance serves from local state, and log and status say WRONGPASS, never the password', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const redis = await redisServer(s, ['--requirepass', 'right-password']);
      const wrong = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wslb-pass-')), 'redis.pass');
      fs.writeFileSync(wrong, 'wrong-password\n');
      const a = await s.backend({ name: 'a' });
      const l = await s.launcher([], { args: ['--redis', redis.url, '--redis-password-file', wrong, '--affinity', 'query:room',
        '--admin', '127.0.0.1:0', '--backend', `${a.url};id=a`] });
      await waitUntil(async () => /WRONGPASS/.test((await status(l)).redis?.lastError ?? ''), 10_000, 'the status to say WRONGPASS');
      const c = await s.connect(new URL('/?room=r1', l.url).href);
      assert.equal(await c.whoami(), 'a', 'handshakes go on');
      await c.close();
      const st = await status(l);
      assert.equal(st.redis.state, 'DEGRADED');
      assert.ok(!JSON.stringify(st).includes('wrong-password'), 'the status never shows the password');
      assert.ok(!l.output.text.includes('wrong-password'), 'the log never shows the password');
      const warnings = l.output.text.split('\n').filter((line) => /WARN/.test(line) && /RedisLink/.test(line));
      assert.equal(warnings.length, 1, `one line for the outage: ${warnings.join('\n')}`);
    });
  });

  test('e. a malformed --redis or a missing password file is one line and exit status 2', T, async () => {
    for (const [args, why] of [
      [['--redis', '127.0.0.1:6379'], /--redis 127\.0\.0\.1:6379: the scheme must be redis:\/\/ or rediss:\/\//],
      [['--redis', 'redis://u:pw@127.0.0.1'], /--redis: the URI holds a password/],
      [['--redis', 'redis://127.0.0.1', '--redis-password-file', '/nonexistent/redis.pass'], /--redis-password-file \/nonexistent\/redis\.pass: no such file/],
      [['--redis-timeout', '20ms'], /--redis-timeout goes with --redis URI/],
    ]) {
      const r = await runToExit([...args, '--backend', 'ws://127.0.0.1:9']);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.output}`);
      const lines = r.output.trim().split('\n');
      assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${r.output}`);
      assert.match(lines[0], why);
    }
  });
});
