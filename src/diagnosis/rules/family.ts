/**
 * PASV and PORT over an IPv6 control connection. Servers turn them down there (522 in RFC 2428's
 * terms), and PORT cannot even be written for an IPv6 address, so neither is a fault: the finding is info, it
 * says which modes did not apply and why, and it takes the refused attempts away from the rules
 * that would call them errors (PASSIVE_MODE_REFUSED, ACTIVE_REJECTED, DATA_TRANSFER_FAILED).
 */
import type { DataMode } from '../../report/model.js';
import { isIpv6Control, notApplicableReason, refusedAsExpected } from '../../probe/family.js';
import type { Rule } from '../engine.js';
import { unexplained } from '../engine.js';
import { attemptLines, controlAddress, replyLine } from '../facts.js';

const names = (modes: readonly DataMode[]): string => modes.map((mode) => mode.toUpperCase()).join(' and ');

export const modeNotApplicable: Rule = {
  id: 'mode-not-applicable',
  code: 'MODE_NOT_APPLICABLE',
  applies(input) {
    const { evidence } = input;
    const control = controlAddress(evidence);
    if (!isIpv6Control(control)) return undefined;
    const leftOut = evidence.options?.notApplicable ?? [];
    const answered = unexplained(input, (attempt) => refusedAsExpected(attempt, control));
    if (leftOut.length === 0 && answered.length === 0) return undefined;
    const modes = [...new Set([...leftOut, ...answered.map((attempt) => attempt.mode)])];
    const sentences = [notApplicableReason(modes)];
    if (leftOut.length > 0) {
      const ran = (evidence.options?.modes ?? []).filter((mode) => !leftOut.includes(mode));
      sentences.push(`So ${names(leftOut)} ${leftOut.length > 1 ? 'were' : 'was'} not tried${ran.length > 0 ? `; the data channel was tested with ${names(ran)}` : ''}.`);
    }
    for (const attempt of answered) {
      const verb = attempt.mode.toUpperCase();
      if (attempt.notSent !== undefined) sentences.push(`${verb} was asked for but could not be sent: ${attempt.notSent}.`);
      else if (attempt.modeReply) sentences.push(`${verb} was asked for, and the server answered "${replyLine(attempt.modeReply).slice(2)}": correct behaviour over IPv6, not a fault.`);
    }
    const title = `${names(modes)} ${modes.length > 1 ? 'do' : 'does'} not apply to an IPv6 control connection`;
    return {
      finding: {
        code: 'MODE_NOT_APPLICABLE',
        severity: 'info',
        title,
        explanation: sentences.join(' '),
        evidence: [
          `* control connection: ${control} (IPv6)`,
          ...(leftOut.length > 0 ? [`* not run: ${names(leftOut)}`] : []),
          ...answered.slice(0, 2).flatMap((attempt) => attemptLines(attempt)),
        ],
        remedies: [
          {
            product: 'Client',
            text: 'Over IPv6 use EPSV (passive) or EPRT (active); clients switch to them on their own. A client or script pinned to PASV/PORT needs IPv4 or that setting removed.',
          },
        ],
      },
      explains: answered,
    };
  },
};
