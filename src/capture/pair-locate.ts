/**
 * With a capture at each end, where a failed connection died (pure): each data connection (and the
 * control connection) the dialling side tried is looked for on the other side — same target port,
 * near the same time within the session — and what each side saw places the failure: it never
 * reached the far capture point (dropped between them), it reached it and was answered RST, the
 * answer never got back, and so on. The 227/229 texts and PORT/EPRT arguments are compared (a
 * rewrite in transit), and a data connection that arrives from another source address than its
 * control connection is named (SNAT). Every location carries provenance from both captures.
 */
import type { Endpoint, ObservedControlConnect, ObservedDataConnection, ObservedSession, Provenance } from '../evidence/observed.js';
import { formatHostPort } from '../ftp/passive.js';
import { sameAddress } from '../ftp/address.js';
import { matchSessions, type PairMatching, type SessionPair } from './pair-match.js';

export type LocationKind =
  /** Left the dialling side's capture point, never seen at the other. */
  | 'dropped-between'
  /** Seen at both, the far end answered (SYN-ACK), the answer never reached the dialling side. */
  | 'answer-lost'
  /** Seen at both; the far end answered RST. */
  | 'refused-by-target'
  /** An RST (or ICMP) reached the dialler but the far capture never saw the SYN: something between answered. */
  | 'refused-between'
  /** Reached the far capture point and got no answer there (its host firewall, or nothing answering). */
  | 'unanswered-at-target'
  /** The 227/229 reply or the PORT/EPRT argument differs between the captures. */
  | 'rewritten-in-transit'
  /** The data connection reaches the server from another source address than the control connection. */
  | 'source-rewritten';

export interface Location {
  kind: LocationKind;
  /** The two sessions (ids in each capture); one is absent when that capture has no such session. */
  sessions: { client?: string; server?: string };
  channel: 'control' | 'data';
  /** The connection as the dialling side addressed it. */
  to?: Endpoint;
  openedBy?: 'client' | 'server';
  /** Where each capture shows it; absent: that capture does not show it. */
  atClient?: Provenance;
  atServer?: Provenance;
  /** What differs, for rewrites and SNAT: the text or address each side saw. */
  clientSaw?: string;
  serverSaw?: string;
  /** One sentence for people, naming the frames. */
  text: string;
}

/** A connection's counterpart is looked for this close in session time (ms). */
const SAME_TIME_MS = 30_000;

export interface CapturePair {
  client: { file: string; sessions: readonly ObservedSession[] };
  server: { file: string; sessions: readonly ObservedSession[] };
}

export function locate(pair: CapturePair, matching: PairMatching = matchSessions(pair.client.sessions, pair.server.sessions)): Location[] {
  const located = matching.pairs.flatMap((sessions) => locateInPair(sessions));
  // A control connection that failed at the client and has no session at the server never got there.
  for (const session of matching.unmatchedClient) {
    const connect = session.events.find((event): event is ObservedControlConnect => event.kind === 'control-connect');
    if (!connect || connect.outcome === 'connected') continue;
    const location = place('control', 'client', connect, undefined, { client: session.id }, connect.server ?? session.server);
    if (location) located.push(location);
  }
  return located;
}

type Connection = ObservedDataConnection | ObservedControlConnect;

function where(provenance: Provenance | undefined): string {
  if (!provenance) return '';
  if (provenance.source !== 'capture') return '';
  const time = provenance.time ? `, ${provenance.time.slice(11, 23)}` : '';
  return `${provenance.file} frame ${provenance.frame}${time}`;
}

export function locateInPair(pair: SessionPair): Location[] {
  const ids = { client: pair.client.id, server: pair.server.id };
  const locations: Location[] = [];
  locations.push(...compareAnnouncements(pair, ids));
  const controlClient = pair.client.events.find((event): event is ObservedControlConnect => event.kind === 'control-connect');
  const controlServer = pair.server.events.find((event): event is ObservedControlConnect => event.kind === 'control-connect');
  if (controlClient && controlClient.outcome !== 'connected') {
    const far = controlServer && controlServer.outcome !== 'unknown' ? controlServer : undefined;
    const location = place('control', 'client', controlClient, far, ids, controlClient.server);
    if (location) locations.push(location);
  }
  const used = new Set<ObservedDataConnection>();
  for (const side of ['client', 'server'] as const) {
    const dialler = side === 'client' ? pair.client : pair.server;
    const target = side === 'client' ? pair.server : pair.client;
    for (const data of dataOf(dialler)) {
      if ((data.openedBy ?? 'client') !== side) continue;
      const counterpart = dataOf(target).find((other) => !used.has(other) && (other.openedBy ?? 'client') === side && other.to.port === data.to.port && Math.abs((other.t ?? 0) - (data.t ?? 0)) <= SAME_TIME_MS);
      if (counterpart) used.add(counterpart);
      if (data.outcome === 'connected' && counterpart?.outcome !== 'no-answer') continue;
      const location = place('data', side, data, counterpart, ids, data.to);
      if (location) locations.push(location);
    }
  }
  locations.push(...sourceRewrites(pair, ids));
  return locations;
}

function dataOf(session: ObservedSession): ObservedDataConnection[] {
  return session.events.filter((event): event is ObservedDataConnection => event.kind === 'data');
}

/** What the dialler's capture and the target's capture saw of one connection attempt → where it died. */
function place(channel: 'control' | 'data', dialler: 'client' | 'server', near: Connection, far: Connection | undefined, ids: Location['sessions'], to: Endpoint | undefined): Location | undefined {
  const target = dialler === 'client' ? 'server' : 'client';
  const at = (mine: Provenance | undefined, theirs: Provenance | undefined): Pick<Location, 'atClient' | 'atServer'> =>
    dialler === 'client' ? { ...(mine ? { atClient: mine } : {}), ...(theirs ? { atServer: theirs } : {}) } : { ...(mine ? { atServer: mine } : {}), ...(theirs ? { atClient: theirs } : {}) };
  const syn = `the SYN${to ? ` to ${formatHostPort(to.host, to.port)}` : ''}`;
  const left = `left the ${dialler} (${where(near.at)})`;
  const base = { sessions: ids, channel, ...(to ? { to } : {}), ...(channel === 'data' ? { openedBy: dialler } : {}) };
  if (near.outcome === 'no-answer' || near.outcome === 'unknown') {
    if (!far) return { ...base, kind: 'dropped-between', ...at(near.at, undefined), text: `${syn} ${left} and never reached the ${target}: dropped between the two capture points` };
    if (far.outcome === 'connected' || far.outcome === 'reset') {
      const answered = far.kind === 'data' ? far.answeredAt ?? far.at : far.at;
      return { ...base, kind: 'answer-lost', ...at(near.at, answered), text: `${syn} ${left} and reached the ${target}, which answered (${where(answered)}); the ${target}'s SYN-ACK never got back` };
    }
    if (far.outcome === 'refused') {
      const answered = far.kind === 'data' ? far.answeredAt ?? far.at : far.at;
      return { ...base, kind: 'refused-by-target', ...at(near.at, answered), text: `${syn} ${left} and reached the ${target}, which answered RST (${where(answered)}); the RST never got back` };
    }
    return { ...base, kind: 'unanswered-at-target', ...at(near.at, far.at), text: `${syn} ${left} and reached the ${target} (${where(far.at)}), which did not answer: dropped at the ${target} itself (its own firewall) or nothing answered there` };
  }
  if (near.outcome === 'refused' || near.outcome === 'unreachable') {
    const answered = near.kind === 'data' ? near.answeredAt ?? near.at : near.at;
    const how = near.outcome === 'refused' ? 'RST' : 'ICMP unreachable';
    if (far && far.outcome === 'refused') {
      const farAnswer = far.kind === 'data' ? far.answeredAt ?? far.at : far.at;
      return { ...base, kind: 'refused-by-target', ...at(answered, farAnswer), text: `${syn} ${left}, reached the ${target}, which answered RST (${where(farAnswer)})` };
    }
    if (!far) return { ...base, kind: 'refused-between', ...at(answered, undefined), text: `${syn} ${left} and was answered ${how} (${where(answered)}), but never reached the ${target}: something between the two capture points rejected it` };
    return { ...base, kind: 'refused-between', ...at(answered, far.at), text: `${syn} ${left} and was answered ${how} (${where(answered)}); the ${target} saw it (${where(far.at)}) but did not send that answer: something between the two capture points did` };
  }
  if (near.outcome === 'connected' && far?.outcome === 'no-answer') {
    return { ...base, kind: 'answer-lost', ...at(near.at, far.at), text: `${syn} ${left} and was answered, yet the ${target}'s capture shows no answer (${where(far.at)}): something between the captures answered in the ${target}'s name` };
  }
  return undefined;
}

interface Announcement {
  /** The text as sent: "227 Entering Passive Mode (…)" or "PORT 10,0,0,7,…". */
  text: string;
  at: Provenance;
}

/** The k-th announcement on each side: differing text is a rewrite in transit. */
function rewrites(client: readonly Announcement[], server: readonly Announcement[], ids: Location['sessions'], sentence: (sent: Announcement, received: Announcement) => string, sentBy: 'client' | 'server'): Location[] {
  const locations: Location[] = [];
  for (let index = 0; index < Math.min(client.length, server.length); index += 1) {
    const [a, b] = [client[index], server[index]];
    if (!a || !b || a.text === b.text) continue;
    const [sent, received] = sentBy === 'server' ? [b, a] : [a, b];
    locations.push({ kind: 'rewritten-in-transit', sessions: ids, channel: 'control', atClient: a.at, atServer: b.at, clientSaw: a.text, serverSaw: b.text, text: sentence(sent, received) });
  }
  return locations;
}

/** k-th 227/229 reply and k-th PORT/EPRT command in each capture: differing text is a rewrite in transit. */
function compareAnnouncements(pair: SessionPair, ids: Location['sessions']): Location[] {
  const replies = (session: ObservedSession): Announcement[] =>
    session.events.flatMap((event) => (event.kind === 'reply' && (event.code === 227 || event.code === 229) ? [{ text: `${event.code} ${event.message}`, at: event.at }] : []));
  const commands = (session: ObservedSession): Announcement[] =>
    session.events.flatMap((event) => (event.kind === 'command' && /^(PORT|EPRT) /i.test(event.text) ? [{ text: event.text, at: event.at }] : []));
  return [
    ...rewrites(replies(pair.client), replies(pair.server), ids, (sent, received) => `the ${sent.text.slice(0, 3)} text differs between the captures: the server sent "${sent.text}" (${where(sent.at)}), the client received "${received.text}" (${where(received.at)}): rewritten in transit`, 'server'),
    ...rewrites(commands(pair.client), commands(pair.server), ids, (sent, received) => `the client sent "${sent.text}" (${where(sent.at)}) and the server received "${received.text}" (${where(received.at)}): rewritten in transit`, 'client'),
  ];
}

/** In the server's capture, a passive data connection from another address than its control connection: SNAT. */
function sourceRewrites(pair: SessionPair, ids: Location['sessions']): Location[] {
  const control = pair.server.client;
  if (!control) return [];
  return dataOf(pair.server)
    .filter((data) => data.openedBy === 'client' && data.from && !sameAddress(data.from.host, control.host))
    .map((data) => ({
      kind: 'source-rewritten' as const,
      sessions: ids,
      channel: 'data' as const,
      to: data.to,
      openedBy: 'client' as const,
      atServer: data.at,
      clientSaw: control.host,
      serverSaw: (data.from as Endpoint).host,
      text: `the data connection to ${formatHostPort(data.to.host, data.to.port)} arrives at the server from ${(data.from as Endpoint).host} (${where(data.at)}), not from ${control.host} like the control connection: the source address was rewritten on the way (SNAT)`,
    }));
}
