/**
 * The files the tool ships with and reads at run time (the scenario catalogue), read from the one
 * place they are: inside the executable when this is the standalone executable (a Node single
 * executable application, whose files are SEA assets), else from the installed package on disk.
 * Nothing is read from beside the executable: a stray "scenarios" folder next to it is ignored.
 */
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The asset listing every other asset's name; written by scripts/package/build.ts. */
export const ASSET_INDEX = 'shipped-files.json';

interface SeaModule {
  isSea(): boolean;
  getAsset(key: string, encoding: string): string;
}

let sea: SeaModule | null | undefined;

/** node:sea, when this Node has it (20.12 and later) and this process is an executable made with it. */
function seaModule(): SeaModule | null {
  if (sea !== undefined) return sea;
  try {
    const candidate = createRequire(import.meta.url)('node:sea') as SeaModule;
    sea = candidate.isSea() ? candidate : null;
  } catch {
    // An older Node 20 without node:sea cannot be an executable made with it.
    sea = null;
  }
  return sea;
}

/** Whether this process is the standalone ftp-doctor executable rather than Node running the package. */
export const isStandaloneExecutable = (): boolean => seaModule() !== null;

/** The installed package's directory (this file is <package>/dist/assets/ or <package>/src/assets/). */
export const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ShippedFile {
  /** The file name within its directory. */
  name: string;
  /** Where it is, for messages: a path on disk, or "<executable>/scenarios/x.yaml" inside the executable. */
  location: string;
  text: string;
}

let assetNames: string[] | undefined;

function listAssets(executable: SeaModule): string[] {
  assetNames ??= JSON.parse(executable.getAsset(ASSET_INDEX, 'utf8')) as string[];
  return assetNames;
}

/** The files of a shipped directory (e.g. 'scenarios') whose names are accepted, sorted by name. */
export async function readShippedDirectory(directory: string, accept: (name: string) => boolean): Promise<ShippedFile[]> {
  const executable = seaModule();
  if (executable) {
    const prefix = `${directory}/`;
    return listAssets(executable)
      .filter((key) => key.startsWith(prefix) && !key.slice(prefix.length).includes('/') && accept(key.slice(prefix.length)))
      .sort()
      .map((key) => ({ name: key.slice(prefix.length), location: `${process.execPath}/${key}`, text: executable.getAsset(key, 'utf8') }));
  }
  const onDisk = path.join(PACKAGE_DIR, directory);
  const names = (await readdir(onDisk)).filter(accept).sort();
  return Promise.all(names.map(async (name) => ({ name, location: path.join(onDisk, name), text: await readFile(path.join(onDisk, name), 'utf8') })));
}
