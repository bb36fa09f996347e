/**
 * What a source of evidence can show. The rules read this declaration instead of assuming a live
 * probe: "no PORT attempt" means "active mode did not work" only when the source ran a controlled
 * experiment over every mode; an unanswered SYN seen from one end cannot say which hop dropped it.
 */
import type { ObservedSession } from './observed.js';

export type SourceKind = 'probe' | 'capture' | 'log' | 'config';

/** Where the source stood: at the client, at the server, at both ends (two captures), or nowhere on the path (a configuration). */
export type Vantage = 'client' | 'server' | 'both' | 'path' | 'none';

export interface SourceDeclaration {
  kind: SourceKind;
  /** For people: 'the probe', 'capture client.pcap', 'FileZilla log filezilla.txt'. */
  label: string;
  vantage: Vantage;
  /** Every mode asked for was tried on purpose, so a mode not working is a result (a probe). */
  controlledExperiment: boolean;
  /** Our reference server's ALG-proof copy of the 227/229 and its data tokens can be present. */
  referenceServerProof: boolean;
  /** Individual packets are visible (SYN, SYN-ACK, RST, retransmissions). */
  packets: boolean;
  /** Times between events are known. */
  timings: boolean;
  /** The source dialled itself (a probe): wording may say "we dialled". */
  actedItself: boolean;
}

export const LIVE_PROBE: SourceDeclaration = {
  kind: 'probe',
  label: 'the probe',
  vantage: 'client',
  controlledExperiment: true,
  referenceServerProof: true,
  packets: false,
  timings: true,
  actedItself: true,
};

/** What one reader made of one file: the sessions it found and, in words, what it could not show. */
export interface SourceReading {
  file: string;
  /** The format detected or forced: 'pcapng', 'pcap', 'filezilla', 'vsftpd', 'ufw', … */
  format: string;
  source: SourceDeclaration;
  sessions: ObservedSession[];
  /** Said to the user, never guessed around: "a client-side capture cannot tell an edge firewall from the server's own". */
  limits: string[];
  /** Firewall logs and other lines that belong to no FTP session but to the path (matched to sessions by time and address). */
  pathEvents?: ObservedSession['events'];
}

export interface ReadOptions {
  /** Extra control port (besides 21 and 990, and ports found by content). */
  controlPorts?: number[];
  /** Bytes of input at most (the CLI's limit); readers stream and stop with a clear error beyond it. */
  maxBytes?: number;
}

/**
 * One input format. `detect` looks at the first bytes (and the name only as a tie-breaker) and says
 * how sure it is, 0 (not this) to 1 (certain: a magic number); the highest wins.
 */
export interface EvidenceReader {
  format: string;
  description: string;
  detect(head: Buffer, fileName: string): number;
  read(file: string, options: ReadOptions): Promise<SourceReading>;
}
