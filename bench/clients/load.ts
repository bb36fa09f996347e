/**
 * The load generator of the concurrency benchmark (the same for every server): `count` basic-ftp
 * sessions started at once, each logging in, PASV + LIST, PASV + RETR of `path`, then QUIT.
 * Every operation is bounded by basic-ftp's own timeout. Prints one JSON line:
 * { ok, failed, latenciesMs: number[], errors: { message: count } }.
 * Usage: load.ts HOST PORT COUNT PATH EXPECTED_BYTES
 */
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { Client, enterPassiveModeIPv4 } from 'basic-ftp';

const [host = '127.0.0.1', port = '21', count = '1', path = '/', expected = '0'] = process.argv.slice(2);
const OPERATION_TIMEOUT_MS = 30_000;

/** Counts what arrives and throws it away. */
class Discard extends Writable {
  bytes = 0;
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    done();
  }
}

async function session(): Promise<number> {
  const started = performance.now();
  const client = new Client(OPERATION_TIMEOUT_MS);
  // PASV, as the benchmark says (basic-ftp would otherwise try EPSV first).
  client.prepareTransfer = enterPassiveModeIPv4;
  try {
    await client.access({ host, port: Number(port), user: 'anonymous', password: 'bench@' });
    await client.list();
    const sink = new Discard();
    await client.downloadTo(sink, path);
    if (sink.bytes !== Number(expected)) throw new Error(`got ${sink.bytes} of ${expected} bytes`);
    return performance.now() - started;
  } finally {
    client.close();
  }
}

const results = await Promise.allSettled(Array.from({ length: Number(count) }, () => session()));
const latenciesMs: number[] = [];
const errors: Record<string, number> = {};
for (const result of results) {
  if (result.status === 'fulfilled') latenciesMs.push(Math.round(result.value));
  else {
    const message = String((result.reason as Error)?.message ?? result.reason).slice(0, 100);
    errors[message] = (errors[message] ?? 0) + 1;
  }
}
process.stdout.write(`${JSON.stringify({ ok: latenciesMs.length, failed: results.length - latenciesMs.length, latenciesMs, errors })}\n`);
