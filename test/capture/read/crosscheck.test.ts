/**
 * tshark as an independent decoder: on generated fixtures (every container, byte order, link type,
 * VLAN, IPv6 extension headers, fragments, out-of-order TCP), on the committed fixtures, and on
 * live tcpdump captures of a loopback exchange (Ethernet, SLL, SLL2, nanosecond, pcapng via
 * editcap, gzip'd), it must agree with our reader on frames, TCP streams and every segment.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { expectTsharkAgrees } from './agree.js';
import { removeTempCaptures, tempCapture } from './collect.js';
import { syntheticFixtures } from './fixtures.js';
import { capture, ftpLikeExchange, hasIpv6Loopback, tcpdumpMissingReason } from './live.js';
import { tsharkMissingReason } from './tshark.js';

afterAll(removeTempCaptures);

const tsharkMissing = tsharkMissingReason();
const liveMissing = tsharkMissing ?? tcpdumpMissingReason();
const FIXTURES = fileURLToPath(new URL('../../fixtures/capture/', import.meta.url));

describe.skipIf(tsharkMissing)('tshark agrees with the reader on generated captures', () => {
  it.each(Object.entries(syntheticFixtures()))('%s', async (name, bytes) => {
    const view = await expectTsharkAgrees(tempCapture(bytes, name));
    expect(view.rows.length).toBeGreaterThan(20);
  });

  it.each(readdirSync(FIXTURES).filter((name) => /\.(pcap|pcapng)(\.gz)?$/.test(name)))('committed fixture %s', async (name) => {
    await expectTsharkAgrees(join(FIXTURES, name));
  });
});

describe.skipIf(liveMissing)('tshark agrees with the reader on live tcpdump captures of a loopback exchange', () => {
  const variants: [string, string[]][] = [
    ['lo, Ethernet, µs', ['-i', 'lo']],
    ['lo, nanosecond precision', ['-i', 'lo', '--time-stamp-precision', 'nano']],
    ['any, Linux cooked SLL2', ['-i', 'any', '-y', 'LINUX_SLL2']],
    ['any, Linux cooked SLL', ['-i', 'any', '-y', 'LINUX_SLL']],
    ['lo, snap length 80 (truncated records)', ['-i', 'lo', '-s', '80']],
  ];

  it.each(variants)('%s (pcap, pcapng via editcap, gzip)', async (name, args) => {
    const exchanges = [await ftpLikeExchange('127.0.0.1', 300_000)];
    if (hasIpv6Loopback()) exchanges.push(await ftpLikeExchange('::1', 100_000));
    const file = tempCapture(Buffer.alloc(0), `${name.replace(/\W+/g, '-')}.pcap`);
    try {
      const filter = exchanges.flatMap((exchange) => exchange.ports).map((port) => `tcp port ${port}`).join(' or ');
      await capture(file, args, filter, async () => {
        for (const exchange of exchanges) await exchange.run();
      });
    } finally {
      exchanges.forEach((exchange) => exchange.close());
    }
    const view = await expectTsharkAgrees(file);
    // tcpdump itself may lose a packet under load ("dropped by kernel"): what it wrote is what is compared.
    expect(view.rows.length).toBeGreaterThan(10);
    const pcapng = `${file}ng`;
    const converted = spawnSync('editcap', ['-F', 'pcapng', file, pcapng], { encoding: 'utf8', timeout: 60_000 });
    expect(converted.status, converted.stderr).toBe(0);
    await expectTsharkAgrees(pcapng);
    const gzipped = `${pcapng}.gz`;
    writeFileSync(gzipped, gzipSync(readFileSync(pcapng)));
    await expectTsharkAgrees(gzipped);
  });
});
