/**
 * A firewall log beside a client's or a server's log: its drop lines are matched to the failed
 * data connections by port and time, and say where the connection died.
 */
import { describe, expect, it } from 'vitest';
import { assembleEvidence } from '../../src/evidence/assemble.js';
import type { ObservedEvent, ObservedSession } from '../../src/evidence/observed.js';
import type { SourceDeclaration, SourceReading } from '../../src/evidence/source.js';
import { firewallFindings } from '../../src/explain/firewall-logs.js';

const SERVER_LOG: SourceDeclaration = { kind: 'log', label: 'vsftpd log', vantage: 'server', controlledExperiment: false, referenceServerProof: false, packets: false, timings: true, actedItself: false };
const at = (line: number, time: string) => ({ source: 'log' as const, file: 'vsftpd.log', line, time });

function session(port: number): ObservedSession {
  const events: ObservedEvent[] = [
    { kind: 'reply', at: at(1, '2026-12-05T10:20:00Z'), code: 220, message: 'hi' },
    { kind: 'command', at: at(2, '2026-12-05T10:20:01Z'), text: 'PASV' },
    { kind: 'reply', at: at(3, '2026-12-05T10:20:01.700Z'), t: 1700, code: 227, message: `Entering Passive Mode (10,0,0,5,${port >> 8},${port & 255})` },
    { kind: 'command', at: at(4, '2026-12-05T10:20:02Z'), t: 2000, text: 'LIST' },
    { kind: 'reply', at: at(5, '2026-12-05T10:21:02Z'), t: 62000, code: 425, message: 'Failed to establish connection.' },
  ];
  return { id: 'vsftpd.log#1', client: { host: '198.51.100.40', port: 51000 }, events };
}

function firewallReading(port: number, meaning: 'firewall-drop' | 'firewall-reject' = 'firewall-drop'): SourceReading {
  return {
    file: 'ufw.log',
    format: 'ufw',
    source: { ...SERVER_LOG, label: 'ufw log', vantage: 'server' },
    sessions: [],
    limits: [],
    pathEvents: [{ kind: 'note', at: { source: 'log', file: 'ufw.log', line: 412, time: '2026-12-05T10:20:02.000Z' }, text: '[UFW BLOCK] … DPT=…', meaning, from: { host: '198.51.100.40', port: 51544 }, to: { host: '10.0.0.5', port } }],
  };
}

describe('firewallFindings', () => {
  it('names the firewall line that dropped the failed data connection, and when', () => {
    const evidence = assembleEvidence(session(40123), SERVER_LOG);
    const [finding] = firewallFindings([firewallReading(40123)], [evidence]).findings;
    expect(finding?.code).toBe('DATA_CHANNEL_BLOCKED');
    expect(finding?.severity).toBe('error');
    expect(finding?.evidence[0]).toBe('The firewall that wrote ufw.log dropped the connection from 198.51.100.40:51544 to 10.0.0.5:40123 (ufw.log line 412, 10:20:02.000), 0.3 s after the 227 offered it.');
  });

  it('a reject line is a refusal', () => {
    const evidence = assembleEvidence(session(40123), SERVER_LOG);
    expect(firewallFindings([firewallReading(40123, 'firewall-reject')], [evidence]).findings[0]?.code).toBe('DATA_CHANNEL_REFUSED');
  });

  it('drops of other ports are said, but not blamed', () => {
    const evidence = assembleEvidence(session(40123), SERVER_LOG);
    const { findings, notes } = firewallFindings([firewallReading(40999)], [evidence]);
    expect(findings).toEqual([]);
    expect(notes[0]).toMatch(/1 dropped or rejected connection, none of them to the port of a failed data connection/);
  });

  it('no firewall log, no finding', () => {
    expect(firewallFindings([], [assembleEvidence(session(40123), SERVER_LOG)])).toEqual({ findings: [], notes: [] });
  });
});
