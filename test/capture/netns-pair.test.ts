/**
 * The real kernel, captured at both ends: vsftpd in the server namespace, curl in the client
 * namespace, nftables on the edge between them, tcpdump in the client and in the server namespace
 * at once. The two captures are read back, their sessions matched, and the failure located:
 * an edge that drops the passive range → "left the client and never reached the server"; a SNAT
 * pool → the data connection arrives from another source address than the control connection;
 * a NAT whose conntrack entry times out → the client's NOOP retransmitted, never acknowledged.
 * Needs root, ip, nft, vsftpd, curl and tcpdump; skipped with the reason otherwise.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locate } from '../../src/capture/pair-locate.js';
import { matchSessions } from '../../src/capture/pair-match.js';
import { readCaptureFile } from '../../src/capture/reader.js';
import type { ObservedDataConnection, ObservedSession } from '../../src/evidence/observed.js';
import { checkNetnsSupport } from '../../src/netns/preflight.js';
import { run } from '../../src/netns/process.js';
import { withNetnsTopology, type NetnsTopology } from '../../src/netns/topology.js';
import type { Topology } from '../../src/topology/model.js';
import { vsftpdMissingReason, vsftpdOrSkip } from '../peers/vsftpd.js';
import { curl, noopAfterIdle } from '../netns/kernel-helpers.js';
import { captureSkipReason, startCapture } from './tcpdump.js';

const support = await checkNetnsSupport();
const curlMissing = (await run(['curl', '--version']).catch(() => undefined))?.code === 0 ? null : 'curl is not installed';
const skipReason = (support.ok ? null : support.reason) ?? captureSkipReason ?? vsftpdMissingReason() ?? curlMissing;
const PASV = '30000-30009';

const dataOf = (session: ObservedSession | undefined): ObservedDataConnection[] => (session?.events ?? []).filter((event): event is ObservedDataConnection => event.kind === 'data');

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-netns-capture-'));
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

/** curl in the client namespace while tcpdump runs at both ends; both captures read back. */
async function capturedAtBothEnds(network: NetnsTopology, name: string, curlArgs: string[]) {
  const files = { client: path.join(directory, `${name}-client.pcap`), server: path.join(directory, `${name}-server.pcap`) };
  const filter = 'tcp';
  const atClient = await startCapture(files.client, filter, { interfaceName: network.names.interfaces.client, launch: (argv) => network.spawn('client', argv) });
  const atServer = await startCapture(files.server, filter, { interfaceName: network.names.interfaces.server, launch: (argv) => network.spawn('server', argv) });
  let result;
  try {
    result = await curl(network, curlArgs);
  } finally {
    await atClient.stop();
    await atServer.stop();
  }
  const [client, server] = [await readCaptureFile(files.client, 'pcap'), await readCaptureFile(files.server, 'pcap')];
  return { result, client, server };
}

describe.skipIf(skipReason)(`captures at both ends of a real kernel path${skipReason ? ` [skipped: ${skipReason}]` : ''}`, () => {
  it('the edge drops the passive range: the SYN left the client and never reached the server', async ({ skip }) => {
    const topology: Topology = {
      firewalls: [{ name: 'edge firewall', at: 'edge', policy: 'drop', rules: [{ direction: 'in', dport: 21, action: 'accept', comment: 'FTP control' }] }],
    };
    await withNetnsTopology(topology, async (network) => {
      const peer = await vsftpdOrSkip(skip, { netns: { topology: network }, settings: { pasvRange: PASV } });
      const { result, client, server } = await capturedAtBothEnds(network, 'dropped', ['--disable-epsv', `ftp://${network.addresses.server}/`]);
      expect(result.code).not.toBe(0);
      const clientData = dataOf(client.sessions[0]);
      expect(clientData[0]).toMatchObject({ openedBy: 'client', outcome: 'no-answer' });
      expect(clientData[0]?.synRetransmits).toBeGreaterThan(0);
      expect(dataOf(server.sessions[0])).toEqual([]);
      const pair = { client: { file: client.file, sessions: client.sessions }, server: { file: server.file, sessions: server.sessions } };
      expect(matchSessions(client.sessions, server.sessions).pairs).toHaveLength(1);
      const locations = locate(pair);
      expect(locations).toEqual([expect.objectContaining({ kind: 'dropped-between', channel: 'data', atClient: expect.objectContaining({ file: client.file }) })]);
      expect(locations[0]?.text).toMatch(/left the client \(.*frame \d+, [\d:.]+\) and never reached the server: dropped between the two capture points/);
      await peer?.stop();
    });
  }, 60_000);

  it('a SNAT pool: the data connection reaches the server from another address than the control connection', async ({ skip }) => {
    const topology: Topology = { nat: { sourcePool: ['10.0.0.20', '10.0.0.21'] } };
    await withNetnsTopology(topology, async (network) => {
      const peer = await vsftpdOrSkip(skip, { netns: { topology: network }, settings: { pasvRange: PASV } });
      const { client, server } = await capturedAtBothEnds(network, 'snat', ['--disable-epsv', `ftp://${network.addresses.server}/`]);
      const pair = { client: { file: client.file, sessions: client.sessions }, server: { file: server.file, sessions: server.sessions } };
      const locations = locate(pair);
      expect(locations).toContainEqual(expect.objectContaining({ kind: 'source-rewritten', atServer: expect.objectContaining({ file: server.file }) }));
      await peer?.stop();
    });
  }, 60_000);

  it('a NAT that forgets an idle control connection: the client capture shows the NOOP retransmitted and never acknowledged', async ({ skip }) => {
    const topology: Topology = { nat: { forward: [21, PASV], idleTimeoutMs: 1_000 } };
    await withNetnsTopology(topology, async (network) => {
      const peer = await vsftpdOrSkip(skip, { netns: { topology: network }, settings: { pasvRange: PASV } });
      const file = path.join(directory, 'idle-client.pcap');
      const capture = await startCapture(file, 'tcp port 21', { interfaceName: network.names.interfaces.client, launch: (argv) => network.spawn('client', argv) });
      let outcome: string[];
      try {
        outcome = await noopAfterIdle(network, network.addresses.edgeOutside, 21, 2_000);
      } finally {
        await capture.stop();
      }
      expect(outcome).toEqual(['first:530', 'second:silent']);
      const reading = await readCaptureFile(file, 'pcap');
      const events = reading.sessions[0]?.events ?? [];
      expect(events.filter((event) => event.kind === 'command').map((event) => (event.kind === 'command' ? event.text : ''))).toEqual(['NOOP', 'NOOP']);
      expect(events).toContainEqual(expect.objectContaining({ kind: 'note', meaning: 'control-timeout', text: expect.stringMatching(/never acknowledged: the control connection was cut on the way/) }));
      await peer?.stop();
    });
  }, 60_000);
});
