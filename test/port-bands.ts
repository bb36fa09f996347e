/**
 * Where the loopback tests put passive port ranges, so that files running at the same time never
 * meet. A port another file holds reads as a refusal (a 425, vsftpd's "500 OOPS: vsf_sysutil_bind")
 * or as a failure of the port, and which file loses depends on timing: the suite then fails on a
 * busy machine in a different file each time. Every range lies below Linux's ephemeral ports
 * (32768-60999), so no client socket of ours can hold a port a server needs, except the two noted.
 * test/port-bands.test.ts checks the literal ranges in the test files against this list.
 */
import { LOOPBACK_PEER_BAND } from '../src/netns/peer-launch.js';

export interface Band {
  from: number;
  to: number;
}

/** Bands a file draws random ranges from (test/sweep/helpers.ts someRange): one file each. */
export const RANDOM_BANDS = {
  // loopbackFreeRange (src/netns/peer-launch.ts): Pure-FTPd, pyftpdlib and other real peers.
  'src/netns/peer-launch.ts': LOOPBACK_PEER_BAND,
  'test/sweep/back-pressure.test.ts': { from: 12000, to: 13999 },
  'test/sweep/ranges.test.ts': { from: 14000, to: 19999 },
  'test/sweep/loopback.test.ts': { from: 28000, to: 29999 },
  'test/sweep/blocks.test.ts': { from: 30000, to: 31999 },
} as const satisfies Record<string, Band>;

/** Ranges written as literals in a test, each the file's own. */
export const FIXED_BANDS = {
  'test/server/security.test.ts': { from: 22000, to: 22999 },
  'test/server/protocol.test.ts': { from: 23000, to: 23999 },
  'test/capture/real-clients.test.ts': { from: 24000, to: 24099 },
  'test/explain/real-tls-captures.test.ts': { from: 24100, to: 24199 },
  'test/hardening/server-passive.test.ts': { from: 25000, to: 25999 },
  'test/check/run.test.ts': { from: 26000, to: 26999 },
  'test/check/evaluate.test.ts': { from: 27000, to: 27999 },
  // Inside the Linux ephemeral range on purpose: these tests are about how a range there reads
  // (PASV_PORT_OUT_OF_RANGE names the OS range). Ten ports among 28,000: a clash is unlikely.
  'test/probe/vsftpd-failures.test.ts': { from: 40100, to: 40199 },
  'test/probe/proftpd.test.ts': { from: 32200, to: 32299 },
} as const satisfies Record<string, Band>;

export const EPHEMERAL_FROM = 32768;
