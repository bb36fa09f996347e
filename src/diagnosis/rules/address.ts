/**
 * What the server put in its passive replies, judged against what the client knows: the range the
 * firewall allows (--expect-range) and the address the control connection reached (or
 * --expect-address). These findings name a cause; the symptom findings (DATA_CHANNEL_BLOCKED)
 * still appear for attempts that failed for other reasons, and quote the cause when it applies.
 */
import type { Severity } from '../../report/model.js';
import type { DataAttempt, Evidence } from '../../evidence/model.js';
import type { Rule, RuleInput } from '../engine.js';
import {
  addressClass,
  attemptLines,
  ClientName,
  probeOnly,
  attemptState,
  controlAddress,
  endpoint,
  inRange,
  manyAttemptLines,
  percent,
  rangeText,
  same,
  unroutable,
  passivePortsOf,
} from '../facts.js';
import { remediesFor } from '../remedies/index.js';
import { aboutText, causeWords, osRangeWords, rangeRemedies, readSpread, serverOs } from './port-spread.js';

const CONNECT_FAILURES = new Set(['connect-timeout', 'connect-refused', 'connect-unreachable', 'connect-error']);
const connectFailed = (attempt: DataAttempt): boolean => CONNECT_FAILURES.has(attemptState(attempt));

export const portOutOfRange: Rule = {
  id: 'pasv-port-out-of-range',
  code: 'PASV_PORT_OUT_OF_RANGE',
  applies({ evidence, remedy }) {
    const range = evidence.options?.expectRange;
    if (!range) return undefined;
    const ports = passivePortsOf(evidence);
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
      causeWords(reading, reading.kind === 'band' ? undefined : osRangeWords(distinct, serverOs(evidence)), range, evidence.samples),
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
        remedies: rangeRemedies(reading, remedy, evidence.samples),
      },
    };
  },
};

type AddressKind = 'private' | 'routable';

/** The 227 address is wrong for clients when it is not where the control connection went (or not --expect-address). */
function wrongAddress(evidence: Evidence, attempt: DataAttempt, kind: AddressKind): boolean {
  if (attempt.mode !== 'pasv' || !attempt.advertised) return false;
  const host = attempt.advertised.host;
  const klass = addressClass(host);
  if (klass === undefined) return false;
  if ((kind === 'private') !== unroutable(host)) return false;
  const expected = evidence.options?.expectAddress;
  if (expected !== undefined) return !same(host, expected);
  // A server's log does not know the address the client dialled: nothing to compare the 227 with,
  // except that a client coming from a public address cannot reach a private one.
  if (evidence.controlPeer === undefined && evidence.host === undefined) {
    return kind === 'private' && evidence.clientAddress !== undefined && addressClass(evidence.clientAddress) !== undefined && !unroutable(evidence.clientAddress);
  }
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
      const expected = evidence.options?.expectAddress;
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
          `${ClientName(evidence)} followed the 227 reply and its connect to ${endpoint(failedOne.dialed)} ended in ${failedOne.connect.outcome} after ${failedOne.connect.durationMs} ms: ` +
            `the address is the cause of this failure${probeOnly(evidence, ' (the port may be blocked as well; re-run without --use-advertised-address to test the port alone)')}.`,
        );
      } else if (hidden && kind === 'routable') {
        sentences.push(
          `${ClientName(evidence)} dialled ${peer} instead, as curl (since 7.74) does, so it got through; but clients that trust a routable 227 address — ` +
            `FileZilla, WinSCP, lftp, Windows Explorer — will dial ${advertised} and fail.`,
        );
      } else if (hidden) {
        sentences.push(
          `${ClientName(evidence)} dialled ${peer} instead, as curl (since 7.74) does and FileZilla does for unroutable addresses, so this did not stop it; clients that follow the 227 address ` +
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
    if (evidence.options?.addressPolicy !== 'control-peer') return undefined;
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
          `The 227 reply said ${endpoint(first.advertised)}, but ${evidence.source.actedItself ? 'the probe connects' : 'the client connected'} to the control connection's address ${peer} ` +
          `${probeOnly(evidence, '(the default, as curl has done since 7.74), ')}and the transfer completed. A client that trusts the 227 address would dial ` +
          `${first.advertised.host} instead.${probeOnly(evidence, ' Re-run with --use-advertised-address to see what such a client sees.')}`,
        evidence: attemptLines(first),
        remedies: [],
      },
    };
  },
};
