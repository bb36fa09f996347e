/** A client's log and the server's log of one session: matched, and a data connection both sides missed is lost between them. */
import { describe, expect, it } from 'vitest';
import { assembleEvidence } from '../../src/evidence/assemble.js';
import type { Evidence } from '../../src/evidence/model.js';
import type { ObservedEvent, ObservedSession } from '../../src/evidence/observed.js';
import type { SourceDeclaration, SourceReading } from '../../src/evidence/source.js';
import { matchedLogs, sessionKey } from '../../src/explain/matched-logs.js';

const declaration = (vantage: 'client' | 'server'): SourceDeclaration => ({ kind: 'log', label: `${vantage} log`, vantage, controlledExperiment: false, referenceServerProof: false, packets: false, timings: true, actedItself: false });

function session(file: string, id: string, lines: [string, string][]): ObservedSession {
  const events: ObservedEvent[] = lines.map(([time, text], index) => {
    const at = { source: 'log' as const, file, line: index + 1, time };
    const t = Date.parse(time) - Date.parse(lines[0]?.[0] ?? time);
    if (text.startsWith('> ')) return { kind: 'command', at, t, text: text.slice(2) };
    if (text.startsWith('< ')) return { kind: 'reply', at, t, code: Number(text.slice(2, 5)), message: text.slice(6) };
    return { kind: 'data', at, t, to: { host: '203.0.113.5', port: 50123 }, outcome: 'no-answer', waitedMs: 20_000 };
  });
  return { id, server: { host: '203.0.113.5', port: 21 }, events };
}

const T = (seconds: number): string => new Date(Date.UTC(2026, 11, 5, 10, 0, seconds)).toISOString();
const CLIENT: [string, string][] = [[T(0), '< 220 hi'], [T(1), '> USER bob'], [T(1), '< 331 pw'], [T(2), '> PASS ****'], [T(2), '< 230 ok'], [T(3), '> PASV'], [T(3), '< 227 Entering Passive Mode (203,0,113,5,196,11)'], [T(3), 'data'], [T(3), '> LIST']];
const SERVER: [string, string][] = [[T(0), '< 220 hi'], [T(1), '> USER bob'], [T(1), '< 331 pw'], [T(2), '> PASS ****'], [T(2), '< 230 ok'], [T(3), '> PASV'], [T(3), '< 227 Entering Passive Mode (203,0,113,5,196,11)'], [T(3), '> LIST'], [T(23), '< 425 Failed to establish connection.']];

function reading(file: string, vantage: 'client' | 'server', sessions: ObservedSession[]): SourceReading {
  return { file, format: vantage === 'client' ? 'curl' : 'vsftpd', source: declaration(vantage), sessions, limits: [] };
}

describe('matchedLogs', () => {
  it('matches the two logs of one session and locates the lost data connection between the programs', () => {
    const client = session('curl.log', 'curl.log#1', CLIENT);
    const server = { ...session('vsftpd.log', 'vsftpd.log#1', SERVER), server: undefined };
    const readings = [reading('curl.log', 'client', [client]), reading('vsftpd.log', 'server', [server])];
    const evidenceOf = new Map<string, Evidence>([
      [sessionKey('curl.log', client.id), assembleEvidence(client, declaration('client'))],
      [sessionKey('vsftpd.log', server.id), assembleEvidence(server, declaration('server'))],
    ]);
    const { findings, notes } = matchedLogs(readings, evidenceOf);
    expect(notes[0]).toMatch(/^curl\.log#1 and vsftpd\.log#1 are the same session/);
    expect(findings.map((finding) => finding.code)).toEqual(['DATA_CHANNEL_BLOCKED']);
    expect(findings[0]?.evidence[0]).toMatch(/The client's data connection to 203\.0\.113\.5:50123 got no answer \(curl\.log line 8, 10:00:03\.000\), and the server never saw it arrive \(vsftpd\.log line 9, 10:00:23\.000\)\./);
  });

  it('two client logs are not matched with each other', () => {
    const client = session('curl.log', 'curl.log#1', CLIENT);
    expect(matchedLogs([reading('curl.log', 'client', [client]), reading('b.log', 'client', [client])], new Map())).toEqual({ findings: [], notes: [] });
  });
});
