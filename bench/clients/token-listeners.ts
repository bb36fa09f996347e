/**
 * The floor of the sweep benchmark, server side: bare node:net listeners on every port of a
 * range, each writing a one-line token naming its port on accept. No FTP, no blocks, no
 * bookkeeping: what any Node program that proves ports with a token must at least do.
 * Usage: token-listeners.ts HOST FROM TO  (prints "listening on ..." once every port listens)
 */
import { createServer } from 'node:net';

const [host = '127.0.0.1', fromText = '0', toText = '0'] = process.argv.slice(2);
const from = Number(fromText);
const to = Number(toText);
let pending = to - from + 1;
for (let port = from; port <= to; port += 1) {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.write(`TOKEN ${port}\r\n`);
  });
  server.on('error', (error) => {
    process.stderr.write(`token-listeners: ${port}: ${error.message}\n`);
    process.exit(1);
  });
  server.listen({ host, port, backlog: 64 }, () => {
    pending -= 1;
    if (pending === 0) process.stdout.write(`listening on ${host} ${from}-${to}\n`);
  });
}
