/**
 * What `ftp-doctor findings` prints: the list of codes, and one code in full with every product's
 * remedies. Pure: the registry entry and the remedies in, text or JSON out.
 */
import { findingEntry, FINDING_CODES, type FindingCode } from '../findings/registry.js';
import { emittersText, modesText, severityText } from '../findings/markdown.js';
import { renderGrid } from './grid.js';
import type { Remedy } from './model.js';

/** Remedies for one kind of problem (src/diagnosis/remedies/by-code.ts). */
export interface RemedyGroupView {
  about: string;
  remedies: readonly Remedy[];
}
import { wrapCommand, wrapIndented } from './wrap.js';

export function renderCodeList(width: number): string {
  const rows = FINDING_CODES.map((code) => {
    const entry = findingEntry(code);
    return [code, entry.severity, entry.stage, entry.title];
  });
  const table = renderGrid(['Code', 'Severity', 'Stage', 'Meaning'], rows, { width, keep: [true, true, true, false] });
  return `${table}\n${FINDING_CODES.length} codes; \`ftp-doctor findings CODE\` explains one\n`;
}

export function codeListJson(): object[] {
  return FINDING_CODES.map((code) => {
    const { title, severity, stage, modes } = findingEntry(code);
    return { code, severity, stage, modes, title };
  });
}

export function codeJson(code: FindingCode, remedies: readonly RemedyGroupView[]): object {
  return { code, ...findingEntry(code), remedies };
}

/** `remediesHeading` says what the remedies' numbers are (an example range and address). */
export function renderCode(code: FindingCode, groups: readonly RemedyGroupView[], width: number, remediesHeading: string): string {
  const entry = findingEntry(code);
  const lines = [
    ...wrapIndented(`${code}: ${entry.title}`, width, '', '  '),
    '',
    ...wrapIndented(`Severity: ${severityText(entry)}`, width, '', '  '),
    ...wrapIndented(`Stage: ${entry.stage}; data modes: ${modesText(entry)}; reported by: ${emittersText(entry)}`, width, '', '  '),
    '',
    ...wrapIndented(entry.meaning, width, ''),
  ];
  if (entry.causes.length > 0) lines.push('', 'Usual causes:', ...entry.causes.flatMap((cause) => wrapIndented(cause, width, '  - ', '    ')));
  if (entry.references.length > 0) lines.push('', 'References:', ...entry.references.flatMap((reference) => wrapIndented(reference, width, '  - ', '    ')));
  lines.push('');
  if (groups.length === 0) {
    lines.push(...wrapIndented('Remedies: none from the product tables; a report with this finding says what to do from what the run saw.', width, ''));
  } else {
    lines.push(...wrapIndented(remediesHeading, width, ''));
    for (const group of groups) {
      lines.push('', ...wrapIndented(`When ${group.about}:`, width, '  '));
      for (const remedy of group.remedies) {
        lines.push(...wrapIndented(remedy.text, width, `  - ${remedy.product}: `, '      '));
        for (const command of remedy.commands ?? []) lines.push(...wrapCommand(command, width, '      $ '));
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
