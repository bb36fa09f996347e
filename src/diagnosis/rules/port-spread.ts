/**
 * Reading the passive ports a server handed out: are they scattered over an OS's ephemeral range
 * (no passive range configured) or a narrow band (another range configured)? Pure, table-tested
 * (test/diagnosis/port-spread.test.ts); the words and remedies PASV_PORT_OUT_OF_RANGE uses.
 */
import type { Remedy } from '../../report/model.js';
import type { Evidence, SamplesRecord } from '../../evidence/model.js';
import { inRange, rangeText } from '../facts.js';
import { remediesFor, type RemedyContext } from '../remedies/index.js';
import { identifyServer, serverClues } from '../server-product.js';

/** Dynamic/ephemeral ranges an OS hands out when a server has no passive range configured. They overlap in 49152-60999. */
const WINDOWS_RANGE = { from: 49152, to: 65535 };
const LINUX_RANGE = { from: 32768, to: 60999 };
const IIS_WORDS = 'the signature of IIS with its data channel port range left at "0-0"';
const NO_RANGE_WORDS = 'the signature of a server with no passive range configured';

type ServerOs = 'iis' | 'windows' | 'unix' | 'unknown';

/** The server's OS, from the product that answered (server-product.ts), else from SYST. */
export function serverOs(evidence: Evidence): ServerOs {
  const product = identifyServer(serverClues(evidence))?.product;
  if (product === 'IIS') return 'iis';
  // FileZilla Server runs on Windows but answers SYST with "UNIX emulated by FileZilla".
  if (product === 'FileZilla Server') return 'windows';
  if (product === 'vsftpd' || product === 'ProFTPD' || product === 'Pure-FTPd') return 'unix';
  const greeting = evidence.greeting && 'code' in evidence.greeting ? evidence.greeting.message : '';
  if (/\bUNIX\b|Linux/i.test(`${evidence.system ?? ''} ${greeting}`)) return 'unix';
  return 'unknown';
}

/** "All of them lie in …" for ports that all fall in an OS range, or undefined. */
export function osRangeWords(ports: readonly number[], os: ServerOs): string | undefined {
  const windows = ports.every((port) => inRange(port, WINDOWS_RANGE));
  const linux = ports.every((port) => inRange(port, LINUX_RANGE));
  const windowsWords = `the Windows dynamic port range (${rangeText(WINDOWS_RANGE)})`;
  const linuxWords = `the Linux ephemeral port range (${rangeText(LINUX_RANGE)})`;
  if (os === 'iis' || os === 'windows') return windows ? `${windowsWords}: ${os === 'iis' ? IIS_WORDS : NO_RANGE_WORDS}` : undefined;
  if (os === 'unix') {
    if (linux) return `${linuxWords}: ${NO_RANGE_WORDS}`;
    return windows ? `the dynamic port range ${rangeText(WINDOWS_RANGE)}, which the server's OS hands out when no passive range is configured` : undefined;
  }
  if (windows && linux) return `both ${linuxWords} and ${windowsWords}: ${NO_RANGE_WORDS} (on Windows, ${IIS_WORDS})`;
  if (windows) return `${windowsWords}: ${IIS_WORDS}`;
  if (linux) return `${linuxWords}: ${NO_RANGE_WORDS}`;
  return undefined;
}

/**
 * How the passive ports seen read, before any OS range is named. Being inside an ephemeral range
 * proves nothing by itself (40000-40010 is inside Linux's): what tells "no range configured" from
 * "another range configured" is how the ports spread.
 * - scattered: the ports span more than WIDEST_CONFIGURED_RANGE. Configured passive ranges are
 *   tens to a few hundred ports (one per concurrent transfer); an OS handing out ephemeral ports
 *   spreads them over its whole 16-28k range, so even two samples are usually thousands apart.
 * - band: the ports span at most WIDEST_CONFIGURED_RANGE and either there are at least
 *   MIN_BAND_SAMPLES of them (three random ephemeral ports within 1000 of each other: ~1.5%), or
 *   they sit within NEAR_EXPECTED ports of the expected range (a random ephemeral port lands that
 *   close well under 1% of the time; a range typed differently or grown on one side lands there
 *   always). The server has a range: it is just not the one expected.
 * - undecided: too few ports, or in-range and outside ports mixed so that neither reading fits.
 */
const WIDEST_CONFIGURED_RANGE = 1000;
const MIN_BAND_SAMPLES = 3;
const NEAR_EXPECTED = 100;

type PortRange = { from: number; to: number };
export type SpreadReading = { kind: 'scattered' } | { kind: 'band'; range: PortRange; samples: number } | { kind: 'undecided'; samples: number };

const span = (ports: readonly number[]): PortRange => ({ from: Math.min(...ports), to: Math.max(...ports) });
/** Ports between two ranges (0 when they overlap or touch). */
const gap = (a: PortRange, b: PortRange): number => Math.max(0, a.from - b.to - 1, b.from - a.to - 1);

/** Reads every passive port seen (inside and outside the expected range) and the outside ones; pure, table-tested. */
export function readSpread(ports: readonly number[], outside: readonly number[], expected: PortRange): SpreadReading {
  const all = span(ports);
  const width = all.to - all.from;
  if (width <= WIDEST_CONFIGURED_RANGE) {
    if (ports.length >= MIN_BAND_SAMPLES || gap(all, expected) <= NEAR_EXPECTED) return { kind: 'band', range: all, samples: ports.length };
    return { kind: 'undecided', samples: ports.length };
  }
  // Wide overall, yet the outside ports huddle together: two behaviours mixed (a pool of servers?).
  const outsideSpan = span(outside);
  if (outsideSpan.to - outsideSpan.from > WIDEST_CONFIGURED_RANGE) return { kind: 'scattered' };
  return { kind: 'undecided', samples: ports.length };
}

/**
 * "22 passive replies (--samples 10: 20 replies to EPSV and PASV, plus 2 from the data sessions)":
 * what was asked and what was seen, never a count that mixes them up.
 */
export function portsSeenText(count: number, samples?: SamplesRecord): string {
  const seen = `${count} passive repl${count === 1 ? 'y' : 'ies'}`;
  if (!samples) return seen;
  const fromSessions = count - samples.replies;
  const asked = samples.asked * samples.modes.length;
  const modes = samples.modes.map((mode) => mode.toUpperCase()).join(' and ');
  const replies = `${samples.replies}${samples.replies === asked ? '' : ` of ${asked}`} replies to ${modes}`;
  return `${seen} (--samples ${samples.asked}: ${replies}${fromSessions > 0 ? `, plus ${fromSessions} from the data sessions` : ''})`;
}
export const aboutText = (range: PortRange): string => (range.from === range.to ? `port ${range.from}` : `about ${rangeText(range)}`);

/** The sentence that names the cause, from the spread and (for scattered ports) the OS range. */
export function causeWords(reading: SpreadReading, osRange: string | undefined, expected: PortRange, samples?: SamplesRecord): string {
  if (reading.kind === 'band') {
    return (
      `The server's passive range differs from the one expected (and opened in the firewall, ${rangeText(expected)}): ` +
      `the server uses ${aboutText(reading.range)} (from ${portsSeenText(reading.samples, samples)}).`
    );
  }
  if (!osRange) return '';
  if (reading.kind === 'scattered') return `All of them lie in ${osRange}.`;
  return (
    `All of them lie in ${osRange} — or of a range configured there: ${portsSeenText(reading.samples, samples)} cannot tell the two apart ` +
    '(re-run with --samples 20: scattered ports mean no range, a narrow band means another range).'
  );
}

/** Align the two ranges: servers to the expected one, or firewalls to the server's (when it is known). */
export function rangeRemedies(reading: SpreadReading, remedy: RemedyContext, samples?: SamplesRecord): Remedy[] {
  if (reading.kind !== 'band') return remediesFor(['passive-range', 'open-passive-range'], remedy);
  const serverRange = { ...remedy, range: reading.range, rangeIsExample: false };
  const firewalls = remediesFor(['open-passive-range'], serverRange).map((entry) => ({
    ...entry,
    text:
      `Or keep the server's range and open it instead: ${aboutText(reading.range)} was seen in ${portsSeenText(reading.samples, samples)}, ` +
      `so take the exact bounds from the server's configuration. ${entry.text}`,
  }));
  return [...remediesFor(['passive-range'], remedy), ...firewalls];
}
