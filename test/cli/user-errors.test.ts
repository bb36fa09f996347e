/**
 * User mistakes on the command line or in data files: exit 2, one sentence naming what is wrong,
 * never a stack trace and never "internal error".
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ftpDoctor as runCli } from '../setup/run-cli.js';

const ftpDoctor = (args: string[]): ReturnType<typeof runCli> => runCli(args, 30_000);

describe('user mistakes exit 2 with one clear sentence', async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-cli-'));
  const badScenario = path.join(directory, 'mine.yaml');
  await writeFile(badScenario, 'id: mine\ntitle: t\ndescription: d\nsource: s\ntopology: {}\nclient: {}\nexpect: { verdict: maybe }\n');
  const cases: [string, string[], RegExp][] = [
    ['an unknown scenario id', ['scenarios', 'run', 'no-such-scenario'], /no-such-scenario: no scenario with this id/],
    ['a missing scenario file', ['scenarios', 'run', path.join(directory, 'missing.yaml')], /missing\.yaml: no such file/],
    ['a scenario file with a bad field', ['scenarios', 'run', badScenario], /mine\.yaml: line 7, expect\.verdict must be one of pass, fail/],
    ['an unsupported URL scheme', ['probe', 'gopher://example.invalid/'], /unsupported scheme gopher:/],
    ['an inverted passive range', ['serve', '--pasv-range', '6000-5000'], /--pasv-range 6000-5000/],
    ['an unknown command', ['frobnicate'], /Unknown argument: frobnicate/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const result = await ftpDoctor(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
