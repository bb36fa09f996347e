/**
 * Proving one passive port end to end, once the server has a listener on it (after SITE SWEEP
 * or PASV/EPSV): dial it, run a short NLST, and — on our reference server — read the token that
 * names the listener's port. Only a connection that carries the right token (or, on another
 * server, a listing the server confirms with 2xx) counts as open.
 *
 * The classification, and why:
 * - connect times out → dropped (a silent drop: the firewall's policy or a drop rule);
 * - ECONNREFUSED / unreachable → refused (a reject rule, or nothing listens there);
 * - connected, but the first line is not the token for this port, or nothing arrives and the
 *   server never says 150 → misrouted (NAT or port forwarding sent it somewhere else);
 * - anything else that breaks (TLS, a 4xx/5xx from the server, a reset) → error, with why.
 * The transfer command is sent only after the connect succeeded, so a dropped port leaves the
 * control session in sync; when its final reply never came, the session is not reused.
 */
import { isPositiveCompletion, isPositivePreliminary, parseDataToken, replyFirstLine, type Reply } from '../ftp/index.js';
import type { ControlSession, Expectation } from '../client/control.js';
import { DeadlineError, defaultTransferDeadlineMs, withDeadline } from '../client/deadline.js';
import { startTls } from '../client/tls.js';
import { describeError } from '../client/util.js';
import { classifyConnectError, type Network } from '../net/network.js';
import type { PortState } from '../report/model.js';
import { readSweepData, type SweepRead } from './data-read.js';
import { clipRedacted } from '../report/secrets.js';

export interface ProveContext {
  control: ControlSession;
  network: Network;
  /** Where data connections go: the control peer's address (the probe's default policy). */
  dialHost: string;
  dataTimeoutMs: number;
  /** PROT P is on: TLS on the data connection, resuming the control session. */
  tls?: { host: string; session?: Buffer };
  /** Tokens are on (our reference server): the first line must name the port. */
  tokens: boolean;
  /** The listing that proves the port: NLST of the URL's path. */
  listPath?: string;
}

export interface ProveResult {
  state: PortState;
  detail: string;
  /** The control session is in a known state and may prove the next port. */
  usable: boolean;
}

const FIRST_REPLY_GRACE_MS = 1_000;

export async function provePort(context: ProveContext, port: number): Promise<ProveResult> {
  const { control, network, dialHost, dataTimeoutMs } = context;
  let timedOut = false;
  let connection;
  try {
    connection = await withDeadline('data connect', dataTimeoutMs, (signal) => {
      signal.addEventListener('abort', () => (timedOut = true), { once: true });
      return network.connect({ host: dialHost, port, signal });
    });
  } catch (error) {
    const outcome = classifyConnectError(error, timedOut || error instanceof DeadlineError);
    if (outcome === 'timeout') return { state: 'dropped', detail: `no answer to the connect within ${dataTimeoutMs} ms`, usable: true };
    if (outcome === 'refused') return { state: 'refused', detail: 'connection refused (RST)', usable: true };
    if (outcome === 'unreachable') return { state: 'refused', detail: `unreachable: ${describeError(error)}`, usable: true };
    return { state: 'error', detail: `connect failed: ${describeError(error)}`, usable: true };
  }
  connection.on('error', () => {});

  let expectation: Expectation;
  try {
    expectation = control.send('NLST', context.listPath);
  } catch (error) {
    connection.destroy();
    return { state: 'error', detail: `control connection unusable: ${describeError(error)}`, usable: false };
  }
  // The server may refuse the transfer (425, 550) while we wait on the data side.
  const refused = new AbortController();
  let preliminary = false;
  const first: Promise<Reply | Error> = expectation.next(dataTimeoutMs).then(
    (reply) => {
      if (reply.code >= 400) refused.abort();
      else if (isPositivePreliminary(reply.code)) preliminary = true;
      return reply;
    },
    (error: Error) => error,
  );

  let stream: import('node:stream').Duplex = connection;
  if (context.tls) {
    try {
      const secured = await startTls(connection, { host: context.tls.host, timeoutMs: dataTimeoutMs, phase: 'data TLS handshake', ...(context.tls.session ? { session: context.tls.session } : {}) });
      stream = secured.socket;
    } catch (error) {
      connection.destroy();
      const answer = await settle(first, FIRST_REPLY_GRACE_MS);
      return { state: 'error', detail: `${describeError(error)}${replySuffix(answer)}`, usable: false };
    }
  }

  const expected = (line: string): boolean => {
    const token = parseDataToken(line);
    return token.ok && token.value.port === port;
  };
  const read = await readSweepData(stream, {
    idleTimeoutMs: dataTimeoutMs,
    totalTimeoutMs: defaultTransferDeadlineMs(dataTimeoutMs),
    expectLine: context.tokens,
    ...(context.tokens ? { accept: expected } : {}),
    signal: refused.signal,
  });
  if (read.end === 'rejected') {
    // Whatever answered is not our listener; the server's NLST still waits for its connection.
    return { state: 'misrouted', detail: `expected the token for port ${port}, got ${quote(read.firstLine ?? '')}`, usable: false };
  }
  const answer = await settle(first, context.tokens && read.firstLine === undefined ? FIRST_REPLY_GRACE_MS : dataTimeoutMs);
  if (context.tokens && read.firstLine === undefined) return noToken(read, answer, preliminary, port);
  return finishTransfer(context, expectation, read, answer, port);
}

/** Tokens on, connected, but no first line came. */
function noToken(read: SweepRead, answer: Reply | Error | undefined, preliminary: boolean, port: number): ProveResult {
  if (answer && !(answer instanceof Error) && answer.code >= 400) {
    // 425: the server's listener waited in vain, so our connection went somewhere else.
    if (answer.code === 425) return { state: 'misrouted', detail: `connected, but the server's listener on ${port} never saw it (${replyLine(answer)})`, usable: true };
    return { state: 'error', detail: `the server refused the listing: ${replyLine(answer)}`, usable: true };
  }
  if (!preliminary) {
    return { state: 'misrouted', detail: `connected, but no token and no 150 within the deadline: something other than the server's listener on ${port} answered (${read.end})`, usable: false };
  }
  return { state: 'error', detail: `the server said 150 but no token arrived (${read.end}${read.error ? `: ${read.error}` : ''})`, usable: false };
}

async function finishTransfer(context: ProveContext, expectation: Expectation, read: SweepRead, answer: Reply | Error | undefined, port: number): Promise<ProveResult> {
  if (answer === undefined || answer instanceof Error) {
    return { state: 'error', detail: `no reply to NLST${answer ? `: ${describeError(answer)}` : ''}`, usable: false };
  }
  let final = answer;
  if (isPositivePreliminary(answer.code)) {
    try {
      final = (await expectation.final(context.dataTimeoutMs)).reply;
    } catch (error) {
      return { state: read.firstLine !== undefined ? 'open' : 'error', detail: `no final reply to NLST: ${describeError(error)}`, usable: false };
    }
  }
  const proved = context.tokens ? `token for ${port} received` : 'listing received';
  if (read.end === 'eof' && isPositiveCompletion(final.code)) return { state: 'open', detail: `${proved}; ${replyLine(final)}`, usable: true };
  if (context.tokens && read.firstLine !== undefined) {
    // The port itself is proved by the token; the listing failing afterwards is another matter.
    return { state: 'open', detail: `${proved}, but the transfer ended badly: ${read.end}${read.error ? ` (${read.error})` : ''}; ${replyLine(final)}`, usable: true };
  }
  return { state: 'error', detail: `data connection ${read.end}${read.error ? ` (${read.error})` : ''}; ${replyLine(final)}`, usable: true };
}

/** The reply, or the error, or undefined when nothing came within `ms`. */
async function settle(first: Promise<Reply | Error>, ms: number): Promise<Reply | Error | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([first, late]);
  } finally {
    clearTimeout(timer);
  }
}

function replySuffix(answer: Reply | Error | undefined): string {
  return answer && !(answer instanceof Error) ? ` (${replyLine(answer)})` : '';
}

export const replyLine = replyFirstLine;

/** A server's text quoted in a detail line: passwords removed before the cut (see clipRedacted). */
export function quote(text: string): string {
  return text === '' ? 'nothing' : JSON.stringify(clipRedacted(text, 80));
}
