import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyFile, parsePolicyText, PolicyFileError } from '../../src/check/load.js';
import { DataFileError } from '../../src/config/yaml-file.js';

const good = `
defaults:
  modes: [epsv, pasv]
targets:
  - name: production
    url: ftpes://deploy@ftp.example.com/
    passwordEnv: FTP_PASSWORD_PROD
    requireTls: true
    passiveRange: 5500-5525
    externalAddress: 203.0.113.5
    maxTransferMs: 3000
    samples: 10
  - name: staging
    url: ftp://127.0.0.1:2121/
    modes: [pasv]
`;

const ENV = { FTP_PASSWORD_PROD: 'Prod-Secret-9' };

function problemsOf(text: string, env: NodeJS.ProcessEnv = ENV): string[] {
  try {
    parsePolicyText(text, 'ftp-doctor.yml', env);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyFileError);
    expect(error).toBeInstanceOf(DataFileError);
    expect((error as Error).message.startsWith('ftp-doctor.yml: ')).toBe(true);
    return (error as PolicyFileError).problems;
  }
  throw new Error('expected the policy to be rejected');
}

describe('policy files', () => {
  it('loads targets, applies defaults, and reads the password from the named variable', () => {
    const loaded = parsePolicyText(good, 'ftp-doctor.yml', ENV);
    expect(loaded.targets.map((item) => item.target.name)).toEqual(['production', 'staging']);
    const [production, staging] = loaded.targets;
    expect(production?.target).toMatchObject({ passiveRange: { from: 5500, to: 5525 }, externalAddress: '203.0.113.5', requireTls: true, maxTransferMs: 3000, samples: 10, modes: ['epsv', 'pasv'] });
    expect(production?.password).toBe('Prod-Secret-9');
    expect(JSON.stringify(production?.target)).not.toContain('Prod-Secret-9');
    expect(staging?.target.modes).toEqual(['pasv']); // its own value beats the default
    expect(staging?.password).toBeUndefined();
  });

  it.each([
    ['a bad range', good.replace('5500-5525', '5525-5500'), /^line 9, targets\[0\]\.passiveRange must be a port \(1-65535\) or a range/],
    ['a bad address', good.replace('203.0.113.5', 'example.com'), /^line 10, targets\[0\]\.externalAddress must be an IP address \(got "example.com"\)/],
    ['an unknown mode', good.replace('modes: [pasv]', 'modes: [pasv, passive]'), /^line 15, targets\[1\]\.modes\[1\] must be one of epsv, pasv, port, eprt/],
    ['a typo', good.replace('maxTransferMs', 'maxTransferMS'), /^line 11, targets\[0\]\.maxTransferMS unknown field/],
    ['a missing url', good.replace('    url: ftp://127.0.0.1:2121/\n', ''), /^line 13, targets\[1\]\.url is required/],
    ['an unsupported scheme', good.replace('ftp://127.0.0.1:2121/', 'sftp://127.0.0.1/'), /^line 14, targets\[1\]\.url must use ftp:\/\/, ftpes:\/\/ or ftps:\/\/ \(got sftp:\/\/\)/],
    ['a bad variable name', good.replace('FTP_PASSWORD_PROD', 'FTP-PASSWORD'), /^line 7, targets\[0\]\.passwordEnv must be an environment variable name/],
    ['requireTls on plain FTP', good.replace('ftpes://deploy@', 'ftp://deploy@'), /^line 8, targets\[0\]\.requireTls needs TLS/],
    ['externalAddress without pasv', good.replace('  modes: [epsv, pasv]', '  modes: [epsv]'), /^line 10, targets\[0\]\.externalAddress needs pasv among the modes/],
    ['duplicate names', good.replace('name: staging', 'name: production'), /^line 13, targets\[1\]\.name duplicate target name "production"/],
    ['no targets', 'targets: []\n', /^line 1, targets must list at least 1/],
    ['not a mapping', '- just\n- a list\n', /^line 1, \(top level\) must be a mapping/],
  ])('%s: names the line and the field', (_label, text, message) => {
    const problems = problemsOf(text);
    expect(problems[0]).toMatch(message);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(problemsOf('targets:\n  - name: x\n    url: [\n')[0]).toMatch(/^line \d+: /);
  });

  it('refuses a password inside the URL, without repeating it', () => {
    const problems = problemsOf(good.replace('ftpes://deploy@', 'ftpes://deploy:Hunter2-In-Url@'));
    expect(problems[0]).toMatch(/^line 6, targets\[0\]\.url contains a password: remove it and name an environment variable with passwordEnv/);
    expect(problems.join('\n')).not.toContain('Hunter2-In-Url');
  });

  it('refuses a password field in the file, once and clearly', () => {
    const problems = problemsOf(good.replace('    passwordEnv: FTP_PASSWORD_PROD\n', '    password: Hunter2-In-File\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^line 7, targets\[0\]\.password is not allowed: passwords never go into the policy file; set passwordEnv/);
    expect(problems[0]).not.toContain('Hunter2-In-File');
  });

  it('a variable that is not set is named with its line, before anything runs', () => {
    const problems = problemsOf(good, {});
    expect(problems).toEqual(['line 7, targets[0].passwordEnv names FTP_PASSWORD_PROD, which is not set in the environment (export it, or in CI map the secret to it)']);
    expect(problemsOf(good, { FTP_PASSWORD_PROD: '' })[0]).toMatch(/not set/);
  });

  describe('from disk', () => {
    let directory = '';
    beforeAll(async () => {
      directory = await mkdtemp(path.join(os.tmpdir(), 'fd-policy-'));
    });
    afterAll(async () => {
      await rm(directory, { recursive: true, force: true });
    });

    it('loads a file and names it in errors', async () => {
      const file = path.join(directory, 'ftp-doctor.yml');
      await writeFile(file, good);
      expect((await loadPolicyFile(file, ENV)).targets).toHaveLength(2);
      await writeFile(file, good.replace('samples: 10', 'samples: many'));
      await expect(loadPolicyFile(file, ENV)).rejects.toThrow(`${file}: line 12, targets[0].samples must be a whole number from 0 to 1000 (got "many")`);
    });

    it('says when the file does not exist', async () => {
      await expect(loadPolicyFile(path.join(directory, 'missing.yml'), ENV)).rejects.toThrow(/missing\.yml: no such file/);
    });
  });
});

describe('a URL with a port past 65535', () => {
  it('is called out of range, not "not a URL"', () => {
    const problems = problemsOf('targets:\n  - name: a\n    url: ftp://127.0.0.1:99999/\n');
    expect(problems.join('\n')).toMatch(/line 3, targets\[0\]\.url has port 99999, which is out of range \(ports are 1-65535\)/);
  });
});
