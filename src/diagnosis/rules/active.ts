/**
 * Active mode (PORT/EPRT): the server connects back to the client, so the failures sit on the
 * other side of the picture: the server refusing the command, or its connection never arriving
 * (its own outbound rule, or the client's firewall/NAT).
 */
import type { DataAttempt, Evidence } from '../../evidence/model.js';
import type { Rule } from '../engine.js';
import { unexplained } from '../engine.js';
import { normalizeAddress } from '../../ftp/index.js';
import { addressClass, attemptState, controlAddress, endpoint, hiddenModeText, inboundWait, isActive, manyAttemptLines, replyLine, unroutable } from '../facts.js';
import { remediesFor } from '../remedies/index.js';

/**
 * The PORT/EPRT address we sent is private and the server cannot be on our network: it sees us
 * from another address (a NAT in front of the client), so it either refuses the address as
 * foreign or connects to a private address it has no route to. Loopback is left out: a loopback
 * listener means the server is on this host. When the server is private too, only another subnet
 * (a different /24, or /64 for IPv6) says it is not our LAN.
 */
export function privateActiveAddress(evidence: Evidence, attempt: DataAttempt): string | undefined {
  const host = attempt.listening?.host;
  if (host === undefined || !unroutable(host) || addressClass(host) === 'loopback') return undefined;
  const peer = controlAddress(evidence);
  if (!unroutable(peer)) return host;
  return sameSubnet(host, peer) ? undefined : host;
}

function sameSubnet(left: string, right: string): boolean {
  if (left.includes(':') !== right.includes(':')) return false;
  if (!left.includes(':')) return left.split('.').slice(0, 3).join('.') === right.split('.').slice(0, 3).join('.');
  const prefix = (address: string): string => normalizeAddress(address).split(':').slice(0, 4).join(':');
  return prefix(left) === prefix(right);
}

/** Why a private PORT/EPRT address fails, in one sentence, and what to do instead. */
function privateAddressWords(verb: string, address: string): string {
  return (
    `The address ${verb} carried, ${address}, is private: the client is behind NAT, and ${address} is its address inside its own network, while the server ` +
    'sees it from the public address of that NAT. Servers that check refuse a data address that is not the control connection\'s source ' +
    `(vsftpd, ProFTPD and pyftpdlib do), and a server that tries anyway has no route to ${address}. Nothing on the server needs changing: ` +
    'use passive mode, or make the client announce its public address and forward the port on its NAT.'
  );
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
    const privateAddress = privateActiveAddress(input.evidence, first);
    if (first.mode === 'eprt' && first.modeReply.code === 522) {
      sentences.push('522 to EPRT means the server does not support the address family we offered (IPv4 vs IPv6).');
    } else if (privateAddress) {
      sentences.push(privateAddressWords(verb, privateAddress));
    } else {
      sentences.push('Servers refuse active mode when it is disabled, or when the PORT address is not the control connection\'s source address.');
    }
    return {
      finding: {
        code: 'ACTIVE_REJECTED',
        severity: 'error',
        title: privateAddress
          ? `The server refuses ${verb} with the private address ${privateAddress}: ${first.modeReply.code} (the client is behind NAT)`
          : `The server refuses active mode: ${verb} got ${first.modeReply.code}`,
        explanation: sentences.join(' '),
        evidence: [...manyAttemptLines(rejected, 2), ...(privateAddress ? [`* ${verb} address sent: ${privateAddress} (private); control connection to ${controlAddress(input.evidence)}`] : [])],
        remedies: remediesFor(privateAddress ? ['active-private-address'] : ['active-enable'], input.remedy),
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
    // A capture of an encrypted control channel: no PORT/EPRT was seen, only the server's connection.
    const hidden = first.modeHiddenByTls;
    const sentences = [
      hidden
        ? `The server's data connection to ${where} is ${hiddenModeText(hidden)}; the PORT or EPRT that named the port was hidden by TLS. It got no answer within ${first.inbound?.waitedMs ?? 0} ms.`
        : `The client listened on ${where} and said so with ${verb}; the server accepted it${first.modeReply ? ` (${first.modeReply.code})` : ''}, ` +
          `but no connection arrived ${inboundWait(first)}.`,
    ];
    if (first.finalReply && first.finalReply.code >= 400) {
      sentences.push(
        `The server then said "${replyLine(first.finalReply).slice(2)}": its own connect failed, so the connection was lost between the server and us — ` +
          'its outbound rule (usually from port 20) or the client-side firewall/NAT.',
      );
    } else {
      sentences.push('Either the server\'s outbound connection (usually from port 20) is blocked by its own firewall, or the client side — a host firewall or NAT — drops it.');
    }
    if (hidden) {
      sentences.push(
        "With an encrypted control channel a client-side FTP helper or NAT cannot see the port in PORT/EPRT either, so it opens (or translates) nothing: the classic cause of this under FTPS. " +
          "Use passive mode with a fixed passive range opened on the server's firewall, or, where the server allows it, clear the control channel after login (CCC).",
      );
    }
    const privateAddress = hidden ? undefined : privateActiveAddress(input.evidence, first);
    if (privateAddress) {
      // The private address explains it by itself: say so instead of the generic guesses.
      sentences.splice(1, 1, privateAddressWords(verb, privateAddress));
    }
    return {
      finding: {
        code: 'ACTIVE_INBOUND_BLOCKED',
        severity: 'error',
        title: privateAddress
          ? `${verb} sent the private address ${privateAddress}: the server cannot connect back to it (the client is behind NAT)`
          : hidden
            ? `The server's data connection to ${where} (active, mode hidden by TLS) never arrived`
            : `The server accepted ${verb} but its connection back to ${where} never arrived`,
        explanation: sentences.join(' '),
        evidence: [...manyAttemptLines(missing, 2), ...(privateAddress ? [`* ${verb} address sent: ${privateAddress} (private); control connection to ${controlAddress(input.evidence)}`] : [])],
        remedies: remediesFor(privateAddress ? ['active-private-address'] : ['active-inbound'], input.remedy),
      },
      explains: missing,
    };
  },
};
