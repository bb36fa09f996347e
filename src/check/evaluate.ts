/**
 * Whether a probe run meets a target's requirements, as plain sentences a person can act on
 * ("passive port 61234 is outside 5500-5525"). Pure: the policy entry and the recorded evidence
 * in, the list of failed requirements out (empty = the target passes).
 */
import type { PlainUserAnswer } from './plain-user.js';
import type { ProbeRun } from '../probe/engine.js';
import { replyLine } from '../diagnosis/facts.js';
import type { DataAttempt } from '../evidence/model.js';
import { modeSessionName, modeStepId } from '../evidence/record.js';
import type { DataMode, Finding, FindingCode } from '../report/model.js';
import { speaksForMode } from '../findings/registry.js';
import { modesOf, tlsModeOf, type PolicyTarget } from './policy.js';

const MODE_NAME: Record<DataMode, string> = { epsv: 'EPSV', pasv: 'PASV', port: 'PORT', eprt: 'EPRT' };
/** Findings that a requirement sentence already states in its own words. */
const RANGE_CODES: readonly FindingCode[] = ['PASV_PORT_OUT_OF_RANGE'];
const ADDRESS_CODES: readonly FindingCode[] = ['PASV_ADDRESS_MISMATCH', 'PASV_ADDRESS_PRIVATE'];
const MAX_LISTED_PORTS = 5;
const TOO_SLOW_CODE: FindingCode = 'DATA_TRANSFER_TOO_SLOW';

export function evaluateTarget(target: PolicyTarget, run: ProbeRun, plainUser?: PlainUserAnswer): string[] {
  const { evidence, report } = run;
  const errors = report.findings.filter((finding) => finding.severity === 'error');
  const failures: string[] = [];
  const covered = new Set<FindingCode>();
  const cite = (finding: Finding): string => {
    covered.add(finding.code);
    return `${finding.code}: ${finding.title}`;
  };

  if (evidence.login?.ok !== true) {
    // Without a logged-in control session no other requirement can be judged.
    const finding = errors[0];
    const step = report.steps.find((candidate) => candidate.result === 'fail');
    failures.push(`the control session failed: ${finding ? cite(finding) : (step?.detail ?? 'no login')}`);
    return [...failures, ...uncited(errors, covered)];
  }

  const tls = tlsModeOf(target);
  if (target.requireTls && tls === 'explicit') {
    if (plainUser?.outcome === 'accepted') {
      failures.push(`the server accepts a login without TLS (it answered "${plainUser.reply}" to USER in clear text; no password was sent), but requireTls is set`);
    } else if (plainUser === undefined || plainUser.outcome === 'unknown') {
      failures.push(`whether the server refuses a login without TLS could not be checked${plainUser?.outcome === 'unknown' ? ` (${plainUser.reason})` : ''}`);
    }
  }

  const required = modesOf(target);
  const working: DataMode[] = [];
  for (const mode of required) {
    const attempts = modeAttempts(evidence.attempts, mode, tls !== 'none');
    if (attempts.length > 0 && attempts.every((attempt) => attempt.transfer.outcome === 'complete')) {
      working.push(mode);
      continue;
    }
    // The finding the registry says speaks for this mode, else the first error not cited yet.
    const finding = errors.find((candidate) => speaksForMode(candidate.code, mode)) ?? errors.find((candidate) => !covered.has(candidate.code));
    const failed = attempts.find((attempt) => attempt.transfer.outcome !== 'complete');
    if (failed?.transfer.outcome === 'too-slow' && target.maxTransferMs !== undefined) {
      // The limit stopped the transfer: say it in the policy's words, with what had arrived by then.
      covered.add(TOO_SLOW_CODE);
      const what = failed.transferCommand?.startsWith('RETR') ? `retrieving ${target.retrieve ?? 'the file'}` : 'the listing';
      failures.push(`${MODE_NAME[mode]} ${what} was stopped at the maxTransferMs limit of ${target.maxTransferMs} ms, unfinished after ${failed.transfer.bytes} bytes (${TOO_SLOW_CODE})`);
      continue;
    }
    const step = report.steps.find((candidate) => candidate.id === stepId(mode, tls !== 'none', failed?.transferCommand?.startsWith('RETR') ? 'retr' : 'data'));
    const why = finding ? cite(finding) : (step?.detail ?? 'no data connection was attempted');
    failures.push(`${MODE_NAME[mode]} did not work: ${why}${serverSaid(failed, why)}`);
  }

  if (target.passiveRange) {
    const { from, to } = target.passiveRange;
    const seen = [...new Set(evidence.passivePorts)];
    const outside = seen.filter((port) => port < from || port > to);
    if (seen.length === 0) {
      failures.push(`no passive port was handed out, so the range ${from}-${to} could not be checked`);
    } else if (outside.length > 0) {
      failures.push(`${listPorts(outside)} outside ${from}-${to}${seen.length > 1 ? ` (${outside.length} of ${seen.length} ports seen)` : ''}`);
    }
    RANGE_CODES.forEach((code) => covered.add(code));
  }

  if (target.externalAddress) {
    const advertised = [...new Set(evidence.attempts.filter((attempt) => attempt.mode === 'pasv' && attempt.advertised).map((attempt) => attempt.advertised?.host ?? ''))];
    const wrong = advertised.filter((host) => host !== target.externalAddress);
    if (advertised.length === 0) failures.push(`no 227 reply carried an address, so the external address ${target.externalAddress} could not be checked`);
    else if (wrong.length > 0) failures.push(`PASV advertised ${wrong.join(', ')}, not the external address ${target.externalAddress}`);
    ADDRESS_CODES.forEach((code) => covered.add(code));
  }

  if (target.maxTransferMs !== undefined) {
    for (const mode of working) {
      // The listing session (connect, login, mode, LIST) and, when asked, the retrieval.
      for (const kind of ['data', 'retr'] as const) {
        const step = report.steps.find((candidate) => candidate.id === stepId(mode, tls !== 'none', kind));
        if (step && step.durationMs > target.maxTransferMs) {
          const what = kind === 'data' ? 'a complete listing' : `retrieve ${target.retrieve ?? 'the file'}`;
          failures.push(`${MODE_NAME[mode]} took ${Math.round(step.durationMs)} ms to ${what} (limit ${target.maxTransferMs} ms)`);
        }
      }
    }
  }

  return [...failures, ...uncited(errors, covered)];
}

/**
 * The server's refusal in its own words ("550 No such file or directory."), unless the sentence
 * already quotes it: the reason a transfer failed is often only in that reply.
 */
function serverSaid(attempt: DataAttempt | undefined, sentence: string): string {
  const reply = attempt?.finalReply;
  if (!reply || reply.code < 400) return '';
  const words = replyLine(reply).slice(2);
  return sentence.includes(words) ? '' : ` (the server answered "${words}")`;
}

/** The mode's own session (not samples), over TLS when the target uses TLS. */
function modeAttempts(attempts: readonly DataAttempt[], mode: DataMode, tls: boolean): DataAttempt[] {
  const session = modeSessionName(mode, tls);
  return attempts.filter((attempt) => attempt.mode === mode && attempt.tls === tls && attempt.session === session);
}

function stepId(mode: DataMode, tls: boolean, kind: 'data' | 'retr' = 'data'): string {
  return modeStepId(kind, modeSessionName(mode, tls));
}

/** "passive port 61234 is" / "passive ports 61234, 61240 and 3 more are" */
function listPorts(ports: number[]): string {
  const sorted = [...ports].sort((a, b) => a - b);
  if (sorted.length === 1) return `passive port ${sorted[0]} is`;
  const shown = sorted.slice(0, MAX_LISTED_PORTS).join(', ');
  const more = sorted.length - MAX_LISTED_PORTS;
  return `passive ports ${shown}${more > 0 ? ` and ${more} more` : ''} are`;
}

/** Error findings no requirement sentence has stated yet: a gate must not hide them. */
function uncited(errors: readonly Finding[], covered: ReadonlySet<FindingCode>): string[] {
  return errors.filter((finding) => !covered.has(finding.code)).map((finding) => `${finding.code}: ${finding.title}`);
}
