/**
 * One observed FTP session as a probe report: the same steps, transcript, connections and
 * findings a live probe shows, so every renderer and every reader of the JSON treats a session
 * from a capture or a log like a probe's. Pure.
 */
import type { Evidence } from '../evidence/model.js';
import type { ObservedEvent, ObservedSession } from '../evidence/observed.js';
import { provenanceText } from '../evidence/provenance.js';
import { attemptState, endpoint, modeName } from '../diagnosis/facts.js';
import { icmpProof } from '../diagnosis/icmp.js';
import type { ConnectionEvent, Finding, ProbeReport, Step, TranscriptLine, Verdict } from '../report/model.js';
import { SCHEMA_VERSION } from '../report/model.js';
import { OUTCOME_WORDS } from '../report/format.js';
import { VERSION } from '../version.js';
import { modeStepId } from '../evidence/record.js';

const CONNECTION_OUTCOME: Record<string, ConnectionEvent['outcome']> = {
  connected: 'connected',
  'no-answer': 'timeout',
  refused: 'refused',
  unreachable: 'unreachable',
  reset: 'reset',
  unknown: 'error',
};

function where(event: ObservedEvent): string {
  const text = provenanceText(event.at);
  return text === undefined ? '' : ` [${text}]`;
}

function transcriptLine(session: string, event: ObservedEvent): TranscriptLine | undefined {
  const t = event.t ?? 0;
  switch (event.kind) {
    case 'command':
      return { t, session, channel: 'control', direction: '>', text: event.text };
    case 'reply':
      return { t, session, channel: 'control', direction: '<', text: `${event.code} ${event.message.split('\n')[0] ?? ''}` };
    case 'control-connect':
      return { t, session, channel: 'net', direction: '*', text: `control connection${event.server ? ` to ${endpoint(event.server)}` : ''}: ${event.outcome}${where(event)}` };
    case 'data':
      return { t, session, channel: 'data', direction: '*', text: `data connection to ${endpoint(event.to)}: ${event.outcome}${event.synRetransmits ? ` (${event.synRetransmits} SYN retransmissions)` : ''}${event.icmp ? ` — ${icmpProof(event.icmp)}` : ''}${event.listenerOnly ? " — the server's passive port, nothing arrived (seen from the server's side)" : ''}${where(event)}` };
    case 'tls':
      return { t, session, channel: event.channel === 'data' ? 'data' : 'control', direction: '*', text: `TLS on the ${event.channel} connection: ${event.handshake}${where(event)}` };
    case 'note':
      return { t, session, channel: 'net', direction: '*', text: `${event.text}${where(event)}` };
  }
}

function connections(session: ObservedSession): ConnectionEvent[] {
  const result: ConnectionEvent[] = [];
  for (const event of session.events) {
    if (event.kind === 'control-connect' && event.server) {
      result.push({ t: event.t ?? 0, durationMs: 0, session: session.id, purpose: 'control', from: event.client ? endpoint(event.client) : 'client', to: endpoint(event.server), outcome: CONNECTION_OUTCOME[event.outcome] ?? 'error' });
    } else if (event.kind === 'data') {
      const outcome = CONNECTION_OUTCOME[event.outcome] ?? 'error';
      // A log without clocks for this attempt: its wait is not "0 ms", it is not in the log.
      const untimed = event.at.source === 'log' && event.waitedMs === undefined && outcome !== 'connected';
      result.push({
        t: event.t ?? 0,
        durationMs: event.waitedMs ?? 0,
        session: session.id,
        purpose: 'data',
        from: event.from ? endpoint(event.from) : event.openedBy === 'server' ? 'server' : 'client',
        to: endpoint(event.to),
        outcome: CONNECTION_OUTCOME[event.outcome] ?? 'error',
        ...(event.listenerOnly
          ? { decidedBy: "never arrived at the server's listener (seen from the server's side: dropped on the way or never sent is not observed)" }
          : untimed
            ? { decidedBy: `${OUTCOME_WORDS[outcome]}; after how long is not in the log` }
            : {}),
        ...(event.bytes === undefined ? {} : { bytes: event.bytes }),
      });
    }
  }
  return result;
}

function steps(evidence: Evidence): Step[] {
  const list: Step[] = [];
  const add = (id: string, name: string, ok: boolean, detail: string, extra: Partial<Step> = {}): void => {
    list.push({ id, name, result: ok ? 'ok' : 'fail', startedAt: 0, durationMs: 0, detail, ...extra });
  };
  if (evidence.control) add('connect', 'Control connection', evidence.control.outcome === 'connected', evidence.control.outcome);
  const greeting = evidence.greeting;
  if (greeting && 'code' in greeting) add('greeting', 'Greeting', greeting.code >= 200 && greeting.code < 300, `${greeting.code} ${greeting.message.split('\n')[0] ?? ''}`);
  if (evidence.authTls) list.push({ id: 'auth-tls', name: evidence.tlsMode === 'implicit' ? 'Implicit TLS' : 'AUTH TLS', startedAt: 0, durationMs: 0, ...authStep(evidence) });
  if (evidence.login) add('login', 'Login', evidence.login.ok, evidence.login.ok ? 'logged in' : 'refused');
  const seen = new Map<string, number>();
  for (const attempt of evidence.attempts) {
    // Named as the probe names its mode sessions ('epsv', 'pasv:tls'), numbered when a mode recurs;
    // a mode hidden by TLS by the direction it was inferred from ('passive:tls'), with no `mode`.
    const hidden = attempt.modeHiddenByTls;
    const session = `${hidden ? hidden.inferred : attempt.mode}${attempt.tls ? ':tls' : ''}`;
    const count = (seen.get(session) ?? 0) + 1;
    seen.set(session, count);
    const state = attemptState(attempt);
    const mode: Partial<Step> = hidden ? { inferredMode: hidden.inferred } : { mode: attempt.mode };
    add(modeStepId('data', count === 1 ? session : `${session}#${count}`), `${modeName(attempt)} ${attempt.transferCommand ?? ''}`.trim(), state === 'ok', state, { ...mode, tls: attempt.tls });
    // A client's log that ends with the attempt under way: not known to have failed.
    const last = list.at(-1);
    if (attempt.unfinished && last) Object.assign(last, { result: 'warn', detail: `${attempt.unfinished.what} (no network failure seen)` });
  }
  return list;
}

/**
 * The AUTH TLS step. A refusal the client went on from in clear text is information, not the
 * failure (what failed or worked afterwards decides); a refusal the session ended on is the failure.
 */
function authStep(evidence: Evidence): Pick<Step, 'result' | 'detail'> {
  const auth = evidence.authTls;
  const reply = auth?.reply ? `${auth.reply.code} ${auth.reply.message.split('\n')[0] ?? ''}`.trim() : undefined;
  if (auth?.handshake === 'ok') return { result: 'ok', detail: `ok: the control channel is encrypted ${evidence.tlsMode === 'implicit' ? 'from the start' : 'from here on'}` };
  if (reply && auth?.reply && auth.reply.code >= 400 && evidence.tlsMode === 'none') {
    const went = [evidence.login ? 'the login' : undefined, evidence.attempts.length > 0 ? 'data' : undefined].filter((part) => part !== undefined);
    return { result: 'warn', detail: `refused (${reply}): TLS not offered by the server; ${went.length > 0 ? `${went.join(' and ')} went` : 'the session went on'} in clear text` };
  }
  return { result: 'fail', detail: reply ? `${auth?.handshake ?? 'not-attempted'} (${reply})` : (auth?.handshake ?? 'not-attempted') };
}

export interface SessionDiagnosis {
  verdict: Verdict;
  findings: Finding[];
}

/** The probe report of one observed session, `startedAt` being the session's first event when the source has clocks. */
export function sessionReport(session: ObservedSession, evidence: Evidence, diagnosis: SessionDiagnosis, startedAt: string): ProbeReport {
  const transcript = session.events.map((event) => transcriptLine(session.id, event)).filter((line): line is TranscriptLine => line !== undefined);
  const last = session.events.at(-1)?.t ?? 0;
  return {
    tool: 'ftp-doctor',
    version: VERSION,
    schemaVersion: SCHEMA_VERSION,
    kind: 'probe',
    target: session.id,
    verdict: diagnosis.verdict,
    startedAt,
    durationMs: last,
    addressPolicy: evidence.options?.addressPolicy ?? 'advertised',
    steps: steps(evidence),
    findings: diagnosis.findings,
    transcript,
    connections: connections(session),
    ...(evidence.passivePorts && evidence.passivePorts.length > 0 ? { passivePorts: evidence.passivePorts } : {}),
  };
}
