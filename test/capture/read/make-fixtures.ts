/**
 * Writes test/fixtures/capture/: the generated fixtures (fixtures.ts) and, when tcpdump and root
 * are there, real captures of a loopback exchange. `npx tsx test/capture/read/make-fixtures.ts`.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { syntheticFixtures } from './fixtures.js';
import { capture, ftpLikeExchange, tcpdumpMissingReason } from './live.js';

const directory = fileURLToPath(new URL('../../fixtures/capture/', import.meta.url));

for (const [name, bytes] of Object.entries(syntheticFixtures())) writeFileSync(`${directory}${name}`, bytes);

const missing = tcpdumpMissingReason();
if (missing) {
  process.stderr.write(`live captures not written: ${missing}\n`);
} else {
  const live: [string, string[], string][] = [
    ['tcpdump-lo.pcap', ['-i', 'lo'], '127.0.0.1'],
    ['tcpdump-any-sll2-ipv6.pcap', ['-i', 'any', '-y', 'LINUX_SLL2'], '::1'],
    ['tcpdump-lo-nano.pcap', ['-i', 'lo', '--time-stamp-precision', 'nano'], '127.0.0.1'],
  ];
  for (const [name, args, host] of live) {
    const exchange = await ftpLikeExchange(host, 20_000);
    try {
      await capture(`${directory}${name}`, [...args, '-s', '200'], exchange.ports.map((port) => `tcp port ${port}`).join(' or '), () => exchange.run());
    } finally {
      exchange.close();
    }
  }
  const converted = spawnSync('editcap', ['-F', 'pcapng', `${directory}tcpdump-lo-nano.pcap`, `${directory}tcpdump-lo-nano.pcapng`], { encoding: 'utf8' });
  if (converted.status !== 0) process.stderr.write(`editcap failed: ${converted.stderr}\n`);
}
