/**
 * The passive port ranges of the loopback tests stay apart (test/port-bands.ts): a file that
 * borrows another's ports fails at random on a busy machine, in whichever file loses the race.
 * Each literal range a test file writes must lie in that file's own band.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loopbackFreeRange } from '../src/netns/peer-launch.js';
import { EPHEMERAL_FROM, FIXED_BANDS, RANDOM_BANDS, type Band } from './port-bands.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Files whose literal ranges never bind a port on this host, and why. */
const NOT_ON_THIS_HOST: Record<string, string> = {
  'test/server/pure.test.ts': 'option parsing only',
  'test/netns/vsftpd-config.test.ts': 'vsftpd.conf text only',
  'test/sweep/cli.test.ts': 'the simulated network',
  // Their peers bind ranges from loopbackFreeRange; the literals are launcher arguments under test.
  'test/peers/pureftpd-probe.test.ts': 'Pure-FTPd arguments only',
  'test/peers/pyftpdlib-probe.test.ts': 'pyftpdlib settings only',
};

/** Where a range of ports literally written in a test binds: pasvRange, passivePorts, outOfRange. */
const LITERAL = /\b(?:pasvRange|passivePorts|outOfRange|serverRange)\s*[:=]\s*(?:\{\s*from:\s*(\d+),\s*to:\s*(\d+)\s*\}|'(\d+)-(\d+)')/g;

function testFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testFiles(full);
    return entry.name.endsWith('.ts') ? [path.relative(ROOT, full).split(path.sep).join('/')] : [];
  });
}

const inside = (range: Band, band: Band): boolean => range.from >= band.from && range.to <= band.to;
const overlap = (a: Band, b: Band): boolean => a.from <= b.to && b.from <= a.to;

describe('passive port bands of the loopback tests', () => {
  const bands = Object.entries({ ...RANDOM_BANDS, ...FIXED_BANDS }) as [string, Band][];

  it('no two files share a port', () => {
    for (const [index, [file, band]] of bands.entries()) {
      for (const [other, otherBand] of bands.slice(index + 1)) expect(overlap(band, otherBand), `${file} and ${other}`).toBe(false);
    }
  });

  it('random bands lie below the ephemeral ports (no client socket of ours can hold them)', () => {
    for (const [file, band] of Object.entries(RANDOM_BANDS)) expect(band.to, file).toBeLessThan(EPHEMERAL_FROM);
  });

  it('the real peers’ free ranges come from their own band', async () => {
    const band = RANDOM_BANDS['src/netns/peer-launch.ts'];
    for (let draw = 0; draw < 20; draw += 1) {
      const range = await loopbackFreeRange(20);
      expect(inside(range, band), `${range.from}-${range.to}`).toBe(true);
    }
  });

  it('every literal range in a test file lies in that file’s own band', () => {
    const found: string[] = [];
    const outside: string[] = [];
    for (const file of testFiles(path.join(ROOT, 'test'))) {
      if (NOT_ON_THIS_HOST[file] !== undefined) continue;
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      for (const match of text.matchAll(LITERAL)) {
        const range = { from: Number(match[1] ?? match[3]), to: Number(match[2] ?? match[4]) };
        // A range no server can bind (a validation test's bad input) takes no port.
        if (range.from < 1 || range.to > 65535 || range.from > range.to) continue;
        const band = (FIXED_BANDS as Record<string, Band>)[file];
        found.push(`${file} ${range.from}-${range.to}`);
        if (!band || !inside(range, band)) outside.push(`${file} writes ${range.from}-${range.to}`);
      }
    }
    expect(outside, 'give each file a band in test/port-bands.ts and keep its ranges in it').toEqual([]);
    // The scan itself works: it finds the ranges we know are there.
    expect(found).toContain('test/server/security.test.ts 22300-22301');
  });
});
