// Test harness: in-process ws backends, a child-process backend, the wslb
// launcher as a child process, and ws clients. Every resource a test creates is
// registered on that test's Scope and released in t.after(), which node:test
// runs whether the test passed, failed or timed out. As a last resort, every
// child process still alive when this process exits is SIGKILLed.
import { spawn } from 'node:child_process';
import { once, EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { attachEcho } from './echo.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const TEST_DIR = path.resolve(HERE, '..');

export const TARGET = (process.env.WSLB_TARGET || 'proxy').toLowerCase();
if (TARGET !== 'proxy' && TARGET !== 'direct') {
  throw new Error(`WSLB_TARGET must be "proxy" (default) or "direct", got "${process.env.WSLB_TARGET}"`);
}
export const DIRECT = TARGET === 'direct';
export const JAR = process.env.WSLB_JAR
  ? path.resolve(process.env.WSLB_JAR)
  : path.resolve(TEST_DIR, '../../../target/wslb-examples.jar');
export const JAVA = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';

export const LISTEN_RE = /listening on (wss?):\/\/([^:\s]+):(\d+)/;
export const SELF_SIGNED_RE = /self-signed certificate file: (\S+)/;
export const LAUNCHER_READY_MS = 20_000;
// Per-test bound: launcher start (<= 20 s) plus the test's own bounded waits.
export const TEST_TIMEOUT_MS = 60_000;
export const NEEDS_PROXY = DIRECT ? 'needs the proxy: skipped only because WSLB_TARGET=direct' : false;

// ---------------------------------------------------------------- utilities

export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with a descriptive error if `promise` has not settled within `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `predicate` every 10 ms until it is true; fails after `ms`. For "eventually" conditions only. */
export async function waitUntil(predicate, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await delay(10);
  }
}

// ------------------------------------------------- child process bookkeeping

const liveChildren = new Set();

function track(child) {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

function killAllChildrenNow() {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

process.on('exit', killAllChildrenNow);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    killAllChildrenNow();
    process.exit(128 + 2);
  });
}

function isRunning(child) {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopProcess(child, graceMs = 5_000) {
  if (!isRunning(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const first = await Promise.race([exited.then(() => 'exited'), delay(graceMs).then(() => 'grace-over')]);
  if (first === 'exited' || !isRunning(child)) return;
  child.kill('SIGKILL');
  await withTimeout(exited, 5_000, `process ${child.pid} to exit after SIGKILL`);
}

/** Keeps the last `max` characters written to a stream (and always drains it). */
function captureOutput(stream, sink, max = 64 * 1024) {
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    sink.text += chunk;
    if (sink.text.length > max) sink.text = sink.text.slice(-max);
    sink.emitter.emit('data');
  });
}

// ---------------------------------------------------------------- the scope

/** Creates the per-test resource scope; everything is released in t.after(). */
export function scope(t) {
  const s = new Scope(t);
  t.after(() => s.cleanup());
  return s;
}

class Scope {
  constructor(t) {
    this.t = t;
    this.cleanups = [];
    this.launchers = [];
  }

  defer(fn) {
    this.cleanups.push(fn);
  }

  async cleanup() {
    const fns = this.cleanups.splice(0).reverse();
    for (const fn of fns) {
      try {
        await withTimeout(Promise.resolve().then(fn), 15_000, 'a cleanup step');
      } catch (err) {
        this.t.diagnostic(`cleanup error: ${err && err.message}`);
      }
    }
  }

  /** The launcher output so far (for failure messages). */
  launcherLog() {
    return this.launchers
      .map((l) => `--- launcher output (${JAVA} ${l.args.join(' ')}):\n${l.output.text}--- end of launcher output`)
      .join('\n');
  }

  /**
   * Runs the test body; if it throws, the launcher's output is appended to the
   * error so that a proxy-mode failure shows what the launcher said.
   */
  async run(fn) {
    try {
      await fn();
    } catch (err) {
      const log = this.launcherLog();
      if (log && err && typeof err === 'object') {
        try {
          err.message = `${err.message}\n${log}`;
        } catch {
          // some errors have read-only messages; nothing to do
        }
      }
      throw err;
    }
  }

  // -------------------------------------------------------------- backends

  /**
   * An in-process ws echo backend on 127.0.0.1:<ephemeral>.
   * Records every upgrade request, connection, message and close.
   */
  async backend({ name = 'backend', handleProtocols, verifyClient, tls } = {}) {
    const events = new EventEmitter();
    const b = {
      name,
      port: 0,
      url: '',
      conns: [], // one entry per 'connection' event
      verifyCalls: 0,
      events,
      get connections() {
        return this.conns.length;
      },
      get open() {
        return this.conns.filter((c) => c.close === null).length;
      },
    };
    // With `tls` ({ cert, key } in PEM), the backend serves wss:// on an https server.
    const tlsServer = tls ? https.createServer({ cert: tls.cert, key: tls.key }) : null;
    const options = tlsServer ? { server: tlsServer } : { host: '127.0.0.1', port: 0 };
    if (handleProtocols) options.handleProtocols = handleProtocols;
    if (verifyClient) {
      options.verifyClient = (info, cb) => {
        b.verifyCalls++;
        verifyClient(info, cb);
      };
    }
    const wss = new WebSocketServer(options);
    wss.on('connection', (ws, req) => {
      const conn = {
        ws,
        url: req.url,
        headers: { ...req.headers },
        protocol: ws.protocol,
        messages: [],
        close: null,
      };
      b.conns.push(conn);
      ws.on('error', () => {}); // reported through 'close'
      ws.on('close', (code, reason) => {
        conn.close = { code, reason: reason.toString('utf8') };
        events.emit('close', conn);
      });
      attachEcho(ws, name, (data, isBinary) => {
        conn.messages.push({ data: Buffer.from(data), isBinary });
      });
      events.emit('connection', conn);
    });
    if (tlsServer) {
      tlsServer.listen(0, '127.0.0.1');
      await withTimeout(once(tlsServer, 'listening'), 5_000, `backend ${name} to listen`);
      b.port = tlsServer.address().port;
      b.url = `wss://127.0.0.1:${b.port}`;
      b.tlsErrors = [];
      tlsServer.on('tlsClientError', (err) => b.tlsErrors.push(err));
    } else {
      await withTimeout(once(wss, 'listening'), 5_000, `backend ${name} to listen`);
      b.port = wss.address().port;
      b.url = `ws://127.0.0.1:${b.port}`;
    }
    b.wss = wss;
    this.defer(async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => wss.close(() => resolve()));
      if (tlsServer) {
        tlsServer.closeAllConnections?.();
        await new Promise((resolve) => tlsServer.close(() => resolve()));
      }
    });
    return b;
  }

  /** A port on 127.0.0.1 with nothing listening (bound once, then released). */
  async deadPort() {
    const srv = http.createServer();
    srv.listen(0, '127.0.0.1');
    await withTimeout(once(srv, 'listening'), 5_000, 'a throw-away server to listen');
    const { port } = srv.address();
    await new Promise((resolve) => srv.close(() => resolve()));
    return port;
  }

  /** The echo backend as a separate Node process (so it can be SIGKILLed). */
  async childBackend(name = 'child') {
    const child = spawn(process.execPath, [path.join(HERE, 'backend-child.js'), name], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    track(child);
    this.defer(() => stopProcess(child, 1_000));
    const output = { text: '', emitter: new EventEmitter() };
    captureOutput(child.stdout, output);
    captureOutput(child.stderr, output);
    const port = await withTimeout(
      new Promise((resolve, reject) => {
        const check = () => {
          const m = /LISTENING (\d+)/.exec(output.text);
          if (m) resolve(Number(m[1]));
        };
        output.emitter.on('data', check);
        child.once('exit', (code, sig) => reject(new Error(`backend child exited early (${code ?? sig}): ${output.text}`)));
        child.once('error', reject);
      }),
      10_000,
      'the child backend to listen',
    );
    return { name, child, port, url: `ws://127.0.0.1:${port}`, output };
  }

  // -------------------------------------------------------------- launcher

  /**
   * Starts `java ...args` as a child released with the scope, and waits until its output matches `ready`;
   * returns { child, output, match }. Fails if it exits or does not print the line within LAUNCHER_READY_MS.
   */
  async javaChild(args, ready, who, line) {
    const child = spawn(JAVA, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    const output = { text: '', emitter: new EventEmitter() };
    this.launchers.push({ args, child, output });
    this.defer(() => stopProcess(child, 5_000));
    captureOutput(child.stdout, output);
    captureOutput(child.stderr, output);
    const match = await withTimeout(
      new Promise((resolve, reject) => {
        const check = () => {
          const m = ready.exec(output.text);
          if (m) resolve(m);
        };
        output.emitter.on('data', check);
        child.once('error', (err) => reject(new Error(`could not start ${JAVA}: ${err.message}`)));
        child.once('exit', (code, sig) => {
          check();
          reject(new Error(`${who} exited (${code ?? sig}) before printing "${line}"`));
        });
      }),
      LAUNCHER_READY_MS,
      `${who} to print "${line}"`,
    );
    return { child, output, match };
  }

  /**
   * Starts `java -jar $WSLB_JAR proxy ...` and waits for its "listening on" line. `args` are more launcher
   * arguments; with `--admin`, the launcher's admin URL (from its "admin API on" line) is in `l.admin`.
   */
  async launcher(backendUrls, { strategy, args: extra = [] } = {}) {
    if (!fs.existsSync(JAR)) {
      throw new Error(`launcher jar not found: ${JAR} (build it, or set WSLB_JAR; or run with WSLB_TARGET=direct)`);
    }
    const args = ['-jar', JAR, 'proxy', '--listen', '127.0.0.1:0'];
    for (const url of backendUrls) args.push('--backend', url);
    if (strategy) args.push('--strategy', strategy);
    args.push(...extra);
    const { child, output, match } = await this.javaChild(args, LISTEN_RE, 'the launcher', 'listening on ws://HOST:PORT');
    const l = { args, child, output, url: null };
    const [host, port, scheme] = [match[2], Number(match[3]), match[1]];
    // Never send traffic anywhere but the loopback interface.
    if (!/^(127\.\d+\.\d+\.\d+|localhost)$/.test(host)) {
      throw new Error(`launcher reports a non-loopback address ${host}:${port}; refusing to connect`);
    }
    if (!(port > 0 && port < 65536)) throw new Error(`launcher reports a bad port ${port}`);
    l.url = `${scheme}://${host}:${port}`;
    const selfSigned = SELF_SIGNED_RE.exec(output.text);
    l.selfSignedCert = selfSigned ? selfSigned[1] : null;
    const admin = /admin API on (http:\/\/127\.0\.0\.1:\d+)\//.exec(output.text);
    l.admin = admin ? admin[1] : null;
    return l;
  }

  /**
   * Starts `java -jar $WSLB_JAR demo --port 0 ...args` and waits for its "wslb demo: open URL" line. Returns
   * the page URL, the balancer URL (same origin, /ws) and, with --tls-self-signed, the certificate's PEM path.
   */
  async demo(args = []) {
    const all = ['-jar', JAR, 'demo', '--host', '127.0.0.1', '--port', '0', ...args];
    const OPEN_RE = /wslb demo: open (https?):\/\/(127\.0\.0\.1):(\d+)\//;
    const { output, match } = await this.javaChild(all, OPEN_RE, 'the demo', 'wslb demo: open URL');
    const [scheme, host, port] = [match[1], match[2], Number(match[3])];
    const selfSigned = SELF_SIGNED_RE.exec(output.text);
    return {
      page: `${scheme}://${host}:${port}/`,
      balancer: `${scheme === 'https' ? 'wss' : 'ws'}://${host}:${port}/ws`,
      origin: `${scheme}://${host}:${port}`,
      selfSignedCert: selfSigned ? selfSigned[1] : null,
      output,
    };
  }

  /**
   * The URL a test should connect to: the launcher in front of `backends`
   * (proxy mode), or the single backend itself (direct mode).
   */
  async target(backends, opts = {}) {
    if (DIRECT) {
      if (backends.length !== 1) throw new Error('direct mode supports exactly one backend');
      return backends[0].url;
    }
    return (await this.launcher(backends.map((b) => b.url), opts)).url;
  }

  // --------------------------------------------------------------- clients

  /** Opens a ws client and waits for 'open'; fails on error, HTTP refusal or timeout. */
  async connect(url, protocols, options = {}) {
    const ws = new WebSocket(url, protocols, { handshakeTimeout: 10_000, ...options });
    const c = new Client(ws);
    this.defer(() => c.terminate());
    await withTimeout(c.opened, 12_000, `the client to open ${url}`);
    return c;
  }

  /**
   * Opens a ws client that is expected to be refused at the HTTP level.
   * Resolves with { status, opened, error } once the handshake has failed.
   */
  async connectExpectingRefusal(url, options = {}) {
    const ws = new WebSocket(url, { handshakeTimeout: 10_000, ...options });
    this.defer(() => ws.terminate());
    const result = { status: null, opened: false, error: null, body: '' };
    const done = new Promise((resolve) => {
      ws.on('open', () => {
        result.opened = true;
        resolve();
      });
      ws.on('unexpected-response', (req, res) => {
        result.status = res.statusCode;
        res.setEncoding('utf8');
        res.on('data', (d) => {
          result.body += d;
        });
        res.on('error', () => {});
        ws.terminate();
      });
      ws.on('error', (err) => {
        result.error = err;
        resolve();
      });
      ws.on('close', () => resolve());
    });
    await withTimeout(done, 12_000, `the handshake with ${url} to end`);
    return result;
  }
}

// ---------------------------------------------------------------- refusals

/** Tries an upgrade and returns the HTTP refusal { status, headers }, or fails if it was accepted. */
export function refusal(url, options = {}) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      ws.on('unexpected-response', (req, res) => {
        resolve({ status: res.statusCode, headers: res.headers });
        req.destroy();
      });
      ws.on('open', () => {
        ws.terminate();
        reject(new Error('the upgrade was accepted'));
      });
      ws.on('error', () => {});
    }),
    10_000,
    'the refusal of an upgrade',
  );
}

// ---------------------------------------------------------------- a client

export class Client {
  constructor(ws) {
    this.ws = ws;
    this.queue = [];
    this.waiters = [];
    this.error = null;
    this.closeInfo = null;
    ws.on('message', (data, isBinary) => {
      const msg = { data: Buffer.from(data), isBinary };
      const w = this.waiters.shift();
      if (w) w.resolve(msg);
      else this.queue.push(msg);
    });
    ws.on('error', (err) => {
      this.error = err;
    });
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('unexpected-response', (req, res) => {
        reject(new Error(`handshake refused with HTTP ${res.statusCode}`));
        ws.terminate();
      });
      ws.once('error', reject);
      ws.once('close', (code) => reject(new Error(`closed (${code}) before open`)));
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString('utf8'), at: performance.now() };
        for (const w of this.waiters.splice(0)) {
          w.reject(new Error(`connection closed (${code} ${reason}) while waiting for a message`));
        }
        resolve(this.closeInfo);
      });
    });
  }

  /** The next message received (in order), within `ms`. */
  next(ms = 5_000) {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    if (this.closeInfo) return Promise.reject(new Error(`connection already closed (${this.closeInfo.code})`));
    let waiter;
    const p = new Promise((resolve, reject) => {
      waiter = { resolve, reject };
      this.waiters.push(waiter);
    });
    return withTimeout(p, ms, 'a message').catch((err) => {
      const i = this.waiters.indexOf(waiter);
      if (i >= 0) this.waiters.splice(i, 1);
      throw err;
    });
  }

  /** Sends and returns the next message received. */
  async roundTrip(data, options = {}, ms = 5_000) {
    this.ws.send(data, options);
    return this.next(ms);
  }

  /** Asks the backend which one it is. */
  async whoami(ms = 5_000) {
    const m = await this.roundTrip('whoami', {}, ms);
    const text = m.data.toString('utf8');
    if (!text.startsWith('iam:')) throw new Error(`unexpected reply to whoami: ${JSON.stringify(text)}`);
    return text.slice(4);
  }

  /** Closes from the client side and waits for the close event. */
  async close(code = 1000, reason = '', ms = 5_000) {
    this.ws.close(code, reason);
    return withTimeout(this.closed, ms, 'the client close event');
  }

  terminate() {
    this.ws.terminate();
  }
}
