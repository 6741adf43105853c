// A real Redis for the launcher's Node.js tests: Debian's redis-server on a free loopback port, persistence off,
// killed with the test's scope.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stopProcess, waitUntil } from './harness.js';

/** Asks a Redis server PING over a raw socket; resolves true on +PONG (or -NOAUTH, from a server with a password). */
export function ping(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      answer += d.toString('latin1');
      if (answer.includes('\r\n')) {
        socket.destroy();
        resolve(answer.startsWith('+PONG') || answer.startsWith('-NOAUTH')); // a server with a password answers too
      }
    });
    socket.on('error', () => resolve(false));
  });
}

/** Starts Debian's redis-server on a free loopback port, killed with the scope. */
export async function redisServer(s, extra = []) {
  const port = await s.deadPort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wslb-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', dir, ...extra], { stdio: 'ignore' });
  s.defer(async () => {
    await stopProcess(child, 1_000);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await waitUntil(() => ping(port), 10_000, `redis-server to answer PING on ${port}`);
  return { port, url: `redis://127.0.0.1:${port}`, child };
}

