/**
 * What a run recorded as it went, in the form the reports carry it (docs/json-report.md): the
 * transcript of both channels, each connection attempt, each hop's decision, and how a step ended.
 * Defined with the evidence, below the report, because the client, the simulator and the readers
 * of captures and logs write them; src/report/model.ts re-exports them.
 */

import type { DataMode } from '../ftp/data-mode.js';

/** How a step of a run ended. */
export type StepResult = 'ok' | 'fail' | 'warn' | 'skip';

export type Channel = 'control' | 'data' | 'net';
/** '>' we sent, '<' we received, '*' an event (connect, close, TLS, timeout). */
export type Direction = '>' | '<' | '*';

export interface TranscriptLine {
  /** Milliseconds since the run started. */
  t: number;
  /** Which control session ('main', 'pasv', 'epsv:tls', ...) the line belongs to. */
  session: string;
  channel: Channel;
  direction: Direction;
  text: string;
}

/**
 * One connection attempt on the wire, for the sequence diagram: who dialled whom, how it ended,
 * and (when a simulator or kernel trace knows) which firewall rule decided it.
 */
export interface ConnectionEvent {
  t: number;
  durationMs: number;
  session: string;
  purpose: 'control' | 'data';
  from: string; // "198.51.100.10:40000" or "client"
  to: string; // "10.0.0.5:50123"
  outcome: 'connected' | 'timeout' | 'refused' | 'unreachable' | 'reset' | 'closed-early' | 'tls-failed' | 'error';
  /** e.g. "dropped by edge firewall: no rule matched, policy drop" */
  decidedBy?: string;
  bytes?: number;
}

/** A hop's decision from the simulator or the kernel (nftables counters / trace). */
export interface TraceEntry {
  t: number;
  /** 'edge', 'client', 'server' firewall, or 'nat' */
  at: string;
  connection: string; // "198.51.100.10:40000 -> 10.0.0.5:50123"
  decision: 'accept' | 'drop' | 'reject' | 'dnat' | 'snat' | 'expect' | 'rewrite' | 'timeout';
  rule: string; // human-readable rule, or "policy drop"
  detail?: string;
}

/**
 * Step ids, one format for whoever writes or reads them: the main session's steps are named by
 * their phase ('connect', 'login', …); a mode's own session is named by the mode and TLS
 * ('pasv', 'epsv:tls'), its listing step is 'data:<session>' and its retrieval 'retr:<session>'.
 */
export type StepKind = 'control' | 'data' | 'retr';

/** The control session a data mode runs on: 'pasv', 'epsv:tls'. */
export function modeSessionName(mode: DataMode, tls: boolean): string {
  return `${mode}${tls ? ':tls' : ''}`;
}

export function modeStepId(kind: Exclude<StepKind, 'control'>, session: string): string {
  return `${kind}:${session}`;
}

/** What a step id says: its kind, and the control session it ran on ('main' for the main session's steps). */
export function parseStepId(id: string): { kind: StepKind; session: string } {
  const separator = id.indexOf(':');
  const kind = id.slice(0, separator);
  if (separator > 0 && (kind === 'data' || kind === 'retr')) return { kind, session: id.slice(separator + 1) };
  return { kind: 'control', session: 'main' };
}
