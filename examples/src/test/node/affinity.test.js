// Launcher-level tests of the balancing strategies and session affinity:
//   java -jar $WSLB_JAR proxy --listen 127.0.0.1:0 --backend ... --strategy ... --affinity ... --trusted-proxy ...
// Backends and clients are the `ws` package (lib/harness.js). These tests need the launcher: they do not run
// (and are not skipped) in WSLB_TARGET=direct mode; they always start their own launcher.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once, EventEmitter } from 'node:events';
import fs from 'node:fs';
import { WebSocket } from 'ws';
import {
  Client,
  JAR,
  JAVA,
  LISTEN_RE,
  TEST_TIMEOUT_MS,
  scope,
  stopProcess,
  withTimeout,
} from './lib/harness.js';

const T = { timeout: TEST_TIMEOUT_MS };

// Launchers started here, killed if this process exits with them still running.
const children = new Set();
process.on('exit', () => {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

function spawnLauncher(args) {
  if (!fs.existsSync(JAR)) {
    throw new Error(`launcher jar not found: ${JAR} (build it with mvn install, or set WSLB_JAR)`);
  }
  const fullArgs = ['-jar', JAR, 'proxy', ...args];
  const child = spawn(JAVA, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const output = { text: '', emitter: new EventEmitter() };
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      output.text += chunk;
      if (output.text.length > 64 * 1024) output.text = output.text.slice(-64 * 1024);
      output.emitter.emit('data');
    });
  }
  return { args: fullArgs, child, output, url: null };
}

/** Starts the launcher with these arguments (after --listen 127.0.0.1:0) and waits until it listens. */
function launch(s, args) {
  return s.launcher([], { args });
}

/** Runs the launcher with these arguments and waits (20 s at most) for it to exit; returns its status and output. */
async function runToExit(args) {
  const l = spawnLauncher(args);
  try {
    const [code, signal] = await withTimeout(once(l.child, 'exit'), 20_000, `the launcher (${args.join(' ')}) to exit`);
    // Let the pipes drain what was written before the exit.
    await withTimeout(Promise.all([l.child.stdout, l.child.stderr].map((st) => (st.readableEnded ? null : once(st, 'end')))),
      5_000, "the launcher's output to end");
    return { code, signal, output: l.output.text };
  } finally {
    await stopProcess(l.child, 1_000);
  }
}

/**
 * Connects a ws client with these request headers and keeps the 101's headers. Fails on an HTTP refusal.
 */
async function connect(s, url, headers = {}) {
  const ws = new WebSocket(url, undefined, { handshakeTimeout: 10_000, headers });
  let upgrade = null;
  ws.once('upgrade', (res) => {
    upgrade = res.headers;
  });
  const c = new Client(ws);
  s.defer(() => c.terminate());
  await withTimeout(c.opened, 12_000, `the client to open ${url}`);
  c.upgradeHeaders = upgrade;
  return c;
}

/** Connects, asks the backend who it is, checks an echo, closes; returns the backend's name and the 101's headers. */
async function land(s, url, headers = {}) {
  const c = await connect(s, url, headers);
  const who = await c.whoami();
  const text = `echo-${Math.random()}`;
  assert.equal((await c.roundTrip(text)).data.toString('utf8'), text, `echo through ${who}`);
  await c.close();
  return { who, headers: c.upgradeHeaders };
}

function cookiePair(headers, name) {
  const all = headers?.['set-cookie'] ?? [];
  const mine = all.filter((h) => h.startsWith(`${name}=`));
  assert.ok(mine.length <= 1, `several ${name} cookies: ${JSON.stringify(all)}`);
  return mine.length ? mine[0].split(';')[0].trim() : null;
}

function counts(names) {
  const c = {};
  for (const n of names) c[n] = (c[n] ?? 0) + 1;
  return c;
}

describe('wslb launcher: strategies and affinity', () => {
  test('a. --strategy weighted-round-robin with weight=3 and 1 gives exactly 30:10 over 40 connections', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const heavy = await s.backend({ name: 'heavy' });
      const light = await s.backend({ name: 'light' });
      const l = await launch(s, ['--strategy', 'weighted-round-robin',
        '--backend', `${heavy.url};weight=3`, '--backend', light.url]);
      const order = [];
      for (let i = 0; i < 40; i++) order.push((await land(s, l.url)).who);
      assert.deepEqual(counts(order), { heavy: 30, light: 10 }, `order: ${order.join(',')}`);
      assert.deepEqual([heavy.connections, light.connections], [30, 10]);
      const longest = Math.max(...order.join('').split('light').map((run) => run.length / 'heavy'.length));
      assert.ok(longest <= 3, `at most 3 in a row on the heavy backend, got ${longest}: ${order.join(',')}`);
    });
  });

  test('b. --affinity cookie sets a cookie on the 101, and a reconnect with it lands on the same backend', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const bs = [await s.backend({ name: 'a' }), await s.backend({ name: 'b' }), await s.backend({ name: 'c' })];
      const l = await launch(s, ['--affinity', 'cookie', ...bs.flatMap((b) => ['--backend', b.url])]);

      const first = await land(s, l.url);
      const cookie = cookiePair(first.headers, 'WSLB');
      assert.ok(cookie, `the 101 carries a WSLB cookie: ${JSON.stringify(first.headers)}`);
      const attributes = first.headers['set-cookie'].find((h) => h.startsWith('WSLB=')).toLowerCase();
      assert.match(attributes, /httponly/, 'the affinity cookie is HttpOnly');
      assert.match(attributes, /path=\//);

      const seen = [];
      for (let i = 0; i < 5; i++) {
        seen.push((await land(s, l.url, { Cookie: `theme=dark; ${cookie}` })).who);
        await land(s, l.url); // a client without the cookie moves the round robin on
      }
      assert.deepEqual(seen, Array(5).fill(first.who), `reconnects with ${cookie} (first on ${first.who})`);

      // A forged cookie is re-picked: a 101 and a new cookie, never an error.
      const forged = await land(s, l.url, { Cookie: 'WSLB=YjE.AAAAAAAAAAAAAAAAAAAAAA' });
      const renewed = cookiePair(forged.headers, 'WSLB');
      assert.ok(renewed && renewed !== 'WSLB=YjE.AAAAAAAAAAAAAAAAAAAAAA', 'a new cookie replaces the forged one');
      assert.equal((await land(s, l.url, { Cookie: renewed })).who, forged.who, 'the renewed cookie is honoured');
    });
  });

  test('c. --affinity header:X-User --strategy consistent-hash keeps a user on one backend and spreads users', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const bs = [await s.backend({ name: 'a' }), await s.backend({ name: 'b' }), await s.backend({ name: 'c' })];
      // Fixed ids, so that the ring (hashes of the ids) is the same on every run.
      const l = await launch(s, ['--affinity', 'header:X-User', '--strategy', 'consistent-hash',
        ...bs.flatMap((b) => ['--backend', `${b.url};id=${b.name}`])]);

      const home = {};
      for (let u = 0; u < 30; u++) home[`user-${u}`] = (await land(s, l.url, { 'X-User': `user-${u}` })).who;
      assert.deepEqual(Object.keys(counts(Object.values(home))).sort(), ['a', 'b', 'c'],
        `30 users over 3 backends: ${JSON.stringify(counts(Object.values(home)))}`);
      for (let round = 0; round < 5; round++) {
        for (const user of ['user-0', 'user-7', 'user-13', 'user-29']) {
          assert.equal((await land(s, l.url, { 'X-User': user })).who, home[user], `${user}, reconnect ${round}`);
        }
      }
    });
  });

  test('d. --affinity ip --trusted-proxy 127.0.0.0/8 honours X-Forwarded-For; without it the header is ignored', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const bs = [await s.backend({ name: 'a' }), await s.backend({ name: 'b' }), await s.backend({ name: 'c' })];
      const backendArgs = bs.flatMap((b) => ['--backend', b.url]);
      const trusting = await launch(s, ['--affinity', 'ip', '--trusted-proxy', '127.0.0.0/8', ...backendArgs]);

      const home = {};
      for (let i = 1; i <= 30; i++) {
        const ip = `198.51.100.${i}`;
        const before = bs.map((b) => b.conns.length);
        home[ip] = (await land(s, trusting.url, { 'X-Forwarded-For': ip })).who;
        const b = bs.find((x, k) => x.conns.length > before[k]);
        const chain = b.conns.at(-1).headers['x-forwarded-for'].split(',').map((x) => x.trim());
        assert.deepEqual(chain, [ip, '127.0.0.1'], 'the backend gets the client chain with the peer appended');
      }
      assert.deepEqual(Object.keys(counts(Object.values(home))).sort(), ['a', 'b', 'c'], '30 forwarded clients spread');
      for (let round = 0; round < 5; round++) {
        for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
          assert.equal((await land(s, trusting.url, { 'X-Forwarded-For': ip })).who, home[ip], `${ip}, reconnect ${round}`);
        }
      }

      // Without --trusted-proxy, X-Forwarded-For is anyone's to write: every connection from 127.0.0.1 is one client.
      const plain = await launch(s, ['--affinity', 'ip', ...backendArgs]);
      const seen = [];
      for (let i = 1; i <= 6; i++) {
        const before = bs.map((b) => b.conns.length);
        seen.push((await land(s, plain.url, { 'X-Forwarded-For': `203.0.113.${i}` })).who);
        const b = bs.find((x, k) => x.conns.length > before[k]);
        assert.equal(b.conns.at(-1).headers['x-forwarded-for'], '127.0.0.1', 'a spoofed X-Forwarded-For is replaced');
      }
      assert.equal(new Set(seen).size, 1, `spoofed X-Forwarded-For values, one real client: ${seen.join(',')}`);
    });
  });

  for (const [flag, args, mention] of [
    ['--strategy', ['--strategy', 'fastest'], 'fastest'],
    ['--affinity', ['--affinity', 'telepathy'], 'telepathy'],
    ['--affinity-fallback', ['--affinity', 'header:X-User', '--affinity-fallback', 'maybe'], 'maybe'],
    ['--trusted-proxy', ['--affinity', 'ip', '--trusted-proxy', 'not-an-address'], 'not-an-address'],
    ['--hash-balance-factor', ['--strategy', 'consistent-hash', '--hash-balance-factor', '0.5'], '0.5'],
  ]) {
    test(`e. a bad ${flag} value makes the launcher exit with status 2 and an error naming the flag`, T, async (t) => {
      const s = scope(t);
      await s.run(async () => {
        const b = await s.backend();
        const r = await runToExit(['--listen', '127.0.0.1:0', '--backend', b.url, ...args]);
        assert.equal(r.code, 2, `exit status for ${args.join(' ')} (signal ${r.signal}); output:\n${r.output}`);
        assert.ok(r.output.includes(flag), `the error names ${flag}:\n${r.output}`);
        assert.ok(r.output.includes(mention), `the error quotes '${mention}':\n${r.output}`);
        assert.ok(!LISTEN_RE.test(r.output), `it never listened:\n${r.output}`);
        assert.equal(b.connections, 0);
      });
    });
  }
});
