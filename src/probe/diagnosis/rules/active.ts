/**
 * Active mode (PORT/EPRT): the server connects back to the client, so the failures sit on the
 * other side of the picture: the server refusing the command, or its connection never arriving
 * (its own outbound rule, or the client's firewall/NAT).
 */
import type { DataAttempt, ProbeEvidence } from '../../evidence.js';
import type { Rule } from '../engine.js';
import { unexplained } from '../engine.js';
import { attemptState, controlAddress, endpoint, isActive, manyAttemptLines, replyLine, unroutable } from '../facts.js';
import { remediesFor } from '../remedies/index.js';

/** Our listening address is private while the server is out on the internet: our NAT is in the way. */
function behindNat(evidence: ProbeEvidence, attempt: DataAttempt): boolean {
  return attempt.listening !== undefined && unroutable(attempt.listening.host) && !unroutable(controlAddress(evidence));
}

export const activeRejected: Rule = {
  id: 'active-rejected',
  code: 'ACTIVE_REJECTED',
  applies(input) {
    const rejected = unexplained(input, (attempt) => isActive(attempt) && attemptState(attempt) === 'mode-refused');
    const first = rejected[0];
    if (!first?.modeReply) return undefined;
    const verb = first.mode.toUpperCase();
    const sentences = [
      `The server answered ${verb} with "${replyLine(first.modeReply).slice(2)}": it does not accept active-mode data connections from this client.`,
    ];
    if (first.mode === 'eprt' && first.modeReply.code === 522) {
      sentences.push('522 to EPRT means the server does not support the address family we offered (IPv4 vs IPv6).');
    } else if (behindNat(input.evidence, first) && first.listening) {
      sentences.push(
        `The client is behind NAT: ${verb} carried its private address ${first.listening.host}, which is not where the control connection comes from, ` +
          'so servers that check (vsftpd, ProFTPD, pyftpdlib) refuse it — and could not reach it anyway.',
      );
    } else {
      sentences.push('Servers refuse active mode when it is disabled, or when the PORT address is not the control connection\'s source address.');
    }
    return {
      finding: {
        code: 'ACTIVE_REJECTED',
        severity: 'error',
        title: `The server refuses active mode: ${verb} got ${first.modeReply.code}`,
        explanation: sentences.join(' '),
        evidence: manyAttemptLines(rejected, 2),
        remedies: remediesFor(['active-enable'], input.remedy),
      },
      explains: rejected,
    };
  },
};

export const activeInboundBlocked: Rule = {
  id: 'active-inbound-blocked',
  code: 'ACTIVE_INBOUND_BLOCKED',
  applies(input) {
    const missing = unexplained(input, (attempt) => isActive(attempt) && attemptState(attempt) === 'inbound-missing');
    const first = missing[0];
    if (!first) return undefined;
    const verb = first.mode.toUpperCase();
    const where = first.listening ? endpoint(first.listening) : 'our listener';
    const sentences = [
      `The client listened on ${where} and said so with ${verb}; the server accepted it${first.modeReply ? ` (${first.modeReply.code})` : ''}, ` +
        `but no connection arrived within ${first.inbound?.waitedMs ?? 0} ms.`,
    ];
    if (first.finalReply && first.finalReply.code >= 400) {
      sentences.push(
        `The server then said "${replyLine(first.finalReply).slice(2)}": its own connect failed, so the connection was lost between the server and us — ` +
          'its outbound rule (usually from port 20) or the client-side firewall/NAT.',
      );
    } else {
      sentences.push('Either the server\'s outbound connection (usually from port 20) is blocked by its own firewall, or the client side — a host firewall or NAT — drops it.');
    }
    if (behindNat(input.evidence, first) && first.listening) {
      sentences.push(
        `Our listening address ${first.listening.host} is private and the server is not on our network: it cannot reach us unless the client's NAT rewrites ${verb} ` +
          '(an FTP helper) and forwards the port. Passive mode avoids all of this.',
      );
    }
    return {
      finding: {
        code: 'ACTIVE_INBOUND_BLOCKED',
        severity: 'error',
        title: `The server accepted ${verb} but its connection back to ${where} never arrived`,
        explanation: sentences.join(' '),
        evidence: manyAttemptLines(missing, 2),
        remedies: remediesFor(['active-inbound'], input.remedy),
      },
      explains: missing,
    };
  },
};
