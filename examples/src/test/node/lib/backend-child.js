// A WebSocket echo backend run as a separate Node process, so that a test can
// SIGKILL it for real. Prints "LISTENING <port>" on stdout once it is bound to
// 127.0.0.1 on an ephemeral port. Exits by itself when its stdin closes (i.e.
// when the test process that spawned it goes away), so it can never be left
// behind.
import { WebSocketServer } from 'ws';
import { attachEcho } from './echo.js';

const name = process.argv[2] || 'child';
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('connection', (ws) => attachEcho(ws, name));
wss.on('listening', () => {
  process.stdout.write(`LISTENING ${wss.address().port}\n`);
});
wss.on('error', (err) => {
  process.stderr.write(`backend-child error: ${err.stack || err}\n`);
  process.exit(2);
});

process.stdin.on('data', () => {});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
