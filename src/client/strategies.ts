/**
 * The four ways to set up a data connection, one strategy each (as basic-ftp does): EPSV and PASV
 * dial the server, PORT and EPRT listen and let the server dial us. A strategy records what it
 * asked for and what happened, and returns how to obtain the connection — or nothing, when the
 * mode failed before a transfer could start. It never tries another mode or another address.
 */
import type { Duplex } from 'node:stream';
import { classifyConnectError, type Connection, type Listener, type Network } from '../net/network.js';
import { formatEprtArgument, formatPortArgument, normalizeAddress, parseEpsvReply, parsePasvReply, parseSentTag } from '../ftp/index.js';
import type { DataAttempt } from '../evidence/model.js';
import type { ConnectionEvent } from '../evidence/record.js';
import type { DataMode } from '../ftp/data-mode.js';
import type { ControlSession } from './control.js';
import { DeadlineError, withVerdictDeadline } from './deadline.js';
import { describeEarlyDrop, earlyDropRecord, mergeRoundTrips, planEarlyVerdict, waitLimitMs, type EarlyVerdictPlan, type RoundTripSamples } from './early-verdict.js';
import { describeError, formatEndpoint } from './util.js';
import net from 'node:net';

/** A plain passive data connection's read buffer (a bigger one gained nothing measurable). */
const BULK_READ_BYTES = 256 * 1024;

export interface StrategyContext {
  control: ControlSession;
  network: Network;
  mode: DataMode;
  addressPolicy: 'control-peer' | 'advertised';
  dataTimeoutMs: number;
  replyTimeoutMs: number;
  /** The data connection stays plain TCP (no TLS will wrap it): a passive dial may read in bulk. */
  bulkRead?: boolean;
  /**
   * Call a data connection that has not come dropped after one SYN retransmission plus a few
   * control round trips, before the data timeout (early-verdict.ts); default true.
   */
  earlyVerdict?: boolean;
  /** Round trips other control connections to this server measured (the probe's main session). */
  pathRoundTrips?: RoundTripSamples;
}

/** The early-verdict plan for this context's data connection, from its control connection's round trips. */
function earlyVerdictPlan(context: StrategyContext, waitsForServer: boolean): EarlyVerdictPlan {
  const samples = mergeRoundTrips(context.control.roundTrips(), context.pathRoundTrips ? [context.pathRoundTrips] : []);
  return planEarlyVerdict({ samples, dataTimeoutMs: context.dataTimeoutMs, waitsForServer, enabled: context.earlyVerdict ?? true });
}

/** Records why a wait without a connection ended when it did; returns the words for the transcript. */
function recordEarlyDrop(attempt: DataAttempt, plan: EarlyVerdictPlan, dataTimeoutMs: number): string {
  const record = earlyDropRecord(plan, dataTimeoutMs);
  if (!record) return '';
  attempt.earlyDrop = record;
  return `: ${describeEarlyDrop(record)}`;
}

/** The data connection, or the way to wait for it (active modes: it arrives after the command). */
export interface PreparedData {
  /**
   * Resolves with the connection, or undefined when none arrived before the deadline or before
   * `stop` fired (the server already said it could not open it).
   */
  connection(stop?: AbortSignal): Promise<Duplex | undefined>;
  /** The connection record, updated by the caller when the transfer ends. */
  event?: ConnectionEvent;
  release(): Promise<void>;
}

export type Strategy = (context: StrategyContext, attempt: DataAttempt) => Promise<PreparedData | undefined>;

export const STRATEGIES: Record<DataMode, Strategy> = {
  epsv: (context, attempt) => passive(context, attempt, 'EPSV'),
  pasv: (context, attempt) => passive(context, attempt, 'PASV'),
  port: (context, attempt) => active(context, attempt, 'PORT'),
  eprt: (context, attempt) => active(context, attempt, 'EPRT'),
};

async function passive(context: StrategyContext, attempt: DataAttempt, verb: 'EPSV' | 'PASV'): Promise<PreparedData | undefined> {
  const { control, recorder } = { control: context.control, recorder: context.control.recorder };
  attempt.command = verb;
  const reply = await control.command(verb, undefined, context.replyTimeoutMs);
  attempt.modeReply = control.record(reply);
  const expected = verb === 'EPSV' ? 229 : 227;
  if (reply.code !== expected) return undefined;
  const sent = parseSentTag(reply.message);
  if (sent) attempt.sentByServer = sent;
  const parsed =
    verb === 'EPSV'
      ? (() => {
          const port = parseEpsvReply(reply.message);
          return port.ok ? { ok: true as const, value: { host: control.peerAddress, port: port.value } } : port;
        })()
      : parsePasvReply(reply.message);
  if (!parsed.ok) {
    attempt.parseError = parsed.error;
    recorder.event(control.session, 'control', `cannot use the ${expected} reply: ${parsed.error}`);
    return undefined;
  }
  attempt.advertised = { host: normalizeAddress(parsed.value.host), port: parsed.value.port };
  const host = context.addressPolicy === 'advertised' ? attempt.advertised.host : normalizeAddress(control.peerAddress);
  attempt.dialed = { host, port: parsed.value.port };
  const to = formatEndpoint(host, parsed.value.port);
  recorder.event(control.session, 'data', `${expected} advertised ${formatEndpoint(attempt.advertised.host, attempt.advertised.port)}; dialling ${to} (${context.addressPolicy} policy)`);
  const plan = earlyVerdictPlan(context, false);
  const started = recorder.elapsed();
  let timedOut = false;
  try {
    const connection = await withVerdictDeadline('data connect', waitLimitMs(plan, context.dataTimeoutMs), (signal) => {
      signal.addEventListener('abort', () => (timedOut = true), { once: true });
      // Half-open: a reset that ends the data can then be told from a FIN (endedByReset).
      return context.network.connect({ host, port: parsed.value.port, signal, allowHalfOpen: true, ...(context.bulkRead ? { readBuffer: Buffer.allocUnsafe(BULK_READ_BYTES) } : {}) });
    });
    const durationMs = recorder.since(started);
    attempt.connect = { outcome: 'connected', durationMs };
    const event: ConnectionEvent = { t: started, durationMs, session: control.session, purpose: 'data', from: formatEndpoint(connection.localAddress, connection.localPort), to, outcome: 'connected' };
    recorder.connection(event);
    recorder.event(control.session, 'data', `data connection ${event.from} -> ${to} open in ${Math.round(durationMs)} ms`);
    return { connection: () => Promise.resolve(connection), event, release: async () => void connection.destroy() };
  } catch (error) {
    const durationMs = recorder.since(started);
    const outcome = classifyConnectError(error, timedOut || error instanceof DeadlineError);
    attempt.connect = { outcome, durationMs, error: describeError(error) };
    const verdict = outcome === 'timeout' ? recordEarlyDrop(attempt, plan, context.dataTimeoutMs) : '';
    recorder.connection({ t: started, durationMs, session: control.session, purpose: 'data', from: 'client', to, outcome });
    recorder.event(control.session, 'data', `data connect to ${to} failed: ${outcome} (${describeError(error)})${verdict}`);
    return undefined;
  }
}

async function active(context: StrategyContext, attempt: DataAttempt, verb: 'PORT' | 'EPRT'): Promise<PreparedData | undefined> {
  const { control } = context;
  const recorder = control.recorder;
  // Listen where the server will dial: the address our control connection comes from.
  const host = normalizeAddress(control.localAddress ?? '127.0.0.1');
  attempt.command = verb;
  if (verb === 'PORT' && !net.isIPv4(host)) {
    // RFC 959's h1,h2,h3,h4 has no room for an IPv6 address: there is no PORT command to send.
    attempt.notSent = `PORT cannot carry the IPv6 address ${host} (RFC 2428: use EPRT)`;
    recorder.event(control.session, 'control', `PORT not sent: ${attempt.notSent}`);
    return undefined;
  }
  const arrivals: Connection[] = [];
  // Where each arrival came from, read at once: a peer that resets right away takes its address with it.
  const origins = new WeakMap<Connection, { host: string; port: number }>();
  let notify: (() => void) | undefined;
  let released = false;
  const listener = await context.network.listen({ host, port: 0, backlog: 4, allowHalfOpen: true }, (connection) => {
    if (released || arrivals.length > 0) {
      recorder.event(control.session, 'data', `extra inbound connection from ${formatEndpoint(connection.remoteAddress, connection.remotePort)} closed`);
      connection.destroy();
      return;
    }
    origins.set(connection, { host: normalizeAddress(connection.remoteAddress ?? '?'), port: connection.remotePort ?? 0 });
    arrivals.push(connection);
    notify?.();
  });
  // Every way out drops what the server dialled: closing a listener waits for its connections to
  // end, and a hostile server that dialled in and then refused PORT would hold that wait forever.
  const release = async (): Promise<void> => {
    released = true;
    notify = undefined;
    for (const connection of arrivals) connection.destroy();
    await closeWithin(listener, LISTENER_CLOSE_LIMIT_MS, () => recorder.event(control.session, 'data', `listener ${formatEndpoint(host, listener.port)} did not close within ${LISTENER_CLOSE_LIMIT_MS} ms; left behind`));
  };
  attempt.listening = { host, port: listener.port };
  const argument = verb === 'PORT' ? formatPortArgument(host, listener.port) : formatEprtArgument(host, listener.port);
  attempt.command = `${verb} ${argument}`;
  let reply;
  try {
    reply = await control.command(verb, argument, context.replyTimeoutMs);
  } catch (error) {
    await release();
    throw error;
  }
  attempt.modeReply = control.record(reply);
  if (reply.code < 200 || reply.code >= 300) {
    if (arrivals.length > 0) recorder.event(control.session, 'data', `the server connected to ${formatEndpoint(host, listener.port)} but answered ${verb} with ${reply.code}; connection closed`);
    await release();
    return undefined;
  }
  const listenedAt = recorder.elapsed();
  const target = formatEndpoint(host, listener.port);
  const prepared: PreparedData = {
    connection: async (stop) => {
      const plan = earlyVerdictPlan(context, true);
      const waitLimit = waitLimitMs(plan, context.dataTimeoutMs);
      const waitStarted = recorder.elapsed();
      let timedOut = false;
      const arrived =
        arrivals[0] ??
        (await withVerdictDeadline('inbound data connection', waitLimit, (signal) => {
          signal.addEventListener('abort', () => (timedOut = true), { once: true });
          return new Promise<Connection | undefined>((resolve) => {
            notify = () => resolve(arrivals[0]);
            stop?.addEventListener('abort', () => resolve(undefined), { once: true });
            if (stop?.aborted) resolve(undefined);
          });
        }).catch(() => undefined));
      const waitedMs = recorder.since(waitStarted);
      if (!arrived) {
        attempt.inbound = { arrived: false, waitedMs };
        const outcome = timedOut ? 'timeout' : 'error';
        const verdict = timedOut ? recordEarlyDrop(attempt, plan, context.dataTimeoutMs) : '';
        recorder.connection({ t: listenedAt, durationMs: recorder.since(listenedAt), session: control.session, purpose: 'data', from: 'server', to: target, outcome });
        recorder.event(control.session, 'data', timedOut ? `no inbound connection to ${target} within ${waitLimit} ms${verdict}` : `no inbound connection to ${target} before the server gave up`);
        return undefined;
      }
      const from = origins.get(arrived) ?? { host: normalizeAddress(arrived.remoteAddress ?? '?'), port: arrived.remotePort ?? 0 };
      attempt.inbound = { arrived: true, from, waitedMs };
      prepared.event = { t: listenedAt, durationMs: recorder.since(listenedAt), session: control.session, purpose: 'data', from: formatEndpoint(from.host, from.port), to: target, outcome: 'connected' };
      recorder.connection(prepared.event);
      recorder.event(control.session, 'data', `inbound data connection from ${prepared.event.from} to ${target}`);
      return arrived;
    },
    release,
  };
  return prepared;
}

/** How long closing an active-mode listener may take once its connections are destroyed. */
const LISTENER_CLOSE_LIMIT_MS = 1000;

/** Close the listener, but stop waiting after `limitMs` (calling `onLate`); the timer is always cleared. */
async function closeWithin(listener: Listener, limitMs: number, onLate: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, limitMs, 'late')));
  try {
    const closing = listener.close().then(() => 'closed' as const, () => 'closed' as const);
    if ((await Promise.race([closing, late])) === 'late') onLate();
  } finally {
    clearTimeout(timer);
  }
}
