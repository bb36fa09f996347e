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

/** "3 of 120 sessions shown (the failed ones); the rest passed." */
export function sessionsNote(report: ExplainReport, shown: number): string | undefined {
  if (shown === report.sessions.length) return undefined;
  const failed = report.sessions.filter((session) => session.verdict === 'fail').length;
  return `${shown} of ${report.sessions.length} sessions shown${failed > 0 ? ` (failed: ${failed}); the others passed` : ''}; the JSON report has them all.`;
}
