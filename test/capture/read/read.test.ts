/** The reader on generated captures: every container, byte order, timestamp resolution and link type. */
import { afterAll, describe, expect, it } from 'vitest';
import { ETHERTYPE, ethernet, ipv4, ipv6, loopLink, nullLink, sll, sll2, tcp } from './writer.js';
import { pcapFile, pcapngBlocks } from './files.js';
import { readAll, removeTempCaptures, segments, tempCapture } from './collect.js';

afterAll(removeTempCaptures);

const T0 = 1_764_900_000_123_456; // µs
const hello = tcp({ srcPort: 50000, dstPort: 21, seq: 0xfffffff0, ack: 7, flags: 'PA', payload: 'USER anonymous\r\n' });
const helloV4 = ipv4('192.0.2.10', '198.51.100.7', 6, hello);
const helloV6 = ipv6('2001:db8::10', '2001:db8:0:1::7', 6, hello);

function expectHello(segment: ReturnType<typeof segments>[number] | undefined, version: 4 | 6 = 4): void {
  expect(segment).toBeDefined();
  expect(segment).toMatchObject({
    ipVersion: version,
    src: version === 4 ? '192.0.2.10' : '2001:db8::10',
    dst: version === 4 ? '198.51.100.7' : '2001:db8:0:1::7',
    srcPort: 50000,
    dstPort: 21,
    seq: 0xfffffff0,
    ack: 7,
    flags: { syn: false, ack: true, fin: false, rst: false, psh: true },
    payloadLength: 16,
  });
  expect(segment!.payload.toString()).toBe('USER anonymous\r\n');
}

describe('pcap', () => {
  it.each([
    ['little-endian µs', false, false],
    ['big-endian µs', true, false],
    ['little-endian ns', false, true],
    ['big-endian ns', true, true],
  ])('%s', async (_name, bigEndian, nanoseconds) => {
    const file = tempCapture(pcapFile({ bigEndian, nanoseconds, linkType: 1, records: [{ timeUs: T0, data: ethernet(ETHERTYPE.ipv4, helloV4) }, { timeUs: T0 + 5, data: ethernet(ETHERTYPE.arp, Buffer.alloc(28)) }] }));
    const { items, stats } = await readAll(file);
    expect(stats).toMatchObject({ format: 'pcap', frames: 2, compressed: false });
    expect(items).toHaveLength(1); // ARP says nothing
    const [segment] = segments(items);
    expectHello(segment);
    expect(segment!.timeUs).toBe(T0);
    expect(segment!.frame).toBe(1);
  });

  it('a record cut by the snap length keeps its wire length', async () => {
    const big = ipv4('192.0.2.10', '198.51.100.7', 6, tcp({ srcPort: 20, dstPort: 40000, payload: Buffer.alloc(1400, 0x61) }));
    const frame = ethernet(ETHERTYPE.ipv4, big);
    const file = tempCapture(pcapFile({ linkType: 1, snapLength: 96, records: [{ timeUs: T0, data: frame.subarray(0, 96), wireLength: frame.length }] }));
    const [segment] = segments((await readAll(file)).items);
    expect(segment!.payloadLength).toBe(1400);
    expect(segment!.payload.length).toBe(96 - 14 - 20 - 20);
  });

  it('gzip\'d pcapng: a block larger than the decompressed chunks is gathered whole', async () => {
    const ng = pcapngBlocks();
    const bulk = Buffer.alloc(60_000, 0x42);
    bulk.write('end', bulk.length - 3);
    const packet = ipv4('192.0.2.10', '198.51.100.7', 6, tcp({ srcPort: 20, dstPort: 40000, payload: bulk }));
    const file = tempCapture(Buffer.concat([ng.section(), ng.interface(101), ng.enhanced(0, 1n, packet), ng.enhanced(0, 2n, helloV4)]), 'big.pcapng.gz', true);
    const { items, stats } = await readAll(file, { chunkBytes: 1024 });
    expect(stats).toMatchObject({ compressed: true, frames: 2 });
    const [big, small] = segments(items);
    expect(big!.payload.equals(bulk)).toBe(true);
    expectHello(small);
  });

  it('gzip\'d pcap is decompressed on the fly', async () => {
    const file = tempCapture(pcapFile({ linkType: 1, records: [{ timeUs: T0, data: ethernet(ETHERTYPE.ipv4, helloV4) }] }), 'x.pcap.gz', true);
    const { items, stats } = await readAll(file);
    expect(stats.compressed).toBe(true);
    expectHello(segments(items)[0]);
  });
});

describe('payloads', () => {
  it('stay intact after the whole file is read in small reused chunks (they are copies, not views of the read buffer)', async () => {
    const records = Array.from({ length: 300 }, (_, index) => ({
      timeUs: T0 + index,
      data: ethernet(ETHERTYPE.ipv4, ipv4('10.0.0.1', '10.0.0.2', 6, tcp({ srcPort: 20, dstPort: 40000, seq: index, payload: `segment ${index} `.repeat(1 + (index % 7)) }))),
    }));
    const { items } = await readAll(tempCapture(pcapFile({ linkType: 1, records })), { chunkBytes: 256 });
    const texts = segments(items).map((segment) => segment.payload.toString());
    expect(texts).toEqual(records.map((_, index) => `segment ${index} `.repeat(1 + (index % 7))));
  });
});

describe('link types', () => {
  const cases: [string, number, Buffer, 4 | 6][] = [
    ['Ethernet', 1, ethernet(ETHERTYPE.ipv4, helloV4), 4],
    ['Ethernet IPv6', 1, ethernet(ETHERTYPE.ipv6, helloV6), 6],
    ['802.1Q', 1, ethernet(ETHERTYPE.ipv4, helloV4, [{ tpid: ETHERTYPE.vlan, vid: 100 }]), 4],
    ['QinQ 802.1ad', 1, ethernet(ETHERTYPE.ipv6, helloV6, [{ tpid: ETHERTYPE.qinq, vid: 10 }, { tpid: ETHERTYPE.vlan, vid: 200 }]), 6],
    ['Linux SLL', 113, sll(ETHERTYPE.ipv4, helloV4), 4],
    ['Linux SLL2', 276, sll2(ETHERTYPE.ipv6, helloV6), 6],
    ['raw (101)', 101, helloV4, 4],
    ['raw (12)', 12, helloV6, 6],
    ['raw (14)', 14, helloV4, 4],
    ['IPv4 (228)', 228, helloV4, 4],
    ['IPv6 (229)', 229, helloV6, 6],
    ['BSD null, little-endian host', 0, nullLink(2, helloV4, true), 4],
    ['BSD null, big-endian host, IPv6 (24)', 0, nullLink(24, helloV6, false), 6],
    ['BSD null, IPv6 (30, macOS)', 0, nullLink(30, helloV6, true), 6],
    ['OpenBSD loop', 108, loopLink(2, helloV4), 4],
  ];
  it.each(cases)('%s', async (_name, linkType, data, version) => {
    const file = tempCapture(pcapFile({ linkType, records: [{ timeUs: T0, data }] }));
    expectHello(segments((await readAll(file)).items)[0], version);
  });

  it('an unknown link type: one skipped item per frame, with the reason', async () => {
    const file = tempCapture(pcapFile({ linkType: 147, records: [{ timeUs: T0, data: helloV4 }, { timeUs: T0, data: helloV4 }] }));
    const { items } = await readAll(file);
    expect(items).toEqual([
      { kind: 'skipped', frame: 1, reason: 'link type 147 is not supported' },
      { kind: 'skipped', frame: 2, reason: 'link type 147 is not supported' },
    ]);
  });
});

describe('pcapng', () => {
  it('two sections (little- then big-endian), two interfaces each, EPB/SPB/PB, options, comments and unknown blocks', async () => {
    const le = pcapngBlocks(false);
    const be = pcapngBlocks(true);
    const file = tempCapture(
      Buffer.concat([
        le.section([le.comment('first section'), le.option(2, Buffer.from('x86_64'))]),
        le.interface(1, { options: [le.comment('eth0'), le.option(2, Buffer.from('eth0'))] }), // µs (default)
        le.interface(113, { tsresol: 9, tsoffset: 10 }), // ns, +10 s
        le.block(0x0bad, Buffer.alloc(20, 1)), // unknown: skipped by its length
        le.enhanced(0, BigInt(T0), ethernet(ETHERTYPE.ipv4, helloV4), { options: [le.comment('a comment on the packet'), le.option(2, Buffer.alloc(4))] }),
        le.enhanced(1, BigInt(T0) * 1000n + 999n, sll(ETHERTYPE.ipv6, helloV6)),
        le.simple(ethernet(ETHERTYPE.ipv4, helloV4)), // interface 0, no time: the previous packet's
        le.statistics(0, 1_000_000_000n), // claims a billion packets: read as any other block
        be.section(),
        be.interface(101, { tsresol: 0x80 | 10 }), // 2^-10 s
        be.interface(276, { tsresol: 3 }),
        be.packet(1, BigInt(Math.floor(T0 / 1000)), sll2(ETHERTYPE.ipv4, helloV4)),
        be.enhanced(0, 1024n * 1_764_900_000n + 512n, helloV6),
      ]),
    );
    const { items, stats } = await readAll(file);
    expect(stats).toMatchObject({ format: 'pcapng', frames: 5 });
    const found = segments(items);
    expect(found.map((segment) => [segment.frame, segment.interfaceId, segment.ipVersion, segment.timeUs])).toEqual([
      [1, 0, 4, T0],
      [2, 1, 6, T0 + 10_000_000],
      [3, 0, 4, T0 + 10_000_000],
      [4, 1, 4, Math.floor(T0 / 1000) * 1000],
      [5, 0, 6, 1_764_900_000_500_000],
    ]);
    found.forEach((segment) => expectHello(segment, segment.ipVersion));
  });

  it('an SPB is cut to the interface snap length', async () => {
    const ng = pcapngBlocks();
    const frame = ethernet(ETHERTYPE.ipv4, ipv4('192.0.2.1', '192.0.2.2', 6, tcp({ srcPort: 1, dstPort: 2, payload: Buffer.alloc(100) })));
    const file = tempCapture(Buffer.concat([ng.section(), ng.interface(1, { snapLength: 64 }), ng.simple(frame.subarray(0, 64), frame.length)]));
    const [segment] = segments((await readAll(file)).items);
    expect(segment!.payloadLength).toBe(100);
    expect(segment!.payload.length).toBe(64 - 54);
  });
});
