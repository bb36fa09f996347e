/**
 * Words every renderer of an explain report shares: one line per input (format, where the source
 * stood, sessions found) and the limits of what it can show. Pure.
 */
import type { ExplainInput, ExplainReport } from './model.js';

const VANTAGE_WORDS: Record<string, string> = {
  client: 'taken at the client',
  server: 'taken at the server',
  both: 'holding both ends',
  path: 'taken on the path, which end not known',
  none: 'not on the path',
};

export function inputLine(input: ExplainInput): string {
  const sessions = `${input.sessions} FTP session${input.sessions === 1 ? '' : 's'}`;
  return `${input.file}: ${input.format} (${input.kind}, ${VANTAGE_WORDS[input.vantage] ?? input.vantage}), ${sessions}`;
}

/** Sessions to show in full: the failed ones first; passing ones only when nothing failed (at most `limit`). */
export function sessionsShown(report: ExplainReport, limit = 20): ExplainReport['sessions'] {
  const failed = report.sessions.filter((session) => session.verdict === 'fail');
  return (failed.length > 0 ? failed : report.sessions).slice(0, limit);
}

const sessions = (count: number): string => `${count} session${count === 1 ? '' : 's'}`;

/**
 * What the renderers left out, true for every count: "3 failed sessions shown; the other 117
 * passed", "20 of 5000 failed sessions shown (every session failed)", "20 of 120 sessions shown,
 * all passed". Undefined when every session is shown.
 */
export function sessionsNote(report: ExplainReport, shown: number): string | undefined {
  const total = report.sessions.length;
  if (shown >= total) return undefined;
  const failed = report.sessions.filter((session) => session.verdict === 'fail').length;
  const passed = total - failed;
  const rest = '--session N shows any one in full; the JSON report has them all.';
  if (failed === 0) return `${shown} of ${sessions(total)} shown, all ${total} passed; ${rest}`;
  const others = passed === 1 ? 'the other one passed' : `the other ${passed} passed`;
  if (shown >= failed) return `Only ${failed === 1 ? 'the failed session is' : `the ${failed} failed sessions are`} shown; ${others}; ${rest}`;
  return `${shown} of ${failed} failed sessions shown (${passed === 0 ? 'every session failed' : `${passed} of ${total} passed`}); ${rest}`;
}
