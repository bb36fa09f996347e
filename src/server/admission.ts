/**
 * Who gets a session when a connection arrives. Pure: the server passes the sessions it holds
 * and acts on the answer (admit, refuse with 421, or close a victim with 421 and admit).
 *
 * The caps, in order:
 * 1. sessions from one address (logged in or not): `maxSessionsPerIp`;
 * 2. sessions from one address that have not logged in: `maxPreLoginSessionsPerIp`, so one
 *    address cannot hold many slots with connections that never log in;
 * 3. all sessions: `maxSessions`. When it is reached, a session that has not logged in is
 *    evicted to make room, so idle connections from many addresses cannot lock logins out: the
 *    oldest one of the address holding the most sessions not logged in, and only when that
 *    address holds more of them than the newcomer's. Shares even out that way: an address with
 *    few pending logins can always get in at the expense of one with many, and a logged-in
 *    session is never evicted. Each pre-login session also has a total deadline from accept
 *    (session.ts), so no slot is held for long either way.
 */

export interface Occupant {
  readonly peer: string;
  readonly loggedIn: boolean;
  /** Milliseconds since the epoch (Date.now()) at accept. */
  readonly acceptedAt: number;
}

export interface AdmissionLimits {
  maxSessions: number;
  maxSessionsPerIp: number;
  maxPreLoginSessionsPerIp: number;
}

export type Admission<T extends Occupant> = { kind: 'admit' } | { kind: 'refuse'; reason: string } | { kind: 'evict'; victim: T };

export function decideAdmission<T extends Occupant>(occupants: Iterable<T>, address: string, limits: AdmissionLimits): Admission<T> {
  let total = 0;
  let fromAddress = 0;
  /** Sessions not logged in, by address, oldest first. */
  const waiting = new Map<string, T[]>();
  for (const occupant of occupants) {
    total += 1;
    if (occupant.peer === address) fromAddress += 1;
    if (occupant.loggedIn) continue;
    const list = waiting.get(occupant.peer) ?? [];
    list.push(occupant);
    waiting.set(occupant.peer, list);
  }
  if (fromAddress >= limits.maxSessionsPerIp) return { kind: 'refuse', reason: `too many sessions from ${address} (${limits.maxSessionsPerIp})` };
  const ownWaiting = waiting.get(address)?.length ?? 0;
  if (ownWaiting >= limits.maxPreLoginSessionsPerIp) {
    return { kind: 'refuse', reason: `too many sessions from ${address} that have not logged in (${limits.maxPreLoginSessionsPerIp})` };
  }
  if (total < limits.maxSessions) return { kind: 'admit' };
  let victims: T[] | undefined;
  for (const list of waiting.values()) {
    list.sort((a, b) => a.acceptedAt - b.acceptedAt);
    if (!victims || list.length > victims.length || (list.length === victims.length && (list[0]?.acceptedAt ?? 0) < (victims[0]?.acceptedAt ?? 0))) victims = list;
  }
  const victim = victims?.[0];
  if (victim && (victims?.length ?? 0) > ownWaiting) return { kind: 'evict', victim };
  return { kind: 'refuse', reason: `too many sessions (${limits.maxSessions})` };
}
