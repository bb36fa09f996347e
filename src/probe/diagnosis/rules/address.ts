/**
 * What the server put in its passive replies, judged against what the client knows: the range the
 * firewall allows (--expect-range) and the address the control connection reached (or
 * --expect-address). These findings name a cause; the symptom findings (DATA_CHANNEL_BLOCKED)
 * still appear for attempts that failed for other reasons, and quote the cause when it applies.
 */
import type { Remedy, Severity } from '../../../report/model.js';
import type { DataAttempt, ProbeEvidence } from '../../evidence.js';
import type { Rule, RuleInput } from '../engine.js';
import {
  addressClass,
  attemptLines,
  attemptState,
  controlAddress,
  endpoint,
  inRange,
  manyAttemptLines,
  percent,
  rangeText,
  same,
  unroutable,
} from '../facts.js';
import { remediesFor, type RemedyContext } from '../remedies/index.js';

const CONNECT_FAILURES = new Set(['connect-timeout', 'connect-refused', 'connect-unreachable', 'connect-error']);
const connectFailed = (attempt: DataAttempt): boolean => CONNECT_FAILURES.has(attemptState(attempt));

/** Dynamic/ephemeral ranges an OS hands out when a server has no passive range configured. They overlap in 49152-60999. */
const WINDOWS_RANGE = { from: 49152, to: 65535 };
const LINUX_RANGE = { from: 32768, to: 60999 };
const IIS_WORDS = 'the signature of IIS with its data channel port range left at "0-0"';
const NO_RANGE_WORDS = 'the signature of a server with no passive range configured';

type ServerOs = 'iis' | 'windows' | 'unix' | 'unknown';

/** What the server says it is: SYST first (215 Windows_NT / UNIX Type: L8), then the greeting. */
function serverOs(evidence: ProbeEvidence): ServerOs {
  const words = `${evidence.system ?? ''} ${evidence.greeting && 'code' in evidence.greeting ? evidence.greeting.message : ''}`;
  if (/Windows_NT|Microsoft FTP Service/i.test(words)) return 'iis';
  // FileZilla Server runs on Windows but answers SYST with "UNIX emulated by FileZilla".
  if (/FileZilla/i.test(words)) return 'windows';
  if (/\bUNIX\b|Linux|vsFTPd|ProFTPD|Pure-FTPd/i.test(words)) return 'unix';
  return 'unknown';
}

/** "All of them lie in …" for ports that all fall in an OS range, or undefined. */
function osRangeWords(ports: readonly number[], os: ServerOs): string | undefined {
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

const samplesText = (count: number): string => `${count} sample${count === 1 ? '' : 's'}`;
const aboutText = (range: PortRange): string => (range.from === range.to ? `port ${range.from}` : `about ${rangeText(range)}`);

/** The sentence that names the cause, from the spread and (for scattered ports) the OS range. */
function causeWords(reading: SpreadReading, osRange: string | undefined, expected: PortRange): string {
  if (reading.kind === 'band') {
    return (
      `The server's passive range differs from the one expected (and opened in the firewall, ${rangeText(expected)}): ` +
      `the server uses ${aboutText(reading.range)} (from ${samplesText(reading.samples)}).`
    );
  }
  if (!osRange) return '';
  if (reading.kind === 'scattered') return `All of them lie in ${osRange}.`;
  return (
    `All of them lie in ${osRange} — or of a range configured there: ${samplesText(reading.samples)} cannot tell the two apart ` +
    '(re-run with --samples 20: scattered ports mean no range, a narrow band means another range).'
  );
}

/** Align the two ranges: servers to the expected one, or firewalls to the server's (when it is known). */
function rangeRemedies(reading: SpreadReading, remedy: RemedyContext): Remedy[] {
  if (reading.kind !== 'band') return remediesFor(['passive-range', 'open-passive-range'], remedy);
  const serverRange = { ...remedy, range: reading.range, rangeIsExample: false };
  const firewalls = remediesFor(['open-passive-range'], serverRange).map((entry) => ({
    ...entry,
    text:
      `Or keep the server's range and open it instead: ${aboutText(reading.range)} was seen in ${samplesText(reading.samples)}, ` +
      `so take the exact bounds from the server's configuration. ${entry.text}`,
  }));
  return [...remediesFor(['passive-range'], remedy), ...firewalls];
}

export const portOutOfRange: Rule = {
  id: 'pasv-port-out-of-range',
  code: 'PASV_PORT_OUT_OF_RANGE',
  applies({ evidence, remedy }) {
    const range = evidence.options.expectRange;
    if (!range) return undefined;
    const advertised = evidence.attempts.flatMap((attempt) => (attempt.advertised ? [attempt.advertised.port] : []));
    const ports = evidence.passivePorts.length > 0 ? evidence.passivePorts : advertised;
    const outside = ports.filter((port) => !inRange(port, range));
    if (outside.length === 0) return undefined;
    const outsideAttempts = evidence.attempts.filter((attempt) => attempt.advertised && !inRange(attempt.advertised.port, range));
    const failedOutside = outsideAttempts.filter(connectFailed);
    const connectedOutside = outsideAttempts.filter((attempt) => attempt.connect?.outcome === 'connected');
    // Ports outside the declared range that nonetheless got through: the firewall allows more than declared.
    const severity: Severity = failedOutside.length === 0 && connectedOutside.length > 0 ? 'warning' : 'error';
    const intermittent = outside.length < ports.length;
    const share = `${outside.length} of ${ports.length} passive ports (${percent(outside.length, ports.length)})`;
    const distinct = [...new Set(outside)].sort((a, b) => a - b);
    const shown = distinct.slice(0, 8).join(', ') + (distinct.length > 8 ? ', …' : '');
    const reading = readSpread(ports, outside, range);
    const band = reading.kind === 'band' ? `; the server's own range is ${aboutText(reading.range)}` : '';
    let title: string;
    if (severity === 'warning') {
      title = `The server hands out passive ports outside ${rangeText(range)} (${shown}), yet they got through: the firewall allows more than you declared`;
    } else if (intermittent) {
      title = `Intermittent: ${share} fall outside the range the firewall allows (${rangeText(range)})${band}`;
    } else {
      title = `The server hands out passive ports outside the range the firewall allows (${rangeText(range)}): ${shown}${band}`;
    }
    const explanation = [
      `You declared that the firewall allows passive ports ${rangeText(range)}; the server advertised ${shown}` +
        (intermittent ? ` — ${share} — so only the transfers that happen to get an outside port fail: the problem comes and goes.` : '.'),
      failedOutside.length > 0
        ? `Connections to the outside ports failed (${failedOutside.map((attempt) => endpoint(attempt.dialed ?? attempt.advertised ?? { port: 0 })).join(', ')}).`
        : '',
      causeWords(reading, reading.kind === 'band' ? undefined : osRangeWords(distinct, serverOs(evidence)), range),
      reading.kind === 'band'
        ? `Align the two: configure the server to hand out exactly ${rangeText(range)}, or open the server's range in the firewall.`
        : 'The server and the firewall must agree on one range: configure the server to use exactly the range the firewall opens.',
    ]
      .filter(Boolean)
      .join(' ');
    const lines = [
      ...manyAttemptLines(failedOutside.length > 0 ? failedOutside : outsideAttempts, 2),
      `* passive ports seen: ${ports.slice(0, 20).join(', ')}${ports.length > 20 ? ', …' : ''}`,
      `* expected range: ${rangeText(range)}`,
    ];
    return {
      finding: {
        code: 'PASV_PORT_OUT_OF_RANGE',
        severity,
        title,
        explanation,
        evidence: lines,
        remedies: rangeRemedies(reading, remedy),
      },
    };
  },
};

type AddressKind = 'private' | 'routable';

/** The 227 address is wrong for clients when it is not where the control connection went (or not --expect-address). */
function wrongAddress(evidence: ProbeEvidence, attempt: DataAttempt, kind: AddressKind): boolean {
  if (attempt.mode !== 'pasv' || !attempt.advertised) return false;
  const host = attempt.advertised.host;
  const klass = addressClass(host);
  if (klass === undefined) return false;
  if ((kind === 'private') !== unroutable(host)) return false;
  const expected = evidence.options.expectAddress;
  if (expected !== undefined) return !same(host, expected);
  const peer = controlAddress(evidence);
  if (same(host, peer)) return false;
  // Reached over the LAN, a server that advertises its public address is right for everyone else.
  if (kind === 'routable' && unroutable(peer)) return false;
  return true;
}

function addressRule(kind: AddressKind): Rule {
  const code = kind === 'private' ? 'PASV_ADDRESS_PRIVATE' : 'PASV_ADDRESS_MISMATCH';
  return {
    id: kind === 'private' ? 'pasv-address-private' : 'pasv-address-mismatch',
    code,
    applies(input: RuleInput) {
      const { evidence, remedy } = input;
      const wrong = evidence.attempts.filter((attempt) => !input.explained.has(attempt) && wrongAddress(evidence, attempt, kind));
      const first = wrong[0];
      if (!first?.advertised) return undefined;
      const advertised = first.advertised.host;
      const peer = controlAddress(evidence);
      const expected = evidence.options.expectAddress;
      const target = expected ?? peer;
      // Attempts that dialled the advertised address and failed: the address explains them.
      const followedFailed = wrong.filter((attempt) => same(attempt.dialed?.host, attempt.advertised?.host) && connectFailed(attempt));
      const hidden = wrong.some((attempt) => !same(attempt.dialed?.host, attempt.advertised?.host));
      // A private address is substituted by nearly every modern client (curl, lftp, FileZilla), so
      // when our probe worked around it, it is a warning. A wrong *routable* address is followed by
      // FileZilla, WinSCP, lftp and Windows Explorer alike: it breaks most users, so it is an error.
      const severity: Severity =
        followedFailed.length > 0 || (expected !== undefined && !same(advertised, expected)) || kind === 'routable' ? 'error' : 'warning';
      const klass = addressClass(advertised) ?? 'unknown';
      const title =
        kind === 'private'
          ? `The server advertises its private address ${advertised} in 227 replies instead of the address clients reach (${target})`
          : `The server advertises ${advertised} in 227 replies, not the address clients reach (${target})`;
      const sentences: string[] = [
        kind === 'private'
          ? `${advertised} is a ${klass} address, unreachable from outside the server's own network; ` +
            `the control connection reached ${peer}. This is a server behind NAT that does not know its external address.`
          : `${advertised} is another routable address than ${target} — typically a stale external address after the public IP changed, ` +
            'or the address of another interface.',
      ];
      if (expected !== undefined) sentences.push(`You expected ${expected} (--expect-address).`);
      const failedOne = followedFailed[0];
      if (failedOne?.connect && failedOne.dialed) {
        sentences.push(
          `The probe followed the 227 reply and its connect to ${endpoint(failedOne.dialed)} ended in ${failedOne.connect.outcome} after ${failedOne.connect.durationMs} ms: ` +
            'the address is the cause of this failure (the port may be blocked as well; re-run with the control-peer address policy to test the port alone).',
        );
      } else if (hidden && kind === 'routable') {
        sentences.push(
          `The probe dialled ${peer} instead, as curl (since 7.74) does, so it got through; but clients that trust a routable 227 address — ` +
            `FileZilla, WinSCP, lftp, Windows Explorer — will dial ${advertised} and fail.`,
        );
      } else if (hidden) {
        sentences.push(
          `The probe dialled ${peer} instead, as curl (since 7.74) does and FileZilla does for unroutable addresses, so this did not stop it; clients that follow the 227 address ` +
            '(Windows ftp.exe, older libraries, some embedded clients) will fail.',
        );
      }
      return {
        finding: {
          code,
          severity,
          title,
          explanation: sentences.join(' '),
          evidence: [...attemptLines(failedOne ?? first), `* control connection reached: ${peer}`],
          remedies: remediesFor(['public-address'], remedy),
        },
        explains: followedFailed,
      };
    },
  };
}

export const addressPrivate = addressRule('private');
export const addressMismatch = addressRule('routable');

/** The client's address policy masked a wrong 227 address: say who it will bite. */
export const addressHiddenByClient: Rule = {
  id: 'pasv-address-hidden-by-client',
  code: 'PASV_ADDRESS_HIDDEN_BY_CLIENT',
  applies({ evidence }) {
    if (evidence.options.addressPolicy !== 'control-peer') return undefined;
    const peer = controlAddress(evidence);
    const masked = evidence.attempts.filter(
      (attempt) =>
        attempt.mode === 'pasv' &&
        attempt.advertised &&
        addressClass(attempt.advertised.host) !== undefined &&
        !same(attempt.advertised.host, peer) &&
        attemptState(attempt) === 'ok',
    );
    const first = masked[0];
    if (!first?.advertised) return undefined;
    return {
      finding: {
        code: 'PASV_ADDRESS_HIDDEN_BY_CLIENT',
        severity: 'info',
        title: `Works for curl and FileZilla, breaks for clients that follow the 227 address (${first.advertised.host})`,
        explanation:
          `The 227 reply said ${endpoint(first.advertised)}, but the probe connects to the control connection's address ${peer} ` +
          '(the default, as curl has done since 7.74), and the transfer completed. A client that trusts the 227 address would dial ' +
          `${first.advertised.host} instead. Re-run with the advertised-address policy to see what such a client sees.`,
        evidence: attemptLines(first),
        remedies: [],
      },
    };
  },
};
