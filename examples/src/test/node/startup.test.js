// Startup failures and secrets, from outside: the launcher, the demo and the echo command as child processes.
// A bad start is one line on stderr naming the flag and the fix, exit status 2, no stack trace, and the process
// exits at once (the demo used to run on forever with its backends). --tls-self-signed leaves no private key behind.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { DIRECT, JAR, JAVA, TEST_TIMEOUT_MS, scope, stopProcess, withTimeout } from './lib/harness.js';

const T = { timeout: TEST_TIMEOUT_MS, skip: DIRECT ? 'needs the launcher' : false };

/** Runs `java -jar $WSLB_JAR ...args` to its exit (20 s at most); returns { code, signal, stdout, stderr }. */
async function runToExit(s, args) {
  if (!fs.existsSync(JAR)) throw new Error(`launcher jar not found: ${JAR} (build it, or set WSLB_JAR)`);
  const child = spawn(JAVA, ['-jar', JAR, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  s.defer(() => stopProcess(child, 1_000));
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d) => { out.stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { out.stderr += d; });
  const closed = once(child, 'close'); // after the exit and the end of both pipes
  const [code, signal] = await withTimeout(closed, 20_000, `java -jar ${args.join(' ')} to exit`);
  return { code, signal, ...out };
}

/** A listening socket on 127.0.0.1, closed with the scope: a port that is really in use. */
async function portInUse(s) {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await withTimeout(once(server, 'listening'), 5_000, 'a blocker socket to listen');
  s.defer(() => new Promise((resolve) => server.close(() => resolve())));
  return server.address().port;
}

/** The failure contract: status 2, exactly one stderr line that says all of `says`, and no stack trace. */
function assertOneLineUsageError(r, says, what) {
  const detail = `${what}: status ${r.code} (signal ${r.signal})\nstderr:\n${r.stderr}\nstdout:\n${r.stdout}`;
  assert.equal(r.code, 2, detail);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `one stderr line; ${detail}`);
  assert.doesNotMatch(r.stderr, /^\s+at |Exception in thread|\bException\b/m, `no stack trace; ${detail}`);
  for (const part of says) assert.ok(lines[0].includes(part), `the line says '${part}'; ${detail}`);
}

describe('startup failures are one line naming the flag and the fix (exit status 2)', () => {
  test('a. --listen and --admin on a port in use, or on an address the machine does not have', T, async (t) => {
    const s = scope(t);
    const busy = await portInUse(s);
    const backend = ['--backend', 'ws://127.0.0.1:9'];
    let r = await runToExit(s, ['proxy', ...backend, '--listen', `127.0.0.1:${busy}`]);
    assertOneLineUsageError(r, ['--listen', `${busy}`, 'in use'], '--listen on a busy port');
    // 192.0.2.1 is TEST-NET-1: no machine has it; binding fails locally and nothing is sent.
    r = await runToExit(s, ['proxy', ...backend, '--listen', '192.0.2.1:0']);
    assertOneLineUsageError(r, ['--listen', '192.0.2.1', 'no address'], '--listen on a foreign address');
    r = await runToExit(s, ['proxy', ...backend, '--listen', '127.0.0.1:0', '--admin', `127.0.0.1:${busy}`]);
    assertOneLineUsageError(r, ['--admin', `${busy}`, 'in use'], '--admin on a busy port');
  });

  test('b. backends, files and builder limits: the line names the flag, not a builder field', T, async (t) => {
    const s = scope(t);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wslb-startup-test-'));
    s.defer(() => fs.rmSync(dir, { recursive: true, force: true }));
    const notPem = path.join(dir, 'notes.txt');
    fs.writeFileSync(notPem, 'not a certificate\n');
    const backend = ['--backend', 'ws://127.0.0.1:9'];
    for (const [args, says] of [
      [['--backend', '127.0.0.1:9101'], ['--backend', 'ws://127.0.0.1:9101']],
      [['--backend', 'ws://h:notaport'], ['--backend', "'notaport' is not a port"]],
      [[...backend, '--backend-ca', path.join(dir, 'absent.pem')], ['--backend-ca', 'no such file']],
      [[...backend, '--backend-ca', notPem], ['--backend-ca', 'holds no PEM certificate']],
      [[...backend, '--idle-timeout', '0'], ['--idle-timeout', 'positive']],
      [[...backend, '--max-attempts', '11'], ['--max-attempts', '11']],
      [[...backend, '--max-message-size', '100'], ['--max-message-size', '125']],
      [[...backend, '--max-frame-size', '2MiB', '--max-message-size', '1MiB'], ['--max-frame-size 2MiB', '--max-message-size 1MiB']],
    ]) {
      const r = await runToExit(s, ['proxy', '--listen', '127.0.0.1:0', ...args]);
      assertOneLineUsageError(r, says, args.join(' '));
      assert.doesNotMatch(r.stderr, /maxMessageSize|maxFrameSize|idleTimeout|maxAttempts|PT0S|has no host/, args.join(' '));
    }
  });

  test('c. demo --port on a port in use exits at once with one line (and stops its backends)', T, async (t) => {
    const s = scope(t);
    const busy = await portInUse(s);
    const r = await runToExit(s, ['demo', '--host', '127.0.0.1', '--port', `${busy}`]);
    assertOneLineUsageError(r, ['--port', `${busy}`, 'in use'], 'demo --port on a busy port');
  });

  test('d. echo --port on a port in use (after a good one) exits with one line', T, async (t) => {
    const s = scope(t);
    const busy = await portInUse(s);
    const r = await runToExit(s, ['echo', '--port', '0', '--port', `${busy}`]);
    assertOneLineUsageError(r, ['--port', `${busy}`, 'in use'], 'echo --port on a busy port');
  });

  test('e. --max-message-size alone (below the default frame limit) is accepted and enforced', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend();
      const l = await s.launcher([b.url], { args: ['--max-message-size', '65536'] });
      const c = await s.connect(l.url);
      assert.equal((await c.roundTrip(Buffer.alloc(65536, 7))).data.length, 65536, 'a message at the limit passes');
      c.ws.send(Buffer.alloc(65537, 7));
      const closed = await withTimeout(c.closed, 5_000, 'the close of an oversized frame');
      assert.equal(closed.code, 1009);
    });
  });
});

describe('--tls-self-signed keeps no secret on disk', () => {
  test('a. the private key is never in a file: not while it runs, not after it stops; clients trusting the certificate connect', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const b = await s.backend();
      const l = await s.launcher([b.url], { args: ['--tls-self-signed'] });
      assert.ok(l.selfSignedCert, `the certificate file is printed:\n${l.output.text}`);
      const dir = path.dirname(l.selfSignedCert);
      s.defer(() => fs.rmSync(dir, { recursive: true, force: true }));
      const holdsAKey = () => (fs.existsSync(dir) ? fs.readdirSync(dir) : [])
        .filter((f) => /PRIVATE KEY/.test(fs.readFileSync(path.join(dir, f), 'utf8')));

      const ca = fs.readFileSync(l.selfSignedCert);
      assert.match(ca.toString('utf8'), /BEGIN CERTIFICATE/);
      const ws = new WebSocket(`${l.url}/`, { ca });
      s.defer(() => ws.terminate());
      await withTimeout(once(ws, 'open'), 10_000, 'a wss client trusting the printed certificate to connect');
      ws.close();
      assert.deepEqual(holdsAKey(), [], `no private key file next to the certificate while it runs (${dir})`);

      await stopProcess(l.child);
      assert.deepEqual(holdsAKey(), [], `no private key file left after it stopped (${dir})`);
    });
  });
});
