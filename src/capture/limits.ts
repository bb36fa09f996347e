/**
 * What one capture cannot show, in words for the user (pure). Said, never guessed around: where
 * the capture stood decides which hop an unanswered SYN can be pinned on; an encrypted control
 * channel hides the 227; what was cut short by the bounds is counted.
 */
import type { ObservedSession } from '../evidence/observed.js';
import type { AnalysisCounts } from './analyze.js';
import type { CaptureCut } from './read/index.js';
import type { CaptureVantage } from './vantage.js';

export interface LimitsInput {
  vantage: CaptureVantage;
  sessions: readonly ObservedSession[];
  counts: AnalysisCounts;
  frames: number;
  controlPorts: readonly number[];
  /** The file was cut short (the reader read every complete record before the cut). */
  cut?: CaptureCut;
}

const VANTAGE_WORDS: Record<CaptureVantage, string> = {
  client:
    'This capture was taken at the client (judged from the handshake timings): a SYN that got no answer may have been dropped by any firewall on the way — the client\'s own, an edge firewall or NAT, or the server\'s own — and one capture cannot tell which; a second capture at the server can.',
  server:
    'This capture was taken at the server (judged from the handshake timings): connections the client tried that never arrived do not appear in it at all, and what happened on the client\'s side (a NAT rewriting the 227 there) cannot be seen.',
  'same-host': 'Client and server are on the same host in this capture (loopback or one address): no firewall or NAT between two hosts can be seen in it.',
  unknown:
    'Where this capture was taken (at the client or at the server) could not be told from the handshake timings, so an unanswered SYN cannot be placed on either side of the path.',
};

export function captureLimits(input: LimitsInput): string[] {
  const limits = [
    ...(input.cut ? [cutWords(input.cut)] : []),
    'A capture shows packets, not intentions: a transfer mode the client did not try is not a failure, and no experiment was run to compare modes.',
    VANTAGE_WORDS[input.vantage],
  ];
  const unjudged = input.sessions.flatMap((session) => session.events.flatMap((event) => (event.kind === 'note' && event.meaning === 'source-cut' && event.to ? [{ session, event }] : [])));
  if (unjudged.length > 0) {
    const where = unjudged.slice(0, 3).map(({ session, event }) => `${session.id}: ${event.text}`).join('; ');
    limits.push(
      `The capture ends too soon after ${unjudged.length === 1 ? 'a data connection was opened' : `${unjudged.length} data connections were opened`} for an answer or a SYN retransmission to appear (${where}${unjudged.length > 3 ? '; …' : ''}). Not judged: let the capture run until the client gives up or the transfer ends.`,
    );
  }
  const encrypted = input.sessions.filter((session) => session.encryptedFrom !== undefined).length;
  if (encrypted > 0) {
    limits.push(
      `${encrypted} session(s) switched to TLS on the control channel: their commands and replies after that point (the 227/229 with the data port) cannot be read, so their data connections were matched by time and addresses, and a firewall's FTP helper (ALG) could not read them either.`,
    );
  }
  if (input.sessions.length === 0) {
    const ports = ['21', '990', ...input.controlPorts.map(String)].join(', ');
    limits.push(`No FTP control connection was found (ports ${ports}, or an FTP greeting or command on any port). If the server listens elsewhere and the capture begins after its greeting, name its port with --port.`);
  }
  const { counts } = input;
  if (counts.evictedFtp > 0) {
    limits.push(`${counts.evictedFtp} connection(s) of FTP sessions were closed early in the analysis: the capture had more connections open at once than are tracked (${counts.evicted} in all); the sessions they belonged to say so.`);
  }
  if (counts.sessionsNotKept > 0) limits.push(`${counts.sessionsNotKept} FTP control connection(s) beyond the first ${input.sessions.length} were not analysed.`);
  if (counts.skippedFrames > 0) {
    const reasons = Object.entries(counts.skipReasons).map(([reason, count]) => `${count}× ${reason}`).join('; ');
    limits.push(`${counts.skippedFrames} of ${input.frames} frame(s) could not be decoded and were skipped (${reasons}).`);
  }
  return limits;
}

const count = (value: number): string => value.toLocaleString('en-US');

/**
 * "The file was cut short …": where, after which frame, and what that means for the reading. First
 * among the limits: everything else was read from the part before the cut.
 */
export function cutWords(cut: CaptureCut): string {
  const frames = `${count(cut.frames)} complete frame${cut.frames === 1 ? '' : 's'}`;
  const gzip = cut.gzip ? `its gzip stream ends early, after ${count(cut.gzip.bytes)} bytes of capture data` : '';
  const record = cut.record
    ? `it ends inside a record at byte ${count(cut.offset)}${cut.gzip ? ' of the decompressed data' : ''}, after frame ${count(cut.frames)} (the record needs ${count(cut.record.needed)} bytes, ${count(cut.record.present)} are there)`
    : `it ends after frame ${count(cut.frames)}`;
  return (
    `The file was cut short: ${gzip ? `${gzip}, and ` : ''}${record}. The ${frames} before the cut were read and diagnosed; anything after it is missing, ` +
    'so a session still open at the cut is judged only on what it finished before it (a transfer or connection under way there has no outcome in the file and is not called failed). ' +
    'A tcpdump killed or stopped by a full disk, or a file copied while it was still being written, ends like this.'
  );
}
