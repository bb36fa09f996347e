/** Test helper: Debian's prometheus package (prometheus and promtool), when installed. */
import { execFile, execFileSync } from 'node:child_process';

function onPath(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const PROMTOOL = onPath('promtool');
export const PROMETHEUS = onPath('prometheus');
export const NO_PROMTOOL = PROMTOOL ? null : 'promtool is not installed (Debian package prometheus; .ci/run installs it)';
export const NO_PROMETHEUS = PROMETHEUS ? null : 'prometheus is not installed (Debian package prometheus; .ci/run installs it)';

/** Runs promtool with text on stdin; resolves with its exit code and output (bounded by a timeout). */
export function promtool(args: string[], stdin?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(PROMTOOL ?? 'promtool', args, { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : -1) : 0, output: `${stdout}${stderr}` });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}
