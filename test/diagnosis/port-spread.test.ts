/**
 * PASV_PORT_OUT_OF_RANGE reads the spread of the ports seen before it names a cause: ports
 * scattered over thousands are an OS handing out ephemeral ports (no range configured); a narrow
 * band is a configured range that is not the expected one, even inside an ephemeral range.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnosis/index.js';
import { readSpread, type SpreadReading } from '../../src/diagnosis/rules/port-spread.js';
import type { Finding } from '../../src/report/model.js';
import { find, passive, probe, SERVER } from './fixtures.js';

const expected = { from: 40000, to: 40005 };
const outsideOf = (ports: number[]): number[] => ports.filter((port) => port < expected.from || port > expected.to);
/** Our server on --pasv-range 40000-40010, sampled 20 times: every port of its range shows up. */
const twenty = Array.from({ length: 20 }, (_, index) => 40000 + (index % 11));

describe('readSpread', () => {
  const cases: [string, number[], SpreadReading][] = [
    ['20 samples of 40000-40010 against 40000-40005', twenty, { kind: 'band', range: { from: 40000, to: 40010 }, samples: 20 }],
    ['scattered over the Linux ephemeral range', [33012, 47901, 58333, 40911], { kind: 'scattered' }],
    ['two samples thousands apart are already scattered', [35000, 52000], { kind: 'scattered' }],
    ['a single sample next to the expected range', [40006], { kind: 'band', range: { from: 40006, to: 40006 }, samples: 1 }],
    ['a single sample far away cannot tell', [50123], { kind: 'undecided', samples: 1 }],
    ['two close samples far away cannot tell', [50123, 50124], { kind: 'undecided', samples: 2 }],
    ['all samples equal, far away: one fixed port', [50123, 50123, 50123], { kind: 'band', range: { from: 50123, to: 50123 }, samples: 3 }],
    ['straddling the upper boundary', [40003, 40004, 40005, 40006, 40007, 40008], { kind: 'band', range: { from: 40003, to: 40008 }, samples: 6 }],
    ['straddling the lower boundary', [39990, 39995, 40001], { kind: 'band', range: { from: 39990, to: 40001 }, samples: 3 }],
    ['a band exactly 1000 wide is still a configured range', [45000, 45500, 46000], { kind: 'band', range: { from: 45000, to: 46000 }, samples: 3 }],
    ['1001 wide is scattered', [45000, 45500, 46001], { kind: 'scattered' }],
    ['100 ports clear of the expected range still counts as next to it', [40106], { kind: 'band', range: { from: 40106, to: 40106 }, samples: 1 }],
    ['101 ports clear, with two samples, cannot tell', [40107, 40108], { kind: 'undecided', samples: 2 }],
    ['inside ports plus a tight outside cluster far away: mixed', [40001, 40002, 50123, 50200], { kind: 'undecided', samples: 4 }],
  ];
  it.each(cases)('%s', (_name, ports, reading) => {
    expect(readSpread(ports, outsideOf(ports), expected)).toEqual(reading);
  });
});

function finding(ports: number[], system?: string): Finding {
  const evidence = probe({
    options: { expectRange: expected },
    passivePorts: ports,
    attempts: [passive('pasv', { advertised: `${SERVER}:${ports.find((port) => port > expected.to) ?? ports[0]}`, connect: 'timeout' })],
    ...(system ? { system } : {}),
  });
  return find(diagnose(evidence).findings, 'PASV_PORT_OUT_OF_RANGE');
}

describe('the wording follows the reading', () => {
  it('a different configured range is not called "no passive range configured"', () => {
    const result = finding(twenty, 'UNIX Type: L8');
    expect(result.explanation).not.toMatch(/no passive range configured/);
    expect(result.explanation).not.toMatch(/ephemeral/);
    expect(result.explanation).toContain('the server uses about 40000-40010 (from 20 passive replies)');
    expect(result.explanation).toContain('Align the two');
    expect(result.title).toContain('Intermittent');
    expect(result.title).toContain("the server's own range is about 40000-40010");
  });

  it('its remedies align the two: the server to the expected range, or the firewall to the server range', () => {
    const remedies = finding(twenty).remedies;
    const commands = remedies.flatMap((remedy) => remedy.commands ?? []);
    expect(commands).toContain('pasv_min_port=40000');
    expect(commands).toContain('pasv_max_port=40005');
    expect(commands).toContain('nft insert rule inet filter input tcp dport 40000-40010 accept');
    expect(remedies.find((remedy) => remedy.product === 'nftables')?.text).toMatch(/^Or keep the server's range/);
  });

  it('scattered ports are the no-range signature', () => {
    const result = finding([33012, 47901, 58333, 40911], 'UNIX Type: L8');
    expect(result.explanation).toContain('Linux ephemeral port range (32768-60999): the signature of a server with no passive range configured.');
    expect(result.explanation).not.toMatch(/cannot tell/);
    expect(result.remedies.flatMap((remedy) => remedy.commands ?? [])).toContain('nft insert rule inet filter input tcp dport 40000-40005 accept');
  });

  it('one far sample names the OS range but says it cannot tell', () => {
    const result = finding([50123], 'UNIX Type: L8');
    expect(result.explanation).toMatch(/Linux ephemeral port range/);
    expect(result.explanation).toContain('1 passive reply cannot tell the two apart');
  });

  it('all samples equal: one fixed port, not the OS', () => {
    const result = finding([50123, 50123, 50123], 'UNIX Type: L8');
    expect(result.explanation).toContain('the server uses port 50123 (from 3 passive replies)');
    expect(result.explanation).not.toMatch(/ephemeral/);
  });
});
