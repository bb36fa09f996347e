/**
 * The committed sample set (reports/samples/): the whole scenario catalogue run through the
 * simulator, normalised so that only behaviour shows (normalizeForSample), and rendered in every
 * file format. Built in memory, so the staleness test compares without writing anything.
 */
import crypto from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioRunReport } from '../src/report/model.js';
import { normalizeForSample, renderJson } from '../src/report/index.js';
import { REPORT_FORMATS, renderFormats, type ReportFileName } from '../src/report/formats.js';
import { selectScenarios } from '../src/scenarios/load.js';
import { runScenarios } from '../src/scenarios/run.js';
import { runScenarioInSimulator } from '../src/scenarios/run-sim.js';

export const SAMPLES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../reports/samples');
/** The samples are the files `--report-dir` writes (src/report/formats.ts). */
export const SAMPLE_FILES: readonly ReportFileName[] = REPORT_FORMATS.map((format) => format.file);
export type SampleFile = ReportFileName;

/** mulberry32: a tiny seeded generator, good enough to pick ports. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text: string): number {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return hash >>> 0;
}

type RandomInt = typeof crypto.randomInt;

/**
 * Runs `body` with crypto.randomInt seeded. The reference server draws passive ports at random
 * (on purpose: predictable ports can be stolen), which would make every sample differ; seeding
 * the draw per scenario makes the sample reproducible without touching the server. The override
 * reaches ESM importers through syncBuiltinESMExports, and is undone however `body` ends.
 */
async function withSeededRandomInt<T>(seed: number, body: () => Promise<T>): Promise<T> {
  const original = crypto.randomInt;
  const next = generator(seed);
  const seeded = ((min: number, max?: number | ((error: Error | null, value: number) => void), callback?: (error: Error | null, value: number) => void): number | undefined => {
    const [low, high] = typeof max === 'number' ? [min, max] : [0, min];
    const value = low + Math.floor(next() * (high - low));
    const done = typeof max === 'function' ? max : callback;
    if (done) return void queueMicrotask(() => done(null, value));
    return value;
  }) as RandomInt;
  crypto.randomInt = seeded;
  syncBuiltinESMExports();
  try {
    return await body();
  } finally {
    crypto.randomInt = original;
    syncBuiltinESMExports();
  }
}

/**
 * The catalogue run through the simulator and normalised. One scenario at a time, each with its
 * own seed, so neither the order in which concurrent runs draw ports nor the catalogue's other
 * scenarios can change a scenario's sample.
 */
export async function sampleReport(): Promise<ScenarioRunReport> {
  const scenarios = await selectScenarios([]);
  const runs: ScenarioRunReport[] = [];
  for (const scenario of scenarios) {
    runs.push(await withSeededRandomInt(seedOf(scenario.id), () => runScenarios([scenario], runScenarioInSimulator, { concurrency: 1 })));
  }
  const [first] = runs;
  if (!first) throw new Error('the scenario catalogue is empty');
  const results = runs.flatMap((run) => run.results);
  const report: ScenarioRunReport = {
    ...first,
    verdict: runs.every((run) => run.verdict === 'pass') ? 'pass' : 'fail',
    durationMs: runs.reduce((sum, run) => sum + run.durationMs, 0),
    results,
  };
  return normalizeForSample(report);
}

export function renderSampleSet(report: ScenarioRunReport): Record<SampleFile, string> {
  return Object.fromEntries(renderFormats(report).map(({ format, text }) => [format.file, text])) as Record<SampleFile, string>;
}

type Timed = { t: number; session?: unknown; channel?: unknown };

const isTimed = (item: unknown): item is Timed => item !== null && typeof item === 'object' && typeof (item as { t?: unknown }).t === 'number';

/**
 * Events in the order of each session's own channel, sessions one after another: what is causal
 * (a session's control replies, its data events) keeps its order, how concurrent streams
 * interleaved does not count.
 */
function withoutInterleaving(events: Timed[]): Timed[] {
  const groups = new Map<string, Timed[]>();
  for (const event of events) {
    const key = `${String(event.session ?? '')}|${String(event.channel ?? '')}`;
    groups.set(key, [...(groups.get(key) ?? []), event]);
  }
  return [...groups.keys()].sort().flatMap((key) => groups.get(key) ?? []);
}

/** JSON text of a report without event times and interleaving, for comparing two runs' behaviour. */
function behaviourOf(json: string): string {
  return JSON.stringify(JSON.parse(json), (key, value: unknown) => {
    if (key === 't') return undefined;
    if (Array.isArray(value) && value.length > 1 && value.every(isTimed)) return withoutInterleaving(value);
    return value;
  });
}

/**
 * Event times are positions in the order events happened, and events of concurrent streams (two
 * sessions, or a data connection's end and the 226 that announces it) can swap places from run
 * to run by a fraction of a millisecond. When nothing but those positions differs from the
 * committed sample, the committed report is kept: the sample changes when behaviour or rendering
 * changes, never by chance.
 */
export function adoptCommittedTimes(fresh: ScenarioRunReport, committedJson: string | undefined): ScenarioRunReport {
  if (committedJson === undefined) return fresh;
  try {
    if (behaviourOf(renderJson(fresh)) !== behaviourOf(committedJson)) return fresh;
    return JSON.parse(committedJson) as ScenarioRunReport;
  } catch {
    return fresh; // a broken committed file is stale by definition
  }
}

/** A fresh sample set; given the committed report.json, it keeps its event positions when only they differ. */
export async function buildSampleSet(committedJson?: string): Promise<Record<SampleFile, string>> {
  return renderSampleSet(adoptCommittedTimes(await sampleReport(), committedJson));
}

/** The committed files; a missing one reads as undefined. */
export async function readCommittedSamples(directory = SAMPLES_DIR): Promise<Record<SampleFile, string | undefined>> {
  const entries = await Promise.all(SAMPLE_FILES.map(async (name) => [name, await readFile(path.join(directory, name), 'utf8').catch(() => undefined)] as const));
  return Object.fromEntries(entries) as Record<SampleFile, string | undefined>;
}
