/**
 * The packet trace: every decision the simulated network took, in order, with the connection
 * named as its dialler saw it, so a scenario runner can ask why a given connection failed.
 */
import type { TraceEntry } from '../../evidence/record.js';

const DECISIVE_FAILURES = new Set<TraceEntry['decision']>(['drop', 'reject', 'timeout']);

export class TraceLog {
  readonly entries: TraceEntry[] = [];
  private readonly started = Date.now();

  record(entry: Omit<TraceEntry, 't'>): void {
    this.entries.push({ t: Date.now() - this.started, ...entry });
  }

  /**
   * The decisive entry for the connection `from -> to`: the first drop, reject or timeout, else
   * the last accept. `from` may omit the port ("198.51.100.10"), because a connect that never
   * completed has no local port the caller could know; then the latest such connection counts.
   */
  decisionFor(from: string, to: string): TraceEntry | undefined {
    const label = this.latestLabel(from, to);
    if (label === undefined) return undefined;
    const mine = this.entries.filter((entry) => entry.connection === label);
    return mine.find((entry) => DECISIVE_FAILURES.has(entry.decision)) ?? mine.filter((entry) => entry.decision === 'accept').at(-1);
  }

  private latestLabel(from: string, to: string): string | undefined {
    const exact = `${from} -> ${to}`;
    for (let index = this.entries.length - 1; index >= 0; index -= 1) {
      const connection = this.entries[index]?.connection ?? '';
      if (connection === exact) return connection;
      const [source, destination] = connection.split(' -> ');
      if (destination === to && source !== undefined && (from === '' || hostOf(source) === from)) return connection;
    }
    return undefined;
  }
}

/** "198.51.100.10:40000" → "198.51.100.10"; "[::1]:21" → "::1". */
function hostOf(endpoint: string): string {
  const bracketed = /^\[(.*)\]:\d+$/.exec(endpoint);
  if (bracketed) return bracketed[1] ?? '';
  return endpoint.replace(/:\d+$/, '');
}
