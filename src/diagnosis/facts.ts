/**
 * Small pure readings of the evidence record that several rules share: how a data attempt ended,
 * address classes that never throw, and the transcript-like lines a finding quotes as proof.
 */
import { classifyAddress, sameAddress, UNROUTABLE_CLASSES, type AddressClass } from '../ftp/address.js';
import { formatHostPort } from '../ftp/passive.js';
import { withProvenance } from '../evidence/provenance.js';
import { icmpProof } from './icmp.js';
import type { DataAttempt, HostPortRecord, Evidence, RecordedReply } from '../evidence/model.js';

/** Where a data attempt stopped, from the client's point of view. */
export type AttemptState =
  | 'ok'
  | 'mode-refused' // the server answered the PASV/EPSV/PORT/EPRT command with 4xx/5xx
  | 'unusable-reply' // the 227/229 could not be parsed
  | 'connect-timeout'
  | 'connect-refused'
  | 'connect-unreachable'
  | 'connect-error'
  | 'inbound-missing' // active: the server's connection never arrived
  | 'data-tls-failed'
  | 'transfer-refused' // 4xx/5xx to LIST/RETR
  | 'transfer-stalled' // connected, then nothing before our deadline
  | 'transfer-cut' // reset or closed before the transfer was complete
  | 'transfer-too-slow' // still running at its total deadline, stopped by us
  | 'not-started';

export const isActive = (attempt: DataAttempt): boolean => attempt.mode === 'port' || attempt.mode === 'eprt';
export const isPassive = (attempt: DataAttempt): boolean => !isActive(attempt);

export function attemptState(attempt: DataAttempt): AttemptState {
  if (attempt.transfer.outcome === 'complete') return 'ok';
  // Before the mode and connect states: an active connection the deadline stopped waiting for is not a blocked one.
  if (attempt.transfer.outcome === 'too-slow') return 'transfer-too-slow';
  if (attempt.modeReply && attempt.modeReply.code >= 400) return 'mode-refused';
  if (attempt.parseError !== undefined) return 'unusable-reply';
  if (isPassive(attempt)) {
    const outcome = attempt.connect?.outcome;
    if (outcome === 'timeout') return 'connect-timeout';
    if (outcome === 'refused') return 'connect-refused';
    if (outcome === 'unreachable') return 'connect-unreachable';
    if (outcome === 'error') return 'connect-error';
  } else if (attempt.inbound && !attempt.inbound.arrived) {
    return 'inbound-missing';
  }
  if (attempt.dataTls?.handshake === 'failed' || attempt.transfer.outcome === 'tls-failed') return 'data-tls-failed';
  switch (attempt.transfer.outcome) {
    case 'refused-by-server':
      return 'transfer-refused';
    case 'timeout':
      return 'transfer-stalled';
    case 'reset':
    case 'closed-early':
      return 'transfer-cut';
    default:
      return 'not-started';
  }
}

export const failed = (attempt: DataAttempt): boolean => attemptState(attempt) !== 'ok';

/** True when the data channel opened at the TCP level (passive connect or active inbound). */
export function dataConnected(attempt: DataAttempt): boolean {
  return isPassive(attempt) ? attempt.connect?.outcome === 'connected' : attempt.inbound?.arrived === true;
}

/** classifyAddress for values that may be host names or absent: undefined instead of a throw. */
export function addressClass(address: string | undefined): AddressClass | undefined {
  if (address === undefined) return undefined;
  try {
    return classifyAddress(address);
  } catch {
    return undefined;
  }
}

/** One definition of "no client elsewhere could reach it": the address module's. */
export function unroutable(address: string | undefined): boolean {
  const kind = addressClass(address);
  return kind !== undefined && UNROUTABLE_CLASSES.has(kind);
}

export function same(left: string | undefined, right: string | undefined): boolean {
  return left !== undefined && right !== undefined && sameAddress(left, right);
}

/** The address the control connection reached: the recorded peer, else the URL's host. */
export const controlAddress = (evidence: Evidence): string => evidence.controlPeer ?? evidence.host ?? 'the server';

/** Who opened the connections, as explanations name it: "the probe" only when the source acted itself. */
export const clientName = (evidence: Evidence): string => (evidence.source.actedItself ? 'the probe' : 'the client');
export const ClientName = (evidence: Evidence): string => (evidence.source.actedItself ? 'The probe' : 'The client');

/** Advice only a probe can follow ("re-run with …"): left out for captures, logs and configurations. */
export const probeOnly = (evidence: Evidence, text: string): string => (evidence.source.actedItself ? text : '');

/** The server as titles name it: its name or address, or "the server" when the source does not say (a server's own log). */
export const ServerName = (evidence: Evidence): string => capitalised(serverName(evidence));
export const serverName = (evidence: Evidence): string => evidence.host ?? evidence.controlPeer ?? 'the server';
const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** The control port: the source's, else FTP's default (a log often names the server but not its port). */
export const controlPort = (evidence: Evidence): number => evidence.port ?? (evidence.tlsMode === 'implicit' ? 990 : 21);

/** Every passive port the replies advertised: the recorded list (a probe's, all samples), else the attempts'. */
export function passivePortsOf(evidence: Evidence): number[] {
  if (evidence.passivePorts && evidence.passivePorts.length > 0) return evidence.passivePorts;
  return evidence.attempts.flatMap((attempt) => (attempt.advertised ? [attempt.advertised.port] : []));
}

/** "10.0.0.5:50123", "[2001:db8::5]:50123", "?:50123" when the host is not known: the one endpoint formatter's. */
export function endpoint(record: { host?: string | undefined; port: number }): string {
  return record.host === undefined || record.host === '' ? `?:${record.port}` : formatHostPort(record.host, record.port);
}

/** "203.0.113.10:21": where the control connection went. */
export const controlEndpoint = (evidence: Evidence): string =>
  evidence.controlPeer === undefined && evidence.host === undefined ? 'the server' : endpoint({ host: controlAddress(evidence), port: controlPort(evidence) });

/** 'PASV over TLS'; for a mode hidden by an encrypted control channel only what its direction shows: 'passive (inferred from the connection's direction)'. */
export const modeName = (attempt: DataAttempt): string =>
  attempt.modeHiddenByTls ? `${attempt.modeHiddenByTls.inferred} (inferred from the connection's direction)` : attempt.mode.toUpperCase() + (attempt.tls ? ' over TLS' : '');

/** The hidden mode with what showed it: "passive (inferred from the connection's direction: the client opened it to the server's port 50123)". */
export const hiddenModeText = (hidden: NonNullable<DataAttempt['modeHiddenByTls']>): string => `${hidden.inferred} (inferred from the connection's direction: ${hidden.why})`;

export function inRange(port: number, range: { from: number; to: number }): boolean {
  return port >= range.from && port <= range.to;
}

export const rangeText = (range: { from: number; to: number }): string => `${range.from}-${range.to}`;

export function replyLine(reply: RecordedReply): string {
  return `< ${reply.code} ${reply.message.replace(/\s*\r?\n\s*/g, ' ').trim()}`;
}

/** A reply as a proof line: with the frame or log line it was seen at, when a passive source saw it. */
export const proofReply = (reply: RecordedReply): string => withProvenance(replyLine(reply), reply.seenAt);

/** "the server's reply mentions X" tests read the final reply first, then the preliminary one. */
export function transferReplies(attempt: DataAttempt): RecordedReply[] {
  return [attempt.finalReply, attempt.preliminaryReply].filter((reply): reply is RecordedReply => reply !== undefined);
}

function connectLine(attempt: DataAttempt): string | undefined {
  const connect = attempt.connect;
  if (!connect || connect.outcome === 'not-attempted') return undefined;
  const target = attempt.dialed ? endpoint(attempt.dialed) : '?';
  const detail = connect.error ? ` (${connect.error})` : '';
  // A server's log saw only its own side: the port it handed out, and nothing arriving there.
  if (connect.outcome === 'timeout' && connect.listenerOnly) {
    return `* passive port ${attempt.dialed?.port ?? '?'} handed out: no connection arrived${connect.durationMs > 0 ? ` in ${connect.durationMs} ms` : ' before the session ended'} (seen from the server's side: dropped on the way or never sent is not observed)`;
  }
  // A passive source that did not time the attempt (a log without clocks): its wait is not "0 ms".
  const untimed = connect.durationMs === 0 && attempt.seenAt?.connect?.source === 'log';
  if (untimed && connect.outcome !== 'connected') return `* connect ${target}: ${connect.outcome === 'refused' ? 'refused (reset)' : connect.outcome} (after how long is not in the log)${detail}`;
  switch (connect.outcome) {
    case 'connected':
      return `* connect ${target}: connected in ${connect.durationMs} ms`;
    case 'timeout':
      return `* connect ${target}: timeout after ${connect.durationMs} ms${detail}`;
    case 'refused':
      return `* connect ${target}: refused (reset) after ${connect.durationMs} ms${detail}`;
    case 'unreachable':
      return `* connect ${target}: unreachable after ${connect.durationMs} ms${detail}${connect.icmp ? ` — ${icmpProof(connect.icmp)}` : ''}`;
    default:
      return `* connect ${target}: error after ${connect.durationMs} ms${detail}`;
  }
}

/** "within 8001 ms", or, when a passive source did not time the wait (a log without clocks), says so instead of "0 ms". */
export function inboundWait(attempt: DataAttempt): string {
  const waited = attempt.inbound?.waitedMs ?? 0;
  return waited > 0 || attempt.seenAt === undefined ? `within ${waited} ms` : 'while the client waited (the log does not say how long)';
}

function inboundLine(attempt: DataAttempt): string | undefined {
  const inbound = attempt.inbound;
  if (!inbound) return undefined;
  const where = attempt.listening ? ` on ${endpoint(attempt.listening)}` : '';
  if (inbound.arrived) {
    const from = inbound.from ? ` from ${endpoint(inbound.from)}` : '';
    return `* inbound connection${where}${from} after ${inbound.waitedMs} ms`;
  }
  return `* no inbound connection${where} ${inboundWait(attempt)}`;
}

function transferLine(attempt: DataAttempt): string {
  const { outcome, bytes, durationMs, error } = attempt.transfer;
  const detail = error ? ` (${error})` : '';
  return `* transfer: ${outcome}, ${bytes} bytes in ${durationMs} ms${detail}`;
}

/**
 * The attempt as transcript-like lines, in wire order: what we sent, what came back, and the
 * events (connects, timeouts) that prove where it stopped.
 */
export function attemptLines(attempt: DataAttempt): string[] {
  if (attempt.notSent !== undefined) return [`* ${attempt.command} not sent: ${attempt.notSent}`];
  // A mode hidden by TLS was never seen as a command: said as an event, not quoted as if sent.
  const command = attempt.modeHiddenByTls ? `* ${attempt.command}` : withProvenance(`> ${attempt.command}`, attempt.seenAt?.command);
  const lines: (string | undefined)[] = [command];
  if (attempt.modeReply) lines.push(proofReply(attempt.modeReply));
  if (attempt.parseError !== undefined) lines.push(`* unusable reply: ${attempt.parseError}`);
  if (attempt.sentByServer && attempt.advertised) {
    const sent = attempt.sentByServer;
    if (sent.port !== attempt.advertised.port || (sent.host !== undefined && !same(sent.host, attempt.advertised.host))) {
      lines.push(`* the server's own copy says it sent ${sent.host === undefined ? `port ${sent.port}` : endpoint(sent)}`);
    }
  }
  lines.push(...[connectLine(attempt), inboundLine(attempt)].map((line) => line && withProvenance(line, attempt.seenAt?.connect)));
  if (attempt.dataTls) {
    const { handshake, resumed, error } = attempt.dataTls;
    const session = resumed === undefined ? '' : resumed ? ', control session resumed' : ', new session (not resumed)';
    lines.push(`* data TLS handshake: ${handshake}${session}${error ? ` (${error})` : ''}`);
  }
  if (attempt.token && !attempt.token.matches) {
    const { session, port } = attempt.token.expected;
    const expected = session === undefined ? `a token for port ${port}` : `the token of session ${session} for port ${port}`;
    lines.push(`* data token: expected ${expected}, received ${attempt.token.received === undefined ? 'nothing' : `"${attempt.token.received}"`}`);
  }
  if (attempt.transferCommand) lines.push(`> ${attempt.transferCommand}`);
  if (attempt.preliminaryReply) lines.push(proofReply(attempt.preliminaryReply));
  if (attempt.finalReply) lines.push(proofReply(attempt.finalReply));
  // A transfer that never started after a failed connect says nothing the connect line did not.
  if (attempt.transferCommand || attempt.transfer.outcome !== 'not-started' || attempt.transfer.error) lines.push(transferLine(attempt));
  if (attempt.controlLostAfterData) lines.push('* control connection: no final reply after the data ended');
  return lines.filter((line): line is string => line !== undefined);
}

/** Lines for several attempts, capped so a 50-sample run does not bury the reader. */
export function manyAttemptLines(attempts: readonly DataAttempt[], limit = 3): string[] {
  const lines = attempts.slice(0, limit).flatMap((attempt) => attemptLines(attempt));
  if (attempts.length > limit) lines.push(`* … and ${attempts.length - limit} more attempts like these`);
  return lines;
}

/** "10.0.0.5:50123" or "10.0.0.5:50123 and 10.0.0.5:50124" or "… and 3 more". */
export function listEndpoints(records: readonly HostPortRecord[], limit = 3): string {
  const unique = [...new Set(records.map((record) => endpoint(record)))];
  const shown = unique.slice(0, limit);
  const rest = unique.length - shown.length;
  if (rest > 0) return `${shown.join(', ')} and ${rest} more`;
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

export function percent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${Math.round((part / whole) * 100)}%`;
}
