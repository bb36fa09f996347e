/**
 * One standalone executable: the SEA blob (the bundled CLI plus every shipped file as an asset)
 * made by the running Node, injected with postject into a copy of the target's Node binary.
 */
import { execFile } from 'node:child_process';
import { copyFile, chmod, readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { ASSET_INDEX } from '../../src/assets/shipped-files.js';
import type { Target } from './node-binaries.js';
import { withoutAuthenticodeSignature } from './pe-signature.js';

const run = promisify(execFile);

/** The directories of the package the CLI reads at run time (see src/assets/shipped-files.ts). */
export const SHIPPED_DIRECTORIES = ['scenarios'] as const;

/** The fuse Node looks for to know a blob was injected (Node's documentation, "Single executable applications"). */
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** Writes <workDir>/sea-config.json and the asset index; returns the blob's path. */
export async function makeSeaBlob(root: string, bundle: string, workDir: string): Promise<string> {
  const assets: Record<string, string> = {};
  for (const directory of SHIPPED_DIRECTORIES) {
    for (const name of (await readdir(path.join(root, directory))).sort()) assets[`${directory}/${name}`] = path.join(root, directory, name);
  }
  const index = path.join(workDir, ASSET_INDEX);
  await writeFile(index, JSON.stringify(Object.keys(assets)));
  const blob = path.join(workDir, 'sea-prep.blob');
  const config = {
    main: bundle,
    output: blob,
    disableExperimentalSEAWarning: true,
    assets: { [ASSET_INDEX]: index, ...assets },
  };
  const configFile = path.join(workDir, 'sea-config.json');
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
  await run(process.execPath, ['--experimental-sea-config', configFile], { timeout: 120_000 });
  return blob;
}

interface Postject {
  inject(file: string, resource: string, data: Buffer, options: { sentinelFuse: string; machoSegmentName?: string; overwrite?: boolean }): Promise<void>;
}

/** Copies the target's Node binary to `output` and injects the blob. */
export async function injectBlob(target: Target, nodeBinary: string, blob: string, output: string): Promise<void> {
  if (target.os === 'win') await writeFile(output, withoutAuthenticodeSignature(await readFile(nodeBinary)));
  else await copyFile(nodeBinary, output);
  await chmod(output, 0o755);
  const postject = createRequire(import.meta.url)('postject') as Postject;
  // The macOS binary's signature breaks here (postject says so); the release workflow re-signs it
  // on macOS, and the README says how (codesign does not exist where this runs).
  const options = { sentinelFuse: SENTINEL_FUSE, ...(target.os === 'darwin' ? { machoSegmentName: 'NODE_SEA' } : {}) };
  const data = await readFile(blob);
  await withoutHarmlessWarnings(() => postject.inject(output, 'NODE_SEA_BLOB', data, options));
}

/** LIEF, inside postject, names ELF note sections it cannot place; harmless (Node's documentation shows the same lines). */
const HARMLESS_WARNING = /^warning: Can't find string offset for section name/;

/** postject's WebAssembly module prints through console.warn, bound when each inject() loads it. */
async function withoutHarmlessWarnings<T>(work: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!HARMLESS_WARNING.test(args.map(String).join(' '))) warn(...args);
  };
  try {
    return await work();
  } finally {
    console.warn = warn;
  }
}
