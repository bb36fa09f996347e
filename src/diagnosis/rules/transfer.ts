/**
 * The data connection opened; what went wrong afterwards. Last in the list is the catch-all:
 * every failed attempt ends up explained by some finding, so a failure can never pass silently.
 */
import type { Finding } from '../../report/model.js';
import type { DataAttempt } from '../../evidence/model.js';
import type { Rule } from '../engine.js';
import { unexplained } from '../engine.js';
import { attemptState, dataConnected, endpoint, isPassive, manyAttemptLines, modeName, replyLine } from '../facts.js';
import { remediesFor } from '../remedies/index.js';

export const controlIdleTimeout: Rule = {
  id: 'control-idle-timeout',
  code: 'CONTROL_IDLE_TIMEOUT',
  applies(input) {
    const lost = input.evidence.attempts.filter((attempt) => attempt.controlLostAfterData === true);
    const first = lost[0];
    if (!first) return undefined;
    return {
      finding: {
        code: 'CONTROL_IDLE_TIMEOUT',
        severity: 'error',
        title: 'The control connection died during a long transfer: the data arrived, the final reply never did',
        explanation:
          `The ${modeName(first)} transfer (${first.transferCommand ?? 'data'}) moved ${first.transfer.bytes} bytes in ${first.transfer.durationMs} ms and the data connection ended, ` +
          'but the server\'s final reply never came on the control connection, which sat idle meanwhile. A NAT or firewall on the path forgot the idle ' +
          'control connection (its idle timeout is shorter than the transfer) and now drops its packets.',
        evidence: manyAttemptLines(lost, 1),
        remedies: remediesFor(['idle-timeout'], input.remedy),
      },
      explains: lost,
    };
  },
};

/**
 * Data kept coming, but the transfer was still running at its total deadline, so the probe
 * stopped it. The idle deadline alone cannot catch this: a byte just inside each idle period
 * restarts it, and a tool that waited would wait for as long as the other side pleases.
 */
export const dataTransferTooSlow: Rule = {
  id: 'data-transfer-too-slow',
  code: 'DATA_TRANSFER_TOO_SLOW',
  applies(input) {
    const slow = unexplained(input, (attempt) => attemptState(attempt) === 'transfer-too-slow');
    const first = slow[0];
    if (!first) return undefined;
    const { bytes, durationMs, deadlineMs } = first.transfer;
    const limit = deadlineMs === undefined ? 'its total deadline' : `its ${deadlineMs} ms total deadline`;
    return {
      finding: {
        code: 'DATA_TRANSFER_TOO_SLOW',
        severity: 'error',
        title: `The ${modeName(first)} transfer (${first.transferCommand ?? 'data'}) did not finish within ${limit}: ${bytes} bytes in ${Math.round(durationMs)} ms, stopped`,
        explanation:
          'The data connection stayed alive and data kept arriving, but too slowly for the transfer to finish in time, so the probe closed it at the deadline. ' +
          'A server or path throttling transfers to a crawl looks like this, and so does something in between that holds the data back and lets it ' +
          'trickle out; a client that only has an idle timeout would wait for as long as that lasts.',
        evidence: manyAttemptLines(slow, 2),
        remedies: remediesFor(['slow-transfer'], input.remedy),
      },
      explains: slow,
    };
  },
};

export const dataTlsFailed: Rule = {
  id: 'data-tls-failed',
  code: 'DATA_TLS_FAILED',
  applies(input) {
    const failedTls = unexplained(input, (attempt) => attemptState(attempt) === 'data-tls-failed');
    const first = failedTls[0];
    if (!first) return undefined;
    const error = first.dataTls?.error ?? first.transfer.error;
    return {
      finding: {
        code: 'DATA_TLS_FAILED',
        severity: 'error',
        title: `The TLS handshake on the data connection failed (${modeName(first)})${error ? `: ${error}` : ''}`,
        explanation:
          'The data connection opened, but its TLS handshake failed. The server may want something of the data session (resumption, a client certificate), ' +
          'or something in between that is not the FTP server answered the connection.',
        evidence: manyAttemptLines(failedTls, 2),
        remedies: remediesFor(['session-reuse', 'misrouted'], input.remedy),
      },
      explains: failedTls,
    };
  },
};

/** Why one connected-but-failed attempt failed, in one sentence. */
function afterConnect(attempt: DataAttempt): string {
  const state = attemptState(attempt);
  const final = attempt.finalReply ?? attempt.preliminaryReply;
  const where = attempt.dialed ? endpoint(attempt.dialed) : attempt.listening ? endpoint(attempt.listening) : 'the data port';
  if (state === 'transfer-refused' && final) {
    return `The data connection to ${where} opened, but the server refused ${attempt.transferCommand ?? 'the transfer'} with "${replyLine(final).slice(2)}".`;
  }
  const silent = attempt.transfer.bytes === 0 && attempt.preliminaryReply === undefined;
  if (dataConnected(attempt) && silent && isPassive(attempt)) {
    return (
      `The data connection to ${where} opened, but it ${state === 'transfer-stalled' ? 'stayed silent' : 'was closed'} without a byte and the server never said 150. ` +
      'ProFTPD and Pure-FTPd close data connections that come from another address than the control connection exactly like this (a SNAT pool in between); ' +
      'a port forward to the wrong host looks the same.'
    );
  }
  if (state === 'transfer-stalled') return `The transfer over ${where} stalled after ${attempt.transfer.bytes} bytes: nothing more came before the ${attempt.transfer.durationMs} ms deadline.`;
  if (state === 'transfer-cut') return `The transfer over ${where} was cut off (${attempt.transfer.outcome}) after ${attempt.transfer.bytes} bytes.`;
  const error = attempt.transfer.error ? `: ${attempt.transfer.error}` : '';
  return `The ${modeName(attempt)} data channel was not set up (${state})${error}.`;
}

/** What a SNAT pool's other source address looks like to the server: the passive data connection opened, then nothing. */
function foreignSourceShape(attempt: DataAttempt): boolean {
  return dataConnected(attempt) && isPassive(attempt) && attempt.transfer.bytes === 0 && attempt.preliminaryReply === undefined;
}

export const dataTransferFailed: Rule = {
  id: 'data-transfer-failed',
  code: 'DATA_TRANSFER_FAILED',
  applies(input) {
    const left = unexplained(input, (attempt) => attemptState(attempt) !== 'ok');
    const first = left[0];
    if (!first) return undefined;
    // A client's log that ends with the attempt under way, or a transfer the client aborted itself: no network cause, a warning, no remedies.
    if (left.every((attempt) => attempt.unfinished !== undefined)) {
      const finding: Finding = {
        code: 'DATA_TRANSFER_FAILED',
        severity: 'warning',
        title: `The ${modeName(first)} data transfer${first.transferCommand ? ` (${first.transferCommand})` : ''} ${first.unfinished?.what ?? 'did not complete'}${first.advertised ? ` (${endpoint(first.advertised)})` : ''}`,
        explanation: first.unfinished?.why ?? '',
        evidence: manyAttemptLines(left, 2),
        remedies: [],
      };
      return { finding, explains: left };
    }
    const finding: Finding = {
      code: 'DATA_TRANSFER_FAILED',
      severity: 'error',
      title: `The ${modeName(first)} data transfer failed${first.dialed ? ` (${endpoint(first.dialed)})` : ''}`,
      explanation: afterConnect(first),
      evidence: manyAttemptLines(left, 2),
      // The foreign-source remedies (a persistent SNAT pool; pasv_promiscuous and the like, which weaken an
      // anti-FXP check) only where the evidence points at it: a passive data connection that opened and was
      // closed without a byte. For a failure of unknown cause they would lower security and fix nothing.
      remedies: remediesFor(foreignSourceShape(first) ? ['foreign-source', 'misrouted'] : ['misrouted'], input.remedy),
    };
    return { finding, explains: left };
  },
};

/**
 * The data connection presented another certificate than the control connection. Harmless when
 * both belong to the server; it is also what a TLS-intercepting middlebox or a data port
 * forwarded to another host looks like, so it is worth a warning, never an error on its own.
 */
export const dataCertificateMismatch: Rule = {
  id: 'tls-data-certificate-mismatch',
  code: 'TLS_DATA_CERTIFICATE_MISMATCH',
  applies(input) {
    const mismatched = input.evidence.attempts.filter((attempt) => attempt.dataTls?.certificateMatchesControl === false);
    const first = mismatched[0];
    if (!first) return undefined;
    return {
      finding: {
        code: 'TLS_DATA_CERTIFICATE_MISMATCH',
        severity: 'warning',
        title: `The ${modeName(first)} data connection presented another TLS certificate than the control connection`,
        explanation:
          'Both channels should be the same server with the same certificate. A different one on the data connection means the data port ' +
          'reaches another TLS endpoint: a load balancer or port forward sending data connections to another host, or a middlebox that ' +
          'intercepts TLS. Check where the passive ports are forwarded.',
        evidence: manyAttemptLines(mismatched, 2),
        remedies: remediesFor(['misrouted'], input.remedy),
      },
    };
  },
};
