/** Test helper: preflight on files given as [name shown, text], read the way the CLI reads them. */
import { readFileSync } from 'node:fs';
import { detectKind, isServerKind, parseServerKind } from '../../src/preflight/detect.js';
import { readFirewallFile, type FirewallFacts } from '../../src/preflight/firewalls/index.js';
import type { InputFacts } from '../../src/preflight/model.js';
import { preflight, type PreflightOptions } from '../../src/preflight/predict.js';

/** [name shown, text] of a file under `directory`. */
export const fixtureIn = (directory: string) => (name: string): [string, string] => [name, readFileSync(`${directory}/${name}`, 'utf8')];

/** Server configurations and firewall files, each by its detected kind. */
export function readFiles(files: [string, string][]): { inputs: InputFacts[]; firewalls: FirewallFacts[] } {
  const inputs: InputFacts[] = [];
  const firewalls: FirewallFacts[] = [];
  for (const [name, text] of files) {
    const kind = detectKind(name, text);
    if (!kind) throw new Error(`no kind for ${name}`);
    if (isServerKind(kind)) inputs.push(parseServerKind(kind, name, text));
    else firewalls.push(readFirewallFile(name, text, kind));
  }
  return { inputs, firewalls };
}

/** The prediction for a client outside, as `ftp-doctor preflight` makes it. */
export async function predict(files: [string, string][], options: Partial<PreflightOptions> = {}) {
  const { inputs, firewalls } = readFiles(files);
  return preflight(inputs, firewalls, { client: 'outside', ...options });
}
