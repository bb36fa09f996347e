/**
 * Every skipped test says why, in the default reporter's output. That reporter folds a file whose
 * tests passed or were skipped into one line ("12 tests | 8 skipped"), so a reason written only
 * into a test's name is never seen. This setup file (vitest.config.ts, setupFiles) prints one line
 * per skip as it is decided:
 * - `describe.skipIf(x)` / `it.skipIf(x)` / `runIf`: when the test is registered; the reason is
 *   the condition itself when it is a string (our tests pass `reason | null`), else the name,
 *   which then carries it ("… [skipped: vsftpd is not installed]");
 * - `ctx.skip(note)` at run time: after the test, with its note.
 * The lines go to stderr, which vitest shows per file under "stderr | file".
 */
import { afterEach, describe, it } from 'vitest';

type Condition = unknown;
type Registrar = (name: string, ...rest: unknown[]) => unknown;
type Chooser = { skipIf(condition: Condition): Registrar; runIf(condition: Condition): Registrar };

function announce(kind: 'group' | 'test', condition: Condition, name: string): void {
  const reason = typeof condition === 'string' && condition !== '' && !name.includes(condition) ? ` — ${condition}` : '';
  console.warn(`↓ skipped ${kind}: ${name}${reason}`);
}

/** Wraps `target[method]` so that a registration it turns into a skip is announced. */
function announceSkips(target: Chooser, kind: 'group' | 'test', method: 'skipIf' | 'runIf'): void {
  const original = target[method].bind(target);
  const skips = (condition: Condition): boolean => (method === 'skipIf' ? Boolean(condition) : !condition);
  target[method] = (condition: Condition) => {
    const chosen = original(condition);
    if (!skips(condition)) return chosen;
    const register: Registrar = (name, ...rest) => {
      announce(kind, method === 'skipIf' ? condition : undefined, String(name));
      return chosen(name, ...rest);
    };
    // Keep .each, .skip and the rest of the chain on what is returned.
    return Object.assign(register, chosen);
  };
}

announceSkips(describe as unknown as Chooser, 'group', 'skipIf');
announceSkips(describe as unknown as Chooser, 'group', 'runIf');
announceSkips(it as unknown as Chooser, 'test', 'skipIf');
announceSkips(it as unknown as Chooser, 'test', 'runIf');

afterEach(({ task }) => {
  if (task.result?.state !== 'skip') return;
  // ctx.skip(note) keeps the note on the result; vitest's TaskResult type does not declare it.
  const note = (task.result as { note?: string }).note;
  console.warn(`↓ skipped test: ${task.name}${note ? ` — ${note}` : ''}`);
});
