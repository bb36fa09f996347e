/**
 * The ordered rule list. Order is part of the meaning:
 * - control-stage rules first, and they end the diagnosis when no data attempt can follow;
 * - then the data-mode sessions that never reached a data attempt (session limits, refusals), and
 *   PASV/PORT on IPv6, whose 522 is correct behaviour that later rules must not call a refusal;
 * - rules that prove a precise cause from evidence only our reference server or a server's own
 *   words provide (rewrite, misrouting, foreign source, session reuse) before blunter ones;
 * - address/range findings (causes) before the symptoms they explain;
 * - comparisons (plain vs TLS, PASV vs EPSV) before the plain "blocked"/"refused";
 * - a catch-all last, so every failed attempt is explained by some error finding.
 */
import type { Rule } from '../engine.js';
import { activeInboundBlocked, activeRejected } from './active.js';
import { addressHiddenByClient, addressMismatch, addressPrivate, portOutOfRange } from './address.js';
import { modeNotApplicable } from './family.js';
import { controlUnreachable, loginFailed, passwordMissing, tlsCertificate, tlsNegotiationBlocked } from './control.js';
import { controlResolveFailed, greetingFailed, tlsModeMismatch } from './greeting.js';
import { dataChannelBlocked, dataChannelRefused, epsvBlocked, passiveModeRefused, tlsBreaksInspection } from './passive.js';
import { dataSourceRejected, fileUnavailable, sessionReuseRequired } from './refusals.js';
import { modeSessionFailed, sessionLimitReached } from './sessions.js';
import { controlIdleTimeout, dataCertificateMismatch, dataTlsFailed, dataTransferFailed, dataTransferTooSlow } from './transfer.js';
import { dataMisrouted, passiveReplyUnusable, pasvRewritten } from './transit.js';

export const RULES: readonly Rule[] = [
  passwordMissing,
  controlResolveFailed,
  controlUnreachable,
  tlsModeMismatch,
  greetingFailed,
  tlsNegotiationBlocked,
  tlsCertificate,
  loginFailed,
  sessionLimitReached,
  modeSessionFailed,
  modeNotApplicable,
  pasvRewritten,
  passiveReplyUnusable,
  dataMisrouted,
  dataSourceRejected,
  sessionReuseRequired,
  fileUnavailable,
  controlIdleTimeout,
  dataTransferTooSlow,
  portOutOfRange,
  addressPrivate,
  addressMismatch,
  addressHiddenByClient,
  tlsBreaksInspection,
  epsvBlocked,
  dataChannelBlocked,
  dataChannelRefused,
  passiveModeRefused,
  activeRejected,
  activeInboundBlocked,
  dataTlsFailed,
  dataCertificateMismatch,
  dataTransferFailed,
];
