/**
 * The release workflow cannot run here; its shape is checked instead: valid YAML with the keys
 * GitHub Actions requires (on, jobs, runs-on, steps that each use an action or run a command),
 * built on release tags with the package script and an exact Node version (the SEA blob must
 * match the registry's Node binaries), the executables and SHA256SUMS attached to the release.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './build-for-test.js';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  'working-directory'?: string;
}

interface Job {
  'runs-on': string;
  needs?: string | string[];
  'timeout-minutes'?: number;
  steps: Step[];
}

interface Workflow {
  name: string;
  on: { push: { tags: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const text = await readFile(path.join(ROOT, '.github/workflows/release.yml'), 'utf8');
const workflow = parse(text) as Workflow;
const jobs = Object.entries(workflow.jobs);
const steps = jobs.flatMap(([, job]) => job.steps);
const commands = steps.map((step) => step.run ?? '').join('\n');
const action = (name: string): Step | undefined => steps.find((step) => step.uses?.startsWith(`${name}@`));

describe('.github/workflows/release.yml', () => {
  it('has the keys GitHub Actions requires', () => {
    expect(typeof workflow.name).toBe('string');
    expect(jobs.length).toBeGreaterThan(0);
    for (const [id, job] of jobs) {
      expect(id).toMatch(/^[A-Za-z_][A-Za-z0-9_-]*$/);
      expect(typeof job['runs-on']).toBe('string');
      expect(job['timeout-minutes']).toBeGreaterThan(0);
      expect(Array.isArray(job.steps) && job.steps.length > 0).toBe(true);
      for (const need of [job.needs ?? []].flat()) expect(workflow.jobs[need], `${id} needs ${need}`).toBeDefined();
    }
    for (const step of steps) {
      // Exactly one of uses/run; actions pinned to a major version.
      expect(Number(step.uses !== undefined) + Number(step.run !== undefined), JSON.stringify(step)).toBe(1);
      if (step.uses) expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
    }
    // Expressions name only contexts a workflow has.
    for (const [expression] of text.matchAll(/\$\{\{[^}]*\}\}/g)) expect(expression).toMatch(/^\$\{\{\s*(github|secrets|env|matrix|steps|needs|runner|inputs|vars)\./);
  });

  it('runs on release tags only, and may write the release', () => {
    expect(Object.keys(workflow.on)).toEqual(['push']);
    expect(workflow.on.push.tags.length).toBeGreaterThan(0);
    expect(workflow.permissions.contents).toBe('write');
  });

  it('builds with npm ci and npm run package on the exact Node version the executables are made from', async () => {
    const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(manifest.scripts.package).toBeDefined();
    expect(commands).toMatch(/^npm ci$/m);
    expect(commands).toMatch(/^npm run package$/m);
    expect(commands).toMatch(/^npm pack --pack-destination release$/m);
    expect(action('actions/checkout')).toBeDefined();
    expect(String(action('actions/setup-node')?.with?.['node-version'])).toMatch(/^20\.\d+\.\d+$/);
  });

  it('hands the executables from the build to the release job and attaches them with SHA256SUMS', () => {
    const uploaded = action('actions/upload-artifact')?.with;
    const downloaded = action('actions/download-artifact')?.with;
    expect(uploaded?.name).toBeDefined();
    expect(downloaded?.name).toBe(uploaded?.name);
    expect(uploaded?.path).toMatch(/^release\/?$/);
    expect(commands).toContain('SHA256SUMS');
    expect(commands).toMatch(/gh release upload [^\n]*release\/ftp-doctor-\*[^\n]*release\/SHA256SUMS/);
    expect(commands).toMatch(/codesign --sign - /);
  });
});
