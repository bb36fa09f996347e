/**
 * One data channel from start to end: the mode command (through its strategy), the transfer
 * command, optional TLS (PROT P, resuming the control session), the bounded read, and the final
 * reply — all recorded into a DataAttempt. How the transfer ended is decided from what the two
 * channels really did, in the order they did it.
 *
 * From the transfer command to the final reply runs one total deadline besides the idle one:
 * data trickling in just inside each idle period would otherwise hold the probe for ever. At the
 * deadline the data connection is closed, the server gets a moment to say how it took that, and
 * the attempt ends as 'too-slow' (a finding, never a pass); the caller closes the session.
 */
import { isPositiveCompletion, isPositivePreliminary, parseDataToken, type Reply } from '../ftp/index.js';
import type { DataAttempt, TransferOutcome } from '../evidence/model.js';
import type { ConnectionEvent } from '../evidence/record.js';
import type { Expectation } from './control.js';
import { defaultTransferDeadlineMs, startTransferDeadline, type TransferDeadline } from './deadline.js';
import { STRATEGIES, type PreparedData, type StrategyContext } from './strategies.js';
import { startTls } from './tls.js';
import { readData, type DataReadResult } from './transfer.js';
import { describeError } from './util.js';

export interface DataChannelOptions extends StrategyContext {
  /** PROT P is in effect: the data connection is TLS, resuming `session`. */
  tls?: { host: string; session?: Buffer; controlFingerprint?: string };
  transfer: { verb: 'LIST' | 'RETR' | 'NLST'; argument?: string };
  maxDataBytes: number;
  /** Total deadline from the transfer command to its final reply (default: 4 data timeouts). */
  deadlineMs?: number;
  /** Our reference server sends a token line first (OPTS FTP-DOCTOR TOKEN ON was accepted). */
  token?: { session?: string };
}

export async function runDataChannel(options: DataChannelOptions): Promise<DataAttempt> {
  const attempt: DataAttempt = {
    mode: options.mode,
    tls: options.tls !== undefined,
    session: options.control.session,
    command: options.mode.toUpperCase(),
    transfer: { outcome: 'not-started', bytes: 0, durationMs: 0 },
  };
  let prepared: PreparedData | undefined;
  try {
    prepared = await STRATEGIES[options.mode]({ ...options, bulkRead: options.tls === undefined }, attempt);
  } catch (error) {
    // No reply to the mode command, or the control connection died: nothing was transferred.
    attempt.transfer.error = describeError(error);
    return attempt;
  }
  if (!prepared) return attempt;
  try {
    await transfer(options, attempt, prepared);
  } finally {
    await prepared.release();
  }
  return attempt;
}

type FirstReply = { reply: Reply } | { error: Error };

/** How long the server gets to answer (426, 226) once we closed a transfer at its deadline. */
const STOPPED_REPLY_GRACE_MS = 1000;
/** How long the server's reply to the transfer command may still take once the data connection was called dropped early. */
const EARLY_VERDICT_REPLY_GRACE_MS = 50;

function noReplyBeforeVerdict(attempt: DataAttempt): FirstReply {
  return { error: new Error(`no reply to ${attempt.transferCommand ?? 'the transfer command'} before the early verdict on the data connection`) };
}

async function transfer(options: DataChannelOptions, attempt: DataAttempt, prepared: PreparedData): Promise<void> {
  const { control } = options;
  const { verb, argument } = options.transfer;
  attempt.transferCommand = argument ? `${verb} ${argument}` : verb;
  let expectation: Expectation;
  try {
    expectation = control.send(verb, argument);
  } catch (error) {
    attempt.transfer.error = describeError(error);
    return;
  }
  const deadline = startTransferDeadline(options.deadlineMs ?? defaultTransferDeadlineMs(options.dataTimeoutMs));
  try {
    await transferWithin(options, attempt, prepared, expectation, deadline);
  } finally {
    deadline.clear();
  }
}

async function transferWithin(options: DataChannelOptions, attempt: DataAttempt, prepared: PreparedData, expectation: Expectation, deadline: TransferDeadline): Promise<void> {
  const { control } = options;
  const recorder = control.recorder;
  const started = recorder.elapsed();
  // The server may refuse the transfer (425, 550) at any point while we wait for the data side.
  const refused = new AbortController();
  const first: Promise<FirstReply> = expectation.next(Math.min(options.dataTimeoutMs, deadline.ms)).then(
    (reply) => {
      if (reply.code >= 400) refused.abort();
      return { reply };
    },
    (error: Error) => ({ error }),
  );
  const finish = (outcome: TransferOutcome, bytes: number, error?: string): void => {
    attempt.transfer = { outcome, bytes, durationMs: recorder.since(started), ...(error ? { error } : {}), ...(outcome === 'too-slow' ? { deadlineMs: deadline.ms } : {}) };
  };
  const tooSlow = (bytes: number): void => {
    const message = `still running at the transfer's total deadline of ${deadline.ms} ms: stopped after ${bytes} bytes`;
    recorder.event(control.session, 'data', `${attempt.transferCommand ?? 'transfer'} ${message}`);
    finish('too-slow', bytes, message);
  };

  let stream = await prepared.connection(AbortSignal.any([refused.signal, deadline.signal]));
  if (!stream) {
    // Called dropped early (active modes): the server is most likely still dialling and will not
    // answer the transfer command before its own connect gives up, so its reply gets only a moment.
    const answer = attempt.earlyDrop?.decidedEarlyAtMs !== undefined ? ((await answerWithin(first, EARLY_VERDICT_REPLY_GRACE_MS)) ?? noReplyBeforeVerdict(attempt)) : await first;
    if ('reply' in answer) recordReply(attempt, control.record(answer.reply), answer.reply.code);
    const refusedByServer = 'reply' in answer && answer.reply.code >= 400;
    if (!refusedByServer && deadline.signal.aborted) return tooSlow(0);
    finish(refusedByServer ? 'refused-by-server' : 'not-started', 0, 'error' in answer ? describeError(answer.error) : undefined);
    return;
  }

  if (options.tls) {
    // The handshake waits for the server's answer to the transfer command (for a while): pyftpdlib
    // closes a data connection with bytes waiting before it has read the command (it takes that for
    // a disconnect), then answers 150 and waits for a connection that never comes. In active mode
    // the connection is up before LIST, so a ClientHello sent with LIST lost that race when busy.
    // A server that wants the handshake before its 1xx costs us only the wait.
    const early = await answerWithin(first, Math.min(options.dataTimeoutMs / 2, deadline.remaining()));
    if (early && 'reply' in early && early.reply.code >= 400) {
      stream.destroy();
      markEvent(prepared.event, undefined, 0);
      recordReply(attempt, control.record(early.reply), early.reply.code);
      finish('refused-by-server', 0);
      return;
    }
    try {
      const timeoutMs = Math.max(1, Math.min(options.dataTimeoutMs, deadline.remaining()));
      const secured = await startTls(stream, { host: options.tls.host, timeoutMs, phase: 'data TLS handshake', ...(options.tls.session ? { session: options.tls.session } : {}) });
      const fingerprint = secured.certificate?.fingerprint256;
      attempt.dataTls = {
        handshake: 'ok',
        resumed: secured.resumed,
        ...(fingerprint && options.tls.controlFingerprint ? { certificateMatchesControl: fingerprint === options.tls.controlFingerprint } : {}),
      };
      recorder.event(control.session, 'data', `data TLS ${secured.protocol} ${secured.resumed ? 'resumed the control session' : 'full handshake (session not resumed)'}`);
      stream = secured.socket;
    } catch (error) {
      if (deadline.signal.aborted || deadline.remaining() === 0) {
        markEvent(prepared.event, undefined, 0);
        await collectReplies(options, attempt, expectation, first, STOPPED_REPLY_GRACE_MS);
        return tooSlow(0);
      }
      attempt.dataTls = { handshake: 'failed', error: describeError(error) };
      recorder.event(control.session, 'data', describeError(error));
      markEvent(prepared.event, 'tls-failed', 0);
      await collectReplies(options, attempt, expectation, first, options.dataTimeoutMs);
      finish('tls-failed', 0, describeError(error));
      return;
    }
  }

  const read = await readData(stream, {
    idleTimeoutMs: options.dataTimeoutMs,
    maxBytes: options.maxDataBytes,
    expectToken: options.token !== undefined,
    recorder,
    session: control.session,
    signal: refused.signal,
    deadline: { signal: deadline.signal, ms: deadline.ms },
  });
  // The final reply's wait ends with the total deadline too; once we stopped the transfer, the
  // server only gets a moment to say how it took that (and the caller closes the session).
  const finalWaitMs = read.end === 'deadline' ? Math.min(STOPPED_REPLY_GRACE_MS, options.dataTimeoutMs) : Math.min(options.dataTimeoutMs, deadline.remaining());
  const answer = await collectReplies(options, attempt, expectation, first, finalWaitMs);
  // A transfer refused up front (4xx/5xx, no 1xx) never started, so no token was owed: only one that came anyway is checked.
  if (options.token && (!answer.refusedUpFront || read.tokenLine !== undefined)) checkToken(options, attempt, read);
  const cutByDeadline = read.end === 'deadline' || (answer.final === undefined && finalWaitMs < options.dataTimeoutMs && (deadline.signal.aborted || deadline.remaining() === 0));
  const outcome = cutByDeadline && !answer.refusedUpFront ? 'too-slow' : decideOutcome(read, answer);
  if (outcome === 'timeout' && read.end === 'eof' && answer.final === undefined) attempt.controlLostAfterData = true;
  markEvent(prepared.event, outcome === 'reset' ? 'reset' : outcome === 'closed-early' ? 'closed-early' : undefined, read.bytes);
  if (outcome === 'too-slow') return tooSlow(read.bytes);
  // A lost control connection ("reply too large", reset, desynchronized) is the cause; how the data side then ended is secondary.
  // (After a complete transfer a closed control connection is no cause of anything.)
  const cause = control.lostReason ? (answer.error ?? (outcome === 'complete' ? undefined : control.lostReason.message)) : undefined;
  const error = cause ? [cause, read.error].filter(Boolean).join('; ') : (read.error ?? answer.error);
  finish(outcome, read.bytes, error);
}

/** The first answer to the transfer command, or undefined when none came within `ms`. */
async function answerWithin(first: Promise<FirstReply>, ms: number): Promise<FirstReply | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, ms));
  });
  try {
    return await Promise.race([first, waited]);
  } finally {
    clearTimeout(timer);
  }
}

interface Answer {
  /** The first reply was a refusal (4xx/5xx without a 1xx before it). */
  refusedUpFront: boolean;
  final?: Reply;
  error?: string;
}

/** Wait for the replies to the transfer command; the final one at most `finalWaitMs`. */
async function collectReplies(options: DataChannelOptions, attempt: DataAttempt, expectation: Expectation, first: Promise<FirstReply>, finalWaitMs: number): Promise<Answer> {
  const { control } = options;
  const answer = await first;
  if ('error' in answer) return { refusedUpFront: false, error: describeError(answer.error) };
  if (!isPositivePreliminary(answer.reply.code)) {
    recordReply(attempt, control.record(answer.reply), answer.reply.code);
    return { refusedUpFront: answer.reply.code >= 400, final: answer.reply };
  }
  attempt.preliminaryReply = control.record(answer.reply);
  try {
    const { reply } = await expectation.final(Math.max(1, finalWaitMs));
    attempt.finalReply = control.record(reply);
    return { refusedUpFront: false, final: reply };
  } catch (error) {
    return { refusedUpFront: false, error: `no final reply: ${describeError(error)}` };
  }
}

function recordReply(attempt: DataAttempt, reply: DataAttempt['finalReply'], code: number): void {
  if (isPositivePreliminary(code)) attempt.preliminaryReply = reply;
  else attempt.finalReply = reply;
}

export function decideOutcome(read: Pick<DataReadResult, 'end'>, answer: Answer): TransferOutcome {
  if (answer.refusedUpFront || read.end === 'aborted') return 'refused-by-server';
  if (read.end === 'deadline') return 'too-slow';
  if (read.end === 'reset') return 'reset';
  if (read.end === 'timeout') return 'timeout';
  if (read.end === 'error') return 'closed-early';
  // 'eof' or our own cap: the final reply says whether the server thinks the transfer completed.
  if (!answer.final) return 'timeout';
  if (isPositiveCompletion(answer.final.code)) return read.end === 'eof' ? 'complete' : 'closed-early';
  return 'closed-early';
}

function checkToken(options: DataChannelOptions, attempt: DataAttempt, read: DataReadResult): void {
  const passive = options.mode === 'epsv' || options.mode === 'pasv';
  const port = passive ? (attempt.sentByServer?.port ?? attempt.advertised?.port) : attempt.listening?.port;
  if (port === undefined) return;
  const session = options.token?.session;
  const expected = session === undefined ? { port } : { session, port };
  const parsed = read.tokenLine === undefined ? undefined : parseDataToken(read.tokenLine);
  const matches = parsed?.ok === true && parsed.value.port === port && (session === undefined || parsed.value.session === session);
  attempt.token = { expected, ...(read.tokenLine !== undefined ? { received: read.tokenLine } : {}), matches };
}

function markEvent(event: ConnectionEvent | undefined, outcome: ConnectionEvent['outcome'] | undefined, bytes: number): void {
  if (!event) return;
  if (outcome) event.outcome = outcome;
  event.bytes = bytes;
}
