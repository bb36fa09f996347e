/**
 * Which FTP session a new TCP connection belongs to, by what the control channels said: a 227/229
 * announced the port the client now dials (passive), or a PORT/EPRT the port the server dials
 * (active). Addresses are checked loosely on purpose — through NAT the 227 may name a private
 * address while the client dials the public one, and the data connection may come from another
 * source address than the control connection (SNAT) — so the port and the time decide, the
 * addresses rank the candidates. For an encrypted control channel nothing was readable: the
 * connection is matched by time and by the two hosts of a live session, and says it was inferred.
 */
import { sameAddress } from '../ftp/address.js';
import type { Side } from './connections.js';
import type { Announcement, SessionBuilder } from './session-builder.js';

/** An announcement older than this (capture time) is not followed any more. */
const ANNOUNCEMENT_LIFETIME_US = 10 * 60 * 1_000_000;
const PER_PORT = 8;

export interface DataMatch {
  session: SessionBuilder;
  /** Which end dialled: the client for passive, the server for active. */
  openedBy: 'client' | 'server';
  announcement?: Announcement;
  /** Matched without an announcement (encrypted control channel): by time and addresses. */
  inferred: boolean;
}

export class DataMatcher {
  private readonly byPort = new Map<number, Announcement[]>();
  private readonly encrypted = new Map<string, SessionBuilder[]>();

  announced(announcement: Announcement): void {
    const list = this.byPort.get(announcement.port) ?? [];
    list.push(announcement);
    if (list.length > PER_PORT) list.shift();
    this.byPort.set(announcement.port, list);
  }

  /** A session whose control channel became unreadable: later connections between its hosts may be its data. */
  encryptedSession(session: SessionBuilder): void {
    const key = hostPair(session.client.host, session.server.host);
    const list = (this.encrypted.get(key) ?? []).filter((item) => item.live);
    list.push(session);
    this.encrypted.set(key, list);
  }

  /** The session `dialler → target` (a new connection seen at `timeUs`) belongs to, if any. */
  match(dialler: Side, target: Side, timeUs: number): DataMatch | undefined {
    let best: { score: number; announcement: Announcement } | undefined;
    for (const announcement of this.byPort.get(target.port) ?? []) {
      if (timeUs - announcement.place.timeUs > ANNOUNCEMENT_LIFETIME_US) continue;
      const session = announcement.session;
      const [peerOfTarget, peerOfDialler] = announcement.mode === 'passive' ? [session.server, session.client] : [session.client, session.server];
      let score = 0;
      if (sameAddress(target.host, announcement.host) || sameAddress(target.host, peerOfTarget.host)) score += 2;
      if (sameAddress(dialler.host, peerOfDialler.host)) score += 1;
      // Port only, no address in common: a NAT on both sides; accepted only while the session is open.
      if (score === 0 && !session.live) continue;
      if (!best || score > best.score || (score === best.score && announcement.place.timeUs >= best.announcement.place.timeUs)) best = { score, announcement };
    }
    if (best) {
      best.announcement.followed = true;
      return { session: best.announcement.session, openedBy: best.announcement.mode === 'passive' ? 'client' : 'server', announcement: best.announcement, inferred: false };
    }
    const passive = this.liveEncrypted(dialler.host, target.host);
    if (passive) return { session: passive, openedBy: 'client', inferred: true };
    const active = this.liveEncrypted(target.host, dialler.host);
    if (active) return { session: active, openedBy: 'server', inferred: true };
    return undefined;
  }

  private liveEncrypted(clientHost: string, serverHost: string): SessionBuilder | undefined {
    const list = this.encrypted.get(hostPair(clientHost, serverHost));
    if (!list) return undefined;
    for (let index = list.length - 1; index >= 0; index -= 1) {
      const session = list[index] as SessionBuilder;
      if (session.live) return session;
    }
    return undefined;
  }
}

function hostPair(client: string, server: string): string {
  return `${client}|${server}`;
}
