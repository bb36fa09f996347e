/**
 * Opening a logged-in control session, phase by phase: connect, (implicit TLS), greeting,
 * (AUTH TLS), USER/PASS, (PBSZ/PROT P). Each phase has its own deadline and leaves a record, so
 * the probe can say exactly which phase failed and how; a failed phase ends the session.
 */
import type { Network } from '../net/network.js';
import { TlsCarrier } from '../net/tls-carrier.js';
import { isPositiveCompletion, isPositiveIntermediate, replyFirstLine, type Reply } from '../ftp/index.js';
import type { ProbeEvidence, RecordedReply, TlsCertificateRecord } from '../evidence/model.js';
import type { StepResult } from '../evidence/record.js';
import { ControlSession, openControl } from './control.js';
import { DeadlineError } from './deadline.js';
import type { Recorder } from './recorder.js';
import { checkForTls } from './tls-check.js';
import { startTls, TlsStartError } from './tls.js';
import { describeError, formatEndpoint } from './util.js';

/** Added to the reply deadline of PASS: the deliberate delay before a 530 (see openSession). */
const FAILED_LOGIN_DELAY_ALLOWANCE_MS = 5_000;

export interface SessionPlan {
  network: Network;
  recorder: Recorder;
  session: string;
  host: string;
  port: number;
  /** The name the user typed: SNI and certificate identity check. */
  tlsHost: string;
  tls: 'none' | 'explicit' | 'implicit';
  user: string;
  password: string;
  connectTimeoutMs: number;
  replyTimeoutMs: number;
  strictTls: boolean;
  /** After login on TLS: PBSZ 0 + PROT P, so data connections are TLS too. */
  protectData: boolean;
}

/** The parts of a parsed target URL a session needs (src/probe/options.ts ProbeTarget has them). */
export interface SessionTarget {
  host: string;
  port: number;
  tls: 'none' | 'explicit' | 'implicit';
  user: string;
  password: string;
}

/**
 * A session plan for a target reached at `address` (after DNS): the name the user typed stays the
 * TLS identity, and each reply waits as long as the connect may.
 */
export function sessionPlanFor(
  target: SessionTarget,
  address: string,
  settings: Pick<SessionPlan, 'network' | 'recorder' | 'session' | 'connectTimeoutMs' | 'strictTls' | 'protectData'>,
): SessionPlan {
  return {
    ...settings,
    host: address,
    port: target.port,
    tlsHost: target.host,
    tls: target.tls,
    user: target.user,
    password: target.password,
    replyTimeoutMs: settings.connectTimeoutMs,
  };
}

export interface Phase {
  id: 'connect' | 'greeting' | 'auth-tls' | 'login' | 'prot';
  startedAt: number;
  durationMs: number;
  result: StepResult;
  detail: string;
}

export interface SessionRecord {
  control: ProbeEvidence['control'];
  controlPeer?: string;
  greeting?: ProbeEvidence['greeting'];
  authTls?: NonNullable<ProbeEvidence['authTls']>;
  login?: NonNullable<ProbeEvidence['login']>;
  phases: Phase[];
}

export interface OpenedSession {
  record: SessionRecord;
  /** Present when every phase succeeded. */
  control?: ControlSession;
  /** The control connection's TLS session and certificate, for data-connection resumption. */
  tls?: { session?: Buffer; fingerprint?: string; certificate?: TlsCertificateRecord };
  /** PROT P was accepted. */
  dataProtected: boolean;
}

export async function openSession(plan: SessionPlan): Promise<OpenedSession> {
  const { recorder } = plan;
  const record: SessionRecord = { control: { outcome: 'error', durationMs: 0 }, phases: [] };
  const opened: OpenedSession = { record, dataProtected: false };
  let phaseStart = recorder.elapsed();
  const phase = (id: Phase['id'], result: StepResult, detail: string): boolean => {
    const now = recorder.elapsed();
    record.phases.push({ id, startedAt: phaseStart, durationMs: Math.round((now - phaseStart) * 10) / 10, result, detail });
    phaseStart = now;
    return result !== 'fail';
  };

  const connected = await openControl({ ...plan, session: plan.session });
  record.control = { outcome: connected.outcome, durationMs: connected.durationMs, ...(connected.error ? { error: connected.error } : {}) };
  const control = connected.control;
  if (!control) {
    phase('connect', 'fail', `${connected.outcome}${connected.error ? `: ${connected.error}` : ''}`);
    return opened;
  }
  record.controlPeer = control.peerAddress;
  phase('connect', 'ok', `connected to ${formatEndpoint(control.peerAddress, plan.port)}`);
  const fail = (): OpenedSession => {
    control.destroy();
    return opened;
  };

  if (plan.tls === 'implicit') {
    if (!(await secure(plan, control, opened, undefined))) return (phase('auth-tls', 'fail', implicitFailureDetail(record.authTls)), fail());
    phase('auth-tls', record.authTls?.certificate?.verifyError ? 'warn' : 'ok', tlsDetail(record.authTls));
  }

  try {
    const { reply } = await control.greeting().final(plan.replyTimeoutMs);
    record.greeting = control.record(reply);
    if (!isPositiveCompletion(reply.code)) return (phase('greeting', 'fail', replyText(reply)), fail());
    phase('greeting', 'ok', replyText(reply));
  } catch (error) {
    // No usable greeting: keep what came instead (an SSH banner, an HTTP reply), or, when nothing
    // came, whether the port answers a TLS handshake (an implicit-TLS port waits for one).
    const timedOut = error instanceof DeadlineError;
    record.greeting = {
      timeout: timedOut,
      waitedMs: timedOut ? error.ms : Math.round(recorder.since(phaseStart)),
      error: describeError(error),
      ...(control.firstBytes.empty ? {} : { received: control.firstBytes.text() }),
    };
    if (timedOut && control.firstBytes.empty && plan.tls !== 'implicit') record.greeting.tlsCheck = await checkForTls(plan, control);
    const implicitPort = record.greeting.tlsCheck?.handshake === 'ok' ? '; the port then completed a TLS handshake: implicit TLS (use ftps://)' : '';
    return (phase('greeting', 'fail', `${describeError(error)}${implicitPort}`), fail());
  }

  if (plan.tls === 'explicit') {
    let reply: Reply;
    try {
      reply = await control.command('AUTH', 'TLS', plan.replyTimeoutMs);
    } catch (error) {
      // No reply at all to AUTH TLS: a filter that blocks TLS resets or holds the connection here.
      const handshake = error instanceof DeadlineError ? 'timeout' : /ECONNRESET|reset|closed|EPIPE/i.test(describeError(error)) ? 'reset' : 'not-attempted';
      record.authTls = { handshake, error: describeError(error) };
      return (phase('auth-tls', 'fail', describeError(error)), fail());
    }
    if (reply.code !== 234) {
      record.authTls = { reply: control.record(reply), handshake: 'not-attempted' };
      return (phase('auth-tls', 'fail', `AUTH TLS refused: ${replyText(reply)}`), fail());
    }
    if (!(await secure(plan, control, opened, control.record(reply)))) return (phase('auth-tls', 'fail', record.authTls?.error ?? 'TLS failed'), fail());
    phase('auth-tls', record.authTls?.certificate?.verifyError ? 'warn' : 'ok', tlsDetail(record.authTls));
  }

  try {
    record.login = { ok: false };
    let reply = await control.command('USER', plan.user, plan.replyTimeoutMs);
    record.login.userReply = control.record(reply);
    if (isPositiveIntermediate(reply.code)) {
      // Servers delay a failed login on purpose (vsftpd plus PAM: about 3 s): the refusal must
      // not be mistaken for a lost login because the reply deadline was short.
      reply = await control.command('PASS', plan.password, plan.replyTimeoutMs + FAILED_LOGIN_DELAY_ALLOWANCE_MS);
      record.login.passReply = control.record(reply);
    }
    record.login.ok = isPositiveCompletion(reply.code);
    if (!record.login.ok) return (phase('login', 'fail', `as ${plan.user}: ${replyText(reply)}`), fail());
    phase('login', 'ok', `as ${plan.user}: ${replyText(reply)}`);
  } catch (error) {
    // No reply (reset, closed, deadline): the login was lost, not refused — the evidence must say which.
    if (record.login) record.login.error = describeError(error);
    return (phase('login', 'fail', describeError(error)), fail());
  }

  if (plan.protectData && plan.tls !== 'none') {
    try {
      const size = await control.command('PBSZ', '0', plan.replyTimeoutMs);
      const prot = isPositiveCompletion(size.code) ? await control.command('PROT', 'P', plan.replyTimeoutMs) : size;
      opened.dataProtected = isPositiveCompletion(prot.code);
      if (!opened.dataProtected) return (phase('prot', 'fail', `PROT P refused: ${replyText(prot)}`), fail());
      phase('prot', 'ok', 'PBSZ 0, PROT P: data connections use TLS');
    } catch (error) {
      return (phase('prot', 'fail', describeError(error)), fail());
    }
  }
  opened.control = control;
  return opened;
}

/** Upgrade the control connection; records the outcome and the certificate. */
async function secure(plan: SessionPlan, control: ControlSession, opened: OpenedSession, reply: RecordedReply | undefined): Promise<boolean> {
  const record = opened.record;
  let latestSession: Buffer | undefined;
  try {
    let certificate: TlsCertificateRecord | undefined;
    await control.replaceStream(async (stream) => {
      // TLS runs over a carrier so that CCC can later continue on the same connection in clear text.
      const carrier = new TlsCarrier(stream);
      const started = await startTls(carrier.transport, { host: plan.tlsHost, timeoutMs: plan.connectTimeoutMs, phase: 'control TLS handshake', captureReceived: true });
      certificate = started.certificate;
      // TLS 1.3 tickets arrive after the handshake: keep the newest for data-connection resumption.
      started.socket.on('session', (session: Buffer) => (latestSession = session));
      // After CCC the control TLS object is gone, but its session stays good for the data connections
      // (TLS 1.2 has its ticket at the end of the handshake and may never emit 'session').
      const handshakeSession = started.socket.getSession();
      opened.tls = {
        get session() {
          return latestSession ?? (started.socket.destroyed ? handshakeSession : started.socket.getSession());
        },
        ...(certificate?.fingerprint256 ? { fingerprint: certificate.fingerprint256 } : {}),
        ...(certificate ? { certificate } : {}),
      };
      plan.recorder.event(control.session, 'control', `TLS ${started.protocol} established; certificate ${certificate?.subject ?? '?'}${certificate?.verifyError ? ` (${certificate.verifyError})` : ''}`);
      control.tlsCarrier = carrier;
      return carrier.bind(started.socket);
    });
    record.authTls = { ...(reply ? { reply } : {}), handshake: 'ok', ...(certificate ? { certificate } : {}) };
    if (plan.strictTls && certificate?.verifyError) {
      record.authTls = { ...record.authTls, handshake: 'failed', error: `certificate rejected (--strict-tls): ${certificate.verifyError}` };
      plan.recorder.event(control.session, 'control', record.authTls.error ?? '');
      return false;
    }
    return true;
  } catch (error) {
    const handshake = error instanceof TlsStartError ? (error.kind === 'failed' ? 'failed' : error.kind) : 'failed';
    const received = error instanceof TlsStartError ? error.received : undefined;
    record.authTls = { ...(reply ? { reply } : {}), handshake, error: describeError(error), ...(received ? { received } : {}) };
    plan.recorder.event(control.session, 'control', `TLS handshake ${handshake}: ${describeError(error)}`);
    return false;
  }
}

/**
 * An implicit handshake answered by a clear-text FTP reply is a port for explicit TLS: the step
 * says so instead of the TLS library's "wrong version number".
 */
function implicitFailureDetail(authTls: SessionRecord['authTls']): string {
  const firstLine = authTls?.received?.split('\\r\\n')[0];
  if (firstLine !== undefined && /^[1-5]\d{2}[ -]/.test(firstLine)) return `"${firstLine}" arrived in clear text during the TLS handshake: not an implicit-TLS port (use ftpes://)`;
  return authTls?.error ?? 'TLS failed';
}

function tlsDetail(authTls: SessionRecord['authTls']): string {
  const certificate = authTls?.certificate;
  if (!certificate) return 'TLS established';
  const problems = [certificate.selfSigned ? 'self-signed' : '', certificate.verifyError ?? ''].filter(Boolean);
  return `TLS established; certificate ${certificate.subject ?? '?'}${problems.length ? ` (${[...new Set(problems)].join(', ')})` : ''}`;
}

export const replyText = replyFirstLine;
