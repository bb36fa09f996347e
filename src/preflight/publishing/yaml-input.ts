/**
 * YAML inputs (compose files, Kubernetes manifests) through the project's one YAML reader
 * (src/config/yaml-file.ts: its size, alias and nesting limits), split into documents at `---`
 * so each keeps its own line numbers, and a `Where` for any field path.
 */
import { parseYamlText } from '../../config/yaml-file.js';
import { redactAssignments } from '../lines.js';
import type { Where } from '../model.js';

export interface YamlDocument {
  data: unknown;
  /** Where a field path (`services.ftp.ports[1]`) is written; the document's start when it is not. */
  at(fieldPath: string): Where;
}

export function yamlDocuments(file: string, text: string): YamlDocument[] {
  const lines = text.split(/\r?\n/);
  const starts = [0];
  lines.forEach((line, index) => {
    if (/^---(\s|$)/.test(line) && index > 0) starts.push(index);
  });
  return starts.map((start, index) => {
    const end = starts[index + 1] ?? lines.length;
    // Blank lines in place of the others keep the parser's line numbers the file's own.
    const chunk = lines.map((line, number) => (number >= start && number < end && !(number === start && /^---/.test(line)) ? line : '')).join('\n');
    const parsed = parseYamlText(chunk, file);
    return {
      data: parsed.data,
      at(fieldPath: string): Where {
        const line = parsed.lineOf(fieldPath) ?? start + 1;
        return { file, line, text: redactAssignments((lines[line - 1] ?? '').trim()) };
      },
    };
  });
}

export const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
