/**
 * `npm run bench [-- --only a,b] [-- --quick]`: every benchmark against its peer in one run, one
 * table on stdout, everything (figures, ratios, date, machine) in reports/bench.json. A benchmark
 * whose peer or privilege is missing is skipped with the reason; one that breaks is reported as
 * broken and the others still run.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchCapture } from './capture.js';
import { benchCatalogue } from './catalogue.js';
import { benchConcurrency } from './concurrency.js';
import { describeMachine, machineInfo } from './system.js';
import { parseBenchFlags, renderTable, skippedRow, type BenchmarkName, type BenchRow } from './table.js';
import { benchThroughput } from './throughput.js';
import { benchVerdict } from './verdict.js';

const here = dirname(fileURLToPath(import.meta.url));
const REPORT_FILE = join(here, '..', 'reports', 'bench.json');

interface Outcome {
  rows: BenchRow[];
  result: unknown;
}

/** benchSweep() lives in bench/sweep.ts, written separately: use it when it is there. */
async function sweep(quick: boolean): Promise<Outcome> {
  const file = join(here, 'sweep.ts');
  if (!existsSync(file)) return { rows: [skippedRow('sweep', 'not run: bench/sweep.ts (benchSweep) does not exist yet')], result: { skipped: 'bench/sweep.ts missing' } };
  const module = (await import(pathToFileURL(file).href)) as { benchSweep?: (options: { quick: boolean }) => Promise<unknown> };
  if (typeof module.benchSweep !== 'function') return { rows: [skippedRow('sweep', 'not run: bench/sweep.ts exports no benchSweep()')], result: { skipped: 'no benchSweep export' } };
  const result = await module.benchSweep({ quick });
  const rows = (result as { rows?: BenchRow[] } | null)?.rows;
  if (Array.isArray(rows)) return { rows: rows.map((row) => ({ ...row, benchmark: 'sweep' })), result };
  return { rows: [{ benchmark: 'sweep', measure: 'see reports/bench.json', ours: '-', peer: '-', ratio: null, met: null, note: 'benchSweep() returned no rows' }], result };
}

const RUNNERS: Record<BenchmarkName, (quick: boolean) => Promise<Outcome>> = {
  verdict: benchVerdict,
  throughput: benchThroughput,
  concurrency: benchConcurrency,
  catalogue: benchCatalogue,
  sweep,
  capture: benchCapture,
};

async function main(): Promise<number> {
  let flags;
  try {
    flags = parseBenchFlags(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  const machine = machineInfo();
  const date = new Date().toISOString();
  const rows: BenchRow[] = [];
  const results: Record<string, unknown> = {};
  const timings: Record<string, number> = {};
  for (const name of flags.only) {
    process.stderr.write(`bench: ${name}${flags.quick ? ' (quick)' : ''}...\n`);
    const started = performance.now();
    try {
      const outcome = await RUNNERS[name](flags.quick);
      rows.push(...outcome.rows);
      results[name] = outcome.result;
    } catch (error) {
      const message = (error as Error).stack ?? String(error);
      rows.push({ benchmark: name, measure: 'broken', ours: '-', peer: '-', ratio: null, met: false, note: (error as Error).message.slice(0, 200) });
      results[name] = { error: message };
    }
    timings[name] = Math.round(performance.now() - started);
    process.stderr.write(`bench: ${name} done in ${(timings[name] / 1000).toFixed(1)} s\n`);
  }
  const header = `ftp-doctor bench — ${date}${flags.quick ? ' (--quick: reduced sizes, not the published figures)' : ''}\n${describeMachine(machine)}`;
  process.stdout.write(`${renderTable(rows, header)}\n`);
  await mkdir(dirname(REPORT_FILE), { recursive: true });
  await writeFile(REPORT_FILE, `${JSON.stringify({ date, quick: flags.quick, machine, rows, results, benchmarkWallMs: timings }, null, 2)}\n`);
  process.stderr.write(`bench: wrote ${REPORT_FILE}\n`);
  return 0;
}

process.exitCode = await main();
