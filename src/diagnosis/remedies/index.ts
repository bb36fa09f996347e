/**
 * Remedies for a finding: every product that has something to say about the finding's problems,
 * servers first, then firewalls, then the client, each filled with the probe's own numbers.
 */
import type { Finding, Remedy } from '../../report/model.js';
import type { Evidence } from '../../evidence/model.js';
import { controlAddress, controlPort, isPassive, passivePortsOf } from '../facts.js';
import { client } from './client.js';
import { cloud } from './cloud.js';
import { filezillaServer } from './filezilla-server.js';
import { iis } from './iis.js';
import { iptables } from './iptables.js';
import { nftables } from './nftables.js';
import { proftpd } from './proftpd.js';
import { pureFtpd } from './pure-ftpd.js';
import { pyftpdlib } from './pyftpdlib.js';
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
  pyftpdlib,
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

/**
 * How many distinct passive ports must have been seen before their span is offered as the range
 * itself; fewer are still the server's real ports, so they are offered as what the range must at
 * least cover rather than replaced by an example.
 */
const MIN_PORTS_TO_INFER_RANGE = 8;

export function remedyContext(evidence: Evidence): RemedyContext {
  const context: RemedyContext = {
    range: EXAMPLE_RANGE,
    rangeIsExample: true,
    rangeSource: 'example',
    publicAddress: evidence.options?.expectAddress ?? controlAddress(evidence),
    controlPort: controlPort(evidence),
    host: evidence.host,
    tlsMode: evidence.tlsMode,
  };
  const seen = new Set(passivePortsOf(evidence));
  const low = Math.min(...seen);
  const high = Math.max(...seen);
  if (evidence.options?.expectRange) {
    context.range = evidence.options?.expectRange;
    context.rangeIsExample = false;
    context.rangeSource = 'expected';
  } else if (seen.size > 0 && high - low <= WIDEST_PLAUSIBLE_RANGE) {
    // Two or three ports seen say little about the server's real range: recommending "5506-5509"
    // as the range would shrink a working one, so below MIN_PORTS_TO_INFER_RANGE the words say
    // these are the ports seen. A span wider than any configured range is the OS's ephemeral
    // ports: the server has no range, and an example is the honest suggestion.
    context.range = { from: low, to: high };
    context.rangeIsExample = false;
    context.rangeSource = seen.size >= MIN_PORTS_TO_INFER_RANGE ? 'inferred' : 'observed';
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

const SERVER_PRODUCTS: ReadonlySet<string> = new Set(PRODUCTS.filter((product) => product.kind === 'server').map((product) => product.product));
const HOST_FIREWALLS: ReadonlyMap<string, readonly string[]> = new Map(
  PRODUCTS.flatMap((product) => (product.onlyWithServers ? [[product.product, product.onlyWithServers] as const] : [])),
);

/** Does a remedy by `remedyProduct` apply to a server identified as `server`? */
function appliesTo(remedyProduct: string, server: string): boolean {
  if (SERVER_PRODUCTS.has(remedyProduct)) return remedyProduct === server;
  const servers = HOST_FIREWALLS.get(remedyProduct);
  return servers === undefined || servers.includes(server);
}

/**
 * The remedies to show for the server that answered: those of other FTP server products (and of
 * another OS's host firewall) are marked `shown: false` (kept, for the JSON and --all-remedies);
 * nftables, iptables, cloud and client remedies always show. Nothing is hidden when the product is unknown or `all` is asked for.
 */
export function markShownRemedies(findings: readonly Finding[], product: string | undefined, all: boolean): Finding[] {
  if (product === undefined || all) return [...findings];
  return findings.map((finding) => ({
    ...finding,
    remedies: finding.remedies.map((remedy) => (appliesTo(remedy.product, product) ? remedy : { ...remedy, shown: false })),
  }));
}
