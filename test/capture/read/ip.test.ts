/** IP layer on generated captures: IPv4 options, IPv6 extension headers, fragments (whole, lost, bounded), ICMP unreachables. */
import { afterAll, describe, expect, it } from 'vitest';
import { readAll, removeTempCaptures, segments, tempCapture } from './collect.js';
import { pcapFile } from './files.js';
import { ETHERTYPE, ethernet, ipv4, ipv4Fragments, ipv6, ipv6Fragments, tcp } from './writer.js';

afterAll(removeTempCaptures);

const T0 = 1_764_900_000_000_000;
const bulk = Buffer.from(Array.from({ length: 3000 }, (_, index) => index % 251));
const segment = tcp({ srcPort: 20, dstPort: 41000, seq: 1, flags: 'A', payload: bulk });

function capture(packets: Buffer[], linkType = 101, spacingUs = 1000): string {
  return tempCapture(pcapFile({ linkType, records: packets.map((data, index) => ({ timeUs: T0 + index * spacingUs, data })) }));
}

describe('IPv4', () => {
  it('options are skipped by the header length', async () => {
    const options = Buffer.from([0x07, 0x07, 0x04, 0, 0, 0, 0, 0x01]); // record route, then NOP
    const file = capture([ipv4('10.0.0.1', '10.0.0.2', 6, tcp({ srcPort: 1, dstPort: 21, payload: 'QUIT\r\n' }), { options })]);
    const [found] = segments((await readAll(file)).items);
    expect(found).toMatchObject({ srcPort: 1, dstPort: 21, payloadLength: 6 });
    expect(found!.payload.toString()).toBe('QUIT\r\n');
  });

  it('fragments out of order are reassembled into one segment, numbered as the frame that completed it', async () => {
    const fragments = ipv4Fragments('10.0.0.1', '10.0.0.2', 6, segment, 1480);
    expect(fragments).toHaveLength(3);
    const file = capture([fragments[2]!, fragments[0]!, fragments[1]!]);
    const { items } = await readAll(file);
    expect(items).toHaveLength(1);
    const [found] = segments(items);
    expect(found).toMatchObject({ frame: 3, reassembled: true, srcPort: 20, dstPort: 41000, payloadLength: 3000 });
    expect(found!.payload.equals(bulk)).toBe(true);
  });

  it('a set missing a fragment is said at the end, naming its first frame', async () => {
    const fragments = ipv4Fragments('10.0.0.1', '10.0.0.2', 6, segment, 1480, 0x77);
    const { items } = await readAll(capture([fragments[0]!, fragments[2]!]));
    expect(items).toEqual([{ kind: 'skipped', frame: 1, reason: 'IPv4 10.0.0.1 → 10.0.0.2 id 0x77: fragments not reassembled, the capture ended before all its fragments arrived' }]);
  });

  it('a set older than the timeout is given up when later traffic arrives', async () => {
    const fragments = ipv4Fragments('10.0.0.1', '10.0.0.2', 6, segment, 1480, 0x78);
    const later = ipv4('10.0.0.1', '10.0.0.2', 6, tcp({ srcPort: 5, dstPort: 6 }));
    const { items } = await readAll(capture([fragments[0]!, later, fragments[1]!, fragments[2]!], 101, 20_000_000), { fragments: { timeoutUs: 30_000_000 } });
    expect(items[0]).toMatchObject({ kind: 'tcp' });
    expect(items[1]).toEqual({ kind: 'skipped', frame: 1, reason: 'IPv4 10.0.0.1 → 10.0.0.2 id 0x78: fragments not reassembled, still incomplete after 30 s' });
    // The late fragments start a new set, which can never complete either.
    expect(items.slice(2)).toEqual([{ kind: 'skipped', frame: 3, reason: expect.stringContaining('the capture ended') }]);
  });

  it('pending sets are bounded in number: the oldest are dropped and said', async () => {
    const firsts = Array.from({ length: 10 }, (_, index) => ipv4Fragments('10.0.0.1', '10.0.0.2', 6, segment, 1480, 0x100 + index)[0]!);
    const { items } = await readAll(capture(firsts), { fragments: { maxSets: 4 } });
    const dropped = items.filter((item) => item.kind === 'skipped' && item.reason.includes('to bound memory'));
    expect(dropped.map((item) => (item.kind === 'skipped' ? item.frame : 0))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(items).toHaveLength(10);
  });

  it('pending bytes are bounded', async () => {
    const firsts = Array.from({ length: 5 }, (_, index) => ipv4Fragments('10.0.0.1', '10.0.0.2', 6, segment, 1480, 0x200 + index)[0]!);
    const { items } = await readAll(capture(firsts), { fragments: { maxBytes: 3000 } });
    expect(items.filter((item) => item.kind === 'skipped' && item.reason.includes('to bound memory'))).toHaveLength(3);
  });

  it('ICMP port unreachable quoting a SYN names the connection and who said it', async () => {
    const syn = ipv4('192.0.2.10', '198.51.100.7', 6, tcp({ srcPort: 51000, dstPort: 50123, flags: 'S' }));
    const icmp = Buffer.concat([Buffer.from([3, 13, 0, 0, 0, 0, 0, 0]), syn.subarray(0, 28)]);
    const { items } = await readAll(capture([ipv4('203.0.113.1', '192.0.2.10', 1, icmp)]));
    expect(items).toEqual([
      { kind: 'unreachable', unreachable: { frame: 1, timeUs: T0, src: '192.0.2.10', dst: '198.51.100.7', srcPort: 51000, dstPort: 50123, reporter: '203.0.113.1', code: 'admin-prohibited', icmpVersion: 4, codeNumber: 13 } },
    ]);
  });

  it('Ethernet padding after a short IP packet is not payload', async () => {
    const file = capture([ethernet(ETHERTYPE.ipv4, ipv4('10.0.0.1', '10.0.0.2', 6, tcp({ srcPort: 1, dstPort: 2, payload: 'A' })))], 1);
    const [found] = segments((await readAll(file)).items);
    expect(found!.payload.toString()).toBe('A');
  });
});

describe('frames that cannot be decoded say why, one skipped item each', () => {
  const packet = ipv4('10.0.0.1', '10.0.0.2', 6, tcp({ srcPort: 1, dstPort: 21, payload: 'NOOP\r\n' }));
  const badLength = Buffer.from(packet);
  badLength.writeUInt16BE(12, 2);
  const badOffset = Buffer.from(packet);
  badOffset[20 + 12] = 0x30; // data offset 3 words
  const v6 = ipv6('::1', '::1', 6, tcp({ srcPort: 1, dstPort: 2 }));
  it.each([
    ['IPv4 header cut by the snap length', packet.subarray(0, 16), packet.length, 'IPv4 header cut short'],
    ['TCP header cut by the snap length', packet.subarray(0, 30), packet.length, 'TCP header cut short (snap length too small)'],
    ['IPv4 total length below its header', badLength, badLength.length, 'IPv4 total length 12 is below its header length 20'],
    ['TCP data offset below 5 words', badOffset, badOffset.length, 'TCP header length 12 is below 20'],
    ['IPv6 header cut short', v6.subarray(0, 30), v6.length, 'IPv6 header cut short'],
    ['IPv4 version nibble wrong on an IPv4 link type', v6, v6.length, 'not an IPv4 header (version 6, header length 0)'],
  ])('%s', async (_name, data, wireLength, reason) => {
    const linkType = reason.startsWith('not an IPv4') ? 228 : 101;
    const { items } = await readAll(tempCapture(pcapFile({ linkType, records: [{ timeUs: T0, data, wireLength }] })));
    expect(items).toEqual([{ kind: 'skipped', frame: 1, reason }]);
  });
});

describe('IPv6', () => {
  it('hop-by-hop, routing and destination options are walked to TCP', async () => {
    const packet = ipv6('2001:db8::1', 'fe80::1:2', 6, tcp({ srcPort: 2121, dstPort: 60000, payload: '220 ready\r\n' }), [{ type: 0 }, { type: 43, body: Buffer.alloc(14) }, { type: 60 }]);
    const [found] = segments((await readAll(capture([packet]))).items);
    expect(found).toMatchObject({ ipVersion: 6, src: '2001:db8::1', dst: 'fe80::1:2', srcPort: 2121, dstPort: 60000, payloadLength: 11 });
  });

  it('fragments (after a hop-by-hop header) are reassembled', async () => {
    const fragments = ipv6Fragments('2001:db8::1', '2001:db8::2', 6, segment, 1232, 0xabc, [{ type: 0 }]);
    const { items } = await readAll(capture([fragments[1]!, fragments[2]!, fragments[0]!]));
    const [found] = segments(items);
    expect(items).toHaveLength(1);
    expect(found).toMatchObject({ frame: 3, reassembled: true, src: '2001:db8::1', payloadLength: 3000 });
    expect(found!.payload.equals(bulk)).toBe(true);
  });

  it('ICMPv6 destination unreachable quoting a SYN', async () => {
    const syn = ipv6('2001:db8::10', '2001:db8::7', 6, tcp({ srcPort: 51000, dstPort: 21, flags: 'S' }));
    const icmp = Buffer.concat([Buffer.from([1, 4, 0, 0, 0, 0, 0, 0]), syn.subarray(0, 48)]);
    const { items } = await readAll(capture([ipv6('2001:db8::7', '2001:db8::10', 58, icmp)]));
    expect(items).toEqual([{ kind: 'unreachable', unreachable: expect.objectContaining({ src: '2001:db8::10', dst: '2001:db8::7', srcPort: 51000, dstPort: 21, reporter: '2001:db8::7', code: 'port-unreachable' }) }]);
  });

  it('a crafted endless extension chain stops with a reason', async () => {
    const chain = Array.from({ length: 20 }, () => ({ type: 60 as const }));
    const { items } = await readAll(capture([ipv6('::1', '::1', 6, tcp({ srcPort: 1, dstPort: 2 }), chain)]));
    expect(items).toEqual([{ kind: 'skipped', frame: 1, reason: 'more than 16 IPv6 extension headers' }]);
  });
});
