/**
 * The npm package as a user gets it: `npm pack` (whose prepare compiles src/ into dist/) in a copy
 * of the sources, then `npm install <tarball>` into an empty project — runtime dependencies only,
 * nothing compiled at the user's end — and `npx ftp-doctor` runs the catalogue.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/netns/process.js';
import { VERSION } from '../../src/version.js';
import { ALL_MET, ROOT } from './build-for-test.js';

/** tsc in prepare, and npm fetching the runtime dependencies: minutes on a busy machine. */
const NPM_TIMEOUT_MS = 10 * 60_000;
const RUN_TIMEOUT_MS = 120_000;

interface PackedFile {
  path: string;
}

/** Every name some installed package depends on (node_modules/*, node_modules/@scope/*, nested ones). */
async function dependenciesOfInstalled(modules: string, found = new Set<string>()): Promise<Set<string>> {
  for (const entry of await readdir(modules).catch(() => [] as string[])) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      await dependenciesOfInstalled(path.join(modules, entry), found);
      continue;
    }
    const manifest = JSON.parse(await readFile(path.join(modules, entry, 'package.json'), 'utf8').catch(() => '{}')) as Record<string, Record<string, string> | undefined>;
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) for (const name of Object.keys(manifest[field] ?? {})) found.add(name);
    await dependenciesOfInstalled(path.join(modules, entry, 'node_modules'), found);
  }
  return found;
}

let work: string;
let project: string;
let packedFiles: string[];
let env: NodeJS.ProcessEnv;

const npm = (args: string[], cwd: string, timeoutMs = NPM_TIMEOUT_MS) => run(['npm', ...args], { cwd, env, timeoutMs });

describe('the npm package', { timeout: RUN_TIMEOUT_MS }, () => {
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-npm-'));
    // npm run by npm (as under `npm test`) passes its settings on as npm_* variables: none of
    // those may decide how the user's install behaves.
    env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
    const sources = path.join(work, 'sources');
    await mkdir(sources);
    for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE', 'src', 'scenarios', 'docs']) {
      if (existsSync(path.join(ROOT, entry))) await cp(path.join(ROOT, entry), path.join(sources, entry), { recursive: true });
    }
    // The clone's devDependencies (tsc for prepare) without installing them again.
    await symlink(path.join(ROOT, 'node_modules'), path.join(sources, 'node_modules'), 'dir');
    const packed = await npm(['pack', '--json', '--pack-destination', work], sources);
    if (packed.code !== 0) throw new Error(`npm pack failed (${packed.code}): ${packed.stderr.slice(-2000)}`);
    const [tarball] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: PackedFile[] }>;
    packedFiles = tarball!.files.map((file) => file.path);
    project = path.join(work, 'project');
    await mkdir(project);
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'uses-ftp-doctor', version: '1.0.0', private: true }));
    const installed = await npm(['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(work, tarball!.filename)], project);
    if (installed.code !== 0) throw new Error(`npm install of the tarball failed (${installed.code}): ${installed.stderr.slice(-2000)}`);
  }, 2 * NPM_TIMEOUT_MS);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the tarball holds the compiled CLI and the catalogue, not the sources or tests', () => {
    expect(packedFiles).toContain('dist/cli/main.js');
    expect(packedFiles).toContain('dist/assets/shipped-files.js');
    expect(packedFiles.filter((file) => file.startsWith('scenarios/')).length).toBeGreaterThan(0);
    expect(packedFiles.filter((file) => /^(src|test|bench|scripts)\//.test(file))).toEqual([]);
  });

  it('installs only the runtime dependencies: no devDependency reaches the user', async () => {
    const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    // A devDependency may also be a runtime dependency's dependency (string-width is yargs'): that
    // one is there for the runtime's sake. Any other would have come from ours.
    const required = await dependenciesOfInstalled(path.join(project, 'node_modules'));
    const present = Object.keys(manifest.devDependencies).filter((name) => existsSync(path.join(project, 'node_modules', name)) && !required.has(name));
    expect(present).toEqual([]);
    expect(existsSync(path.join(project, 'node_modules/typescript'))).toBe(false);
    expect(existsSync(path.join(project, 'node_modules/yargs'))).toBe(true);
  });

  it('npx ftp-doctor --version', async () => {
    const result = await run(['npx', '--no-install', 'ftp-doctor', '--version'], { cwd: project, env, timeoutMs: RUN_TIMEOUT_MS });
    expect(result.stdout, result.stderr).toBe(`${VERSION}\n`);
    expect(result.code).toBe(0);
  });

  it('npx ftp-doctor scenarios run replays the catalogue', async () => {
    const result = await run(['npx', '--no-install', 'ftp-doctor', 'scenarios', 'run'], { cwd: project, env, timeoutMs: RUN_TIMEOUT_MS });
    expect(result.stdout, result.stderr).toMatch(ALL_MET);
    expect(result.code).toBe(0);
  });
});
