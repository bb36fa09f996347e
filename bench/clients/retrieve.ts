/**
 * Our client fetching one file, for the throughput benchmark: the probe engine (the same code
 * `ftp-doctor probe --retrieve` runs) with a cap and a data timeout big enough for a large RETR.
 * Prints one JSON line: { bytes, transferMs, wallMs, outcome }.
 * Usage: retrieve.ts URL PATH EXPECTED_BYTES
 */
import { performance } from 'node:perf_hooks';
import { realNetwork } from '../../src/net/real.js';
import { probe } from '../../src/probe/engine.js';

const [url, path, expected] = process.argv.slice(2);
if (!url || !path || !expected) {
  process.stderr.write('usage: retrieve.ts URL PATH EXPECTED_BYTES\n');
  process.exit(2);
}
const started = performance.now();
const run = await probe(
  { url, modes: ['pasv'], retrieve: path, maxDataBytes: Number(expected) * 2, dataTimeoutMs: 60_000, connectTimeoutMs: 10_000 },
  realNetwork,
);
const wallMs = performance.now() - started;
// The RETR is the attempt after the LIST on the pasv session.
const retrieval = run.evidence.attempts.find((attempt) => attempt.transferCommand === `RETR ${path}`);
process.stdout.write(
  `${JSON.stringify({
    bytes: retrieval?.transfer.bytes ?? 0,
    transferMs: retrieval?.transfer.durationMs ?? null,
    wallMs,
    outcome: retrieval?.transfer.outcome ?? 'not-run',
    error: retrieval?.transfer.error,
  })}\n`,
);
