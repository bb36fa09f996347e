/**
 * A client's log and the server's log of the same sessions, read together: sessions are matched by
 * their commands and time (src/logs/match.ts), and a data connection the client gave up on while
 * the server never saw it arrive was lost between the two programs — not refused by the server, not
 * a client bug. Each match is said in the summary. Pure.
 */
import type { DataAttempt, Evidence } from '../evidence/model.js';
import { provenanceText } from '../evidence/provenance.js';
import type { SourceReading } from '../evidence/source.js';
import { attemptState, endpoint, isPassive } from '../diagnosis/facts.js';
import { matchSessions } from '../logs/match.js';
import type { Finding } from '../report/model.js';
import type { Across } from './run.js';

const LOST = new Set(['connect-timeout', 'inbound-missing']);

const key = (file: string, id: string): string => `${file}\u0000${id}`;

function lostLine(client: DataAttempt, server: DataAttempt, clientFile: string, serverFile: string): string {
  const target = client.dialed ?? client.advertised ?? client.listening;
  const where = (attempt: DataAttempt, file: string): string => provenanceText(attempt.seenAt?.connect ?? attempt.finalReply?.seenAt ?? attempt.seenAt?.command) ?? file;
  const what = isPassive(client) ? `The client's data connection${target ? ` to ${endpoint(target)}` : ''} got no answer` : `The server's data connection${target ? ` to ${endpoint(target)}` : ''} never reached the client`;
  const other = isPassive(client) ? 'the server never saw it arrive' : 'the server says its connection failed';
  return `${what} (${where(client, clientFile)}), and ${other} (${where(server, serverFile)}).`;
}

/** Client and server logs of the same sessions: matches in words, and data connections lost between the two. */
export function matchedLogs(readings: readonly SourceReading[], evidenceOf: ReadonlyMap<string, Evidence>): Across {
  const logs = readings.filter((reading) => reading.source.kind === 'log' && reading.sessions.length > 0);
  if (!logs.some((reading) => reading.source.vantage === 'client') || !logs.some((reading) => reading.source.vantage === 'server')) return { findings: [], notes: [] };
  const vantageOf = new Map(logs.map((reading) => [reading.file, reading.source.vantage]));
  const notes: string[] = [];
  const lines: string[] = [];
  let active = false;
  for (const match of matchSessions(logs)) {
    const client = match.sessions.find((ref) => vantageOf.get(ref.file) === 'client');
    const server = match.sessions.find((ref) => vantageOf.get(ref.file) === 'server');
    if (!client || !server) continue;
    notes.push(`${client.id} and ${server.id} are the same session (${match.why.join(', ') || 'commands and time agree'}).`);
    const clientEvidence = evidenceOf.get(key(client.file, client.id));
    const serverEvidence = evidenceOf.get(key(server.file, server.id));
    if (!clientEvidence || !serverEvidence) continue;
    const serverAttempts = [...serverEvidence.attempts];
    for (const attempt of clientEvidence.attempts.filter((candidate) => LOST.has(attemptState(candidate)))) {
      const index = serverAttempts.findIndex((candidate) => candidate.mode === attempt.mode && LOST.has(attemptState(candidate)));
      if (index < 0) continue;
      const [counterpart] = serverAttempts.splice(index, 1);
      lines.push(lostLine(attempt, counterpart as DataAttempt, client.file, server.file));
      active ||= !isPassive(attempt);
    }
  }
  if (lines.length === 0) return { findings: [], notes };
  const finding: Finding = {
    code: active ? 'ACTIVE_INBOUND_BLOCKED' : 'DATA_CHANNEL_BLOCKED',
    severity: 'error',
    title: `${lines.length} data connection${lines.length === 1 ? ' was' : 's were'} lost between the client and the server: each side's log shows it missing`,
    explanation:
      'The client waited for its data connection and the server waited for the same connection, and neither saw the other: the connection died on the way — a firewall on either host or on the path, or a NAT — not in either program. ' +
      'Logs cannot say which hop: a capture at each end (explain client.pcap server.pcap) or the firewalls\' logs beside these can.',
    evidence: lines.slice(0, 5),
    remedies: [],
  };
  return { findings: [finding], notes };
}

export { key as sessionKey };
