/**
 * One reading of an observed session for every passive source: the control lines and data
 * connections a capture or a log saw become the evidence record the diagnosis rules read. Pure.
 *
 * What the session did not show stays out of the record ("not observed"); an attempt is kept only
 * when something after its mode reply was seen (a transfer command, a data connection, a note), so
 * a log that ends after a 227 is not read as a failed transfer.
 */
import { parseCommandLine } from '../ftp/command.js';
import type { DataMode } from '../ftp/data-mode.js';
import { parseSentTag } from '../ftp/evidence.js';
import { parseEprtArgument, parseEpsvReply, parsePasvReply, parsePortArgument } from '../ftp/passive.js';
import type { ConnectOutcome, DataAttempt, Evidence, EvidenceOptions, RecordedReply, TransferOutcome } from './model.js';
import type { ObservedConnectOutcome, ObservedDataConnection, ObservedEvent, ObservedReply, ObservedSession } from './observed.js';
import type { SourceDeclaration } from './source.js';
import { elapsed, finishAttempt, type Walk } from './attempt-inference.js';
import { inferClientAbort, inferLogEnd } from './log-end.js';

const MODE_OF: Record<string, DataMode> = { PASV: 'pasv', EPSV: 'epsv', PORT: 'port', EPRT: 'eprt' };
const TRANSFER_VERBS = new Set(['LIST', 'NLST', 'MLSD', 'RETR', 'STOR', 'STOU', 'APPE']);

export function connectOutcomeOf(observed: ObservedConnectOutcome): ConnectOutcome {
  switch (observed) {
    case 'connected':
    case 'refused':
    case 'unreachable':
      return observed;
    case 'no-answer':
      return 'timeout';
    default:
      return 'error';
  }
}

const recorded = (reply: ObservedReply): RecordedReply => ({ code: reply.code, message: reply.message, at: reply.t ?? 0, seenAt: reply.at });


function startAttempt(walk: Walk, verb: string, argument: string, text: string, event: ObservedEvent): void {
  finishAttempt(walk);
  const mode = MODE_OF[verb] as DataMode;
  const attempt: DataAttempt = {
    mode,
    tls: walk.protected,
    session: walk.evidence.target ?? 'session',
    command: text,
    transfer: { outcome: 'not-started', bytes: 0, durationMs: 0 },
    seenAt: { command: event.at },
  };
  if (mode === 'port' || mode === 'eprt') {
    const parsedArgument = mode === 'port' ? parsePortArgument(argument) : parseEprtArgument(argument);
    if (parsedArgument.ok) attempt.listening = { host: parsedArgument.value.host, port: parsedArgument.value.port };
  }
  walk.attempt = attempt;
  walk.attemptObserved = false;
  walk.modeCommand = event;
}

function modeReply(walk: Walk, attempt: DataAttempt, reply: ObservedReply): void {
  attempt.modeReply = recorded(reply);
  if (reply.code === 227) {
    const result = parsePasvReply(reply.message);
    if (result.ok) attempt.advertised = result.value;
    else attempt.parseError = result.error;
  } else if (reply.code === 229) {
    const result = parseEpsvReply(reply.message);
    if (result.ok) attempt.advertised = { host: walk.controlPeer ?? walk.evidence.host ?? '?', port: result.value };
    else attempt.parseError = result.error;
  } else if (reply.code >= 400) {
    walk.attemptObserved = true; // a refused mode is itself the observation
  }
  const tag = reply.code === 227 || reply.code === 229 ? parseSentTag(reply.message) : undefined;
  if (tag) {
    attempt.sentByServer = tag;
    walk.evidence.referenceServer = true;
  }
  if (attempt.advertised) walk.evidence.passivePorts?.push(attempt.advertised.port);
}

function onReply(walk: Walk, reply: ObservedReply): void {
  const { evidence } = walk;
  const pending = walk.pending;
  if (!pending) {
    if (!evidence.greeting) evidence.greeting = recorded(reply);
    else if (walk.attempt && reply.code >= 100) transferReply(walk, walk.attempt, reply);
    // A login retried before the refusal came (USER sent again, pipelined): the replies outrun the
    // commands they answer, and the last login reply decides — 230 logged in, 530 refused.
    else if (evidence.login && (reply.code === 230 || reply.code === 530)) evidence.login = { ...evidence.login, passReply: recorded(reply), ok: reply.code === 230 };
    return;
  }
  if (reply.code < 200 && !TRANSFER_VERBS.has(pending.verb)) return; // a stray 1xx: keep waiting
  if (reply.code >= 200 || !TRANSFER_VERBS.has(pending.verb)) walk.pending = undefined;
  switch (pending.verb) {
    case 'AUTH':
      evidence.tlsMode = 'explicit';
      evidence.authTls = { reply: recorded(reply), handshake: reply.code === 234 ? 'ok' : 'not-attempted' };
      walk.authRefused = reply.code >= 400;
      walk.clearAfterRefusal = false;
      break;
    case 'USER':
      evidence.login = { ...evidence.login, userReply: recorded(reply), ok: reply.code === 230 };
      break;
    case 'PASS':
      evidence.login = { ...evidence.login, passReply: recorded(reply), ok: reply.code === 230 || reply.code === 202 };
      break;
    case 'PROT':
      if (reply.code >= 200 && reply.code < 300) walk.protected = /^P/i.test(pending.argument);
      break;
    case 'FEAT':
      if (reply.code === 211) evidence.features = reply.message.split('\n').slice(1, -1).map((line) => line.trim()).filter(Boolean);
      break;
    case 'SYST':
      if (reply.code === 215) evidence.system = reply.message;
      break;
    default:
      if (MODE_OF[pending.verb] && walk.attempt) modeReply(walk, walk.attempt, reply);
      else if (TRANSFER_VERBS.has(pending.verb) && walk.attempt) transferReply(walk, walk.attempt, reply);
  }
}

function transferReply(walk: Walk, attempt: DataAttempt, reply: ObservedReply): void {
  walk.attemptObserved = true;
  if (reply.code < 200) {
    attempt.preliminaryReply = recorded(reply);
    return;
  }
  attempt.finalReply = recorded(reply);
  finishAttempt(walk);
}

function onCommand(walk: Walk, text: string, event: ObservedEvent): void {
  const command = parseCommandLine(text);
  if (!command.ok) return;
  const { verb, argument } = command.value;
  walk.pending = { verb, argument, text, event };
  // After a refused AUTH, a login or a data command is the session going on in clear text; FEAT,
  // OPTS or SYST before a QUIT are not (a client that requires TLS may ask them, then give up).
  if (walk.authRefused && (verb === 'USER' || verb === 'PASS' || MODE_OF[verb] || TRANSFER_VERBS.has(verb))) walk.clearAfterRefusal = true;
  if (verb === 'ABOR') inferClientAbort(walk);
  if (MODE_OF[verb]) {
    startAttempt(walk, verb, argument, text, event);
  } else if (TRANSFER_VERBS.has(verb) && walk.attempt) {
    walk.attempt.transferCommand = text;
    walk.attemptObserved = true;
    walk.transferCommandAt = event.t;
  }
}

/**
 * Which way a data connection went, for a session whose mode command was hidden: passive-like when
 * the client opened it (to a port of the server), active-like when the server did (from its port 20,
 * or to the client). The words say what showed it, for the reader to check.
 */
function directionOf(walk: Walk, data: ObservedDataConnection): { inferred: 'passive' | 'active'; why: string } {
  const server = walk.controlPeer;
  const fromServer = data.openedBy === 'server' || (data.openedBy === undefined && (data.from?.port === 20 || (server !== undefined && data.from?.host === server)));
  if (!fromServer) return { inferred: 'passive', why: `the client opened it to the server's port ${data.to.port}` };
  return { inferred: 'active', why: data.from?.port === 20 ? 'the server opened it from its port 20' : `the server opened it to the client's port ${data.to.port}` };
}

/**
 * A data connection on a session whose control channel is encrypted: the mode command and its
 * reply cannot be read, so the attempt is known only by its connection — passive-like when the
 * client opened it, active-like when the server did — on a TLS session. Nothing of the mode command
 * (PASV or EPSV, PORT or EPRT) nor of the ports it named is invented.
 */
function hiddenAttempt(walk: Walk, data: ObservedDataConnection): DataAttempt {
  const direction = directionOf(walk, data);
  const active = direction.inferred === 'active';
  finishAttempt(walk);
  const attempt: DataAttempt = {
    mode: active ? 'port' : 'pasv',
    tls: true,
    session: walk.evidence.target ?? 'session',
    command: 'the mode command and its reply are hidden by TLS (encrypted control channel)',
    transfer: { outcome: 'not-started', bytes: 0, durationMs: 0 },
    modeHiddenByTls: direction,
  };
  if (active) attempt.listening = data.to;
  walk.attempt = attempt;
  walk.attemptObserved = true;
  return attempt;
}

function onData(walk: Walk, data: ObservedDataConnection): void {
  const current = walk.attempt ?? walk.evidence.attempts.at(-1);
  const attempt = walk.encrypted && (!walk.attempt || walk.attempt.seenAt?.connect) ? hiddenAttempt(walk, data) : current;
  if (!attempt) return;
  if (walk.attempt) walk.attemptObserved = true;
  const active = attempt.mode === 'port' || attempt.mode === 'eprt';
  const waitedMs = data.waitedMs ?? 0;
  if (active) {
    attempt.inbound = { arrived: data.outcome === 'connected' || data.outcome === 'reset', waitedMs, ...(data.from ? { from: data.from } : {}) };
  } else {
    attempt.dialed = data.to;
    attempt.connect = { outcome: data.outcome === 'reset' ? 'connected' : connectOutcomeOf(data.outcome), durationMs: waitedMs, ...(data.icmp ? { icmp: data.icmp } : {}), ...(data.listenerOnly ? { listenerOnly: true as const } : {}) };
  }
  attempt.seenAt = { ...attempt.seenAt, connect: data.at };
  if (walk.attempt === attempt) walk.dataEnded = data.ended;
  if (data.bytes !== undefined) attempt.transfer.bytes = data.bytes;
  if (data.outcome === 'reset' || data.ended === 'reset') attempt.transfer.outcome = 'reset';
  else if (data.outcome === 'no-answer' && !active) attempt.transfer.outcome = 'timeout';
}

function onEvent(walk: Walk, event: ObservedEvent): void {
  const { evidence } = walk;
  switch (event.kind) {
    case 'control-connect':
      evidence.control = { outcome: connectOutcomeOf(event.outcome), durationMs: 0, seenAt: event.at };
      if (event.server) {
        walk.controlPeer = event.server.host;
        evidence.controlPeer = event.server.host;
        evidence.host ??= event.server.host;
        evidence.port ??= event.server.port;
      }
      break;
    case 'command':
      onCommand(walk, event.text, event);
      break;
    case 'reply':
      onReply(walk, event);
      break;
    case 'tls':
      if (event.channel === 'control') {
        walk.encrypted = true;
        // TLS with no AUTH answered before it: the connection started in TLS (implicit FTPS, port 990 or not).
        evidence.tlsMode ??= 'implicit';
        evidence.authTls = { ...evidence.authTls, handshake: event.handshake === 'failed' ? 'failed' : 'ok' };
      } else if (walk.attempt ?? evidence.attempts.at(-1)) {
        const attempt = (walk.attempt ?? evidence.attempts.at(-1)) as DataAttempt;
        if (event.handshake !== 'seen') attempt.dataTls = { handshake: event.handshake, ...(event.resumed === undefined ? {} : { resumed: event.resumed }) };
      }
      break;
    case 'data':
      onData(walk, event);
      break;
    case 'note':
      onNote(walk, event);
      break;
  }
}

function onNote(walk: Walk, note: Extract<ObservedEvent, { kind: 'note' }>): void {
  const attempt = walk.attempt;
  if (note.meaning === 'source-cut') {
    // Cut short while this attempt was under way: how it ended is not in the source, so it is not judged (an answer already seen is kept).
    const answered = attempt?.finalReply !== undefined || attempt?.connect?.outcome === 'refused' || attempt?.connect?.outcome === 'unreachable' || (attempt?.modeReply?.code ?? 0) >= 400;
    if (attempt && !answered) walk.attempt = undefined;
    return;
  }
  if (note.meaning === 'unroutable-replaced') {
    walk.evidence.options = { ...walk.evidence.options, addressPolicy: 'control-peer' };
    walk.replacesUnroutable = true;
    return;
  }
  if (!attempt) {
    const last = walk.evidence.attempts.at(-1);
    if (note.meaning === 'control-timeout' && last?.transfer.outcome === 'complete' && !last.finalReply) last.controlLostAfterData = true;
    return;
  }
  if (note.meaning === 'data-timeout') {
    walk.attemptObserved = true;
    const connected = attempt.connect?.outcome === 'connected' || attempt.inbound?.arrived === true;
    if (attempt.mode === 'port' || attempt.mode === 'eprt') {
      if (!attempt.inbound) attempt.inbound = { arrived: false, waitedMs: note.waitedMs ?? elapsed(walk.pending?.event ?? walk.modeCommand, note) };
    } else if (!attempt.connect) {
      attempt.connect = { outcome: 'timeout', durationMs: note.waitedMs ?? elapsed(walk.pending?.event ?? walk.modeCommand, note) };
      // The client said where it dials instead of an unroutable 227 address: the control peer, same port.
      if (!attempt.dialed && attempt.advertised && walk.replacesUnroutable && walk.controlPeer) attempt.dialed = { host: walk.controlPeer, port: attempt.advertised.port };
    }
    attempt.transfer.outcome = 'timeout';
    if (connected) attempt.transfer.error = note.text;
  } else if (note.meaning === 'control-timeout' || note.meaning === 'connection-lost') {
    walk.attemptObserved = true;
    // A server that timed the session out while it waited for the data connection after the transfer command.
    const serverWaiting = walk.evidence.source.vantage === 'server' && !walk.evidence.source.packets && attempt.transferCommand && !attempt.preliminaryReply && !attempt.seenAt?.connect;
    if (serverWaiting && attempt.mode !== 'port' && attempt.mode !== 'eprt') {
      attempt.connect = { outcome: 'timeout', durationMs: walk.transferCommandAt !== undefined && note.t !== undefined ? Math.max(0, note.t - walk.transferCommandAt) : 0 };
      attempt.transfer.outcome = 'timeout';
      return;
    }
    if (attempt.transfer.bytes > 0 || attempt.preliminaryReply) attempt.controlLostAfterData = true;
  }
}

/** What the user asked for on the command line that a passive source can also be judged against. */
export type AssembleOptions = Pick<EvidenceOptions, 'expectRange' | 'expectAddress'>;

/** The evidence record of one observed session. */
export function assembleEvidence(session: ObservedSession, source: SourceDeclaration, options: AssembleOptions = {}): Evidence {
  const evidence: Evidence = { source, target: session.id, attempts: [], passivePorts: [] };
  if (options.expectRange || options.expectAddress) evidence.options = { ...options };
  if (session.client) evidence.clientAddress = session.client.host;
  if (session.server) {
    evidence.host = session.server.host;
    evidence.port = session.server.port;
    evidence.controlPeer = session.server.host;
  }
  const walk: Walk = { evidence, attemptObserved: false, protected: false, replacesUnroutable: false, ...(session.server ? { controlPeer: session.server.host } : {}) };
  for (const event of session.events) onEvent(walk, event);
  inferLogEnd(walk, session);
  finishAttempt(walk);
  // AUTH refused and the session went on in clear text (a login, refused or not, or any other
  // command): the client fell back (FileZilla's "use TLS if available", curl --ssl, lftp's default);
  // the session was a clear-text one, and the refusal alone fails nothing. A client that stopped
  // there (it required TLS) leaves the refusal as the failure.
  if (walk.authRefused && (walk.clearAfterRefusal || evidence.login?.ok)) evidence.tlsMode = 'none';
  if (evidence.port === 990 && evidence.tlsMode === undefined && session.encryptedFrom) evidence.tlsMode = 'implicit';
  return evidence;
}
