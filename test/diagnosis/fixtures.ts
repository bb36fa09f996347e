/**
 * A small builder for probe evidence, so each test states only what matters. Defaults describe a
 * healthy session: a server at 203.0.113.10:21 (the address the control connection reached),
 * anonymous login, every data attempt completing a LIST.
 */
import { formatEprtArgument, formatEpsvReply, formatPasvReply, formatPortArgument } from '../../src/ftp/index.js';
import type { ConnectOutcome } from '../../src/net/network.js';
import type { DataAttempt, ProbeEvidence, RecordedReply, TransferOutcome } from '../../src/evidence/model.js';
import type { DataMode, Finding } from '../../src/report/model.js';
import { LIVE_PROBE } from '../../src/evidence/source.js';

export const SERVER = '203.0.113.10';

type EvidencePatch = Omit<Partial<ProbeEvidence>, 'options'> & { options?: Partial<ProbeEvidence['options']> };

export function reply(code: number, message: string, at = 10): RecordedReply {
  return { code, message, at };
}

function hostPort(text: string): { host: string; port: number } {
  const index = text.lastIndexOf(':');
  return { host: text.slice(0, index), port: Number(text.slice(index + 1)) };
}

export function probe(patch: EvidencePatch = {}): ProbeEvidence {
  const { options, ...rest } = patch;
  const attempts = rest.attempts ?? [passive('pasv'), passive('epsv')];
  const evidence: ProbeEvidence = {
    source: LIVE_PROBE,
    target: `ftp://${rest.host ?? SERVER}/`,
    host: SERVER,
    port: 21,
    tlsMode: 'none',
    options: { modes: ['epsv', 'pasv'], addressPolicy: 'control-peer', connectTimeoutMs: 300, dataTimeoutMs: 300, ...options },
    controlPeer: rest.host ?? SERVER,
    control: { outcome: 'connected', durationMs: 4 },
    greeting: reply(220, 'FTP server ready'),
    login: { userReply: reply(331, 'Please specify the password.'), passReply: reply(230, 'Login successful.'), ok: true },
    referenceServer: false,
    passivePorts: attempts.flatMap((attempt) => (attempt.advertised ? [attempt.advertised.port] : [])),
    ...rest,
    attempts,
  };
  return evidence;
}

export interface PassiveSpec {
  /** "host:port" the reply advertises (229: the host is ignored, the control peer is used). */
  advertised?: string;
  /** The control peer, where the probe dials under the default policy. */
  peer?: string;
  /** Dial the advertised address (the 'advertised' policy) instead of the peer. */
  followAdvertised?: boolean;
  connect?: ConnectOutcome;
  tls?: boolean;
  /** Replies to the transfer command: [code, message] pairs; default 150 then 226. */
  replies?: [number, string][];
  outcome?: TransferOutcome;
  bytes?: number;
  patch?: Partial<DataAttempt>;
}

export function passive(mode: 'pasv' | 'epsv', spec: PassiveSpec = {}): DataAttempt {
  const peer = spec.peer ?? SERVER;
  const advertised = hostPort(spec.advertised ?? `${peer}:${mode === 'pasv' ? 50123 : 50124}`);
  if (mode === 'epsv') advertised.host = peer;
  const connect = spec.connect ?? 'connected';
  const dialed = { host: spec.followAdvertised ? advertised.host : peer, port: advertised.port };
  const attempt: DataAttempt = {
    mode,
    tls: spec.tls ?? false,
    session: `${mode}${spec.tls ? ':tls' : ''}`,
    command: mode.toUpperCase(),
    modeReply: mode === 'pasv' ? reply(227, formatPasvReply(advertised.host, advertised.port)) : reply(229, formatEpsvReply(advertised.port)),
    advertised,
    dialed,
    connect: { outcome: connect, durationMs: connect === 'connected' ? 3 : connect === 'timeout' ? 300 : 2 },
    transfer: { outcome: 'not-started', bytes: 0, durationMs: 0 },
  };
  if (spec.tls) attempt.dataTls = { handshake: 'ok', resumed: true, certificateMatchesControl: true };
  if (connect === 'connected') {
    attempt.transferCommand = 'LIST';
    applyReplies(attempt, spec.replies ?? [[150, 'Here comes the directory listing.'], [226, 'Directory send OK.']]);
    attempt.transfer = { outcome: spec.outcome ?? 'complete', bytes: spec.bytes ?? 512, durationMs: 5 };
  } else {
    delete attempt.dataTls;
  }
  return { ...attempt, ...spec.patch };
}

function applyReplies(attempt: DataAttempt, replies: [number, string][]): void {
  for (const [code, message] of replies) {
    if (code < 200) attempt.preliminaryReply = reply(code, message);
    else attempt.finalReply = reply(code, message);
  }
}

export interface ActiveSpec {
  /** Where the client listened: "host:port". */
  listen?: string;
  modeReply?: [number, string];
  arrived?: boolean;
  from?: string;
  replies?: [number, string][];
  outcome?: TransferOutcome;
  tls?: boolean;
  patch?: Partial<DataAttempt>;
}

export function active(mode: 'port' | 'eprt', spec: ActiveSpec = {}): DataAttempt {
  const listening = hostPort(spec.listen ?? '198.51.100.10:40001');
  const argument = mode === 'port' ? formatPortArgument(listening.host, listening.port) : formatEprtArgument(listening.host, listening.port);
  const [code, message] = spec.modeReply ?? [200, `${mode.toUpperCase()} command successful.`];
  const attempt: DataAttempt = {
    mode,
    tls: spec.tls ?? false,
    session: mode,
    command: `${mode.toUpperCase()} ${argument}`,
    modeReply: reply(code, message),
    listening,
    transfer: { outcome: 'not-started', bytes: 0, durationMs: 0 },
  };
  if (code >= 300) return { ...attempt, ...spec.patch };
  const arrived = spec.arrived ?? true;
  attempt.transferCommand = 'LIST';
  attempt.inbound = arrived ? { arrived, from: hostPort(spec.from ?? `${SERVER}:20`), waitedMs: 4 } : { arrived, waitedMs: 300 };
  if (arrived) {
    applyReplies(attempt, spec.replies ?? [[150, 'Here comes the directory listing.'], [226, 'Directory send OK.']]);
    attempt.transfer = { outcome: spec.outcome ?? 'complete', bytes: 512, durationMs: 5 };
  } else {
    applyReplies(attempt, spec.replies ?? [[425, 'Failed to establish connection.']]);
    attempt.transfer = { outcome: spec.outcome ?? 'refused-by-server', bytes: 0, durationMs: 300 };
  }
  return { ...attempt, ...spec.patch };
}

export const codes = (findings: readonly Finding[]): string[] => findings.map((finding) => finding.code);
export const find = (findings: readonly Finding[], code: string): Finding => {
  const finding = findings.find((candidate) => candidate.code === code);
  if (!finding) throw new Error(`no ${code} among ${codes(findings).join(', ') || 'no findings'}`);
  return finding;
};

export type { DataMode };
