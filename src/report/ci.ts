/**
 * GitHub Actions integration: workflow-command annotations and the step summary.
 * Escaping follows the runner's rules (actions/toolkit `command.ts`): in the message `%`, `\r`,
 * `\n` are percent-encoded; in property values `:` and `,` are too. An unescaped newline would
 * end the command and let a server's text start a command of its own.
 */
import { appendFile } from 'node:fs/promises';
import type { AnyReport, Finding } from './model.js';
import { shownRemedies } from './remedies-shown.js';
import { sanitizeReport } from './sanitize.js';
import { describeFailure, describeScenarioFailure, firstFailure, formatSpans, sweepSpans, truncate } from './format.js';

/** GitHub shows at most 10 error and 10 warning annotations per step; more are dropped. */
export const MAX_ANNOTATIONS_PER_LEVEL = 10;
const MAX_MESSAGE = 1000;
const MAX_TITLE = 200;
/** The step summary file takes at most 1 MiB per step. */
export const MAX_STEP_SUMMARY_BYTES = 1024 * 1024;

export function escapeAnnotationData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeAnnotationProperty(text: string): string {
  return escapeAnnotationData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

type Level = 'error' | 'warning' | 'notice';

interface Annotation {
  level: Level;
  title: string;
  message: string;
}

function format(annotation: Annotation): string {
  const title = escapeAnnotationProperty(truncate(annotation.title, MAX_TITLE));
  return `::${annotation.level} title=${title}::${escapeAnnotationData(truncate(annotation.message, MAX_MESSAGE))}`;
}

function fromFinding(finding: Finding, prefix: string): Annotation {
  const level: Level = finding.severity === 'error' ? 'error' : finding.severity === 'warning' ? 'warning' : 'notice';
  const remedy = shownRemedies(finding)[0];
  const hint = remedy ? `\nFix (${remedy.product}): ${remedy.text}` : '';
  return { level, title: `${prefix}${finding.code}: ${finding.title}`, message: `${finding.explanation}${hint}` };
}

function collect(report: AnyReport): Annotation[] {
  switch (report.kind) {
    case 'probe': {
      const failed = firstFailure(report.connections);
      const annotations = report.findings.map((finding) => fromFinding(finding, ''));
      if (failed && annotations.length > 0 && annotations[0]) annotations[0].message += `\n${describeFailure(failed)}`;
      if (report.verdict === 'fail' && !annotations.some((annotation) => annotation.level === 'error')) {
        annotations.unshift({ level: 'error', title: `probe ${report.target} failed`, message: failed ? describeFailure(failed) : 'see the report for the failing step' });
      }
      return annotations;
    }
    case 'scenarios':
      return report.results.flatMap((result): Annotation[] => {
        if (result.error) return [{ level: 'error', title: `scenario ${result.id}: tool error`, message: result.error }];
        if (result.skipped !== undefined) return [{ level: 'notice', title: `scenario ${result.id}: skipped on ${result.backend}`, message: result.skipped }];
        if (result.expectationMet) return [];
        const where = result.failure ? `\nfailed at ${describeScenarioFailure(result.failure)}` : '';
        return [{ level: 'error', title: `scenario ${result.id}: expectation unmet`, message: `${result.mismatches.join('\n') || 'expectation not met'}${where}` }];
      });
    case 'sweep': {
      const bad = sweepSpans(report).filter((span) => span.state !== 'open');
      const annotations: Annotation[] = bad.length > 0 ? [{ level: 'error', title: `sweep ${report.target}: ports not open`, message: formatSpans(sweepSpans(report)) }] : [];
      return [...annotations, ...report.findings.map((finding) => fromFinding(finding, ''))];
    }
    case 'explain':
      return [
        ...report.findings.map((finding) => fromFinding(finding, '')),
        ...report.sessions.flatMap((session) => session.report.findings.map((finding) => fromFinding(finding, `${session.id}: `))),
      ];
    case 'check':
      return report.targets.flatMap((target): Annotation[] => {
        if (target.error) return [{ level: 'error', title: `check ${target.name}: tool error`, message: target.error }];
        if (target.verdict === 'pass') return [];
        return [{ level: 'error', title: `check ${target.name} failed`, message: target.failures.join('\n') || 'check failed' }];
      });
    case 'preflight':
      return report.findings.map((finding) => fromFinding(finding, 'preflight: '));
  }
}

/**
 * Workflow commands for a report, one per line to print to stdout. At most ten per level: the
 * tenth says how many more there were, so nothing disappears silently.
 */
export function githubAnnotations(input: AnyReport): string[] {
  const annotations = collect(sanitizeReport(input));
  const lines: string[] = [];
  for (const level of ['error', 'warning', 'notice'] as const) {
    const ofLevel = annotations.filter((annotation) => annotation.level === level);
    const kept = ofLevel.slice(0, MAX_ANNOTATIONS_PER_LEVEL);
    const extra = ofLevel.length - kept.length;
    const last = kept[kept.length - 1];
    if (extra > 0 && last) {
      kept[kept.length - 1] = { ...last, message: `${truncate(last.message, MAX_MESSAGE - 80)}\n… and ${extra} more ${level}s in the report` };
    }
    lines.push(...kept.map(format));
  }
  return lines;
}

/**
 * Appends Markdown to the step summary when running under GitHub Actions (GITHUB_STEP_SUMMARY
 * set); returns the file written, or undefined when there is none. Oversized summaries are cut,
 * because GitHub rejects the whole summary past its limit.
 */
export async function appendStepSummary(markdown: string, env: Record<string, string | undefined>): Promise<string | undefined> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return undefined;
  let text = markdown.endsWith('\n') ? markdown : `${markdown}\n`;
  const note = '\n\n… summary cut to fit the step summary limit; see the report artifact.\n';
  const budget = MAX_STEP_SUMMARY_BYTES - Buffer.byteLength(note) - 1024; // leave room for other steps' writers
  if (Buffer.byteLength(text) > budget) text = `${Buffer.from(text).subarray(0, budget).toString('utf8').replace(/\uFFFD$/, '')}${note}`;
  await appendFile(file, text, 'utf8');
  return file;
}
