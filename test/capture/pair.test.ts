/**
 * Two captures of the same sessions, one at the client and one at the server behind NAT, built in
 * code (pure): sessions are matched by what they said and when, not by addresses, and each failed
 * data connection is placed on the path with provenance from both captures.
 */
import { describe, expect, it } from 'vitest';
import { CaptureAnalyzer } from '../../src/capture/analyze.js';
import { matchSessions } from '../../src/capture/pair-match.js';
import { locate } from '../../src/capture/pair-locate.js';
import { pairCaptures } from '../../src/capture/pair.js';
import type { SourceReading } from '../../src/evidence/source.js';
import type { ObservedSession } from '../../src/evidence/observed.js';
import { Capture, login, pasvReply } from './conversation.js';

// The client sees itself as 192.168.1.10 and the server as 203.0.113.5; the server sees itself as
// 10.0.0.5 and the client as 198.51.100.7 (NAT at both ends).
const AT_CLIENT = { client: '192.168.1.10', server: '203.0.113.5' };
const AT_SERVER = { client: '198.51.100.7', server: '10.0.0.5' };

type DataFate = 'ok' | 'dropped' | 'answer-lost' | 'refused' | 'rejected-between' | 'snat';

interface SessionPlan {
  fate: DataFate;
  /** The server's 227 address, and what the client receives (an ALG may rewrite it). */
  sent227?: string;
  received227?: string;
  clientPort: number;
}

function analyse(file: string, capture: Capture): ObservedSession[] {
  const analyzer = new CaptureAnalyzer({ file });
  for (const item of capture.items) analyzer.push(item);
  return analyzer.finish();
}

/** One session seen from both ends; the server capture's clock runs `offsetMs` ahead. */
function session(client: Capture, server: Capture, plan: SessionPlan): void {
  const dataPort = 50000 + plan.clientPort % 100;
  const views = [
    { capture: client, ends: AT_CLIENT, text227: plan.received227 ?? plan.sent227 ?? AT_CLIENT.server, side: 'client' as const },
    { capture: server, ends: AT_SERVER, text227: plan.sent227 ?? AT_CLIENT.server, side: 'server' as const },
  ];
  for (const { capture, ends, text227, side } of views) {
    const control = capture.conversation({ host: ends.client, port: plan.clientPort }, { host: ends.server, port: 21 }).handshake();
    login(control);
    control.data('client', 'PASV\r\n');
    control.data('server', pasvReply(text227, dataPort));
    control.data('client', 'LIST\r\n');
    capture.wait(1);
    const source = plan.fate === 'snat' && side === 'server' ? '198.51.100.8' : ends.client;
    const data = capture.conversation({ host: source, port: plan.clientPort + 1 }, { host: ends.server, port: dataPort });
    switch (plan.fate) {
      case 'ok':
      case 'snat':
        data.handshake().close();
        break;
      case 'dropped':
        if (side === 'client') {
          data.syn();
          capture.wait(1000);
          data.synRetransmit();
        }
        break;
      case 'answer-lost':
        data.syn();
        if (side === 'server') data.synAck();
        capture.wait(1000);
        data.synRetransmit();
        break;
      case 'refused':
        data.refused();
        break;
      case 'rejected-between':
        if (side === 'client') data.refused();
        break;
    }
    capture.wait(5);
    control.data('server', '425 Failed to establish connection.\r\n');
    control.close();
    capture.wait(50);
  }
}

function twoCaptures(plans: SessionPlan[], offsetMs = 3_600_000 + 1234): { client: ObservedSession[]; server: ObservedSession[] } {
  const client = new Capture();
  const server = new Capture().wait(offsetMs);
  server.frame = 500; // the files number their frames independently
  for (const plan of plans) session(client, server, plan);
  return { client: analyse('client.pcap', client), server: analyse('server.pcap', server) };
}

const pairOf = (captures: { client: ObservedSession[]; server: ObservedSession[] }) => ({ client: { file: 'client.pcap', sessions: captures.client }, server: { file: 'server.pcap', sessions: captures.server } });

describe('two captures of the same sessions', () => {
  it('matches sessions through NAT and a clock offset by what they said; identical sessions by their order in time', () => {
    const captures = twoCaptures([
      { fate: 'ok', clientPort: 40000 },
      { fate: 'ok', clientPort: 40010 },
      { fate: 'dropped', clientPort: 40020 },
    ]);
    const matching = matchSessions(captures.client, captures.server);
    expect(matching.pairs.map((pair) => [pair.client.client?.port, pair.server.client?.port])).toEqual([
      [40000, 40000],
      [40010, 40010],
      [40020, 40020],
    ]);
    expect(matching.offsetMs).toBeGreaterThan(3_600_000);
  });

  it('a SYN that left the client and never reached the server: dropped between the two capture points', () => {
    const locations = locate(pairOf(twoCaptures([{ fate: 'dropped', clientPort: 40000 }])));
    expect(locations).toHaveLength(1);
    const [location] = locations;
    expect(location).toMatchObject({ kind: 'dropped-between', channel: 'data', openedBy: 'client', to: { host: '203.0.113.5', port: 50000 }, atClient: { file: 'client.pcap' } });
    expect(location?.atServer).toBeUndefined();
    expect(location?.text).toMatch(/^the SYN to 203\.0\.113\.5:50000 left the client \(client\.pcap frame \d+, 12:00:00\.\d{3}\) and never reached the server: dropped between the two capture points$/);
  });

  it('the server answered and its SYN-ACK never got back', () => {
    const [location] = locate(pairOf(twoCaptures([{ fate: 'answer-lost', clientPort: 40000 }])));
    expect(location).toMatchObject({ kind: 'answer-lost', atClient: { file: 'client.pcap' }, atServer: { file: 'server.pcap' } });
    expect(location?.text).toContain("the server's SYN-ACK never got back");
  });

  it('reached the server, which answered RST', () => {
    const [location] = locate(pairOf(twoCaptures([{ fate: 'refused', clientPort: 40000 }])));
    expect(location).toMatchObject({ kind: 'refused-by-target', atClient: { file: 'client.pcap' }, atServer: { file: 'server.pcap' } });
    expect(location?.text).toContain('which answered RST');
  });

  it('an RST the server never sent: something between rejected it', () => {
    const [location] = locate(pairOf(twoCaptures([{ fate: 'rejected-between', clientPort: 40000 }])));
    expect(location).toMatchObject({ kind: 'refused-between' });
  });

  it('the 227 text differs between the captures: rewritten in transit, with both texts and frames', () => {
    const locations = locate(pairOf(twoCaptures([{ fate: 'ok', clientPort: 40000, sent227: '10.0.0.5', received227: '203.0.113.5' }])));
    expect(locations).toEqual([
      expect.objectContaining({
        kind: 'rewritten-in-transit',
        serverSaw: '227 Entering Passive Mode (10,0,0,5,195,80).',
        clientSaw: '227 Entering Passive Mode (203,0,113,5,195,80).',
        atClient: expect.objectContaining({ file: 'client.pcap' }),
        atServer: expect.objectContaining({ file: 'server.pcap' }),
      }),
    ]);
  });

  it('the data connection arrives from another source address than the control connection: SNAT', () => {
    const locations = locate(pairOf(twoCaptures([{ fate: 'snat', clientPort: 40000 }])));
    expect(locations).toEqual([expect.objectContaining({ kind: 'source-rewritten', clientSaw: '198.51.100.7', serverSaw: '198.51.100.8' })]);
    expect(locations[0]?.text).toContain('SNAT');
  });

  it('active mode: the server\'s SYN left the server and never reached the client', () => {
    const sides = { client: new Capture(), server: new Capture().wait(2000) };
    for (const side of ['client', 'server'] as const) {
      const capture = sides[side];
      const ends = side === 'client' ? AT_CLIENT : AT_SERVER;
      const control = capture.conversation({ host: ends.client, port: 40000 }, { host: ends.server, port: 21 }).handshake();
      login(control);
      control.data('client', 'PORT 192,168,1,10,156,100\r\n');
      control.data('server', '200 PORT command successful.\r\n');
      control.data('client', 'LIST\r\n');
      if (side === 'server') {
        const data = capture.conversation({ host: ends.server, port: 20 }, { host: '192.168.1.10', port: 40036 });
        data.syn();
        capture.wait(1000);
        data.synRetransmit();
      }
      control.data('server', '425 Failed to establish connection.\r\n');
    }
    const pair = { client: { file: 'client.pcap', sessions: analyse('client.pcap', sides.client) }, server: { file: 'server.pcap', sessions: analyse('server.pcap', sides.server) } };
    const [location] = locate(pair);
    expect(location).toMatchObject({ kind: 'dropped-between', openedBy: 'server', atServer: { file: 'server.pcap' } });
    expect(location?.atClient).toBeUndefined();
    expect(location?.text).toMatch(/^the SYN to 192\.168\.1\.10:40036 left the server \(server\.pcap frame \d+, [\d:.]+\) and never reached the client/);
  });

  it('a control SYN that never reached the server: located on the control channel', () => {
    const client = new Capture();
    const control = client.conversation({ host: AT_CLIENT.client, port: 40000 }, { host: AT_CLIENT.server, port: 21 });
    control.syn();
    client.wait(1000);
    control.synRetransmit();
    const pair = { client: { file: 'client.pcap', sessions: analyse('client.pcap', client) }, server: { file: 'server.pcap', sessions: [] } };
    expect(locate(pair)).toEqual([expect.objectContaining({ kind: 'dropped-between', channel: 'control', to: { host: AT_CLIENT.server, port: 21 }, sessions: { client: 'client.pcap#1' } })]);
  });

  it('sessions that all worked: nothing to locate', () => {
    expect(locate(pairOf(twoCaptures([{ fate: 'ok', clientPort: 40000 }, { fate: 'ok', clientPort: 40010 }])))).toEqual([]);
  });

  it('pairCaptures: the vantages decide which file is the client\'s, whatever the order; the clock offset is said', () => {
    const captures = twoCaptures([{ fate: 'dropped', clientPort: 40000 }]);
    const reading = (file: string, sessions: ObservedSession[], vantage: 'client' | 'server' | 'path'): SourceReading => ({
      file,
      format: 'pcap',
      sessions,
      limits: [],
      source: { kind: 'capture', label: file, vantage, controlledExperiment: false, referenceServerProof: true, packets: true, timings: true, actedItself: false },
    });
    const paired = pairCaptures(reading('server.pcap', captures.server, 'server'), reading('client.pcap', captures.client, 'client'));
    expect(paired.pair.client.file).toBe('client.pcap');
    expect(paired.locations).toEqual([expect.objectContaining({ kind: 'dropped-between' })]);
    expect(paired.limits.join('\n')).toMatch(/server\.pcap's clock reads 3601\.\d s ahead of client\.pcap's/);
    const unknown = pairCaptures(reading('client.pcap', captures.client, 'path'), reading('server.pcap', captures.server, 'path'));
    expect(unknown.limits.join('\n')).toContain('the order given');
  });
});
