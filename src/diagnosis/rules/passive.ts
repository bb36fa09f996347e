/**
 * Passive data connections that did not open. The comparative rules come first (the same mode
 * worked in plain FTP; PASV worked where EPSV did not), because a comparison names the cause;
 * the plain "blocked" and "refused" rules take whatever is left and sharpen their wording with
 * what the address rules already found.
 */
import type { DataMode, Finding } from '../../report/model.js';
import type { DataAttempt, Evidence } from '../../evidence/model.js';
import type { Rule, RuleInput } from '../engine.js';
import { unexplained } from '../engine.js';
import {
  attemptState,
  clientName,
  controlAddress,
  endpoint,
  inRange,
  isPassive,
  listEndpoints,
  manyAttemptLines,
  modeName,
  hiddenModeText,
  rangeText,
  replyLine,
  same,
  unroutable,
  controlEndpoint,
} from '../facts.js';
import { remediesFor, type Problem } from '../remedies/index.js';
import { icmpClause, icmpTitleWords } from '../icmp.js';

const connectState = (attempt: DataAttempt): string => attemptState(attempt);
const connectFailed = (attempt: DataAttempt): boolean => connectState(attempt).startsWith('connect-');
const worked = (evidence: Evidence, mode: DataMode, tls: boolean): DataAttempt | undefined =>
  evidence.attempts.find((attempt) => attempt.mode === mode && attempt.tls === tls && attemptState(attempt) === 'ok');
/** Where the data connections went; "the passive data port" when the source does not say (a server's log without the 227's text). */
const dialedList = (attempts: readonly DataAttempt[]): string =>
  listEndpoints(attempts.flatMap((attempt) => (attempt.dialed ? [attempt.dialed] : attempt.advertised ? [attempt.advertised] : []))) || 'the passive data port';
/** The plain attempt that worked to compare with: the same mode, or for a mode hidden by TLS (a capture) any of the same direction. */
const plainCounterpart = (evidence: Evidence, attempt: DataAttempt): DataAttempt | undefined =>
  attempt.modeHiddenByTls
    ? evidence.attempts.find((other) => !other.tls && !other.modeHiddenByTls && isPassive(other) === isPassive(attempt) && attemptState(other) === 'ok')
    : worked(evidence, attempt.mode, false);
/** The mode inside a sentence's parentheses: 'PASV over TLS', or 'passive, mode hidden by TLS' (no nested parentheses). */
const modeWords = (attempt: DataAttempt): string => (attempt.modeHiddenByTls ? `${attempt.modeHiddenByTls.inferred}, mode hidden by TLS` : modeName(attempt));
const waited = (attempt: DataAttempt | undefined): number => attempt?.connect?.durationMs ?? 0;
/** " after 5000 ms", or nothing when a passive source did not time it (a log without clocks; a probe always times its own). */
const afterWait = (attempt: DataAttempt | undefined): string => (waited(attempt) > 0 || attempt?.seenAt === undefined ? ` after ${waited(attempt)} ms` : '');

/** A port outside --expect-range is dropped for that reason, whatever the mode. */
function outsideExpectedRange(evidence: Evidence, attempt: DataAttempt): boolean {
  const range = evidence.options?.expectRange;
  const port = attempt.dialed?.port;
  return range !== undefined && port !== undefined && !inRange(port, range);
}

export const tlsBreaksInspection: Rule = {
  id: 'tls-breaks-inspection',
  code: 'TLS_BREAKS_INSPECTION',
  applies(input) {
    const { evidence } = input;
    const broken = unexplained(
      input,
      (attempt) =>
        attempt.tls &&
        (connectFailed(attempt) || attemptState(attempt) === 'inbound-missing') &&
        !outsideExpectedRange(evidence, attempt) &&
        plainCounterpart(evidence, attempt) !== undefined,
    );
    const first = broken[0];
    if (!first) return undefined;
    const plain = plainCounterpart(evidence, first);
    const plainWhere = plain?.dialed ? ` to ${endpoint(plain.dialed)}` : '';
    const passive = isPassive(first);
    return {
      finding: {
        code: 'TLS_BREAKS_INSPECTION',
        severity: 'error',
        title: `Data connections work in plain FTP but fail under TLS (${broken.some((attempt) => attempt.dialed ?? attempt.advertised) ? dialedList(broken) : modeName(first)}): the firewall's FTP inspection cannot read encrypted replies`,
        explanation:
          `In plain FTP the ${(plain ?? first).mode.toUpperCase()} data connection${plainWhere} completed; under TLS ${first.modeHiddenByTls ? `the ${modeName(first)}` : "the same mode's"} ` +
          (passive
            ? `connect to ${first.dialed ? endpoint(first.dialed) : 'the data port'} ended in ${first.connect?.outcome ?? 'failure'}${afterWait(first)}. `
            : `connection back from the server never arrived (waited ${first.inbound?.waitedMs ?? 0} ms). `) +
          'A stateful FTP filter (Windows Firewall StatefulFtp, Linux nf_conntrack_ftp, a router ALG) opens data ports by reading the ' +
          'PASV/EPSV/PORT exchange on the control channel; after AUTH TLS that exchange is encrypted, so the filter learns nothing and opens nothing.',
        evidence: [...manyAttemptLines(plain ? [plain] : [], 1), ...manyAttemptLines(broken, 2)],
        remedies: remediesFor(['tls-inspection', 'open-passive-range', 'passive-range'], input.remedy),
      },
      explains: broken,
    };
  },
};

export const epsvBlocked: Rule = {
  id: 'epsv-blocked',
  code: 'EPSV_BLOCKED',
  applies(input) {
    const { evidence } = input;
    const candidates = unexplained(
      input,
      (attempt) =>
        attempt.mode === 'epsv' &&
        (connectFailed(attempt) || attemptState(attempt) === 'mode-refused') &&
        !outsideExpectedRange(evidence, attempt) &&
        worked(evidence, 'pasv', attempt.tls) !== undefined,
    );
    const dropped = candidates.filter(connectFailed);
    const refused = candidates.filter((attempt) => attemptState(attempt) === 'mode-refused');
    const first = dropped[0] ?? refused[0];
    if (!first) return undefined;
    const pasv = worked(evidence, 'pasv', first.tls);
    const pasvWhere = pasv?.dialed ? endpoint(pasv.dialed) : 'its port';
    if (dropped.length === 0 && first.modeReply) {
      return {
        finding: {
          code: 'EPSV_BLOCKED',
          severity: 'warning',
          title: `EPSV is refused (${first.modeReply.code}) while PASV works`,
          explanation:
            `EPSV was answered with ${first.modeReply.code}: the server (or an FTP filter answering for it) does not accept it. ` +
            `PASV to ${pasvWhere} completed, and clients fall back to PASV after a refused EPSV, so this only costs a round trip; IPv6 clients have no fallback.`,
          evidence: manyAttemptLines([first, ...(pasv ? [pasv] : [])], 2),
          remedies: remediesFor(['epsv-inspection'], input.remedy),
        },
        explains: refused,
      };
    }
    // EPSV and PASV were handed different ports: unless the user said which ports the firewall
    // allows, a firewall that lets only part of the range through explains this just as well.
    const otherPortOnly = !evidence.options?.expectRange && pasv?.dialed !== undefined && dropped.every((attempt) => attempt.dialed?.port !== pasv.dialed?.port);
    return {
      finding: {
        code: 'EPSV_BLOCKED',
        severity: 'error',
        title: `EPSV data connections to ${dialedList(dropped)} are ${first.connect?.outcome === 'refused' ? 'refused' : 'dropped'} while PASV works`,
        explanation:
          `The PASV data connection to ${pasvWhere} completed, but the EPSV one to ${dialedList(dropped)} ended in ${first.connect?.outcome ?? 'failure'} ` +
          `${afterWait(first).trimStart() || 'with no answer'}. A 229 reply carries only a port; a firewall that opens data ports by reading PASV replies but does not ` +
          'understand EPSV (older FTP helpers and ALGs) never opens it. Clients that try EPSV first (curl, lftp, FileZilla) hang until their timeout.' +
          (otherPortOnly
            ? ' The two modes were handed different ports, so a firewall that allows only part of the passive range fits this too (the PASV port inside it, the EPSV one outside): ' +
              '`ftp-doctor sweep` over the range, or --expect-range with the ports the firewall allows, tells the two apart.'
            : ''),
        evidence: manyAttemptLines([...dropped, ...(pasv ? [pasv] : [])], 2),
        remedies: remediesFor(['epsv-inspection', 'open-passive-range'], input.remedy),
      },
      explains: candidates,
    };
  },
};

/** Sentences that tie a blocked attempt to what the address rules found. */
function correlations(input: RuleInput, blocked: readonly DataAttempt[]): { suffix: string; sentences: string[] } {
  const { evidence } = input;
  const range = evidence.options?.expectRange;
  const ports = blocked.flatMap((attempt) => (attempt.dialed ? [attempt.dialed.port] : []));
  const sentences: string[] = [];
  let suffix = '';
  if (range && ports.length > 0) {
    if (ports.every((port) => !inRange(port, range))) {
      suffix = `, ${ports.length > 1 ? 'ports' : 'a port'} outside the range the firewall allows (${rangeText(range)})`;
      sentences.push(`The server handed out ${ports.length > 1 ? 'ports' : 'a port'} outside ${rangeText(range)}, the range you said the firewall allows: that is why ${ports.length > 1 ? 'they are' : 'it is'} dropped.`);
    } else if (ports.every((port) => inRange(port, range))) {
      sentences.push(`The ${ports.length > 1 ? 'ports are' : 'port is'} inside ${rangeText(range)}, the range you expect the firewall to allow, so the rule for that range is missing or does not apply at this hop.`);
    }
  }
  const peer = controlAddress(evidence);
  const privateAdvert = blocked.find(
    // Only when the dialled address is known to be the control peer's: a server's log does not know it.
    (attempt) => attempt.mode === 'pasv' && attempt.advertised && unroutable(attempt.advertised.host) && !same(attempt.advertised.host, peer) && same(attempt.dialed?.host, peer),
  );
  if (privateAdvert?.advertised) {
    sentences.push(
      `The 227 reply also carried the private address ${privateAdvert.advertised.host}, but ${clientName(evidence)} dialled the control connection's address ${peer}, ` +
        'so the address is not why this connection timed out: the port is dropped. Clients that follow the 227 address fail for both reasons.',
    );
  }
  const hidden = blocked.find((attempt) => attempt.modeHiddenByTls)?.modeHiddenByTls;
  if (hidden) {
    sentences.push(
      `The control channel is encrypted, so the PASV/EPSV command and its 227/229 reply are hidden by TLS: the data mode and the ports it named were not seen, and this connection is ${hiddenModeText(hidden)}.`,
    );
  }
  if (hidden || blindHelper(evidence, blocked)) {
    sentences.push(
      "With an encrypted control channel a firewall's FTP helper or ALG cannot see the ports either, so it opens nothing: the classic cause of this drop under FTPS. " +
        'Give the server a fixed passive range and open exactly that range on the firewall; or, where the server allows it, clear the control channel after login (CCC) so the helper can read the replies again.',
    );
  }
  return { suffix, sentences };
}

/** The blocked attempts ran with the control channel encrypted: every attempt was over TLS (a probe's TLS sessions), or a passive source saw AUTH TLS succeed (or implicit TLS). */
function blindHelper(evidence: Evidence, blocked: readonly DataAttempt[]): boolean {
  const tlsOnly = blocked.some((attempt) => attempt.tls) && !evidence.attempts.some((attempt) => !attempt.tls);
  return tlsOnly || (!evidence.source.actedItself && (evidence.authTls?.handshake === 'ok' || evidence.tlsMode === 'implicit'));
}

/** The ports a server's log handed out: "port 50609" when the log names no address (a 229). */
const portsHandedOut = (attempts: readonly DataAttempt[]): string => {
  const named = dialedList(attempts);
  if (!named.includes('?:')) return named;
  const ports = [...new Set(attempts.map((attempt) => String((attempt.dialed ?? attempt.advertised)?.port ?? '?')))];
  return ports.length > 1 ? `ports ${ports.slice(0, -1).join(', ')} and ${ports.at(-1)}` : `port ${ports[0]}`;
};

/**
 * DATA_CHANNEL_BLOCKED as a server's log shows it: a passive port handed out and nothing arrived.
 * Seen from the listener's side only — dropped on the way or never sent is not in the log.
 */
function neverArrived(blocked: readonly DataAttempt[], modes: string, control: string): Omit<Finding, 'remedies'> {
  const first = blocked[0];
  const ports = portsHandedOut(blocked);
  const wait = waited(first) > 0 ? ` in the ${waited(first)} ms before the client moved on` : ' before the session ended';
  return {
    code: 'DATA_CHANNEL_BLOCKED',
    severity: 'error',
    title: `No data connection reached the server's passive ${ports} (seen from the server's side)`,
    explanation:
      `The control connection to ${control} works and the server handed out ${ports} (${modes}), but no data connection arrived there${wait}, and no transfer command followed. ` +
      'Clients connect before they send LIST or RETR, so a data connection dropped on the way leaves no 425 in the server\'s log, only this silence: the classic "login works, LIST hangs". ' +
      'Seen from the server\'s side, which cannot tell a connection dropped on the way (typically by the server-side or edge firewall, which has no rule for the passive data ports) from one the client never sent: a firewall log or a capture beside this log tells which.',
    evidence: manyAttemptLines(blocked),
  };
}

export const dataChannelBlocked: Rule = {
  id: 'data-channel-blocked',
  code: 'DATA_CHANNEL_BLOCKED',
  applies(input) {
    const blocked = unexplained(input, (attempt) => isPassive(attempt) && attemptState(attempt) === 'connect-timeout');
    const first = blocked[0];
    if (!first) return undefined;
    const { suffix, sentences } = correlations(input, blocked);
    const control = controlEndpoint(input.evidence);
    const modes = [...new Set(blocked.map(modeWords))].join(', ');
    const problems: Problem[] = ['open-passive-range', 'passive-range'];
    if (blocked.some((attempt) => attempt.tls) || blindHelper(input.evidence, blocked)) problems.unshift('tls-inspection');
    if (blocked.every((attempt) => attempt.connect?.listenerOnly)) {
      return { finding: { ...neverArrived(blocked, modes, control), remedies: remediesFor(problems, input.remedy) }, explains: blocked };
    }
    return {
      finding: {
        code: 'DATA_CHANNEL_BLOCKED',
        severity: 'error',
        title: `The firewall lets the control connection through but silently drops data connections to ${dialedList(blocked)}${suffix}`,
        explanation: [
          `The control connection to ${control} works, but the client's data connect (${modes}) to ${dialedList(blocked)} timed out${afterWait(first)} with no answer at all: ` +
            `a silent drop between ${input.evidence.source.actedItself ? 'us' : 'the client'} and the server, typically the server-side` + ' or edge firewall, which has no rule for the passive data ports. ' +
            'This is the classic "login works, LIST hangs".',
          ...sentences,
        ].join(' '),
        evidence: manyAttemptLines(blocked),
        remedies: remediesFor(problems, input.remedy),
      },
      explains: blocked,
    };
  },
};

export const dataChannelRefused: Rule = {
  id: 'data-channel-refused',
  code: 'DATA_CHANNEL_REFUSED',
  applies(input) {
    const refused = unexplained(input, (attempt) => isPassive(attempt) && connectFailed(attempt));
    const first = refused[0];
    if (!first) return undefined;
    const outcome = first.connect?.outcome ?? 'error';
    // A capture saw the ICMP: its code and sender say who rejected the SYN and how.
    const icmp = outcome === 'unreachable' ? first.connect?.icmp : undefined;
    const how = icmp
      ? icmpClause(icmp, first.dialed?.host, afterWait(first))
      : outcome === 'refused'
        ? `was answered with a reset${afterWait(first)}: a firewall rejects the data port (a reject rule rather than a drop), or nothing listens there — the server had stopped listening, or a port forward leads to a host where the port is closed`
        : outcome === 'unreachable'
          ? `failed with "unreachable"${afterWait(first)}: a router or firewall on the path answered that it will not forward to this address and port`
          : `failed${afterWait(first)}${first.connect?.error ? ` (${first.connect.error})` : ''}`;
    return {
      finding: {
        code: 'DATA_CHANNEL_REFUSED',
        severity: 'error',
        title: `Data connections to ${dialedList(refused)} are ${outcome === 'refused' ? 'actively refused' : ((icmp && icmpTitleWords(icmp)) ?? 'rejected')}`,
        explanation: `The control connection works, but the client's data connect (${modeWords(first)}) to ${dialedList(refused)} ${how}.`,
        evidence: manyAttemptLines(refused),
        remedies: remediesFor(['open-passive-range', 'misrouted'], input.remedy),
      },
      explains: refused,
    };
  },
};

export const passiveModeRefused: Rule = {
  id: 'passive-mode-refused',
  code: 'PASSIVE_MODE_REFUSED',
  applies(input) {
    const refused = unexplained(input, (attempt) => isPassive(attempt) && attemptState(attempt) === 'mode-refused');
    const first = refused[0];
    if (!first?.modeReply) return undefined;
    // PASV refused: passive mode is switched off. EPSV alone refused: the server (or a filter)
    // does not speak RFC 2428, which no passive-mode switch fixes.
    const problems: Problem[] = refused.some((attempt) => attempt.mode === 'pasv') ? ['passive-enable', 'passive-range'] : ['epsv-refused', 'epsv-inspection'];
    return {
      finding: {
        code: 'PASSIVE_MODE_REFUSED',
        severity: 'error',
        title: `The server refuses passive mode: ${first.command} was answered with ${first.modeReply.code}`,
        explanation: `The server (or an FTP filter answering for it) refused ${first.command}: "${replyLine(first.modeReply).slice(2)}". No passive data connection could be tried.`,
        evidence: manyAttemptLines(refused, 2),
        remedies: remediesFor(problems, input.remedy),
      },
      explains: refused,
    };
  },
};
