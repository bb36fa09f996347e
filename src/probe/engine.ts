/**
 * The probe: steps → evidence → diagnosis → report. The main session checks the control channel
 * (connect, greeting, TLS, login, FEAT/SYST) and takes port samples; then every data mode (and,
 * under explicit TLS, its plain twin) runs on its own control session, all at the same time, so a
 * hung mode costs one data timeout in total rather than one per mode.
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import type { Network } from '../net/network.js';
import { FEATURE_NAME, normalizeAddress } from '../ftp/index.js';
import { DeadlineError, withDeadline } from '../client/deadline.js';
import { Recorder, systemClock } from '../client/recorder.js';
import type { RoundTripSamples } from '../client/early-verdict.js';
import { describeError, errorCode } from '../client/util.js';
import { openSession, sessionPlanFor, type Phase, type SessionPlan } from '../client/session.js';
import { SCHEMA_VERSION, type DataMode, type ProbeReport, type Step } from '../report/model.js';
import { TOOL, VERSION } from '../version.js';
import { diagnose, identifyServer, markShownRemedies, RULES, serverClues } from '../diagnosis/index.js';
import type { ProbeEvidence } from '../evidence/model.js';
import { modeSessionName, modeStepId } from '../evidence/record.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_DATA_TIMEOUT_MS, DEFAULT_MODES, MAX_SAMPLES, parseTarget, type ProbeOptions, type ProbeTarget } from './options.js';
import { modeStepName, runModeSession, type ModeVariant } from './mode-session.js';
import { isIpv6Control, notApplicableReason, planModes } from './family.js';
import { readFeatures, takeSamples } from './main-session.js';
import { LIVE_PROBE } from '../evidence/source.js';

export interface ProbeRun {
  report: ProbeReport;
  evidence: ProbeEvidence;
}

const PHASE_NAMES: Record<Phase['id'], string> = {
  connect: 'Control connection',
  greeting: 'Greeting',
  'auth-tls': 'TLS on the control connection',
  login: 'Login',
  prot: 'Data protection (PROT P)',
};

export async function runProbe(options: ProbeOptions, network: Network): Promise<ProbeReport> {
  return (await probe(options, network)).report;
}

/** The report and the evidence it was diagnosed from. Throws ProbeOptionError on a bad URL. */
export async function probe(options: ProbeOptions, network: Network): Promise<ProbeRun> {
  const target = parseTarget(options);
  const recorder = new Recorder(options.now ?? systemClock);
  const startedAt = new Date().toISOString();
  const modes = options.modes && options.modes.length > 0 ? options.modes : [...DEFAULT_MODES];
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const dataTimeoutMs = options.dataTimeoutMs ?? DEFAULT_DATA_TIMEOUT_MS;
  const addressPolicy = options.useAdvertisedAddress ? 'advertised' : 'control-peer';
  const steps: Step[] = [];
  const evidence: ProbeEvidence = {
    source: LIVE_PROBE,
    target: target.display,
    host: target.host,
    port: target.port,
    tlsMode: target.tls,
    options: {
      modes,
      ...(options.expectRange ? { expectRange: options.expectRange } : {}),
      ...(options.expectAddress ? { expectAddress: options.expectAddress } : {}),
      addressPolicy,
      connectTimeoutMs,
      dataTimeoutMs,
      ...(options.strictTls ? { strictTls: true } : {}),
    },
    control: { outcome: 'error', durationMs: 0 },
    referenceServer: false,
    attempts: [],
    passivePorts: [],
  };
  const finish = (): ProbeRun => {
    // The steps go along so that a failed step nothing in the evidence explains still fails the run.
    const diagnosis = diagnose(evidence, RULES, steps);
    const server = identifyServer(serverClues(evidence));
    const findings = markShownRemedies(diagnosis.findings, server?.product, options.allRemedies ?? false);
    const report: ProbeReport = {
      tool: TOOL,
      version: VERSION,
      schemaVersion: SCHEMA_VERSION,
      kind: 'probe',
      target: target.display,
      verdict: diagnosis.verdict,
      startedAt,
      durationMs: recorder.elapsed(),
      addressPolicy,
      steps,
      findings,
      transcript: recorder.transcript,
      connections: recorder.connections,
      passivePorts: evidence.passivePorts,
      ...(server ? { server } : {}),
      ...(evidence.samples ? { samples: { ...evidence.samples, distinctPorts: new Set(evidence.passivePorts.slice(0, evidence.samples.replies)).size } } : {}),
    };
    return { report, evidence };
  };

  if (options.password === undefined && target.password === '' && !isAnonymousUser(target.user)) {
    // A named user without a password: say so before anything goes out, not as a refused login.
    evidence.login = { ok: false, noPasswordFor: target.user };
    evidence.control = { outcome: 'error', durationMs: 0, error: 'not attempted: no password given' };
    steps.push(step('login', 'Login', 'fail', recorder.elapsed(), recorder, `no password given for ${target.user} (FTP_PASSWORD): nothing was sent`));
    return finish();
  }

  const resolveStart = recorder.elapsed();
  let address: string;
  try {
    // An IP literal is not looked up: no await, so the step's time is not whatever else the event
    // loop ran first (start-up work) reported as a DNS delay.
    address = net.isIP(target.host) !== 0 ? target.host : await withDeadline(`resolve ${target.host}`, connectTimeoutMs, () => resolveHost(target.host, options.resolve));
    steps.push(step('resolve', 'Resolve', 'ok', resolveStart, recorder, address === target.host ? `${address} (IP address)` : `${target.host} → ${address}`));
  } catch (error) {
    const message = describeError(error);
    const code = error instanceof DeadlineError ? 'ETIMEOUT' : errorCode(error);
    evidence.resolve = { error: message, ...(code ? { code } : {}) };
    evidence.control = { outcome: 'error', durationMs: 0, error: `cannot resolve ${target.host}: ${message}` };
    steps.push(step('resolve', 'Resolve', 'fail', resolveStart, recorder, message));
    return finish();
  }

  const plan = sessionPlanFor(target, address, { network, recorder, session: 'main', connectTimeoutMs, strictTls: options.strictTls ?? false, protectData: false });
  const main = await openSession(plan);
  const record = main.record;
  evidence.control = record.control;
  if (record.controlPeer) evidence.controlPeer = normalizeAddress(record.controlPeer);
  if (record.greeting) evidence.greeting = record.greeting;
  if (record.authTls) evidence.authTls = record.authTls;
  if (record.login) evidence.login = record.login;
  for (const phase of record.phases) steps.push({ id: phase.id, name: PHASE_NAMES[phase.id], ...(phase.id === 'auth-tls' ? { tls: true } : {}), result: phase.result, startedAt: phase.startedAt, durationMs: phase.durationMs, detail: phase.detail });

  // Over IPv6, PASV and PORT cannot name an address: a generic mode list leaves them out (family.ts).
  const modePlan = planModes(modes, isIpv6Control(evidence.controlPeer ?? address));
  if (modePlan.notApplicable.length > 0) evidence.options.notApplicable = modePlan.notApplicable;
  const plainTwin = plainTwinAllowed(target, options.plainTwin);
  const variants = planVariants(modePlan.run, target, plainTwin);
  const notApplicable = planVariants(modePlan.notApplicable, target, plainTwin);
  if (!main.control) {
    // TLS blocked: the plain twins still show whether the data channel works without TLS. Not when
    // we ourselves rejected the certificate (--strict-tls): logging in without TLS to a server we
    // just refused to trust would be exactly the plaintext fallback strict mode is there to stop.
    const certificateRejected = plan.strictTls && record.authTls?.handshake === 'failed' && record.authTls.certificate?.verifyError !== undefined;
    const tlsBlocked = target.tls === 'explicit' && record.login === undefined && record.greeting !== undefined && !('timeout' in record.greeting) && !certificateRejected;
    if (!tlsBlocked) return finish();
    await runVariants(variants.filter((variant) => !variant.tls), plan, target, options, evidence, steps, dataTimeoutMs, addressPolicy);
    steps.push(...notApplicableSteps(notApplicable.filter((variant) => !variant.tls), target, recorder));
    return finish();
  }

  const featuresStart = recorder.elapsed();
  const features = await readFeatures(main.control);
  if (features.features) evidence.features = features.features;
  if (features.system) evidence.system = features.system;
  evidence.referenceServer = (features.features ?? []).some((feature) => feature.split(' ')[0]?.toUpperCase() === FEATURE_NAME);
  steps.push(step('features', 'Features (FEAT/SYST)', features.features ? 'ok' : 'warn', featuresStart, recorder, features.detail));

  const samples = Math.min(Math.max(0, Math.floor(options.samples ?? 0)), MAX_SAMPLES);
  const passiveModes = modePlan.run.filter((mode): mode is 'epsv' | 'pasv' => mode === 'epsv' || mode === 'pasv');
  if (samples > 0 && passiveModes.length > 0) {
    const sampleStart = recorder.elapsed();
    const sampled = await takeSamples(main.control, passiveModes, samples, connectTimeoutMs);
    evidence.passivePorts.push(...sampled.ports);
    evidence.samples = { asked: samples, modes: passiveModes, replies: sampled.ports.length };
    if (sampled.referenceServer) evidence.referenceServer = true;
    const asked = `${samples} × ${passiveModes.map((mode) => mode.toUpperCase()).join(' and ')}`;
    steps.push(step('sample', `Passive port samples (--samples ${samples}: ${asked})`, sampled.error ? 'warn' : 'ok', sampleStart, recorder, sampled.detail));
  }
  await main.control.close(Math.min(connectTimeoutMs, 1000));

  // The main session's round trips were measured while nothing else ran: the cleanest samples of the path.
  await runVariants(variants, plan, target, options, evidence, steps, dataTimeoutMs, addressPolicy, main.control.roundTrips());
  steps.push(...notApplicableSteps(notApplicable, target, recorder));
  return finish();
}

/** A skipped step per mode left out, so the report says why instead of quietly omitting it. */
function notApplicableSteps(variants: readonly ModeVariant[], target: ProbeTarget, recorder: Recorder): Step[] {
  const at = recorder.elapsed();
  return variants.map((variant) => ({
    id: modeStepId('data', modeSessionName(variant.mode, variant.tls)),
    name: modeStepName(variant, target),
    mode: variant.mode,
    tls: variant.tls,
    result: 'skip' as const,
    startedAt: at,
    durationMs: 0,
    detail: `not applicable: ${notApplicableReason([variant.mode])}`,
  }));
}

/**
 * Each mode over TLS when TLS is on; plain when it is off. Under explicit TLS a plain twin shows
 * whether inspection is what breaks TLS — but a twin logs in without TLS, so it only runs for
 * anonymous logins unless the user opted in (--plain-twin): real credentials never go out in the
 * clear because a server happened to accept them.
 */
function planVariants(modes: DataMode[], target: ProbeTarget, plainTwin: boolean): ModeVariant[] {
  const variants: ModeVariant[] = [];
  for (const mode of modes) {
    if (target.tls !== 'none') variants.push({ mode, tls: true });
    if (target.tls === 'none' || (target.tls === 'explicit' && plainTwin)) variants.push({ mode, tls: false });
  }
  return variants;
}

/** Anonymous logins carry no secret, so a plain twin may use them without being asked. */
export function plainTwinAllowed(target: ProbeTarget, optIn: boolean | undefined): boolean {
  if (optIn !== undefined) return optIn;
  return isAnonymousUser(target.user);
}

/** The conventional anonymous accounts (RFC 1635): they need no password. */
export function isAnonymousUser(user: string): boolean {
  return ['anonymous', 'ftp'].includes(user.toLowerCase());
}

async function runVariants(
  variants: ModeVariant[],
  plan: SessionPlan,
  target: ProbeTarget,
  options: ProbeOptions,
  evidence: ProbeEvidence,
  steps: Step[],
  dataTimeoutMs: number,
  addressPolicy: 'control-peer' | 'advertised',
  pathRoundTrips?: RoundTripSamples,
): Promise<void> {
  const results = await Promise.all(
    variants.map((variant) =>
      runModeSession(variant, {
        plan,
        target,
        dataTimeoutMs,
        addressPolicy,
        referenceServer: evidence.referenceServer,
        ccc: options.ccc ?? false,
        resumeTlsSession: options.resumeTlsSession ?? true,
        maxDataBytes: options.maxDataBytes,
        ...(options.earlyVerdict === false ? { earlyVerdict: false } : {}),
        ...(pathRoundTrips ? { pathRoundTrips } : {}),
        ...(options.retrieve ? { retrieve: options.retrieve } : {}),
        listingDeadlineMs: options.transferTimeoutMs,
        retrieveDeadlineMs: options.retrieveTimeoutMs,
      }),
    ),
  );
  // Report in the planned order, whatever order the sessions finished in.
  for (const result of results) {
    evidence.attempts.push(...result.attempts);
    if (result.failure) (evidence.sessionFailures ??= []).push(result.failure);
    for (const attempt of result.attempts) if (attempt.advertised) evidence.passivePorts.push(attempt.advertised.port);
    if (result.plainLogin !== undefined) evidence.plainLoginAllowed = (evidence.plainLoginAllowed ?? false) || result.plainLogin;
    if (result.referenceServer) evidence.referenceServer = true;
    steps.push(...result.steps);
  }
}

function step(id: string, name: string, result: Step['result'], startedAt: number, recorder: Recorder, detail: string): Step {
  return { id, name, result, startedAt, durationMs: recorder.since(startedAt), detail };
}

async function resolveHost(host: string, resolve: ProbeOptions['resolve']): Promise<string> {
  if (net.isIP(host) !== 0) return host;
  if (resolve) return resolve(host);
  return (await dns.lookup(host)).address;
}
