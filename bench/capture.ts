/**
 * Benchmark: reading a capture. A ~1 GiB pcap generated here (hundreds of FTP sessions: control
 * dialogue, a passive data connection of bulk 1,448-byte segments, some data SYNs unanswered or
 * refused) is read by our reader alone (readCapture, every item taken), by the reader with the FTP
 * analysis `explain` runs on it (readCaptureFile), and by `tshark -r FILE -Y ftp`. Each side runs in
 * its own process, three times, alternated; figures are medians with the spread, wall time with
 * start-up included for all, and CPU time (the fairer figure on a shared, loaded machine). Peak
 * RSS: ours from process.resourceUsage() in the child, tshark's from /usr/bin/time. Run alone
 * with `npx tsx bench/capture.ts [--quick]`.
 *
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateCapture, type GeneratedCapture } from './capture-generate.js';
import { formatBytes, formatRate, percentile, ratioOf, type BenchRow } from './table.js';
import { commandExists, lastLine, runTimed } from './system.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = 3;
const CAP_MS = 900_000;
const TARGET_RATIO = 5;
const TARGET_RSS_MIB = 150;

/** What is measured: the reader alone (every item taken), or what `explain` does with a capture (reader and FTP analysis). */
type Mode = 'reader' | 'analysis';

interface ChildFigures {
  ms: number;
  cpuMs: number;
  frames: number;
  /** TCP segments (reader) or FTP sessions found (analysis). */
  count: number;
  maxRssKiB: number;
}

/**
 * The measured process. Run as `node -e` on the built modules (what users run), or under tsx on
 * the sources when no fresh build is there.
 */
const CHILD_SCRIPT = `
const [mode, module, file] = process.argv.slice(1);
const loaded = await import(module);
const started = performance.now();
const cpu = process.cpuUsage();
let count = 0;
let frames = 0;
if (mode === 'reader') {
  const stats = { compressed: false, frames: 0, bytes: 0 };
  for await (const item of loaded.readCapture(file, { stats })) if (item.kind === 'tcp') count += 1;
  frames = stats.frames;
} else {
  const reading = await loaded.readCaptureFile(file, 'pcap');
  count = reading.sessions.length;
}
const used = process.cpuUsage(cpu);
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, frames, count, maxRssKiB: process.resourceUsage().maxRSS }) + '\\n');
`;

/** The command running CHILD_SCRIPT on the built module if it is at least as new as the capture sources, else on the source under tsx. */
function childCommand(mode: Mode): string[] {
  const sources = join(ROOT, 'src', 'capture');
  const relative = mode === 'reader' ? join('read', 'index') : 'reader';
  const built = join(ROOT, 'dist', 'capture', `${relative}.js`);
  const newestSource = Math.max(...readdirSync(sources, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs));
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource) return [process.execPath, '--input-type=module', '-e', CHILD_SCRIPT, mode, pathToFileURL(built).href];
  return [process.execPath, '--import', 'tsx', '--input-type=module', '-e', CHILD_SCRIPT, mode, pathToFileURL(join(sources, `${relative}.ts`)).href];
}

interface Run {
  wallMs: number;
  cpuMs: number;
  peakRssBytes: number;
  error?: string;
}

/** CPU time and peak RSS of the whole process, start-up included, as /usr/bin/time says (the same for every side). */
function timeFigures(stderr: string): { cpuMs: number; peakRssBytes: number } | undefined {
  const figures = /peak-kib (\d+) cpu-s ([\d.]+) ([\d.]+)/.exec(stderr);
  return figures ? { cpuMs: (Number(figures[2]) + Number(figures[3])) * 1000, peakRssBytes: Number(figures[1]) * 1024 } : undefined;
}

const TIME = ['/usr/bin/time', '-f', 'peak-kib %M cpu-s %U %S'];

async function runOurs(command: string[], mode: Mode, file: string): Promise<Run & { figures?: ChildFigures }> {
  const result = await runTimed([...TIME, ...command, file], CAP_MS);
  try {
    const figures = JSON.parse(lastLine(result.stdout, 10_000)) as ChildFigures;
    const whole = timeFigures(result.stderr);
    return { wallMs: result.wallMs, cpuMs: whole?.cpuMs ?? figures.cpuMs, peakRssBytes: whole?.peakRssBytes ?? figures.maxRssKiB * 1024, figures };
  } catch {
    return { wallMs: result.wallMs, cpuMs: 0, peakRssBytes: 0, error: `${mode} failed: ${lastLine(result.stderr)}` };
  }
}

async function runTshark(file: string): Promise<Run & { ftpLines?: number }> {
  const result = await runTimed([...TIME, 'tshark', '-n', '-r', file, '-Y', 'ftp'], CAP_MS);
  const figures = timeFigures(result.stderr);
  if (result.capped) return { wallMs: result.wallMs, cpuMs: 0, peakRssBytes: 0, error: `capped at ${CAP_MS / 1000} s` };
  if (result.code !== 0 || !figures) return { wallMs: result.wallMs, cpuMs: 0, peakRssBytes: 0, error: `tshark exit ${result.code}: ${lastLine(result.stderr)}` };
  return { wallMs: result.wallMs, ...figures, ftpLines: result.stdout.split('\n').filter(Boolean).length };
}

/** The middle of the runs (nearest rank: one of the measured values). */
function median(values: number[]): number {
  return percentile(values, 50);
}

function withSpread(values: number[], format: (value: number) => string): string {
  return `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
}

export interface CaptureBenchResult {
  capture: GeneratedCapture;
  reader: (Run & { figures?: ChildFigures })[];
  analysis: (Run & { figures?: ChildFigures })[];
  tshark: (Run & { ftpLines?: number })[];
}

export async function benchCapture(quick: boolean): Promise<{ rows: BenchRow[]; result: unknown }> {
  const capture = generateCapture(quick ? 128 * 1024 ** 2 : 1024 ** 3, quick ? 50 : 400);
  const result: CaptureBenchResult = { capture, reader: [], analysis: [], tshark: [] };
  if (!commandExists('/usr/bin/time')) return { rows: [{ benchmark: 'capture', measure: 'skipped', ours: '-', peer: '-', ratio: null, met: null, note: '/usr/bin/time is not installed (apt-get install time)' }], result };
  const tsharkThere = commandExists('/usr/bin/tshark');
  // Alternated, so that a burst of load on the shared machine hits every side alike.
  // Chosen once: sources edited during the run must not switch later runs to tsx.
  const commands = { reader: childCommand('reader'), analysis: childCommand('analysis') };
  for (let run = 0; run < RUNS; run += 1) {
    result.reader.push(await runOurs(commands.reader, 'reader', capture.file));
    result.analysis.push(await runOurs(commands.analysis, 'analysis', capture.file));
    if (tsharkThere) result.tshark.push(await runTshark(capture.file));
  }
  const rate = (run: Run) => capture.bytes / (run.wallMs / 1000);
  const cpuRate = (run: Run) => capture.bytes / (run.cpuMs / 1000);
  const peer = result.tshark.filter((run) => !run.error);
  const peerNote = tsharkThere ? (peer.length === 0 ? `tshark failed: ${result.tshark[0]?.error}` : undefined) : 'tshark is not installed (apt-get install tshark)';
  const frames = result.reader.find((run) => run.figures)?.figures?.frames ?? '?';
  const rows: BenchRow[] = [];
  for (const mode of ['reader', 'analysis'] as const) {
    const runs = result[mode];
    const failed = runs.find((run) => run.error);
    const label = mode === 'reader' ? `reader alone: every frame of a ${formatBytes(capture.bytes)} pcap (${capture.sessions} FTP sessions, ${frames} frames) to items` : 'reader + FTP analysis (what explain does with the file)';
    if (failed) {
      rows.push({ benchmark: 'capture', measure: label, ours: '-', peer: '-', ratio: null, met: false, note: failed.error! });
      continue;
    }
    const ratio = peer.length > 0 ? ratioOf(median(runs.map(rate)), median(peer.map(rate)), 'larger') : null;
    const cpuRatio = peer.length > 0 ? ratioOf(median(runs.map(cpuRate)), median(peer.map(cpuRate)), 'larger') : null;
    rows.push({
      benchmark: 'capture',
      measure: `${label}; wall time, median of ${RUNS} (spread); then CPU time; start-up included in both`,
      ours: `${withSpread(runs.map(rate), formatRate)}; CPU ${formatRate(median(runs.map(cpuRate)))}`,
      peer: peer.length > 0 ? `\`tshark -Y ftp\` ${withSpread(peer.map(rate), formatRate)}; CPU ${formatRate(median(peer.map(cpuRate)))}` : '-',
      ratio,
      target: `≥ ${TARGET_RATIO}×`,
      met: ratio === null ? null : ratio >= TARGET_RATIO,
      note: cpuRatio === null ? peerNote : `${cpuRatio.toFixed(1)}× in CPU time`,
    });
    rows.push({
      benchmark: 'capture',
      measure: `peak resident memory, ${mode === 'reader' ? 'reader alone' : 'reader + FTP analysis'}`,
      ours: withSpread(runs.map((run) => run.peakRssBytes), formatBytes),
      peer: peer.length > 0 ? `tshark ${formatBytes(median(peer.map((run) => run.peakRssBytes)))}` : '-',
      ratio: peer.length > 0 ? ratioOf(median(runs.map((run) => run.peakRssBytes)), median(peer.map((run) => run.peakRssBytes)), 'smaller') : null,
      target: `≤ ${TARGET_RSS_MIB} MiB`,
      met: median(runs.map((run) => run.peakRssBytes)) <= TARGET_RSS_MIB * 1024 ** 2,
    });
  }
  return { rows, result };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { rows, result } = await benchCapture(process.argv.includes('--quick'));
  process.stdout.write(`${JSON.stringify({ rows, result }, null, 2)}\n`);
}
