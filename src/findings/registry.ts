/**
 * The finding registry: every code the product can emit, with its default severity, the stage and
 * data modes it concerns, what it means, its usual causes and its references. `FindingCode` is the
 * closed union of its keys, so a finding with a code the registry does not list does not compile,
 * and the README's table, docs/finding-codes.md and `ftp-doctor findings` are all read from here.
 * Depends only on src/ftp (the layer rule in .dependency-cruiser.cjs).
 */
import { ALL_MODES, type DataMode } from '../ftp/data-mode.js';
import { CONTROL_FINDINGS } from './codes-control.js';
import { DATA_FINDINGS } from './codes-data.js';
import { PASSIVE_FINDINGS } from './codes-passive.js';
import { SWEEP_FINDINGS } from './codes-sweep.js';
import type { FindingEntry } from './entry.js';

export type { Emitter, FindingEntry, Stage } from './entry.js';
export type { Severity, Verdict } from './severity.js';

/** In the order a reader meets them: control and login, passive and active data, transfer, sweep. */
export const REGISTRY = { ...CONTROL_FINDINGS, ...PASSIVE_FINDINGS, ...DATA_FINDINGS, ...SWEEP_FINDINGS } as const;

export type FindingCode = keyof typeof REGISTRY;

/** The registry's sections, for the documentation: a heading and the commands that report them. */
export const FINDING_GROUPS: readonly { heading: string; codes: readonly FindingCode[] }[] = [
  { heading: 'Control connection and login (`probe`, `check`)', codes: Object.keys(CONTROL_FINDINGS) as FindingCode[] },
  { heading: 'Data connections (`probe`, `check`)', codes: Object.keys({ ...PASSIVE_FINDINGS, ...DATA_FINDINGS }) as FindingCode[] },
  { heading: 'Range sweeps (`sweep`)', codes: Object.keys(SWEEP_FINDINGS) as FindingCode[] },
];

export const FINDING_CODES = Object.keys(REGISTRY) as readonly FindingCode[];

export function isFindingCode(value: string): value is FindingCode {
  return Object.hasOwn(REGISTRY, value);
}

export function findingEntry(code: FindingCode): FindingEntry {
  return REGISTRY[code];
}

/** The data modes a code speaks for, as a list ('all' → every mode, 'none' → none). */
export function modesOf(code: FindingCode): readonly DataMode[] {
  const { modes } = findingEntry(code);
  if (modes === 'all') return ALL_MODES;
  if (modes === 'none') return [];
  return modes;
}

/** Does the code speak for this mode in particular, rather than for every mode alike? */
export function speaksForMode(code: FindingCode, mode: DataMode): boolean {
  const { modes } = findingEntry(code);
  return typeof modes !== 'string' && modes.includes(mode);
}
