// External test suite for the wslb launcher:
//   java -jar $WSLB_JAR proxy --listen 127.0.0.1:0 --backend ws://... [--strategy ...]
// Backends and clients are the `ws` npm package, i.e. peers not written in Java.
//
// WSLB_TARGET=proxy (default): every test runs through its own launcher.
// WSLB_TARGET=direct: tests 1-8 run straight against the backend (to validate
// the suite itself); tests 9-12 need the proxy and are skipped.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  DIRECT,
  NEEDS_PROXY,
  TARGET,
  TEST_TIMEOUT_MS,
  scope,
  stopProcess,
  waitUntil,
  withTimeout,
} from './lib/harness.js';

const T = { timeout: TEST_TIMEOUT_MS };
const P = { timeout: TEST_TIMEOUT_MS, skip: NEEDS_PROXY };

describe(`wslb launcher, target=${TARGET}`, () => {
  test('1. text echo and binary echo are byte-exact and keep their type', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend();
      const c = await s.connect(`${await s.target([b])}/echo`);

      const text = 'hello wslb — ünïcödé ✓ 🚀 ' + '\u0000 nul inside';
      let m = await c.roundTrip(text);
      assert.equal(m.isBinary, false, 'text echo must come back as a text message');
      assert.equal(m.data.toString('utf8'), text);

      const bin = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256)); // every byte value, twice
      m = await c.roundTrip(bin);
      assert.equal(m.isBinary, true, 'binary echo must come back as a binary message');
      assert.ok(m.data.equals(bin), `binary echo differs: got ${m.data.length} bytes`);

      const empty = Buffer.alloc(0);
      m = await c.roundTrip(empty);
      assert.equal(m.isBinary, true);
      assert.equal(m.data.length, 0, 'empty binary message must stay empty');

      // The backend saw exactly what the client sent, with the right types.
      const seen = b.conns[0].messages;
      assert.equal(seen.length, 3);
      assert.deepEqual(seen.map((x) => x.isBinary), [false, true, true]);
      assert.equal(seen[0].data.toString('utf8'), text);
      assert.ok(seen[1].data.equals(bin));
    });
  });

  test('2. a 1 MiB binary message is echoed intact', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend();
      const c = await s.connect(await s.target([b]));
      const big = randomBytes(1024 * 1024);
      const m = await c.roundTrip(big, {}, 20_000);
      assert.equal(m.isBinary, true);
      assert.equal(m.data.length, big.length);
      assert.ok(m.data.equals(big), '1 MiB echo is not byte-identical');
      assert.equal(b.conns[0].messages.length, 1, 'backend must receive the 1 MiB message as one message');
      assert.equal(b.conns[0].messages[0].data.length, big.length);
    });
  });

  test('3a. a text message fragmented by the client (split inside UTF-8 characters) arrives whole', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend();
      const c = await s.connect(await s.target([b]));
      const full = Buffer.from('fragmented: héllo € world ✓ end', 'utf8');
      const cut1 = full.indexOf(Buffer.from('é')) + 1; // in the middle of 'é'
      const cut2 = full.indexOf(Buffer.from('€')) + 2; // in the middle of '€'
      const parts = [full.subarray(0, cut1), full.subarray(cut1, cut2), full.subarray(cut2)];
      c.ws.send(parts[0], { binary: false, fin: false });
      c.ws.send(parts[1], { binary: false, fin: false });
      c.ws.send(parts[2], { binary: false, fin: true });
      c.ws.send('sentinel');

      const m1 = await c.next();
      const m2 = await c.next();
      assert.equal(m1.isBinary, false);
      assert.equal(m1.data.toString('utf8'), full.toString('utf8'), 'fragmented text not echoed whole');
      assert.equal(m2.data.toString('utf8'), 'sentinel', 'the fragmented message came back as more than one message');
      const seen = b.conns[0].messages.map((x) => x.data.toString('utf8'));
      assert.deepEqual(seen, [full.toString('utf8'), 'sentinel'], 'backend must see exactly one reassembled message');
    });
  });

  test('3b. a binary message fragmented by the client arrives at the backend as one message', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend();
      const c = await s.connect(await s.target([b]));
      const parts = [randomBytes(10_000), randomBytes(1), randomBytes(70_000)];
      const full = Buffer.concat(parts);
      c.ws.send(parts[0], { binary: true, fin: false });
      c.ws.send(parts[1], { binary: true, fin: false });
      c.ws.send(parts[2], { binary: true, fin: true });
      c.ws.send('sentinel');

      const m1 = await c.next();
      const m2 = await c.next();
      assert.equal(m1.isBinary, true);
      assert.equal(m1.data.length, full.length, 'echo length differs from the sum of the fragments');
      assert.ok(m1.data.equals(full), 'fragmented binary not echoed whole');
      assert.equal(m2.data.toString('utf8'), 'sentinel', 'the fragmented message came back as more than one message');
      const seen = b.conns[0].messages;
      assert.equal(seen.length, 2, `backend saw ${seen.length} messages, expected the reassembled one plus the sentinel`);
      assert.ok(seen[0].data.equals(full));
    });
  });

  test('4. a client ping with a payload is answered by a pong with the same payload', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend();
      const c = await s.connect(await s.target([b]));
      for (const payload of [Buffer.from('ping-payload-Ω-42', 'utf8'), randomBytes(125)]) {
        const pong = once(c.ws, 'pong');
        c.ws.ping(payload);
        const [data] = await withTimeout(pong, 5_000, 'a pong');
        assert.ok(Buffer.from(data).equals(payload), `pong payload ${data.toString('hex')} != ${payload.toString('hex')}`);
      }
      // Still a working session afterwards.
      assert.equal((await c.roundTrip('after-ping')).data.toString('utf8'), 'after-ping');
    });
  });

  test("5. the backend's chosen subprotocol reaches the client", T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      let offered = null;
      const b = await s.backend({
        handleProtocols: (protocols) => {
          offered = [...protocols];
          return protocols.has('chat.v1') ? 'chat.v1' : false;
        },
      });
      const c = await s.connect(await s.target([b]), ['chat.v2', 'chat.v1']);
      assert.deepEqual(offered, ['chat.v2', 'chat.v1'], 'backend must be offered the client\'s subprotocols, in order');
      assert.equal(c.ws.protocol, 'chat.v1');
      assert.equal(b.conns[0].protocol, 'chat.v1');
      assert.equal((await c.roundTrip('hi')).data.toString('utf8'), 'hi');
    });
  });

  test('6. Cookie, Authorization, Origin, path and query reach the backend (and X-Forwarded-For)', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend();
      const cookie = 'session=abc123; theme=dark';
      const authorization = 'Bearer t0k3n.Zm9v.YmFy';
      const origin = 'http://app.example.test';
      const c = await s.connect(`${await s.target([b])}/chat/room?x=1&y=two`, undefined, {
        headers: { Cookie: cookie, Authorization: authorization },
        origin,
      });
      assert.equal((await c.roundTrip('hello')).data.toString('utf8'), 'hello');
      assert.equal(b.conns.length, 1);
      const seen = b.conns[0];
      assert.equal(seen.url, '/chat/room?x=1&y=two', 'path and query must be forwarded');
      assert.equal(seen.headers.cookie, cookie);
      assert.equal(seen.headers.authorization, authorization);
      assert.equal(seen.headers.origin, origin);

      await t.test(
        'X-Forwarded-For is the client address 127.0.0.1',
        { skip: DIRECT ? 'direct mode: there is no proxy to add X-Forwarded-For' : false },
        () => {
          assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
        },
      );
    });
  });

  test('7. custom close codes and reasons pass in both directions', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend();
      const url = await s.target([b]);

      // client -> backend
      const c1 = await s.connect(url);
      assert.equal(await c1.whoami(), 'backend');
      const backendClosed = once(b.events, 'close');
      c1.ws.close(4001, 'bye-from-client');
      const [conn1] = await withTimeout(backendClosed, 5_000, "the backend's close event");
      assert.equal(conn1.close.code, 4001);
      assert.equal(conn1.close.reason, 'bye-from-client');
      const c1Close = await withTimeout(c1.closed, 5_000, "the client's close event");
      assert.notEqual(c1Close.code, 1006, 'client-initiated close must be answered with a close frame (got 1006)');

      // backend -> client
      const c2 = await s.connect(url);
      assert.equal(await c2.whoami(), 'backend');
      c2.ws.send('close:4002:bye-from-backend');
      const closed = await withTimeout(c2.closed, 5_000, "the client's close event");
      assert.equal(closed.code, 4002);
      assert.equal(closed.reason, 'bye-from-backend');
      await waitUntil(() => b.conns[1] && b.conns[1].close !== null, 5_000, 'the backend session has closed');
      assert.notEqual(b.conns[1].close.code, 1006, 'backend-initiated close must be answered with a close frame (got 1006)');
    });
  });

  test('8. a backend refusing the upgrade with HTTP 403 gives the client a 403, never an open', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend({ verifyClient: (info, cb) => cb(false, 403, 'Forbidden') });
      const url = await s.target([b]);
      const r = await s.connectExpectingRefusal(`${url}/private`);
      assert.equal(r.opened, false, 'the client must never see open');
      const status = r.status ?? Number((/\b(\d{3})\b/.exec(r.error?.message ?? '') || [])[1]);
      assert.equal(status, 403, `expected HTTP 403, got status=${r.status} error=${r.error?.message}`);
      assert.equal(b.verifyCalls, 1, 'the upgrade must have reached the backend exactly once');
      assert.equal(b.connections, 0);
    });
  });

  test('9. a backend that is down at connect time is skipped', P, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const deadPort = await s.deadPort();
      const live = await s.backend({ name: 'live' });
      const l = await s.launcher([`ws://127.0.0.1:${deadPort}`, live.url]);
      for (let i = 0; i < 10; i++) {
        const c = await s.connect(`${l.url}/n${i}`);
        assert.equal(await c.whoami(), 'live', `connection ${i}`);
        assert.equal((await c.roundTrip(`m${i}`)).data.toString('utf8'), `m${i}`);
        await c.close();
      }
      assert.equal(live.connections, 10, 'all 10 connections must land on the live backend');
    });
  });

  test('10. a backend killed mid-session: the client gets close 1011/1012 within 2 s', P, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const child = await s.childBackend('doomed');
      const l = await s.launcher([child.url]);
      const c = await s.connect(l.url);
      assert.equal(await c.whoami(), 'doomed');
      assert.equal((await c.roundTrip('alive?')).data.toString('utf8'), 'alive?');

      const killedAt = performance.now();
      child.child.kill('SIGKILL');
      // Wait a little longer than 2 s so that a late or wrong close is reported as such.
      const closed = await withTimeout(c.closed, 5_000, 'any close event after the backend was killed');
      const elapsed = closed.at - killedAt;
      t.diagnostic(`client close ${closed.code} "${closed.reason}" ${elapsed.toFixed(0)} ms after SIGKILL`);
      assert.notEqual(closed.code, 1006, 'client got 1006: the proxy dropped the connection without a close frame');
      assert.ok([1011, 1012].includes(closed.code), `expected close code 1011 or 1012, got ${closed.code}`);
      assert.ok(elapsed <= 2_000, `close arrived ${elapsed.toFixed(0)} ms after SIGKILL (limit 2000 ms)`);
      await stopProcess(child.child, 1_000);
      assert.equal(child.child.signalCode, 'SIGKILL');
    });
  });

  test('11. round robin spreads 30 sequential connections 10/10/10 over 3 backends', P, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const bs = [await s.backend({ name: 'a' }), await s.backend({ name: 'b' }), await s.backend({ name: 'c' })];
      const l = await s.launcher(bs.map((b) => b.url)); // default strategy
      const served = [];
      for (let i = 0; i < 30; i++) {
        const c = await s.connect(l.url);
        served.push(await c.whoami());
        await c.close();
      }
      const counts = bs.map((b) => b.connections);
      assert.deepEqual(counts, [10, 10, 10], `connections per backend ${counts} (order served: ${served.join('')})`);
    });
  });

  test('12. least-connections sends new connections to the emptier backend', P, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b1 = await s.backend({ name: 'one' });
      const b2 = await s.backend({ name: 'two' });
      const l = await s.launcher([b1.url, b2.url], { strategy: 'least-connections' });
      const held = { one: [], two: [] };
      const open = async () => {
        const c = await s.connect(l.url);
        const who = await c.whoami();
        held[who].push(c);
        return who;
      };
      const closeSome = async (name, n) => {
        const b = name === 'one' ? b1 : b2;
        const victims = held[name].splice(0, n);
        const before = b.conns.filter((x) => x.close !== null).length;
        await Promise.all(victims.map((c) => c.close()));
        await waitUntil(() => b.conns.filter((x) => x.close !== null).length === before + n, 5_000,
          `backend ${name} has seen ${n} more closes`);
      };

      // Six held connections opened one by one: each goes to a least-loaded backend, so 3/3 whatever the tie-break.
      for (let i = 0; i < 6; i++) await open();
      assert.deepEqual([b1.open, b2.open], [3, 3], 'six sequential held connections must split 3/3');

      // Empty the second-listed backend: one=3, two=0.
      await closeSome('two', 3);
      assert.deepEqual([b1.open, b2.open], [3, 0]);
      const phase1 = [];
      for (let i = 0; i < 3; i++) phase1.push(await open());
      assert.deepEqual(phase1, ['two', 'two', 'two'], 'with one=3 two=0, the next 3 must all go to "two"');
      assert.deepEqual([b1.open, b2.open], [3, 3]);

      // Now the other way round: one 1 / two 3.
      await closeSome('one', 2);
      assert.deepEqual([b1.open, b2.open], [1, 3]);
      const phase2 = [];
      for (let i = 0; i < 2; i++) phase2.push(await open());
      assert.deepEqual(phase2, ['one', 'one'], 'with one=1 two=3, the next 2 must both go to "one"');
      assert.deepEqual([b1.connections, b2.connections], [5, 6], 'total connections per backend');
      assert.deepEqual([b1.open, b2.open], [3, 3]);
    });
  });
});
