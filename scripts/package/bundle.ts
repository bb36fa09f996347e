/**
 * The CLI as one CommonJS file, the form Node 20's single executable applications run. The
 * sources are ESM (and yargs and p-limit are ESM only); esbuild turns all of it into CommonJS.
 * `import.meta.url` has no CommonJS meaning, so it is defined as the running file's URL — in the
 * executable that is the executable itself. Our uses ask node:sea first (src/assets/shipped-files.ts
 * and the netns runner's "start our own CLI"); yargs' use is made harmless by the shim edits below.
 * (`import.meta.resolve` in yargs' `extends` support is left empty: we never use `extends`.)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

/** The variable the banner sets and `import.meta.url` is replaced by. */
const META_URL = '__ftpDoctorModuleUrl';

/**
 * Dependencies' Node shims read files beside themselves at run time: y18n (yargs' messages) its
 * locale files, yargs the nearest package.json above it for parser settings. In the executable
 * "beside itself" is the user's folder, and nothing may be read from there unasked: the
 * executable speaks English (y18n without readFileSync uses its built-in strings, as it does
 * under other bundlers) and reads no package.json.
 */
const SHIM_EDITS: ReadonlyArray<{ file: RegExp; edits: ReadonlyArray<readonly [RegExp, string]> }> = [
  { file: /yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/, edits: [[/findUp: escalade,/, 'findUp: () => undefined,']] },
  { file: /y18n[\\/]build[\\/]lib[\\/]platform-shims[\\/]node\.js$/, edits: [[/fs: \{\s*readFileSync,/, 'fs: { readFileSync: undefined,']] },
];

const shimPlugin: Plugin = {
  name: 'shims-read-nothing-beside-the-executable',
  setup(builder) {
    for (const { file, edits } of SHIM_EDITS) {
      builder.onLoad({ filter: file }, async (args) => {
        let contents = await readFile(args.path, 'utf8');
        for (const [from, to] of edits) {
          // An upgrade that moves these lines must fail the build, not ship an executable that reads.
          if (!from.test(contents)) throw new Error(`${args.path}: expected ${String(from)}; the dependency changed, review SHIM_EDITS`);
          contents = contents.replace(from, to);
        }
        return { contents, loader: 'js' };
      });
    }
  },
};

export interface BundleResult {
  file: string;
  bytes: number;
}

/** Bundles src/cli/main.ts into <outDir>/ftp-doctor.cjs. */
export async function bundleCli(root: string, outDir: string): Promise<BundleResult> {
  const file = path.join(outDir, 'ftp-doctor.cjs');
  const result = await build({
    entryPoints: [path.join(root, 'src/cli/main.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    // esbuild keeps the entry's "#!" line first; the banner follows it.
    banner: { js: `var ${META_URL}=require("node:url").pathToFileURL(__filename).href;` },
    define: { 'import.meta.url': META_URL },
    plugins: [shimPlugin],
    metafile: true,
  });
  // Any warning but the one about yargs' import.meta.resolve (see above) fails the build.
  const problems = result.warnings.filter((warning) => !/import\.meta/.test(warning.text) || !/apply-extends/.test(warning.location?.file ?? ''));
  if (problems.length > 0) throw new Error(`esbuild warnings:\n${problems.map((warning) => `${warning.location?.file ?? ''}: ${warning.text}`).join('\n')}`);
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  return { file, bytes };
}
