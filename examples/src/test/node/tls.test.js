// TLS from outside: the launcher and the demo serving wss:// (a given certificate, or a self-signed one the
// client is told to trust), and wss:// backends verified against --backend-ca. Clients and backends are the
// `ws` package over Node's TLS, i.e. peers not written in Java; certificates come from the openssl command.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import crypto from 'node:crypto';
import tls from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { DIRECT, JAR, JAVA, TEST_TIMEOUT_MS, scope, withTimeout } from './lib/harness.js';

const T = { timeout: TEST_TIMEOUT_MS, skip: DIRECT ? 'needs the launcher' : false };

/** A fresh directory, removed after the test. */
function tempDir(s) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wslb-tls-test-'));
  s.defer(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function openssl(args) {
  execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A certificate authority: { cert, key } file paths. */
function authority(dir, name) {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key,
    '-out', cert, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  return { cert, key };
}

/** A certificate for `altNames` (e.g. 'DNS:localhost,IP:127.0.0.1') signed by `ca`: { cert, key, pem }. */
function issue(dir, ca, name, altNames) {
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.pem`);
  const ext = path.join(dir, `${name}.ext`);
  fs.writeFileSync(ext, `subjectAltName=${altNames}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr,
    '-subj', `/CN=${name}`]);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert,
    '-days', '2', '-extfile', ext]);
  return { cert, key, pem: { cert: fs.readFileSync(cert), key: fs.readFileSync(key) } };
}

/** Opens a wss client with these TLS options; resolves with the open socket, rejects with the failure. */
function openWss(url, options) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (req, res) => {
        req.destroy();
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
      });
      ws.once('error', reject);
    }),
    10_000,
    `a wss connection to ${url}`,
  );
}

function nextMessage(ws) {
  return withTimeout(
    new Promise((resolve) => ws.once('message', (data) => resolve(data.toString('utf8')))),
    5_000,
    'a message',
  );
}

describe('wslb TLS, from outside', () => {
  test('1. demo --tls-self-signed: a browser-style client loads the https page and opens wss:///ws', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const demo = await s.demo(['--tls-self-signed']);
      assert.ok(demo.selfSignedCert, `the demo printed its certificate's path:\n${demo.output.text}`);
      assert.match(demo.page, /^https:\/\//);
      const ca = fs.readFileSync(demo.selfSignedCert);

      // What a browser does: load the page over https, then open the WebSocket its script names, with the
      // page's Origin and a browser's User-Agent.
      const html = await new Promise((resolve, reject) => {
        const req = https.get(demo.page, { ca }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode, body }));
        });
        req.on('error', reject);
      });
      assert.equal(html.status, 200);
      assert.match(html.body, /location\.protocol === 'https:' \? 'wss:\/\/'/, 'the page derives wss:// from https:');

      const greetings = [];
      for (let i = 0; i < 3; i++) {
        const ws = await openWss(demo.balancer, {
          ca,
          origin: demo.origin,
          headers: { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) wslb-test' },
        });
        s.defer(() => ws.terminate());
        greetings.push(await nextMessage(ws));
        ws.send('over wss');
        assert.equal(await nextMessage(ws), 'over wss');
        ws.close(1000);
      }
      assert.deepEqual(greetings.sort(), ['echo-1', 'echo-2', 'echo-3'], 'round robin over the three backends');

      // A client that does not trust the certificate is refused by its own TLS check.
      await assert.rejects(openWss(demo.balancer, {}), /self[- ]signed certificate/);
    });
  });

  test('2. proxy --tls-cert/--tls-key: clients trusting the CA connect; TLS 1.1 is refused', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const dir = tempDir(s);
      const ca = authority(dir, 'proxy-ca');
      const cert = issue(dir, ca, 'proxy', 'DNS:localhost,IP:127.0.0.1');
      const b = await s.backend({ name: 'plain' });
      const l = await s.launcher([b.url], { args: ['--tls-cert', cert.cert, '--tls-key', cert.key] });
      assert.match(l.url, /^wss:\/\//, 'the launcher says it listens on wss://');

      const ws = await openWss(`${l.url}/x`, { ca: fs.readFileSync(ca.cert) });
      s.defer(() => ws.terminate());
      ws.send('whoami');
      assert.equal(await nextMessage(ws), 'iam:plain');
      assert.ok(['TLSv1.2', 'TLSv1.3'].includes(ws._socket.getProtocol()), ws._socket.getProtocol());

      await assert.rejects(
        openWss(`${l.url}/x`, { ca: fs.readFileSync(ca.cert), minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }),
        /alert protocol version/,
      );
      ws.send('still served');
      assert.equal(await nextMessage(ws), 'still served');
    });
  });

  test('3. wss:// backends: verified against --backend-ca; a certificate for another name gets 502', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const dir = tempDir(s);
      const ca = authority(dir, 'backend-ca');
      const good = await s.backend({ name: 'good', tls: issue(dir, ca, 'good', 'DNS:localhost,IP:127.0.0.1').pem });
      const wrong = await s.backend({ name: 'wrong', tls: issue(dir, ca, 'wrong', 'DNS:other.example').pem });

      const ok = await s.launcher([`wss://localhost:${good.port};id=good`], { args: ['--backend-ca', ca.cert] });
      const c = await s.connect(`${ok.url}/`);
      assert.equal(await c.whoami(), 'good');

      const refused = await s.launcher([`wss://localhost:${wrong.port};id=wrong`], {
        args: ['--backend-ca', ca.cert, '--max-attempts', '1'],
      });
      const status = await new Promise((resolve, reject) => {
        const ws = new WebSocket(`${refused.url}/`);
        ws.once('unexpected-response', (req, res) => {
          req.destroy();
          resolve(res.statusCode);
        });
        ws.once('open', () => reject(new Error('the upgrade through a mismatched backend was accepted')));
        ws.once('error', () => {});
      });
      assert.equal(status, 502);
      assert.equal(wrong.connections, 0, 'no WebSocket connection reached the mismatched backend');

      // Without --backend-ca the same good backend is not trusted (the JDK's default authorities).
      const untrusting = await s.launcher([`wss://localhost:${good.port};id=good`], { args: ['--max-attempts', '1'] });
      const before = good.connections;
      await assert.rejects(s.connect(`${untrusting.url}/`), /HTTP 502/);
      assert.equal(good.connections, before);
    });
  });

  test('4. bad TLS flags are usage errors with exit status 2', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const dir = tempDir(s);
      const run = (args) => spawnSync(JAVA, ['-jar', JAR, 'proxy', '--backend', 'ws://127.0.0.1:9', ...args], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      const ca = authority(dir, 'ca');
      const other = authority(dir, 'other');
      for (const [args, message] of [
        [['--tls-cert', ca.cert], /--tls-cert and --tls-key go together/],
        [['--tls-cert', ca.cert, '--tls-key', other.key], /does not belong/],
        [['--tls-cert', path.join(dir, 'absent.pem'), '--tls-key', ca.key], /absent\.pem/],
        [['--tls-self-signed', '--keystore', ca.cert], /choose one of/],
        [['--backend-ca', path.join(dir, 'none.pem')], /none\.pem/],
      ]) {
        const r = run(args);
        assert.equal(r.status, 2, `${args.join(' ')}: exit status\n${r.stderr}`);
        assert.match(r.stderr, message, args.join(' '));
      }
    });
  });

  test('5. --tls-ticket-keys: a session from one instance resumes on another sharing the key file; not otherwise', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const dir = tempDir(s);
      const ca = authority(dir, 'sessions-ca');
      const cert = issue(dir, ca, 'proxy', 'DNS:localhost,IP:127.0.0.1');
      const key = () => crypto.randomBytes(48).toString('base64');
      const shared = path.join(dir, 'shared.keys');
      fs.writeFileSync(shared, `${key()}\n${key()}\n`);
      const other = path.join(dir, 'other.keys');
      fs.writeFileSync(other, `${key()}\n`);
      const b = await s.backend({ name: 'plain' });
      const tlsArgs = ['--tls-cert', cert.cert, '--tls-key', cert.key];
      const a = await s.launcher([b.url], { args: [...tlsArgs, '--tls-ticket-keys', shared] });
      const a2 = await s.launcher([b.url], { args: [...tlsArgs, '--tls-ticket-keys', shared] });
      const c = await s.launcher([b.url], { args: [...tlsArgs, '--tls-ticket-keys', other] });
      const off = await s.launcher([b.url], { args: [...tlsArgs, '--tls-resumption', 'off'] });
      assert.match(a.output.text, /TLS: BoringSSL[^\n]*session tickets with the keys of /, 'the start-up log says which engine');
      assert.match(off.output.text, /TLS: BoringSSL[^\n]*resumption off/);

      /** One TLS connection; resolves with { session, reused } once the server's session ticket has arrived. */
      const handshake = (url, session) => withTimeout(new Promise((resolve, reject) => {
        const u = new URL(url);
        const socket = tls.connect({ host: u.hostname, port: Number(u.port), servername: 'localhost',
          ca: fs.readFileSync(ca.cert), minVersion: 'TLSv1.3', session });
        let ticket = null;
        socket.on('session', (bytes) => { ticket = bytes; });
        socket.once('secureConnect', () => {
          // An HTTP request and its answer: the ticket, sent after the handshake, has been read by then.
          socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
        });
        socket.on('data', () => {});
        socket.once('end', () => resolve({ session: ticket, reused: socket.isSessionReused() }));
        socket.once('error', reject);
      }), 10_000, `a TLS handshake with ${url}`);

      const first = await handshake(a.url);
      assert.equal(first.reused, false);
      assert.ok(first.session, 'the first instance sent a session ticket');
      assert.equal((await handshake(a2.url, first.session)).reused, true, 'an instance with the same keys resumes it');
      assert.equal((await handshake(c.url, first.session)).reused, false, 'an instance with other keys cannot');

      const plain = await handshake(off.url);
      assert.equal(plain.session, null, 'with resumption off no ticket is sent');
      assert.equal((await handshake(off.url, first.session)).reused, false);
    });
  });
});
