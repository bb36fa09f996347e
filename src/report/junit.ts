/**
 * JUnit XML for CI test views. The mapping (documented in reports/README.md):
 * - probe: one testcase per step (fail → <failure>, skip → <skipped>), then one per finding
 *   (severity error → <failure>; warning/info pass, their text in <system-out>);
 * - scenarios: one testcase per scenario (unmet expectation → <failure>, tool broke → <error>,
 *   the backend cannot reproduce it → <skipped message="why">);
 * - sweep: one testcase per folded port span (dropped/refused/misrouted → <failure>, error →
 *   <error>), then findings as for probe;
 * - check: one testcase per target (failed → <failure>, tool broke → <error>).
 * A failing verdict always yields at least one <failure>, so a CI gate on JUnit alone is sound.
 */
import type { AnyReport, CheckReport, Finding, ProbeReport, ScenarioResult, ScenarioRunReport, SweepReport } from './model.js';
import { parseStepId } from '../evidence/record.js';
import { shownRemedies } from './remedies-shown.js';
import { sanitizeReport } from './sanitize.js';
import { escapeXmlAttribute, escapeXmlText } from './escape.js';
import { preflightBlocks } from './preflight-text.js';
import { describeFailure, describeScenarioFailure, firstFailure, formatSpan, sweepSpans, truncate } from './format.js';

interface Outcome {
  message: string;
  type: string;
  body: string;
}

export interface JUnitCase {
  classname: string;
  name: string;
  timeMs: number;
  failure?: Outcome;
  error?: Outcome;
  skipped?: string;
  systemOut?: string;
}

export interface JUnitSuite {
  name: string;
  timestamp: string;
  timeMs: number;
  properties: [string, string][];
  cases: JUnitCase[];
  systemOut?: string;
}

// CI systems choke on megabyte-sized system-out; the full transcript is in report.json.
const MAX_OUTPUT_LINES = 400;

function tail(lines: string[]): string {
  if (lines.length <= MAX_OUTPUT_LINES) return lines.join('\n');
  return [`… ${lines.length - MAX_OUTPUT_LINES} earlier lines omitted (see report.json)`, ...lines.slice(-MAX_OUTPUT_LINES)].join('\n');
}

function findingBody(finding: Finding): string {
  const lines = [finding.explanation];
  if (finding.evidence.length > 0) lines.push('', 'Evidence:', ...finding.evidence.map((item) => `  ${item}`));
  const remedies = shownRemedies(finding);
  if (remedies.length > 0) lines.push('', 'Remedies:');
  for (const remedy of remedies) {
    lines.push(`  [${remedy.product}] ${remedy.text}`, ...(remedy.commands ?? []).map((command) => `    $ ${command}`));
  }
  return lines.join('\n');
}

function findingCases(findings: readonly Finding[], classname: string): JUnitCase[] {
  return findings.map((finding) => {
    const testcase: JUnitCase = { classname, name: `${finding.code}: ${finding.title}`, timeMs: 0 };
    if (finding.severity === 'error') testcase.failure = { message: finding.title, type: String(finding.code), body: findingBody(finding) };
    else testcase.systemOut = `${finding.severity}: ${findingBody(finding)}`;
    return testcase;
  });
}

/** Guarantees the gate: a failing verdict with nothing marked failed gets a verdict testcase. */
function ensureVerdictFailure(cases: JUnitCase[], failed: boolean, classname: string, why: string): JUnitCase[] {
  if (!failed || cases.some((testcase) => testcase.failure || testcase.error)) return cases;
  return [...cases, { classname, name: 'verdict', timeMs: 0, failure: { message: 'verdict: fail', type: 'verdict', body: why } }];
}

function probeSuite(report: ProbeReport, name: string): JUnitSuite {
  const failed = firstFailure(report.connections);
  const steps = report.steps.map((step): JUnitCase => {
    const testcase: JUnitCase = { classname: 'ftp-doctor.probe.step', name: `${step.name} [${step.id}]`, timeMs: step.durationMs };
    if (step.result === 'fail') {
      const where = failed && parseStepId(step.id).kind === 'data' ? `\n${describeFailure(failed)}` : '';
      testcase.failure = { message: truncate(step.detail, 500), type: 'step-failed', body: `${step.detail}${where}` };
    } else if (step.result === 'skip') testcase.skipped = step.detail;
    else if (step.result === 'warn') testcase.systemOut = `warning: ${step.detail}`;
    return testcase;
  });
  const cases = ensureVerdictFailure(
    [...steps, ...findingCases(report.findings, 'ftp-doctor.probe.finding')],
    report.verdict === 'fail',
    'ftp-doctor.probe',
    'The probe failed without a failing step or error finding; see report.json.',
  );
  const transcript = report.transcript.map((line) => `${(line.t / 1000).toFixed(3)} ${line.session} ${line.channel} ${line.direction} ${line.text}`);
  return {
    name,
    timestamp: report.startedAt,
    timeMs: report.durationMs,
    properties: [['target', report.target], ['schemaVersion', String(report.schemaVersion)], ['addressPolicy', report.addressPolicy]],
    cases,
    systemOut: tail(transcript),
  };
}

function scenarioCase(result: ScenarioResult): JUnitCase {
  const testcase: JUnitCase = { classname: `ftp-doctor.scenarios.${result.backend}`, name: `${result.id}: ${result.title}`, timeMs: result.durationMs };
  const got = result.probe.findings.map((finding) => finding.code).join(', ') || 'none';
  const expected = result.expected.findings.join(', ') || 'none';
  const context = [
    `expected: verdict ${result.expected.verdict}, findings ${expected}${result.expected.failingStep ? `, failing step ${result.expected.failingStep}` : ''}`,
    `got:      verdict ${result.probe.verdict}, findings ${got}`,
    ...(result.failure ? [`data channel failed at ${describeScenarioFailure(result.failure)}`] : []),
  ];
  if (result.skipped !== undefined) {
    // Nothing ran: no expectation to compare, no steps or trace to show.
    testcase.skipped = result.skipped;
    testcase.systemOut = result.description;
    return testcase;
  }
  if (result.error) {
    testcase.error = { message: truncate(result.error, 500), type: 'tool-error', body: [result.error, ...result.mismatches, ...context].join('\n') };
  } else if (!result.expectationMet) {
    const message = result.mismatches[0] ?? 'expectation not met';
    testcase.failure = { message: truncate(message, 500), type: 'expectation-unmet', body: [...result.mismatches, '', ...context].join('\n') };
  }
  const steps = result.probe.steps.map((step) => `${step.result.padEnd(4)} ${step.id}: ${step.detail}`);
  const trace = result.trace.map((entry) => `${entry.at} ${entry.decision} ${entry.connection} (${entry.rule})`);
  testcase.systemOut = tail([`${result.description}`, '', ...steps, ...(trace.length > 0 ? ['', 'trace:', ...trace] : [])]);
  return testcase;
}

function scenarioSuite(report: ScenarioRunReport): JUnitSuite {
  return {
    name: 'ftp-doctor scenarios',
    timestamp: report.startedAt,
    timeMs: report.durationMs,
    properties: [['schemaVersion', String(report.schemaVersion)]],
    cases: ensureVerdictFailure(report.results.map(scenarioCase), report.verdict === 'fail', 'ftp-doctor.scenarios', 'The run failed; see report.json.'),
  };
}

function sweepSuite(report: SweepReport): JUnitSuite {
  const spans = sweepSpans(report).map((span): JUnitCase => {
    const name = `ports ${span.from === span.to ? span.from : `${span.from}-${span.to}`}`;
    const testcase: JUnitCase = { classname: 'ftp-doctor.sweep.ports', name, timeMs: 0 };
    const details = report.ports.filter((port) => port.port >= span.from && port.port <= span.to && port.detail).map((port) => `${port.port}: ${port.detail}`);
    const outcome = { message: formatSpan(span), type: `port-${span.state}`, body: tail([formatSpan(span), ...details]) };
    if (span.state === 'error') testcase.error = outcome;
    else if (span.state !== 'open') testcase.failure = outcome;
    return testcase;
  });
  const cases = ensureVerdictFailure([...spans, ...findingCases(report.findings, 'ftp-doctor.sweep.finding')], report.verdict === 'fail', 'ftp-doctor.sweep', 'The sweep failed; see report.json.');
  return {
    name: `sweep ${report.target}`,
    timestamp: report.startedAt,
    timeMs: report.durationMs,
    properties: [
      ['target', report.target],
      ['schemaVersion', String(report.schemaVersion)],
      ['method', report.method],
      ['range', `${report.range.from}-${report.range.to}`],
      ['tested', String(report.tested)],
    ],
    cases,
  };
}

function checkSuite(report: CheckReport): JUnitSuite {
  const cases = report.targets.map((target): JUnitCase => {
    const testcase: JUnitCase = { classname: 'ftp-doctor.check', name: `${target.name} (${target.target})`, timeMs: target.probe?.durationMs ?? 0 };
    const findings = (target.probe?.findings ?? []).map((finding) => `${finding.code}: ${finding.title}`);
    if (target.error) testcase.error = { message: truncate(target.error, 500), type: 'tool-error', body: [target.error, ...target.failures].join('\n') };
    else if (target.verdict === 'fail') {
      testcase.failure = { message: truncate(target.failures[0] ?? 'check failed', 500), type: 'check-failed', body: [...target.failures, '', ...findings].join('\n') };
    }
    return testcase;
  });
  return {
    name: 'ftp-doctor check',
    timestamp: report.startedAt,
    timeMs: report.durationMs,
    properties: [['schemaVersion', String(report.schemaVersion)]],
    cases: ensureVerdictFailure(cases, report.verdict === 'fail', 'ftp-doctor.check', 'The check failed; see report.json.'),
  };
}

/** The suites for a report, before serialisation (exposed for tests and other writers). */
export function junitSuites(input: AnyReport): JUnitSuite[] {
  const report = sanitizeReport(input);
  switch (report.kind) {
    case 'probe':
      return [probeSuite(report, `probe ${report.target}`)];
    case 'scenarios':
      return [scenarioSuite(report)];
    case 'sweep':
      return [sweepSuite(report)];
    case 'check':
      return [checkSuite(report)];
    case 'explain':
      return [
        ...report.sessions.map((session) => probeSuite(session.report, `explain ${session.id}`)),
        ...(report.findings.length > 0 ? [{ name: 'explain: across inputs', timestamp: report.startedAt, timeMs: report.durationMs, properties: [], cases: findingCases(report.findings, 'ftp-doctor.explain.finding') }] : []),
      ];
    case 'preflight':
      return [
        {
          name: 'preflight',
          timestamp: report.startedAt,
          timeMs: report.durationMs,
          properties: [['schemaVersion', String(report.schemaVersion)], ...report.inputs.map((input): [string, string] => ['input', `${input.file} (${input.kind})`])],
          cases: ensureVerdictFailure(findingCases(report.findings, 'ftp-doctor.preflight.finding'), report.verdict === 'fail', 'ftp-doctor.preflight', 'The preflight failed; see report.json.'),
          systemOut: preflightBlocks(report).map((block) => [block.title, ...block.lines.map((line) => `  ${line}`)].join('\n')).join('\n\n'),
        },
      ];
  }
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

function outcomeXml(tag: string, outcome: Outcome): string {
  return `      <${tag} message="${escapeXmlAttribute(outcome.message)}" type="${escapeXmlAttribute(outcome.type)}">${escapeXmlText(outcome.body)}</${tag}>`;
}

function caseXml(testcase: JUnitCase): string {
  const open = `    <testcase classname="${escapeXmlAttribute(testcase.classname)}" name="${escapeXmlAttribute(testcase.name)}" time="${seconds(testcase.timeMs)}"`;
  const children: string[] = [];
  if (testcase.error) children.push(outcomeXml('error', testcase.error));
  else if (testcase.failure) children.push(outcomeXml('failure', testcase.failure));
  if (testcase.skipped !== undefined) children.push(`      <skipped message="${escapeXmlAttribute(testcase.skipped)}"/>`);
  if (testcase.systemOut) children.push(`      <system-out>${escapeXmlText(testcase.systemOut)}</system-out>`);
  return children.length === 0 ? `${open}/>` : `${open}>\n${children.join('\n')}\n    </testcase>`;
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function count(cases: readonly JUnitCase[]): Counts {
  return {
    tests: cases.length,
    errors: cases.filter((testcase) => testcase.error).length,
    failures: cases.filter((testcase) => !testcase.error && testcase.failure).length,
    skipped: cases.filter((testcase) => testcase.skipped !== undefined).length,
  };
}

const countAttributes = (counts: Counts): string =>
  `tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}"`;

/** The report as a JUnit XML document (XML 1.0, UTF-8). */
export function renderJUnit(report: AnyReport): string {
  const suites = junitSuites(report);
  const all = count(suites.flatMap((suite) => suite.cases));
  const totalMs = suites.reduce((sum, suite) => sum + suite.timeMs, 0);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="ftp-doctor ${report.kind}" ${countAttributes(all)} time="${seconds(totalMs)}">`];
  suites.forEach((suite, index) => {
    lines.push(
      `  <testsuite id="${index}" name="${escapeXmlAttribute(suite.name)}" ${countAttributes(count(suite.cases))} time="${seconds(suite.timeMs)}" timestamp="${escapeXmlAttribute(suite.timestamp)}">`,
    );
    lines.push('    <properties>');
    for (const [name, value] of suite.properties) lines.push(`      <property name="${escapeXmlAttribute(name)}" value="${escapeXmlAttribute(value)}"/>`);
    lines.push('    </properties>');
    for (const testcase of suite.cases) lines.push(caseXml(testcase));
    if (suite.systemOut) lines.push(`    <system-out>${escapeXmlText(suite.systemOut)}</system-out>`);
    lines.push('  </testsuite>');
  });
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
