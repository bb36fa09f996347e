/**
 * The loopback limit: connect, read everything the bench's sender writes, count it, print
 * { bytes, ms } — a plain TCP copy between two processes, as a transfer to curl is.
 * Usage: tcp-sink.ts HOST PORT
 */
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';

const [host, port] = process.argv.slice(2);
const started = performance.now();
let bytes = 0;
const socket = connect({ host: host ?? '127.0.0.1', port: Number(port) });
socket.on('data', (chunk: Buffer) => {
  bytes += chunk.length;
});
socket.on('end', () => {
  process.stdout.write(`${JSON.stringify({ bytes, ms: performance.now() - started })}\n`);
});
socket.on('error', (error) => {
  process.stderr.write(`tcp-sink: ${error.message}\n`);
  process.exitCode = 1;
});
