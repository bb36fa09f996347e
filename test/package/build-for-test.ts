/**
 * What the packaging tests share: one build of the executables they need into a fresh temporary
 * directory (the registry's Node binaries are cached in .tmp/node-bins across runs), and the
 * facts they check the results against.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExecutables, type PackageResult } from '../../scripts/package/build.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Bundling, the blob and postject take tens of seconds on a busy machine; a first fetch of a Node binary more. */
export const BUILD_TIMEOUT_MS = 15 * 60_000;

export const CATALOGUE_SIZE = readdirSync(path.join(ROOT, 'scenarios')).filter((name) => /\.(ya?ml|json)$/i.test(name)).length;

/** "31 of 31 scenarios met their expectation": every scenario of the catalogue ran and was met. */
export const ALL_MET = new RegExp(`\\b${CATALOGUE_SIZE} of ${CATALOGUE_SIZE} scenarios met their expectation`);

export interface TestBuild extends PackageResult {
  dir: string;
  remove(): Promise<void>;
}

export async function buildForTest(targets: string[]): Promise<TestBuild> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-release-'));
  const result = await buildExecutables({ root: ROOT, out: dir, cacheDir: path.join(ROOT, '.tmp/node-bins'), targets, log: () => {} });
  return { ...result, dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
