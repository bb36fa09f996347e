/**
 * Kernel counters → TraceEntry[]. Every rule ruleset.ts writes carries a counter and a comment
 * `<scope>/<kind> <text>`; after a run, the rules whose counters moved say which hop decided what.
 * Counters know packets, not connections, so `connection` is '*' and the packet count goes in
 * `detail`. Pure, apart from `readCounters`, which asks nft in each namespace.
 */
import type { TraceEntry } from '../report/model.js';

type Decision = TraceEntry['decision'];

export interface CounterRule {
  scope: string;
  kind: string;
  text: string;
  /** The rule's verdict or NAT statement, from its JSON expression. */
  action?: string;
  packets: number;
  bytes: number;
}

/** Bookkeeping rules that every connection passes: not decisions worth a trace line. */
const QUIET_KINDS = new Set(['established', 'loopback', 'icmp', 'helper', 'timeout-set', 'undnat']);
const ACTIONS = ['accept', 'drop', 'reject', 'dnat', 'snat', 'masquerade', 'mangle'] as const;
const COMMENT_PATTERN = /^(client|edge|server|nat)\/(\S+) (.*)$/s;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The rules with our comment format out of `nft -j list ruleset` output. */
export function parseCounterRules(json: unknown): CounterRule[] {
  const items = isRecord(json) && Array.isArray(json.nftables) ? json.nftables : [];
  const rules: CounterRule[] = [];
  for (const item of items) {
    const rule = isRecord(item) && isRecord(item.rule) ? item.rule : undefined;
    if (!rule || typeof rule.comment !== 'string') continue;
    const match = COMMENT_PATTERN.exec(rule.comment);
    if (!match) continue;
    const expressions = Array.isArray(rule.expr) ? rule.expr.filter(isRecord) : [];
    let packets = 0;
    let bytes = 0;
    let action: string | undefined;
    for (const expression of expressions) {
      const counter = expression.counter;
      if (isRecord(counter)) {
        packets = typeof counter.packets === 'number' ? counter.packets : 0;
        bytes = typeof counter.bytes === 'number' ? counter.bytes : 0;
      }
      action ??= ACTIONS.find((name) => name in expression);
    }
    rules.push({ scope: match[1] as string, kind: match[2] as string, text: match[3] as string, action, packets, bytes });
  }
  return rules;
}

export function decisionOf(rule: CounterRule): Decision | undefined {
  switch (rule.kind) {
    case 'expect':
      return 'expect';
    case 'timeout':
      return 'timeout';
    case 'dnat':
      return 'dnat';
    case 'snat':
      return 'snat';
    default:
      break;
  }
  if (rule.action === 'accept' || rule.action === 'drop' || rule.action === 'reject') return rule.action;
  return undefined;
}

/** Rules whose counters moved, as trace entries, in ruleset order. */
export function countersToTrace(rules: CounterRule[], t: number): TraceEntry[] {
  const entries: TraceEntry[] = [];
  for (const rule of rules) {
    if (rule.packets === 0 || QUIET_KINDS.has(rule.kind)) continue;
    const decision = decisionOf(rule);
    if (!decision) continue;
    entries.push({
      t,
      at: rule.scope,
      connection: '*',
      decision,
      rule: rule.text,
      detail: `${rule.packets} packet${rule.packets === 1 ? '' : 's'}, ${rule.bytes} bytes (kernel counter ${rule.scope}/${rule.kind})`,
    });
  }
  return entries;
}

export type NamespaceExec = (argv: string[]) => Promise<{ code: number | null; stdout: string; stderr: string }>;

/** Every tagged rule of every namespace (in order), with its counter. */
export async function readCounterRules(execs: NamespaceExec[]): Promise<CounterRule[]> {
  const rules: CounterRule[] = [];
  for (const exec of execs) {
    const result = await exec(['nft', '-j', 'list', 'ruleset']);
    if (result.code !== 0) throw new Error(`nft -j list ruleset failed: ${result.stderr.trim()}`);
    rules.push(...parseCounterRules(JSON.parse(result.stdout || '{}')));
  }
  return rules;
}

/** Read every namespace's counters (in order) and merge them into one trace. */
export async function readCounters(execs: NamespaceExec[], t: number): Promise<TraceEntry[]> {
  return countersToTrace(await readCounterRules(execs), t);
}
