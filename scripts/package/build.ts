/**
 * `npm run package`: the standalone executables and their checksums.
 *
 *   tsx scripts/package/build.ts [--targets linux-x64,win-x64] [--out release] [--cache .tmp/node-bins]
 *
 * writes <out>/ftp-doctor-<os>-<arch>[.exe] for every target whose Node binary the npm registry
 * has in the running Node's version, and <out>/SHA256SUMS (the format `sha256sum -c` reads).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCli } from './bundle.js';
import { executableName, nodeBinary, NodeBinaryUnavailable, TARGETS, type Target } from './node-binaries.js';
import { injectBlob, makeSeaBlob } from './sea.js';

export interface PackageOptions {
  root: string;
  out: string;
  cacheDir: string;
  /** Target ids; all of TARGETS when absent. */
  targets?: string[];
  log?: (line: string) => void;
}

export interface BuiltExecutable {
  target: string;
  file: string;
  bytes: number;
}

export interface PackageResult {
  built: BuiltExecutable[];
  skipped: Array<{ target: string; reason: string }>;
  bundleBytes: number;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function selectTargets(ids: string[] | undefined): Target[] {
  if (!ids) return [...TARGETS];
  return ids.map((id) => {
    const target = TARGETS.find((candidate) => candidate.id === id);
    if (!target) throw new Error(`unknown target ${JSON.stringify(id)} (known: ${TARGETS.map((candidate) => candidate.id).join(', ')})`);
    return target;
  });
}

export async function buildExecutables(options: PackageOptions): Promise<PackageResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const targets = selectTargets(options.targets);
  const version = process.versions.node;
  const work = path.join(options.out, '.work');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const bundle = await bundleCli(options.root, work);
  const blob = await makeSeaBlob(options.root, bundle.file, work);
  log(`bundle: ${bundle.bytes} bytes; Node ${version}`);
  const result: PackageResult = { built: [], skipped: [], bundleBytes: bundle.bytes };
  for (const target of targets) {
    let binary: string;
    try {
      binary = await nodeBinary(target, version, options.cacheDir);
    } catch (error) {
      if (!(error instanceof NodeBinaryUnavailable) || target.required) throw error;
      result.skipped.push({ target: target.id, reason: error.message });
      log(`${target.id}: skipped, ${error.message}`);
      continue;
    }
    const file = path.join(options.out, executableName(target));
    await injectBlob(target, binary, blob, file);
    const { size } = await stat(file);
    result.built.push({ target: target.id, file, bytes: size });
    log(`${target.id}: ${file} (${size} bytes)`);
  }
  await rm(work, { recursive: true, force: true });
  const sums = await Promise.all(result.built.map(async (built) => `${await sha256(built.file)}  ${path.basename(built.file)}\n`));
  await writeFile(path.join(options.out, 'SHA256SUMS'), sums.join(''));
  return result;
}

function argument(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const argv = process.argv.slice(2);
  const result = await buildExecutables({
    root,
    out: path.resolve(argument(argv, '--out') ?? path.join(root, 'release')),
    cacheDir: path.resolve(argument(argv, '--cache') ?? path.join(root, '.tmp/node-bins')),
    targets: argument(argv, '--targets')?.split(','),
  });
  for (const skipped of result.skipped) process.stderr.write(`not built: ${skipped.target} (${skipped.reason})\n`);
}
