/** Registry rows: the codes only `sweep` reports (it also reports the data codes of the ports that failed). */
import type { FindingEntry } from './entry.js';

const SWEEP_REFERENCES = ['RFC 959 §4.1.2 (PASV)', 'RFC 2428 §3 (EPSV)'];

export const SWEEP_FINDINGS = {
  SWEEP_PORT_ERROR: {
    title: 'ports that could not be proved either way (the server would not listen on them, or the attempt broke)',
    severity: 'error',
    stage: 'sweep',
    modes: 'none',
    emittedBy: ['sweep'],
    meaning:
      'These ports could not be tested end to end: the server could not listen on them, TLS failed, or the transfer broke. Each port says why. They are neither known good nor known blocked.',
    causes: ['another process holding the port on the server host', 'the sweep outrunning what the server or the path allows'],
    references: SWEEP_REFERENCES,
  },
  SWEEP_PARTIAL_COVERAGE: {
    title: 'fewer ports of the range were proved than asked for: coverage is stated, never implied',
    severity: 'warning',
    stage: 'sweep',
    modes: 'none',
    emittedBy: ['sweep'],
    meaning:
      'Without the SITE SWEEP extension the sweep can only test the ports the server happens to hand out in PASV/EPSV replies; ports it never handed out are untested, not known good.',
    causes: ['a server without `ftp-doctor serve --allow-sweep`', 'a large range and few requests'],
    references: SWEEP_REFERENCES,
  },
  SWEEP_SAMPLED: {
    title: '`--sample N`: a random sample of the range was proved, not all of it',
    severity: 'info',
    stage: 'sweep',
    modes: 'none',
    emittedBy: ['sweep'],
    meaning: 'With `--sample N` the sweep proves a random sample of the range; the other ports are untested.',
    causes: ['`--sample` was given'],
    references: [],
  },
  SWEEP_EXTENSION_UNAVAILABLE: {
    title: 'the server has no `SITE SWEEP`, so the sweep sampled the ports the server handed out',
    severity: 'info',
    severityNote: 'error when `--method extension` was required',
    stage: 'sweep',
    modes: 'none',
    emittedBy: ['sweep'],
    meaning:
      'The server has no SITE SWEEP extension (only `ftp-doctor serve --allow-sweep` has), so the sweep tested the ports the server handed out in PASV/EPSV replies instead of every port of the range.',
    causes: ['a server other than `ftp-doctor serve`, or one started without `--allow-sweep`'],
    references: SWEEP_REFERENCES,
  },
  SWEEP_PASSIVE_FAILED: {
    title: 'the server stopped handing out passive ports during the sweep',
    severity: 'error',
    stage: 'sweep',
    modes: 'none',
    emittedBy: ['sweep'],
    meaning: 'While the sweep sampled passive ports, the server stopped answering PASV/EPSV with a port; the finding quotes why.',
    causes: ['the passive range exhausted by the sweep', 'a session or rate limit on the server'],
    references: SWEEP_REFERENCES,
  },
  SWEEP_RANGE_MISMATCH: {
    title: 'part of `--range` lies outside the passive range the server was started with; those ports cannot be swept',
    severity: 'warning',
    stage: 'sweep',
    modes: 'none',
    emittedBy: ['sweep'],
    meaning: 'Ports of `--range` outside the range `ftp-doctor serve` was started with cannot be swept (they report an error); sweep the range the server uses.',
    causes: ['`--range` and `serve --pasv-range` given differently'],
    references: [],
  },
  SWEEP_SESSIONS_LIMITED: {
    title: 'the server allowed fewer parallel sessions than asked for; the sweep went on with fewer, and still tested every port',
    severity: 'warning',
    stage: 'sweep',
    modes: 'none',
    emittedBy: ['sweep'],
    meaning: 'The server turned away some of the parallel sessions the sweep asked for; the sweep went on with the sessions it had. It took longer, but every port was still tested.',
    causes: ['a per-address or global session limit on the server'],
    references: ['RFC 959 §4.2 (421)'],
  },
  SWEEP_PACE: {
    title: 'how the block sweep was paced: block size and what limited it, the first dial\'s deadline, the ports dialled a second time',
    severity: 'info',
    stage: 'sweep',
    modes: 'none',
    emittedBy: ['sweep'],
    meaning:
      'Every port of a block is dialled at once, with a deadline of a few round trips plus one SYN retransmission; a port unanswered then is dialled again with the full data timeout before it is called dropped. Blocks grow while that goes well and shrink when the server or the path pushes back.',
    causes: ['the open-files limits of the server and the client', 'a 425 or listeners the server could not open', 'answers slower than the path round trip allows'],
    references: [],
  },
} as const satisfies Record<string, FindingEntry>;
