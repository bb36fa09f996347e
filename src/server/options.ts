/**
 * Options of the reference server (`ftp-doctor serve`), as the CLI, the tests and the scenario
 * runner pass them. Safe defaults: read-only, no anonymous login, no TLS, PORT only to the control
 * peer on ports >= 1024, passive connections only from the control peer.
 */
export interface ServerUser {
  name: string;
  password: string;
}

export interface ServerOptions {
  host: string; // default 0.0.0.0
  port: number; // default 21 (990 with implicit TLS); 0 = any free port
  /** Serve this directory; absent: the built-in demo tree (in memory, read-only). */
  root?: string;
  anonymous?: boolean;
  users?: ServerUser[];
  writable?: boolean;
  pasvRange?: { from: number; to: number };
  /**
   * Draws the passive port (below n → 0..n-1). Absent: crypto-random, as a real server must (a
   * guessable port invites a stolen transfer); the simulator passes one seeded from its run's seed
   * so the same scenario hands out the same ports every run.
   */
  passivePortRandom?: (below: number) => number;
  /** Address put in 227 replies (IIS externalIp4Address, vsftpd pasv_address). */
  externalIp?: string;
  /** Bind the source port of active (PORT/EPRT) connections, e.g. 20. */
  activeSourcePort?: number;
  tls?: 'none' | 'explicit' | 'implicit';
  /** PEM certificate and key; absent with TLS on: a self-signed pair is generated. */
  cert?: string;
  key?: string;
  requireTls?: boolean;
  requireSessionReuse?: boolean;
  allowCcc?: boolean;
  /** SITE SWEEP extension for `ftp-doctor sweep` (logged-in users only). */
  allowSweep?: boolean;
  /** Evidence for the probe: ALG-proof copy of 227/229 and a token on every data connection. */
  evidence?: boolean; // default true
  log?: 'text' | 'json' | 'none';
  misbehave?: {
    advertiseAddress?: string;
    outOfRange?: { from: number; to: number };
    refuseEpsv?: boolean;
    refusePort?: boolean;
    coalesceReplies?: boolean;
  };
  /**
   * Storage limits of a writable root: the most bytes one upload may carry (default 1 GiB) and the
   * free space every upload leaves (default 100 MiB); 0 turns a limit off. Both are refused with 552.
   */
  uploadLimits?: { maxBytes?: number; minFreeBytes?: number };
  /** Extra in-memory files for the demo tree: path → size in bytes (deterministic content). */
  demoFiles?: Record<string, number>;
  throttleBytesPerSecond?: number;
  limits?: {
    maxSessions?: number;
    maxSessionsPerIp?: number;
    /** Sessions from one address that have not logged in yet (default: maxSessionsPerIp). */
    maxPreLoginSessionsPerIp?: number;
    /** Per session: closed with 421 after this many failed logins. */
    maxLoginFailures?: number;
    /** Per client address, across sessions: past this many failures, PASS gets 421 until they expire. */
    maxLoginFailuresPerIp?: number;
    /** An address's failed logins are forgotten this long after its last one. */
    loginFailureWindowMs?: number;
    idleTimeoutMs?: number;
    /** Total time from accept to a successful login (not an idle time: input does not extend it). */
    preLoginTimeoutMs?: number;
    pasvAcceptTimeoutMs?: number;
    /** A transfer that moves no byte for this long is aborted with 426 (vsftpd data_connection_timeout). */
    dataIdleTimeoutMs?: number;
    /**
     * Pause before answering a failed login (slows password guessing); it doubles with each
     * failure of the address, up to 16 times this, and an address checks one password at a time.
     */
    loginFailureDelayMs?: number;
    /** TLS handshakes (control and data) that do not finish within this are dropped. */
    tlsHandshakeTimeoutMs?: number;
    /**
     * After the 200 to CCC, how long to let the client send its close_notify first before we
     * send ours (clients that wait for the server's get it after this).
     */
    cccPeerCloseGraceMs?: number;
    /**
     * After a transfer (226 already sent), how long a data connection may wait for the client to
     * close its side before we close it.
     */
    dataLingerMs?: number;
    /**
     * SITE SWEEP listeners all sessions together may hold (default: the open-files limit less a
     * reserve, src/net/open-files.ts); one block is at most half of it.
     */
    sweepListenerBudget?: number;
  };
}
