/**
 * The project stands on its own (issue 13, item 12): the contracts are documented in docs/, from
 * the code they describe, and stay so: every finding code the code can emit, every field of the
 * JSON report and every scenario field the validator accepts is in its page. Nothing points at a
 * document the repository does not have. The README's way of running from a clone works.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FINDING_CODES, findingEntry, isFindingCode } from '../../src/findings/registry.js';
import { VERSION } from '../../src/version.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

function filesUnder(directory: string, extensions: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (relative: string): void => {
    for (const name of readdirSync(path.join(ROOT, relative))) {
      const child = path.join(relative, name);
      if (statSync(path.join(ROOT, child)).isDirectory()) walk(child);
      else if (extensions.some((extension) => name.endsWith(extension))) out.push(child);
    }
  };
  walk(directory);
  return out;
}

/**
 * Codes the code can put in a finding: `code: 'X'` in rules and findings, `infoFinding('X', …)` in
 * the sweep, and certificate codes chosen at run time (`{ code: 'X', what }`). The registry must
 * hold each (the type system checks literal codes too; this catches any that slip past it).
 */
function emittedCodes(): string[] {
  const codes = new Set<string>();
  const places = ['src/diagnosis', 'src/sweep', 'src/check', 'src/scenarios', 'src/probe'].filter((directory) => existsSync(path.join(ROOT, directory)));
  for (const file of places.flatMap((directory) => filesUnder(directory, ['.ts']))) {
    for (const match of read(file).matchAll(/(?:\bcode: |infoFinding\()'([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g)) codes.add(match[1] ?? '');
  }
  return [...codes].sort();
}

describe('finding codes', () => {
  const page = read('docs/finding-codes.md');
  const readme = read('README.md');
  const codes = emittedCodes();

  it('finds the codes it checks', () => {
    expect(codes).toContain('DATA_CHANNEL_BLOCKED');
    expect(codes).toContain('SWEEP_SAMPLED');
    expect(codes).toContain('TLS_CERTIFICATE_EXPIRED');
    expect(codes.length).toBeGreaterThan(30);
  });

  it.each(codes)('%s is in the registry, docs/finding-codes.md and the README', (code) => {
    expect(isFindingCode(code), `add ${code} to the registry in src/findings`).toBe(true);
    expect(page, `run npm run docs:codes (${code})`).toContain(`\`${code}\``);
    expect(readme, `run npm run docs:codes (${code})`).toContain(`| \`${code}\` |`);
  });

  it("the registry says truly which commands report each code (sweep: src/sweep; probe: the diagnosis)", () => {
    const codesIn = (directory: string): Set<string> => new Set(filesUnder(directory, ['.ts']).flatMap((file) => [...read(file).matchAll(/'([A-Z]+(?:_[A-Z0-9]+)+)'/g)].map((match) => match[1] ?? '')));
    const places = { sweep: codesIn('src/sweep'), probe: codesIn('src/diagnosis') };
    const wrong = FINDING_CODES.flatMap((code) =>
      (['sweep', 'probe'] as const).flatMap((command) => {
        const listed = (findingEntry(code).emittedBy as readonly string[]).includes(command);
        return listed === places[command].has(code) ? [] : [`${code}: ${listed ? 'listed for' : 'not listed for'} ${command}`];
      }),
    );
    expect(wrong).toEqual([]);
  });

  it('every code of the registry is one the code can emit (no dead rows)', () => {
    const source = filesUnder('src', ['.ts']).filter((file) => !file.startsWith(`src${path.sep}findings`)).map(read).join('\n');
    expect(FINDING_CODES.filter((code) => !source.includes(`'${code}'`))).toEqual([]);
  });
});

describe('docs/json-report.md', () => {
  const page = read('docs/json-report.md');
  // Property names of the report interfaces, one per line in src/report/model.ts and the recorded
  // transcript, connections and trace it carries (src/evidence/record.ts).
  const model = read('src/report/model.ts') + read('src/evidence/record.ts');
  const fields = [...new Set([...model.matchAll(/^ {2}(\w+)\??: /gm)].map((match) => match[1] ?? ''))].sort();

  it('finds the fields it checks', () => {
    expect(fields).toEqual(expect.arrayContaining(['verdict', 'findings', 'remedies', 'transcript', 'results', 'targets']));
  });

  it.each(fields)('%s is documented', (field) => {
    expect(page, `document the report field ${field} in docs/json-report.md`).toContain(`\`${field}\``);
  });
});

describe('counts and lists the docs state', () => {
  it("the README's count of scenario files is the number of files in scenarios/", () => {
    const stated = /— (\d+)\s+files in all/.exec(read('README.md'))?.[1];
    expect(stated, 'the README says "— N files in all" of the catalogue').toBeDefined();
    const files = readdirSync(path.join(ROOT, 'scenarios')).filter((name) => /\.ya?ml$/.test(name));
    expect(Number(stated)).toBe(files.length);
  });

  it("docs/json-report.md's inputs[].format values are exactly the formats explain reads", async () => {
    const { READERS } = await import('../../src/explain/readers.js');
    const line = read('docs/json-report.md').split('\n').find((text) => text.startsWith('| `inputs` |') && text.includes('`format` (')) ?? '';
    const listed = /`format` \(([^)]*)\)/.exec(line)?.[1] ?? '';
    // The values in backticks, less the option the sentence names.
    const values = new Set([...listed.matchAll(/`([^`]+)`/g)].map((match) => match[1]).filter((value) => value !== '--format'));
    expect([...values].sort()).toEqual(READERS.map((reader) => reader.format).sort());
  });
});

describe('docs/scenario-format.md', () => {
  const page = read('docs/scenario-format.md');
  const fields = [...new Set([...read('src/scenarios/validate.ts').matchAll(/(\w+): field\(/g)].map((match) => match[1] ?? ''))].sort();

  it('finds the fields it checks', () => {
    expect(fields).toEqual(expect.arrayContaining(['pasvRange', 'firewalls', 'forwardToPort', 'failingStep', 'ftpHelper']));
  });

  it.each(fields)('%s is documented', (field) => {
    expect(page, `document the scenario field ${field} in docs/scenario-format.md`).toMatch(new RegExp(`\`(?:[\\w.]+\\.)?${field}(?:\\.\\w+)?\``));
  });
});

describe('references', () => {
  const places = [
    ...filesUnder('src', ['.ts']),
    ...filesUnder('scenarios', ['.yaml', '.yml', '.json']),
    ...filesUnder('docs', ['.md']),
    ...filesUnder('scripts', ['.ts']),
    'README.md',
    'reports/README.md',
  ];

  it('nothing points at a design document or source file the repository does not have', () => {
    const offenders = places.filter((file) => /DESIGN\.md|seeds\/|iis7-ftp-firewall-settings\.md|iis-passive-port-range-blog|seed document/i.test(read(file)));
    expect(offenders).toEqual([]);
  });

  it('every relative link in the README and docs/ resolves', () => {
    const broken: string[] = [];
    for (const file of ['README.md', 'reports/README.md', ...filesUnder('docs', ['.md'])]) {
      for (const match of read(file).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        const target = match[1] ?? '';
        if (/^[a-z]+:/.test(target)) continue;
        if (!existsSync(path.resolve(ROOT, path.dirname(file), target))) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the --json help names the page that describes it', () => {
    expect(read('src/cli/output.ts')).toContain('docs/json-report.md');
  });
});

describe('running from a clone', () => {
  const manifest = JSON.parse(read('package.json')) as { bin: Record<string, string>; scripts: Record<string, string>; files: string[] };
  const build = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { rootDir: string; outDir: string } };

  it('npm install builds the bin: prepare compiles src/ into the directory bin points into', () => {
    expect(manifest.scripts.prepare).toContain('tsconfig.build.json');
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(manifest.bin['ftp-doctor']).toBe('dist/cli/main.js');
    expect(read('src/cli/main.ts').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('a packed or git-installed copy has the pages the help texts point at', () => {
    expect(manifest.files).toEqual(expect.arrayContaining(['dist', 'scenarios', 'docs', 'README.md']));
  });

  it("the README's first two commands are scripts that exist", () => {
    const head = read('README.md').split('\n').slice(0, 8).join('\n');
    expect(head).toContain('npm install && npm start');
    expect(head).toContain('npm test');
    expect(manifest.scripts.start).toContain('scenarios run');
    expect(manifest.scripts.test).toContain('vitest');
  });

  it('the README never tells users to install ftp-doctor from the registry', () => {
    for (const file of ['README.md', ...filesUnder('docs', ['.md'])]) {
      expect(read(file), file).not.toMatch(/npm (?:install|i|add)(?: -[-\w]+)* ftp-doctor\b(?!\.git)/);
    }
  });

  const built = existsSync(path.join(ROOT, 'dist/cli/main.js'));
  if (!built) console.warn('skipping the npx test: dist/ is not built (npm install runs prepare, or npm run build)');
  it.skipIf(!built)('npx ftp-doctor runs the clone\'s own bin, without the registry', { timeout: 60_000 }, async () => {
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'ftp-doctor', '--version'], { cwd: ROOT, timeout: 60_000, encoding: 'utf8' });
    expect(stdout.trim()).toBe(VERSION);
  });
});
