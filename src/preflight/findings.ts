/**
 * Findings from the files alone, with the codes, severities and remedies `probe` uses, each
 * evidence line naming the file and line it rests on. The simulation (predict.ts) confirms them
 * or adds what only running the session shows; these never need it.
 */
import { markShownRemedies, remediesFor } from '../diagnosis/index.js';
import type { Problem } from '../diagnosis/remedies/index.js';
import type { FindingCode } from '../findings/registry.js';
import type { Finding, Severity } from '../report/model.js';
import { placeOf, quoteOf, rangeText, type PortRange } from './model.js';
import { nearest } from './reach.js';
import type { PortsOutcome, Reach } from './reach.js';
import { isPrivateAddress, type BuiltScenario } from './scenario-build.js';
import { fitRemediesToSite } from './site-remedies.js';
import type { SiteFacts } from './site.js';

/** Which clients a private or wrong 227 address breaks, said once (see README "preflight"). */
export const CLIENT_BEHAVIOUR =
  'curl, FileZilla, WinSCP and Python ftplib since its 2021 security releases (3.9.3, 3.10; trust_server_pasv_ipv4_address off) dial the control connection\'s address and get through; clients that follow the 227 address (older ftplib, Windows ftp.exe, many embedded and scripted clients, FTP proxies) dial the advertised address and fail';

const PRODUCT_NAMES: Record<string, string> = { 'ftp-doctor': 'ftp-doctor serve' };

export function staticFindings(site: SiteFacts, built: BuiltScenario, reach: Reach, tlsInUse: boolean): Finding[] {
  const findings: Finding[] = [];
  const server = site.server;
  const range = server?.passiveRange;
  const context = {
    range: range?.value ?? exampleRange(reach),
    rangeIsExample: range === undefined,
    rangeSource: range ? ('expected' as const) : ('example' as const),
    publicAddress: built.publicAddress?.address ?? 'the public address',
    controlPort: built.controlPort,
    tlsMode: server?.tls?.value ?? 'none',
  };
  const make = (code: FindingCode, severity: Severity, title: string, explanation: string, evidence: string[], problems: Problem[]): void => {
    findings.push({ code, severity, title, explanation, evidence, remedies: remediesFor(problems, context) });
  };
  const rangeLine = range ? quoteOf(range.at) : `the server has no passive range (any port ${rangeText(built.passiveRange)})`;

  if (reach.control.outcome === 'blocked' || reach.control.outcome === 'refused') {
    make('CONTROL_UNREACHABLE', 'error', `The control port ${built.controlPort} is ${reach.control.outcome === 'blocked' ? 'dropped' : 'refused'} before it reaches the server`, 'No client can log in: the control connection itself does not get through.', reach.control.because, ['open-control']);
  }
  const failing = reach.passive.filter((span) => span.outcome === 'blocked' || span.outcome === 'refused');
  const open = reach.passive.filter((span) => span.outcome === 'open');
  const helperOnly = failing.filter((span) => span.viaHelper !== undefined);
  if (helperOnly.length > 0 && tlsInUse) {
    make(
      'TLS_BREAKS_INSPECTION',
      'error',
      `The passive ports ${spanList(helperOnly)} are opened only by FTP inspection, which cannot read a TLS control connection`,
      'The firewall lets data connections through only when its FTP helper reads the 227/229 reply; with FTP over TLS the reply is encrypted, so every data connection is dropped. Open the passive range explicitly.',
      [...(server?.tls ? [quoteOf(server.tls.at)] : []), ...helperOnly.flatMap((span) => span.because)],
      ['tls-inspection', 'open-passive-range'],
    );
  }
  const plainFailing = failing.filter((span) => !(span.viaHelper !== undefined && tlsInUse));
  if (plainFailing.length > 0 && open.length === 0 && reach.passive.every((span) => span.outcome !== 'unknown')) {
    const refused = plainFailing.every((span) => span.outcome === 'refused');
    make(
      refused ? 'DATA_CHANNEL_REFUSED' : 'DATA_CHANNEL_BLOCKED',
      'error',
      `No passive port of ${rangeText(built.passiveRange)} gets through: data connections are ${refused ? 'refused' : 'dropped'}`,
      'Logins work, but every listing and transfer fails: the passive range is not open from the client to the server.',
      [rangeLine, ...plainFailing.flatMap((span) => span.because.map((line) => `${rangeText(span.ports)}: ${line}`))],
      ['open-passive-range', 'passive-range'],
    );
  } else if (plainFailing.length > 0 && server !== undefined) {
    // Without the server's configuration which of these ports it hands out is unknown (said
    // under "unknown"), not a fault: a real server may well use only the open ones.
    make(
      'PASV_PORT_OUT_OF_RANGE',
      'error',
      `The server hands out passive ports ${spanList(plainFailing)} that clients cannot reach; ${spanList(open)} work`,
      'Each transfer draws a port from the whole range: some work and some fail, at random. Make the server\'s range and what is open the same.',
      [headline(rangeLine, plainFailing, site, built), ...plainFailing.flatMap((span) => span.because.map((line) => `${rangeText(span.ports)}: ${line}`)), ...serviceNote(site)],
      ['passive-range', 'open-passive-range'],
    );
  }
  addressFindings(site, built, make);
  if (server?.passiveDisabled) make('PASSIVE_MODE_REFUSED', 'error', 'Passive mode is switched off', 'Clients behind NAT (nearly all) need passive mode.', [quoteOf(server.passiveDisabled.at)], ['passive-enable']);
  else if (server?.pasvRefused) {
    make('PASSIVE_MODE_REFUSED', 'error', 'PASV fails: the server cannot read its own passive address', `${server.pasvRefused.value}. EPSV still works; clients that use PASV (most over IPv4 behind NAT, FileZilla's default among them) get no listing or transfer. Set pasv_addr_resolve=YES, or write the address itself.`, [hostLike(server.advertisedAddress?.value) ? quoteOf(server.pasvRefused.at) : `${placeOf(server.pasvRefused.at)} (neither an IPv4 address nor a host name)`], ['public-address']);
  }
  const product = server ? (PRODUCT_NAMES[server.product] ?? server.product) : undefined;
  return markShownRemedies(fitRemediesToSite(findings, site, reach, context), product, false);
}

function addressFindings(site: SiteFacts, built: BuiltScenario, make: (code: FindingCode, severity: Severity, title: string, explanation: string, evidence: string[], problems: Problem[]) => void): void {
  const server = site.server;
  if (!built.behindNat) return;
  const advertised = server?.advertisedAddress;
  const natLines = site.publications.slice(0, 2).map((publication) => `${quoteOf(publication.at)} (${publication.via}: clients reach the server through NAT)`);
  if (!advertised) {
    make('PASV_ADDRESS_PRIVATE', 'warning', 'Behind NAT the server will advertise its own private address in 227 replies', `Nothing sets the passive address (pasv_address, MasqueradeAddress, ForcePassiveIP, externalIp4Address…). ${CLIENT_BEHAVIOUR}.`, [...natLines, `${server?.product ?? 'the server'}: no advertised address is set`], ['public-address']);
    return;
  }
  const value = advertised.value;
  if (value === '0.0.0.0' || value.startsWith('127.') || isPrivateAddress(value)) {
    const unusable = value === '0.0.0.0' || value.startsWith('127.');
    make('PASV_ADDRESS_PRIVATE', unusable ? 'error' : 'warning', `The server advertises ${value} in 227 replies, which no client outside can dial`, `${unusable ? `${value} is not an address of this server at all. ` : ''}${CLIENT_BEHAVIOUR}.`, [quoteOf(advertised.at), ...natLines], ['public-address']);
  } else if (built.publicAddress?.given && value !== built.publicAddress.address && /^[\d.]+$/.test(value)) {
    make('PASV_ADDRESS_MISMATCH', 'warning', `The server advertises ${value}, but clients dial ${built.publicAddress.address}`, `${CLIENT_BEHAVIOUR}.`, [quoteOf(advertised.at), `--public-address ${built.publicAddress.address}`], ['public-address']);
  }
}

/** A host name's characters only: anything else is not quoted into evidence (renderers put evidence in code spans, where nothing can be escaped). */
function hostLike(value: string | undefined): boolean {
  return value !== undefined && /^[A-Za-z0-9.-]{1,253}$/.test(value);
}

/** Kubernetes Services list ports one at a time: the reason a range is so often short there. */
function serviceNote(site: SiteFacts): string[] {
  const service = site.publications.find((publication) => publication.via.startsWith('Kubernetes Service'));
  return service ? [`${placeOf(service.at)}: a Kubernetes Service has no port ranges; every passive port needs its own entry under ports:`] : [];
}

/** "vsftpd.conf:6 pasv_max_port=50100 but compose.yml:8 publishes 50000-50050". */
function headline(rangeLine: string, failing: readonly PortsOutcome[], site: SiteFacts, built: BuiltScenario): string {
  const first = failing[0];
  const publication = built.behindNat && first ? nearest(site.publications, first.ports) : undefined;
  if (publication && failing.every((span) => span.outcome === 'refused')) return `${rangeLine} but ${placeOf(publication.at)} publishes ${rangeText(publication.hostPorts)}`;
  return `${rangeLine} but ${spanList(failing)} ${failing.every((span) => span.outcome === 'refused') ? 'are refused' : 'are dropped'} on the way`;
}

function spanList(outcomes: readonly PortsOutcome[]): string {
  return outcomes.map((outcome) => rangeText(outcome.ports)).join(', ') || 'none';
}

/** Fewest ports a suggested example range has; an open span smaller than this is not offered. */
const EXAMPLE_MIN_PORTS = 10;
/** The conventional example when the files open nothing usable. */
const EXAMPLE_RANGE: PortRange = { from: 50000, to: 50100 };

/**
 * The range a remedy suggests when the server sets none: never the whole port space (that is the
 * problem), but a span the files already let through if one is usable, else the usual example.
 */
export function exampleRange(reach: Reach): PortRange {
  const open = reach.passive.filter((span) => span.outcome === 'open' && span.ports.to - span.ports.from + 1 >= EXAMPLE_MIN_PORTS && span.ports.to - span.ports.from < 10_000);
  const span = open[0]?.ports;
  return span ? { ...span } : { ...EXAMPLE_RANGE };
}

export function unknownSpans(reach: Reach): PortsOutcome[] {
  return [reach.control, ...reach.passive].filter((span) => span.outcome === 'unknown');
}

export type { PortRange };
