/**
 * An ICMP destination-unreachable answering a passive data SYN, for each code a firewall or router
 * sends (IPv4 type 3: 1 host, 3 port, 9/10/13 administratively prohibited; ICMPv6 type 1: 1
 * administratively prohibited, 3 address, 4 port unreachable): the code and its sender go from the
 * capture through the observed session and the evidence record into the finding, whose words say
 * a firewall (named by the ICMP's source address) rejected the connection when the code says so,
 * and whose proof line quotes the ICMP with its frame.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/reader.js';
import { runExplain } from '../../src/explain/run.js';
import { removeTempCaptures, tempCapture } from './read/collect.js';
import { pcapFile } from './read/files.js';
import { ETHERTYPE, ethernet } from './read/writer.js';
import { rejectedSession } from './rejected-session.js';

afterAll(removeTempCaptures);

const V4 = { client: '192.0.2.10', server: '198.51.100.7', reporter: '192.0.2.1' };
const V6 = { client: '2001:db8::10', server: '2001:db8:1::7', reporter: '2001:db8:ff::1' };

function captureOf(ends: typeof V4, code: number): string {
  const packets = rejectedSession({ ...ends, code, passivePort: 40000, startUs: 1_764_900_000_000_000 });
  const bytes = pcapFile({ linkType: 1, records: packets.map((packet) => ({ timeUs: packet.timeUs, data: ethernet(packet.version === 4 ? ETHERTYPE.ipv4 : ETHERTYPE.ipv6, packet.ip) })) });
  return tempCapture(bytes, `icmp-${code}.pcap`);
}

/** The data SYN is frame 11, its ICMP frame 12 (rejected-session.ts). */
const ICMP_FRAME = 12;

const cases: { name: string; ends: typeof V4; code: number; wire: string; title: string; words: string[]; summary: string }[] = [
  { name: 'IPv4 admin-prohibited (13)', ends: V4, code: 13, wire: 'ICMP type 3 code 13 "communication administratively prohibited"', title: 'rejected as administratively prohibited by a firewall (192.0.2.1)', words: ['was rejected by a firewall at 192.0.2.1 as administratively prohibited', 'reject with icmpx admin-prohibited', '--reject-with icmp-admin-prohibited'], summary: `was rejected as administratively prohibited by a firewall at ${V4.reporter}` },
  { name: 'IPv4 host-prohibited (10)', ends: V4, code: 10, wire: 'ICMP type 3 code 10 "host administratively prohibited"', title: 'rejected as administratively prohibited by a firewall (192.0.2.1)', words: ['as administratively prohibited', 'icmp-host-prohibited'], summary: `was rejected as administratively prohibited by a firewall at ${V4.reporter}` },
  { name: 'IPv4 net-prohibited (9)', ends: V4, code: 9, wire: 'ICMP type 3 code 9 "network administratively prohibited"', title: 'rejected as administratively prohibited by a firewall (192.0.2.1)', words: ['as administratively prohibited'], summary: `was rejected as administratively prohibited by a firewall at ${V4.reporter}` },
  { name: 'IPv4 port unreachable (3)', ends: V4, code: 3, wire: 'ICMP type 3 code 3 "port unreachable"', title: 'rejected by a firewall (192.0.2.1, ICMP port unreachable)', words: ['was rejected by a firewall at 192.0.2.1', "a host's own TCP answers a closed port with a reset", 'iptables `-j REJECT`'], summary: 'was rejected by a firewall at 192.0.2.1 (ICMP port unreachable)' },
  { name: 'IPv4 host unreachable (1)', ends: V4, code: 1, wire: 'ICMP type 3 code 1 "host unreachable"', title: 'rejected', words: ['192.0.2.1 answered ICMP type 3 code 1 "host unreachable" (frame 12): a router that could not reach the host (no ARP answer'], summary: 'was unreachable' },
  { name: 'ICMPv6 admin-prohibited (1)', ends: V6, code: 1, wire: 'ICMPv6 type 1 code 1 "communication with destination administratively prohibited"', title: 'rejected as administratively prohibited by a firewall (2001:db8:ff::1)', words: ['was rejected by a firewall at 2001:db8:ff::1 as administratively prohibited', 'ip6tables `-j REJECT --reject-with icmp6-adm-prohibited`'], summary: `was rejected as administratively prohibited by a firewall at ${V6.reporter}` },
  { name: 'ICMPv6 address unreachable (3)', ends: V6, code: 3, wire: 'ICMPv6 type 1 code 3 "address unreachable"', title: 'rejected', words: ['2001:db8:ff::1 answered ICMPv6 type 1 code 3 "address unreachable" (frame 12): a router that could not reach the host (no neighbour-discovery answer'], summary: 'was unreachable' },
  { name: 'ICMPv6 port unreachable (4)', ends: V6, code: 4, wire: 'ICMPv6 type 1 code 4 "port unreachable"', title: 'rejected by a firewall (2001:db8:ff::1, ICMP port unreachable)', words: ['was rejected by a firewall at 2001:db8:ff::1', 'ip6tables `-j REJECT`'], summary: 'was rejected by a firewall at 2001:db8:ff::1 (ICMP port unreachable)' },
];

describe('ICMP unreachable answering a data SYN', () => {
  it.each(cases)('$name: the observed data connection carries the code, its sender and its frame', async ({ ends, code }) => {
    const file = captureOf(ends, code);
    const reading = await readCaptureFile(file, 'pcap');
    const data = reading.sessions[0]?.events.find((event) => event.kind === 'data');
    expect(data).toMatchObject({ outcome: 'unreachable', icmp: { reporter: ends.reporter, version: ends === V4 ? 4 : 6, code, at: { source: 'capture', file, frame: ICMP_FRAME } } });
  });

  it.each(cases)('$name: the finding and the summary say who rejected it and how, and the proof line quotes the ICMP', async ({ ends, code, wire, title, words, summary }) => {
    const file = captureOf(ends, code);
    const report = await runExplain([file]);
    const finding = report.sessions[0]?.report.findings.find((candidate) => candidate.code === 'DATA_CHANNEL_REFUSED');
    const dialed = ends === V4 ? `${ends.server}:40000` : `[${ends.server}]:40000`;
    expect(finding?.title).toBe(`Data connections to ${dialed} are ${title}`);
    for (const phrase of words) expect(finding?.explanation).toContain(phrase);
    expect(finding?.explanation).toContain(`${wire}`);
    expect(finding?.evidence.join('\n')).toContain(`: unreachable after 0 ms — ${wire} from ${ends.reporter} at ${file} frame ${ICMP_FRAME}`);
    expect(report.summary.join('\n')).toContain(`the one to 40000 ${summary}`);
    const transcript = report.sessions[0]?.report.transcript.map((line) => line.text) ?? [];
    expect(transcript).toContainEqual(expect.stringContaining(`data connection to ${dialed}: unreachable (1 SYN retransmissions) — ${wire} from ${ends.reporter} at ${file} frame ${ICMP_FRAME}`));
  });

  it('the server\'s own address as the ICMP\'s source is called the server\'s own firewall', async () => {
    const file = captureOf({ ...V4, reporter: V4.server }, 13);
    const report = await runExplain([file]);
    const finding = report.sessions[0]?.report.findings.find((candidate) => candidate.code === 'DATA_CHANNEL_REFUSED');
    expect(finding?.explanation).toContain(`was rejected by the server's own firewall (the ICMP came from the server's address ${V4.server}) as administratively prohibited`);
  });
});
