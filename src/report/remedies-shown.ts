/**
 * Which of a finding's remedies a renderer prints. The probe keeps every remedy in the report (the
 * JSON has them all) and marks those for other FTP server products than the one that answered
 * `shown: false`; every renderer prints the same subset through these two functions.
 */
import type { Finding, Remedy } from './model.js';

export function shownRemedies(finding: Finding): Remedy[] {
  return finding.remedies.filter((remedy) => remedy.shown !== false);
}

/** "3 remedies for other products (IIS, ProFTPD, …) not shown: --all-remedies shows them", or undefined. */
export function hiddenRemediesNote(finding: Finding): string | undefined {
  const hidden = finding.remedies.filter((remedy) => remedy.shown === false);
  if (hidden.length === 0) return undefined;
  const products = [...new Set(hidden.map((remedy) => remedy.product))].join(', ');
  return `${hidden.length} remed${hidden.length === 1 ? 'y' : 'ies'} for other products (${products}) not shown: --all-remedies shows them`;
}
