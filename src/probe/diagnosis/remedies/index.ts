/**
 * Remedies for a finding: every product that has something to say about the finding's problems,
 * servers first, then firewalls, then the client, each filled with the probe's own numbers.
 */
import type { Remedy } from '../../../report/model.js';
import type { ProbeEvidence } from '../../evidence.js';
import { controlAddress, isPassive } from '../facts.js';
import { client } from './client.js';
import { cloud } from './cloud.js';
import { filezillaServer } from './filezilla-server.js';
import { iis } from './iis.js';
import { iptables } from './iptables.js';
import { nftables } from './nftables.js';
import { proftpd } from './proftpd.js';
import { pureFtpd } from './pure-ftpd.js';
import { referenceServer } from './reference-server.js';
import type { Problem, ProductRemedies, RemedyContext } from './types.js';
import { vsftpd } from './vsftpd.js';
import { windowsFirewall } from './windows-firewall.js';

export type { Problem, RemedyContext } from './types.js';

export const PRODUCTS: readonly ProductRemedies[] = [
  iis,
  vsftpd,
  proftpd,
  pureFtpd,
  filezillaServer,
  referenceServer,
  windowsFirewall,
  nftables,
  iptables,
  cloud,
  client,
];

/** A range wider than this is the OS handing out ephemeral ports, not a configured range. */
const WIDEST_PLAUSIBLE_RANGE = 1000;
const EXAMPLE_RANGE = { from: 50000, to: 50100 };

/** How many distinct passive ports must have been seen before their span is offered as the range. */
const MIN_PORTS_TO_INFER_RANGE = 8;

export function remedyContext(evidence: ProbeEvidence): RemedyContext {
  const context: RemedyContext = {
    range: EXAMPLE_RANGE,
    rangeIsExample: true,
    publicAddress: evidence.options.expectAddress ?? controlAddress(evidence),
    controlPort: evidence.port,
  };
  if (evidence.options.expectRange) {
    context.range = evidence.options.expectRange;
    context.rangeIsExample = false;
  } else if (new Set(evidence.passivePorts).size >= MIN_PORTS_TO_INFER_RANGE) {
    // Two or three ports seen say little about the server's real range: recommending "5506-5509"
    // from them would shrink a working range. With enough samples the span is a fair guess.
    const low = Math.min(...evidence.passivePorts);
    const high = Math.max(...evidence.passivePorts);
    if (high - low <= WIDEST_PLAUSIBLE_RANGE) {
      context.range = { from: low, to: high };
      context.rangeIsExample = false;
    }
  }
  const listening = evidence.attempts.find((attempt) => !isPassive(attempt) && attempt.listening)?.listening;
  if (listening) context.clientListen = listening;
  return context;
}

/**
 * One remedy per product: the one for the first problem (in the caller's priority order) the
 * product has something for. Two remedies from one product could contradict each other
 * (Windows Firewall: StatefulFtp on for plain FTP, off for FTPS).
 */
export function remediesFor(problems: readonly Problem[], context: RemedyContext): Remedy[] {
  const remedies: Remedy[] = [];
  for (const product of PRODUCTS) {
    const problem = problems.find((candidate) => product.table[candidate] !== undefined);
    const make = problem === undefined ? undefined : product.table[problem];
    if (make) remedies.push(make(context));
  }
  return remedies;
}
