/**
 * The floor of the sweep benchmark, client side: connect to every port of a range, `concurrency`
 * at a time, read the token line, close with a reset (as the sweep does). Prints { ms, proved }.
 * Every wait is bounded: a port that gives no token within 2 s counts as not proved.
 * Usage: token-dialer.ts HOST FROM TO CONCURRENCY
 */
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';

const [host = '127.0.0.1', fromText = '0', toText = '0', concurrencyText = '128'] = process.argv.slice(2);
const from = Number(fromText);
const to = Number(toText);
const total = to - from + 1;
const started = performance.now();
let next = from;
let finished = 0;
let proved = 0;

function dial(): void {
  if (next > to) return;
  const port = next;
  next += 1;
  const socket = connect({ host, port, noDelay: true });
  let done = false;
  const finish = (ok: boolean): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (ok) proved += 1;
    socket.resetAndDestroy();
    finished += 1;
    if (finished === total) process.stdout.write(`${JSON.stringify({ ms: performance.now() - started, proved })}\n`);
    else dial();
  };
  const timer = setTimeout(() => finish(false), 2000);
  socket.on('error', () => finish(false));
  socket.once('data', (chunk: Buffer) => finish(chunk.toString('latin1').startsWith(`TOKEN ${port}\r\n`)));
  socket.once('close', () => finish(false));
}

for (let slot = 0; slot < Number(concurrencyText); slot += 1) dial();
