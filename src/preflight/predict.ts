/**
 * The prediction: the files' facts merged into one site, its reachability judged from the files
 * alone (findings with file:line evidence), and the same site run as a scenario through the
 * simulator with the unchanged probe, whose findings join the static ones (a code both give is
 * shown once, the static evidence first). Pure but for the in-process simulation.
 */
import { performance } from 'node:perf_hooks';
import { SCHEMA_VERSION, type Finding, type PreflightReport, type ScenarioResult } from '../report/model.js';
import type { Scenario } from '../topology/model.js';
import { TOOL, VERSION } from '../version.js';
import { staticFindings } from './findings.js';
import type { FirewallFacts } from './firewalls/model.js';
import { placeOf, quoteOf, rangeText, type InputFacts } from './model.js';
import { reachOf, type PortsOutcome } from './reach.js';
import { buildScenario, type BuiltScenario, type PredictOptions } from './scenario-build.js';
import { simulationPlan } from './simulate-plan.js';
import { mergeSite, type SiteFacts } from './site.js';

export interface PreflightOptions extends PredictOptions {
  /** Run the simulated probe too (default true). */
  simulate?: boolean;
  /** Run a scenario: the simulator by default; tests and `--firewall netns` pass another backend. */
  runScenario?: (scenario: Scenario) => Promise<ScenarioResult>;
}

export interface Preflight {
  report: PreflightReport;
  scenario: Scenario;
  site: SiteFacts;
  built: BuiltScenario;
  /**
   * The scenario `--write-scenario` writes: the run shown (pinned as preflight ran it) expecting
   * what preflight predicted, so `scenarios run` of it gives preflight's answer again.
   */
  replay: Scenario;
}

export async function preflight(inputs: readonly InputFacts[], firewalls: readonly FirewallFacts[], options: PreflightOptions): Promise<Preflight> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const site = mergeSite(inputs, firewalls);
  const built = buildScenario(site, options);
  const tlsInUse = (site.server?.tls?.value ?? 'none') !== 'none';
  const reach = reachOf(site, built, tlsInUse);
  const findings = staticFindings(site, built, reach, tlsInUse);
  let simulation: PreflightReport['simulation'];
  const plan = simulationPlan(built.scenario, reach.passive, site.server !== undefined);
  // Without a simulation the replay is pinned to the first failing span's run (else the first).
  let shown: Scenario = (plan.find((planned) => planned.span && planned.span.outcome !== 'open') ?? plan[0])?.scenario ?? built.scenario;
  const notes = [...site.notes, ...built.assumptions, ...built.views.map((view) => `${view.facts.file}: placed on the ${view.location} (${view.direction} path): ${view.placedBecause}`)];
  if (options.simulate !== false) {
    const run = options.runScenario ?? (async (scenario: Scenario) => (await import('../scenarios/run-sim.js')).runScenarioInSimulator(scenario, { timeScale: 2, seed: 1 }));
    for (const planned of plan) {
      const result = await run(planned.scenario);
      const port = planned.span ? `passive ports ${planned.scenario.topology.server?.pasvRange} (for ${rangeText(planned.span.ports)}, ${planned.span.outcome})` : 'passive ports of its own choice';
      if (result.error) {
        notes.push(`the simulation with ${port} could not run: ${result.error}`);
        continue;
      }
      const codes = result.probe.findings.map((finding) => finding.code);
      notes.push(`simulated with the server on ${port}: ${result.probe.verdict}${codes.length > 0 ? `, ${codes.join(', ')}` : ''}`);
      // The run shown is the first that failed (the one a reader must see), else the first.
      if (!simulation || (simulation.verdict === 'pass' && result.probe.verdict !== 'pass')) {
        simulation = { backend: result.backend, verdict: result.probe.verdict, codes, ...(result.failure ? { failure: result.failure } : {}), probe: result.probe };
        shown = planned.scenario;
      }
      const simulated = (site.server ? result.probe.findings : result.probe.findings.filter((finding) => !DATA_FAILURES.has(finding.code))).filter((finding) => !(planned.span && pinningArtefact(finding)));
      mergeSimulated(findings, simulated, result.backend === 'netns' ? 'on the kernel' : 'simulated', planned.scenario.topology.server?.pasvRange);
    }
  }
  const report: PreflightReport = {
    tool: TOOL,
    version: VERSION,
    schemaVersion: SCHEMA_VERSION,
    kind: 'preflight',
    verdict: findings.some((finding) => finding.severity === 'error') ? 'fail' : 'pass',
    startedAt,
    durationMs: Math.round(performance.now() - started),
    inputs: site.inputs,
    facts: factLines(site, built),
    client: options.client,
    control: outcomeOf(reach.control),
    passive: reach.passive.map(outcomeOf),
    findings,
    ...(simulation ? { simulation } : {}),
    unknown: unknownLines(reach, site),
    notUnderstood: site.notUnderstood.map((item) => ({ place: placeOf(item.at), text: item.at.text, reason: item.reason })),
    notes,
  };
  return { report, scenario: built.scenario, site, built, replay: replayOf(shown, report) };
}

/**
 * The expectation is preflight's verdict and the codes the shown run gave (what a run of this one
 * scenario can give again); without a simulation the verdict alone (the files' codes, such as
 * PASV_PORT_OUT_OF_RANGE, are not all a single run's to give).
 */
function replayOf(scenario: Scenario, report: PreflightReport): Scenario {
  const findings = report.simulation ? report.simulation.codes : [];
  return { ...scenario, expect: { verdict: report.verdict, ...(findings.length > 0 ? { findings: [...new Set(findings)] } : {}) } };
}

/**
 * A pinned run's server has only a few ports (one, for a one-port span): a session that holds its
 * EPSV port while asking PASV finds them all "in use". That is the pinning, not the site.
 */
function pinningArtefact(finding: Finding): boolean {
  return finding.code === 'PASSIVE_MODE_REFUSED' && /is in use|is busy|no port available/.test(`${finding.title} ${finding.explanation} ${finding.evidence.join(' ')}`);
}

/** Codes of a data connection that failed: the consequence of a port the files already fail. */
const DATA_FAILURES = new Set(['EPSV_BLOCKED', 'DATA_CHANNEL_BLOCKED', 'DATA_CHANNEL_REFUSED', 'PASV_PORT_OUT_OF_RANGE', 'TLS_BREAKS_INSPECTION']);

/**
 * Simulated findings the files did not already give are added, their evidence marked. A failed data
 * connection to a port the files already show failing is that finding seen once more (the random
 * port the simulated server drew), not news: it joins the static finding's evidence.
 */
function mergeSimulated(findings: Finding[], simulated: readonly Finding[], label: string, span: string | undefined): void {
  const passiveFailure = findings.find((finding) => DATA_FAILURES.has(finding.code) && finding.severity === 'error');
  for (const finding of simulated) {
    // The simulated server's certificate is ours, made for the run: nothing about theirs.
    if (finding.code.startsWith('TLS_CERTIFICATE_')) continue;
    const same = findings.find((existing) => existing.code === finding.code) ?? (DATA_FAILURES.has(finding.code) ? passiveFailure : undefined);
    // A data failure's title names the port the run drew: the span it stands for says it all.
    if (same) same.evidence.push(DATA_FAILURES.has(finding.code) && span ? `${label} with passive ports ${span}: ${finding.code}` : `${label}: ${finding.code}: ${untimed(finding.title)}`);
    else findings.push({ ...finding, title: untimed(finding.title), explanation: untimed(finding.explanation), evidence: finding.evidence.map((line) => `${label}: ${untimed(line)}`) });
  }
}

/**
 * "connected in 2.4 ms", "168 bytes in 13.9 ms", "timeout after 1290 ms", "RTT 0.5 ms, ": measured
 * in a simulated run. Deadlines ("within 1.25 s") are the run's settings and stay.
 */
const MEASURED_TIME = /\s+(?:in|after) \d+(?:\.\d+)?\s?(?:ms|s)\b|RTT \d+(?:\.\d+)?\s?ms(?:, )?/g;

/**
 * A simulated run's measured times say how busy this machine was, not anything about the site,
 * and differ from run to run: left out, so the same files give byte-identical output.
 */
export function untimed(text: string): string {
  return text.replace(MEASURED_TIME, '').replace(/\(\)\s?/g, '');
}

function outcomeOf(span: PortsOutcome): PreflightReport['control'] {
  return { ports: span.ports, outcome: span.outcome, because: span.because, ...(span.viaHelper ? { viaHelper: span.viaHelper } : {}) };
}

function factLines(site: SiteFacts, built: BuiltScenario): string[] {
  const lines: string[] = [];
  const server = site.server;
  if (server) {
    const say = (label: string, fact: { at: Parameters<typeof quoteOf>[0] } | undefined, value: string) => {
      if (fact) lines.push(`${label} ${value} (${quoteOf(fact.at)})`);
    };
    lines.push(`server: ${server.product}${server.image ? ` (image ${server.image})` : ''}`);
    say('control port', server.controlPort, String(built.controlPort));
    say('passive range', server.passiveRange, rangeText(built.passiveRange));
    say('advertised address', server.advertisedAddress, server.advertisedAddress?.value ?? '');
    say('TLS', server.tls, `${server.tls?.value}${server.tlsRequired?.value ? ', required' : ''}`);
  } else lines.push('server: no server configuration read (our reference server stands in, with defaults)');
  for (const publication of site.publications) lines.push(`published ${publication.hostAddress ? `${publication.hostAddress}:` : ''}${rangeText(publication.hostPorts)} → ${rangeText(publication.serverPorts)}/${publication.protocol} (${publication.via}, ${quoteOf(publication.at)})`);
  if (built.publicAddress) lines.push(`public address ${built.publicAddress.address}${built.publicAddress.given ? ' (--public-address)' : ' (the advertised address, assumed to be what clients dial)'}`);
  return lines;
}

function unknownLines(reach: { control: PortsOutcome; passive: PortsOutcome[] }, site: SiteFacts): string[] {
  const lines = [reach.control, ...reach.passive].filter((span) => span.outcome === 'unknown').map((span) => `ports ${rangeText(span.ports)}: ${span.because.join('; ')}`);
  if (!site.server) {
    const open = reach.passive.filter((span) => span.outcome === 'open').map((span) => rangeText(span.ports));
    lines.unshift(`passive range: unknown, no server configuration read${open.length > 0 ? `; of the ports checked, ${open.join(', ')} get through: the server's range must lie inside ${open.length > 1 ? 'one of them' : 'it'}` : ''} (name the server's configuration file to check it)`);
  }
  for (const facts of site.firewalls) for (const unknown of facts.unknowns) lines.push(`${quoteOf(unknown.at)}: ${unknown.reason}${unknown.ports ? ` (ports ${unknown.ports.map(rangeText).join(', ')})` : ''}`);
  return lines;
}
