/**
 * One data mode on its own control session: log in (over TLS or plain), turn on our reference
 * server's tokens, run the LIST (and the RETR when asked), and turn what happened into evidence
 * and a step. Runs concurrently with the other modes, so it shares nothing mutable with them.
 */
import { isPositiveCompletion, TOKEN_OPTION } from '../ftp/index.js';
import type { ControlSession } from '../client/control.js';
import { runDataChannel, type DataChannelOptions } from '../client/data-channel.js';
import type { RoundTripSamples } from '../client/early-verdict.js';
import { openSession, type OpenedSession, type SessionPlan } from '../client/session.js';
import { DEFAULT_MAX_DATA_BYTES } from '../client/transfer.js';
import { describeError } from '../client/util.js';
import type { DataMode, Step } from '../report/model.js';
import { attemptSucceeded, describeAttempt, replyLine } from './describe.js';
import type { DataAttempt, RecordedReply, SessionFailure } from '../evidence/model.js';
import { modeSessionName, modeStepId } from '../evidence/record.js';
import { DEFAULT_RETRIEVE_TIMEOUT_MS, type ProbeTarget } from './options.js';
import { clearControlChannel } from './ccc.js';
import { refusedAsExpected } from './family.js';

export interface ModeVariant {
  mode: DataMode;
  tls: boolean;
}

export interface ModeContext {
  plan: SessionPlan;
  target: ProbeTarget;
  dataTimeoutMs: number;
  addressPolicy: 'control-peer' | 'advertised';
  referenceServer: boolean;
  ccc: boolean;
  /** false: open a fresh TLS session per data connection (see ProbeOptions.resumeTlsSession). */
  resumeTlsSession: boolean;
  maxDataBytes?: number | undefined;
  retrieve?: string;
  /** false: wait the full data timeout before calling a data connection dropped (see ProbeOptions). */
  earlyVerdict?: boolean;
  /** The main session's round trips to this server: early-verdict samples taken while nothing else ran. */
  pathRoundTrips?: RoundTripSamples;
  /** Total deadlines of the listing and of the retrieval (defaults: see ProbeOptions). */
  listingDeadlineMs?: number | undefined;
  retrieveDeadlineMs?: number | undefined;
}

export interface ModeResult {
  attempts: DataAttempt[];
  /** The session ended before (or instead of) a data attempt: the diagnosis must still see it. */
  failure?: SessionFailure;
  steps: Step[];
  /** Plain twin under explicit TLS: did the server accept a login without TLS? */
  plainLogin?: boolean;
  referenceServer: boolean;
}

/** 'Data channel PASV (TLS)'; '(plain)' marks the twin under explicit TLS. */
export function modeStepName(variant: ModeVariant, target: ProbeTarget): string {
  return `Data channel ${variant.mode.toUpperCase()}${variant.tls ? ' (TLS)' : target.tls === 'explicit' ? ' (plain)' : ''}`;
}

export async function runModeSession(variant: ModeVariant, context: ModeContext): Promise<ModeResult> {
  const { plan, target } = context;
  const recorder = plan.recorder;
  const session = modeSessionName(variant.mode, variant.tls);
  const stepId = modeStepId('data', session);
  const name = modeStepName(variant, target);
  const started = recorder.elapsed();
  const result: ModeResult = { attempts: [], steps: [], referenceServer: false };
  const makeStep = (id: string, stepName: string, stepResult: Step['result'], detail: string, from = started): Step => ({
    id,
    name: stepName,
    mode: variant.mode,
    tls: variant.tls,
    result: stepResult,
    startedAt: from,
    durationMs: recorder.since(from),
    detail,
  });

  const opened = await openSession({ ...plan, session, tls: variant.tls ? target.tls : 'none', protectData: variant.tls });
  const plainTwin = !variant.tls && target.tls === 'explicit';
  if (!opened.control) {
    const failed = opened.record.phases.find((phase) => phase.result === 'fail');
    const login = opened.record.login;
    if (plainTwin && login && !login.ok) {
      result.plainLogin = false;
      const reply = login.passReply ?? login.userReply;
      result.steps.push(makeStep(stepId, name, 'skip', `plain login refused${reply ? ` (${replyLine(reply)})` : ''}: the server requires TLS, so there is no plain data channel to compare`));
    } else {
      const phase = failed?.id ?? 'connect';
      const detail = failed?.detail ?? 'unknown';
      const reply = phaseReply(opened, phase);
      result.failure = { session, mode: variant.mode, tls: variant.tls, phase, detail, ...(reply ? { reply } : {}) };
      result.steps.push(makeStep(stepId, name, 'fail', `session failed at ${phase}: ${detail}`));
    }
    return result;
  }
  if (plainTwin) result.plainLogin = true;
  const control = opened.control;
  try {
    const notes: string[] = [];
    const token = context.referenceServer ? await enableTokens(control, notes) : undefined;
    if (context.ccc && variant.tls) notes.push(await clearControlChannel(control, recorder));
    const listing = await runDataChannel(channelOptions(context, variant, opened, control, token, target.path === '/' ? { verb: 'LIST' } : { verb: 'LIST', argument: target.path }, context.listingDeadlineMs));
    result.attempts.push(listing);
    // PASV/PORT refused on IPv6 is RFC 2428 at work: the mode does not apply, nothing failed.
    const expected = refusedAsExpected(listing, control.peerAddress);
    const listingDetail = expected && listing.notSent === undefined ? `${describeAttempt(listing).replace(/\.$/, '')}: expected on an IPv6 control connection (RFC 2428)` : describeAttempt(listing);
    result.steps.push(makeStep(stepId, name, attemptSucceeded(listing) ? 'ok' : expected ? 'skip' : 'fail', [...notes, listingDetail].join('; ')));
    if (context.retrieve && attemptSucceeded(listing) && !control.lostReason) {
      const retrieveStart = recorder.elapsed();
      const retrieval = await runDataChannel(channelOptions(context, variant, opened, control, token, { verb: 'RETR', argument: context.retrieve }, context.retrieveDeadlineMs ?? DEFAULT_RETRIEVE_TIMEOUT_MS));
      result.attempts.push(retrieval);
      result.steps.push(makeStep(modeStepId('retr', session), `Retrieve ${variant.mode.toUpperCase()}${variant.tls ? ' (TLS)' : ''}`, attemptSucceeded(retrieval) ? 'ok' : 'fail', describeAttempt(retrieval), retrieveStart));
    }
  } catch (error) {
    result.failure = { session, mode: variant.mode, tls: variant.tls, phase: 'data', detail: describeError(error) };
    result.steps.push(makeStep(stepId, name, 'fail', describeError(error)));
  } finally {
    await control.close(Math.min(plan.replyTimeoutMs, 1000));
  }
  return result;
}

/** The server's reply that ended a phase, where the session record kept one (PROT's is only in the detail). */
function phaseReply(opened: OpenedSession, phase: SessionFailure['phase']): RecordedReply | undefined {
  const record = opened.record;
  switch (phase) {
    case 'greeting':
      return record.greeting && 'code' in record.greeting ? record.greeting : undefined;
    case 'auth-tls':
      return record.authTls?.reply;
    case 'login':
      return record.login?.passReply ?? record.login?.userReply;
    default:
      return undefined;
  }
}

function channelOptions(
  context: ModeContext,
  variant: ModeVariant,
  opened: OpenedSession,
  control: ControlSession,
  token: { session?: string } | undefined,
  transfer: DataChannelOptions['transfer'],
  deadlineMs: number | undefined,
): DataChannelOptions {
  const tls = opened.dataProtected
    ? {
        host: context.target.host,
        ...(opened.tls?.session && context.resumeTlsSession ? { session: opened.tls.session } : {}),
        ...(opened.tls?.fingerprint ? { controlFingerprint: opened.tls.fingerprint } : {}),
      }
    : undefined;
  return {
    control,
    network: context.plan.network,
    mode: variant.mode,
    addressPolicy: context.addressPolicy,
    dataTimeoutMs: context.dataTimeoutMs,
    ...(context.earlyVerdict === false ? { earlyVerdict: false } : {}),
    ...(context.pathRoundTrips ? { pathRoundTrips: context.pathRoundTrips } : {}),
    replyTimeoutMs: context.plan.replyTimeoutMs,
    transfer,
    maxDataBytes: context.maxDataBytes ?? DEFAULT_MAX_DATA_BYTES,
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    ...(tls ? { tls } : {}),
    ...(token ? { token } : {}),
  };
}

async function enableTokens(control: ControlSession, notes: string[]): Promise<{ session?: string } | undefined> {
  const reply = await control.command('OPTS', TOKEN_OPTION);
  if (!isPositiveCompletion(reply.code)) {
    notes.push(`tokens refused (${replyLine(control.record(reply))})`);
    return undefined;
  }
  return {};
}
