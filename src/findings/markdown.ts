/**
 * The finding-code tables of the README and docs/finding-codes.md, rendered from the registry.
 * `npm run docs:codes` writes them between the markers; test/findings/docs.test.ts fails when the
 * committed text differs from what the registry renders, so the two cannot drift apart. Pure.
 */
import { findingEntry, FINDING_GROUPS, FINDING_CODES, type FindingCode, type FindingEntry } from './registry.js';

export const GENERATED_BEGIN = '<!-- finding codes: generated from src/findings by `npm run docs:codes`; edit the registry, not this text -->';
export const GENERATED_END = '<!-- end of the generated finding codes -->';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

export function severityText(entry: FindingEntry): string {
  return entry.severityNote ? `${entry.severity} (${entry.severityNote})` : entry.severity;
}

/** The commands that report a code: the probe's rules also judge check's targets, explain's captures and logs, and preflight's prediction. */
export function emittersText(entry: FindingEntry): string {
  return entry.emittedBy.map((emitter) => (emitter === 'probe' ? 'probe (and check, explain, preflight: the same rules)' : emitter)).join(', ');
}

export function modesText(entry: FindingEntry): string {
  if (entry.modes === 'all') return 'all modes';
  if (entry.modes === 'none') return 'no data mode';
  return entry.modes.map((mode) => mode.toUpperCase()).join(', ');
}

/** The README's table: every code, its usual severity and what it means in one line. */
export function readmeCodeTable(): string {
  const rows = FINDING_CODES.map((code) => `| \`${code}\` | ${cell(severityText(findingEntry(code)))} | ${cell(findingEntry(code).title)} |`);
  return ['| code | severity | meaning |', '|---|---|---|', ...rows].join('\n');
}

function groupTable(codes: readonly FindingCode[]): string {
  const rows = codes.map((code) => {
    const entry = findingEntry(code);
    return `| \`${code}\` | ${cell(severityText(entry))} | ${entry.stage} | ${modesText(entry)} | ${cell(entry.title)} |`;
  });
  return ['| code | severity | stage | data modes | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

function details(code: FindingCode): string {
  const entry = findingEntry(code);
  const lines = [`### \`${code}\``, '', entry.meaning, '', `Severity: ${severityText(entry)}. Stage: ${entry.stage}. Data modes: ${modesText(entry)}. Reported by: ${emittersText(entry)}.`];
  if (entry.causes.length > 0) lines.push('', 'Usual causes:', '', ...entry.causes.map((cause) => `- ${cause}`));
  if (entry.references.length > 0) lines.push('', 'References:', '', ...entry.references.map((reference) => `- ${reference}`));
  return lines.join('\n');
}

/** docs/finding-codes.md's generated part: a table per group, then each code in full. */
export function findingCodesPage(): string {
  const tables = FINDING_GROUPS.map((group) => `## ${group.heading}\n\n${groupTable(group.codes)}`);
  const all = FINDING_CODES.map(details);
  return [...tables, '## Each code: meaning, causes, references', ...all].join('\n\n');
}

/** The text between the markers, or undefined when a marker is missing. */
export function generatedPart(text: string): string | undefined {
  const begin = text.indexOf(GENERATED_BEGIN);
  const end = text.indexOf(GENERATED_END);
  if (begin < 0 || end < begin) return undefined;
  return text.slice(begin + GENERATED_BEGIN.length, end).replace(/^\n/, '').replace(/\n$/, '');
}

/** `text` with the part between the markers replaced by `body`. */
export function withGeneratedPart(text: string, body: string): string {
  const begin = text.indexOf(GENERATED_BEGIN);
  const end = text.indexOf(GENERATED_END);
  if (begin < 0 || end < begin) throw new Error('the finding-code markers are missing');
  return `${text.slice(0, begin + GENERATED_BEGIN.length)}\n${body}\n${text.slice(end)}`;
}
