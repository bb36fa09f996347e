/**
 * The contract JSON (docs/json-report.md): the report model, sanitised, with keys in one stable
 * order no matter in which order the producer built the objects, so diffs between runs and the
 * committed samples only show real changes. Known keys come first in a reading order (who, what,
 * verdict, then the details); keys we do not know yet follow alphabetically.
 */
import { SCHEMA_VERSION, type AnyReport } from './model.js';
import { sanitizeReport } from './sanitize.js';

const KEY_ORDER = [
  // report header
  'tool', 'version', 'schemaVersion', 'kind', 'target', 'verdict', 'startedAt', 'durationMs', 'evidenceSpan',
  'addressPolicy', 'method', 'range', 'tested',
  // identities and outcomes of nested records
  'id', 'name', 'code', 'severity', 'title', 'mode', 'tls', 'result', 'expectationMet', 'mismatches',
  'expected', 'backend', 'failure', 'error', 'failures', 'description', 'source',
  'explanation', 'evidence', 'remedies', 'product', 'text', 'commands',
  'detail', 't', 'session', 'channel', 'direction', 'purpose', 'from', 'to', 'port', 'state',
  'outcome', 'decidedBy', 'bytes', 'at', 'connection', 'decision', 'rule', 'step', 'hop',
  'findings', 'failingStep',
  // bulky collections last
  'steps', 'spans', 'ports', 'passivePorts', 'connections', 'trace', 'transcript', 'probe', 'results', 'targets',
];
const RANK = new Map(KEY_ORDER.map((key, index) => [key, index]));

function compareKeys(a: string, b: string): number {
  const rankA = RANK.get(a) ?? Number.MAX_SAFE_INTEGER;
  const rankB = RANK.get(b) ?? Number.MAX_SAFE_INTEGER;
  return rankA !== rankB ? rankA - rankB : a < b ? -1 : a > b ? 1 : 0;
}

/** A copy with object keys in the stable order; undefined fields dropped as JSON would. */
export function orderKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(orderKeys);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const output: Record<string, unknown> = {};
    for (const key of Object.keys(record).sort(compareKeys)) {
      if (record[key] !== undefined) output[key] = orderKeys(record[key]);
    }
    return output;
  }
  return value;
}

/** The report as the contract JSON: one object, two-space indented, newline-terminated. */
export function renderJson(report: AnyReport): string {
  const clean = sanitizeReport(report);
  // A producer that forgot the schema version still emits one: consumers branch on it.
  const withSchema = { ...clean, schemaVersion: clean.schemaVersion ?? SCHEMA_VERSION };
  return `${JSON.stringify(orderKeys(withSchema), null, 2)}\n`;
}
