// Launcher-level test of --metrics: the balancer's meters in Prometheus's text format at /metrics on the admin
// address, under the admin token. The scrape is parsed here line by line, as a Prometheus server would, by a peer
// not written in Java; the traffic is the `ws` package.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DIRECT, TEST_TIMEOUT_MS, refusal, scope, waitUntil } from './lib/harness.js';

const T = { timeout: TEST_TIMEOUT_MS, skip: DIRECT ? 'needs the launcher' : false };
const TOKEN = 's3cret-T0ken-0123456789abcdef';

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\["\\\\n])*"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (\\S+)(?: -?\\d+)?$`);
const VALUE = /^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|[+-]Inf|NaN)$/;

/**
 * Parses the Prometheus text exposition format (version 0.0.4): `# HELP` and `# TYPE` lines, then samples
 * `name{label="value",...} value`. Throws on any line that is not one of those.
 * @returns {{ types: Map<string,string>, samples: {name: string, labels: object, value: number}[] }}
 */
function parsePrometheus(text) {
  const types = new Map();
  const samples = [];
  assert.ok(text.endsWith('\n'), 'the exposition ends with a line feed');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      assert.ok(m, `a comment is HELP or TYPE: ${line}`);
      if (m[1] === 'TYPE') {
        assert.match(m[3], /^(counter|gauge|histogram|summary|untyped)$/, `a known type: ${line}`);
        types.set(m[2], m[3]);
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    assert.match(m[3], VALUE, `a number: ${line}`);
    const labels = {};
    for (const [, k, v] of (m[2] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { types, samples };
}

function value(scrape, name, labels = {}) {
  const found = scrape.samples.filter((s) => s.name === name
    && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.equal(found.length, 1, `one sample ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return found[0].value;
}

describe('wslb launcher: metrics', () => {
  test('1. --metrics: /metrics parses as Prometheus text and counts real traffic, under the admin token', T, async (t) => {
    const s = scope(t);
    await s.run(async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wslb-metrics-'));
      s.defer(() => fs.rmSync(dir, { recursive: true, force: true }));
      const tokenFile = path.join(dir, 'token');
      fs.writeFileSync(tokenFile, `${TOKEN}\n`);
      const one = await s.backend({ name: 'one' });
      const two = await s.backend({ name: 'two' });
      const l = await s.launcher([`${one.url};id=one`, `${two.url};id=two`], {
        args: ['--admin', '127.0.0.1:0', '--admin-token-file', tokenFile, '--metrics',
          '--allowed-origin', 'https://chat.example.com'],
      });
      assert.match(l.output.text, /wslb metrics, Prometheus text format, on http:\/\/127\.0\.0\.1:\d+\/metrics/);

      const unauthorized = await fetch(`${l.admin}/metrics`);
      assert.equal(unauthorized.status, 401, 'the admin token guards the metrics too');
      await unauthorized.text();

      const a = await s.connect(l.url);
      const b = await s.connect(l.url);
      await a.whoami();
      await b.whoami();
      const closing = await s.connect(l.url);
      await closing.roundTrip('bye soon');
      await closing.close(1000, 'done');
      assert.equal((await refusal(l.url, { origin: 'https://evil.example.net' })).status, 403);

      const scrape = async () => {
        const response = await fetch(`${l.admin}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
        assert.equal(response.status, 200);
        assert.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
        return parsePrometheus(await response.text());
      };
      let m;
      await waitUntil(async () => {
        m = await scrape();
        return value(m, 'wslb_connections_closed_total', { cause: 'client_closed', code_class: '1000' }) === 1;
      }, 10_000, 'the closed connection to be counted');
      // A scrape reads its meters one after the other, not at one instant: the one that saw the close counted may
      // have read the open gauge just before. The next scrape starts after the close was wholly recorded.
      m = await scrape();

      assert.equal(m.types.get('wslb_connections_open'), 'gauge');
      assert.equal(value(m, 'wslb_connections_open'), 2, 'two clients still connected');
      assert.equal(value(m, 'wslb_backend_connections_open', { backend: 'one' })
        + value(m, 'wslb_backend_connections_open', { backend: 'two' }), 2);
      assert.equal(value(m, 'wslb_handshakes_total', { outcome: 'upgraded' }), 3);
      assert.equal(value(m, 'wslb_handshakes_total', { outcome: 'refused', cause: 'forbidden', status: '403' }), 1);
      assert.equal(value(m, 'wslb_backend_state', { backend: 'one', state: 'healthy' }), 1);
      assert.equal(value(m, 'wslb_backend_state', { backend: 'one', state: 'draining' }), 0);
      const messagesUp = m.samples.filter((x) => x.name === 'wslb_backend_messages_total'
        && x.labels.direction === 'client_to_backend').reduce((sum, x) => sum + x.value, 0);
      assert.equal(messagesUp, 1, 'the one closed connection sent one message (open ones count when they close)');
      assert.ok(value(m, 'wslb_handshake_duration_seconds_count') >= 3);
      assert.ok(m.samples.some((x) => x.name === 'process_files_open_files'), 'the process\'s open files');
      for (const sample of m.samples) {
        const text = JSON.stringify(sample.labels);
        assert.ok(!text.includes('127.0.0.1') && !text.includes('evil'), `no client address or origin in tags: ${text}`);
      }
    });
  });
});
