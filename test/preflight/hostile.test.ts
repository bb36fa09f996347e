/**
 * Hostile or huge configuration files: a clear error naming the file (and line), or a bounded
 * read that says where it stopped; never a hang, a crash or a credential in the facts.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseCompose } from '../../src/preflight/publishing/compose.js';
import { parseApplicationHostConfig } from '../../src/preflight/servers/iis.js';
import { parseProftpdConf } from '../../src/preflight/servers/proftpd.js';
import { MAX_DEPTH } from '../../src/preflight/xml.js';

const run = promisify(execFile);
const CLI = [path.resolve('node_modules/tsx/dist/cli.mjs'), 'src/cli/main.ts'];

async function preflightExit(file: string): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [...CLI, 'preflight', file, '--no-simulate'], { timeout: 60_000 });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? '' };
  }
}

describe('preflight: hostile inputs', async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-preflight-hostile-'));

  it('a file over 1 MiB is refused, exit 2, naming it', { timeout: 60_000 }, async () => {
    const file = path.join(directory, 'vsftpd.conf');
    await writeFile(file, `pasv_min_port=50000\n${'# padding\n'.repeat(120_000)}`);
    const result = await preflightExit(file);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/vsftpd\.conf: is 1\.\d MiB; data files larger than 1\.0 MiB are refused/);
  });

  it.runIf(process.platform === 'linux')('a FIFO is refused without waiting for a writer', { timeout: 60_000 }, async () => {
    const fifo = path.join(directory, 'fifo.conf');
    execFileSync('mkfifo', [fifo]);
    const result = await preflightExit(fifo);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/fifo\.conf: is not a regular file/);
  });

  it('a YAML alias bomb in a compose file is refused, not expanded', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'services: { ftp: { ports: [*d] } }'].join('\n');
    expect(() => parseCompose('compose.yml', bomb)).toThrow(/compose\.yml: .*alias/);
  });

  it(`XML nested deeper than ${MAX_DEPTH} levels is read that far, and the rest said`, () => {
    const text = `${'<a>'.repeat(100)}${'</a>'.repeat(100)}`;
    const facts = parseApplicationHostConfig('applicationHost.config', text);
    expect(facts.notUnderstood.some((item) => /nested more than 64 deep: the rest is not read/.test(item.reason))).toBe(true);
  });

  it('an Include that includes itself stops 8 levels down, said with its line', () => {
    const facts = parseProftpdConf('proftpd.conf', 'Include proftpd.conf\n', () => [{ file: 'proftpd.conf', text: 'Include proftpd.conf\n' }]);
    expect(facts.notUnderstood.map((item) => `${item.at.file}:${item.at.line} ${item.reason}`)).toEqual(['proftpd.conf:1 Include nested more than 8 deep: not followed']);
  });
});
