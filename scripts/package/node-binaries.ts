/**
 * The Node binaries the executables are made from: the registry's node-<os>-<arch> packages of
 * exactly the running Node's version (a SEA blob is made by the running Node and read by the
 * target's; they must agree). Nothing is downloaded from anywhere but the npm registry, through
 * npm itself, which checks each package's integrity; the packages are kept in a cache directory.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Target {
  /** "linux-x64": the release file is ftp-doctor-<id>[.exe]. */
  id: string;
  os: 'linux' | 'win' | 'darwin';
  /** Required targets fail the build when their Node binary cannot be had; the others are skipped with a reason. */
  required: boolean;
}

export const TARGETS: readonly Target[] = [
  { id: 'linux-x64', os: 'linux', required: true },
  { id: 'linux-arm64', os: 'linux', required: false },
  { id: 'win-x64', os: 'win', required: true },
  { id: 'win-arm64', os: 'win', required: false },
  { id: 'darwin-x64', os: 'darwin', required: true },
  { id: 'darwin-arm64', os: 'darwin', required: false },
];

export const executableName = (target: Target): string => `ftp-doctor-${target.id}${target.os === 'win' ? '.exe' : ''}`;

export class NodeBinaryUnavailable extends Error {}

/** The bounded time for one `npm pack` of a 30–45 MB package. */
const NPM_PACK_TIMEOUT_MS = 10 * 60_000;

/**
 * The path of node (node.exe) for a target, from <cacheDir>/<package>-<version>/; fetched with
 * `npm pack` when not cached yet.
 */
export async function nodeBinary(target: Target, version: string, cacheDir: string): Promise<string> {
  const spec = `node-${target.id}@${version}`;
  const unpacked = path.join(cacheDir, `node-${target.id}-${version}`);
  const binary = path.join(unpacked, target.os === 'win' ? 'bin/node.exe' : 'bin/node');
  if (existsSync(binary)) return binary;
  await mkdir(cacheDir, { recursive: true });
  let tarball: string;
  try {
    const { stdout } = await run('npm', ['pack', spec, '--json', '--pack-destination', cacheDir], { timeout: NPM_PACK_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
    if (!packed) throw new Error('npm pack said nothing');
    tarball = path.join(cacheDir, packed.filename);
  } catch (error) {
    const text = `${(error as { stderr?: string }).stderr ?? ''} ${(error as Error).message}`;
    const missing = /E404|ETARGET|No matching version|not in this registry/i.test(text);
    throw new NodeBinaryUnavailable(missing ? `the npm registry has no ${spec}` : `npm pack ${spec} failed: ${text.trim().split('\n').slice(-3).join(' ')}`);
  }
  // Unpack into a fresh directory and move it into place only when complete: an interrupted
  // build leaves no half-written binary in the cache.
  const partial = `${unpacked}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  const inside = target.os === 'win' ? 'package/bin/node.exe' : 'package/bin/node';
  await run('tar', ['-xzf', tarball, '-C', partial, '--strip-components=1', inside], { timeout: NPM_PACK_TIMEOUT_MS });
  await rm(tarball, { force: true });
  if (!(await readdir(path.join(partial, 'bin'))).length) throw new Error(`${spec}: no ${inside} in the package`);
  await rm(unpacked, { recursive: true, force: true });
  await rename(partial, unpacked);
  return binary;
}
