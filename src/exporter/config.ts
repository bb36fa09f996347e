/**
 * The exporter's configuration file (`--config exporter.yml`): which targets may be probed and the
 * modules a scrape names with `&module=`. Every problem names the file, the line and the field
 * (src/config/), and missing password variables are reported at start-up, not at the first scrape.
 *
 *   allow: [192.0.2.0/24, ftp.example.com]   # absent: any target (an open proxy: see the README)
 *   concurrency: 16
 *   modules:
 *     default:
 *       modes: [epsv, pasv]
 *       tls: explicit
 *       expectRange: 50000-50100
 *       expectAddress: 203.0.113.7
 *       user: monitor
 *       passwordEnv: FTP_MONITOR_PASSWORD
 *       timeouts: { connect: 5000, data: 5000, transfer: 20000, total: 30000 }   # ms
 *
 * Pure apart from loadExporterConfig (reads the file): parsed data in, typed config or problems out.
 */
import { ALL_MODES, type DataMode } from '../report/model.js';
import { array, boolean, field, integer, object, oneOf, parsePortRange, portOrRange, string, address, isObject, type Check, type FieldProblem } from '../config/fields.js';
import { DataFileError, parseYamlText, readDataFile } from '../config/yaml-file.js';
import { envName } from '../check/policy.js';
import { rememberSecret } from '../report/secrets.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_DATA_TIMEOUT_MS } from '../probe/options.js';
import { parseAllowList, type AllowList } from './allow.js';

export interface ExporterTimeouts {
  connectMs: number;
  dataMs: number;
  /** Total deadline of each listing; absent: the probe's default (a multiple of dataMs). */
  transferMs?: number;
  /** The whole probe; the scrape's own timeout lowers it further. */
  totalMs: number;
}

export interface ExporterModule {
  name: string;
  modes: DataMode[];
  tls?: 'none' | 'explicit' | 'implicit';
  expectRange?: { from: number; to: number };
  expectAddress?: string;
  user?: string;
  passwordEnv?: string;
  strictTls: boolean;
  timeouts: ExporterTimeouts;
}

export interface ExporterConfig {
  /** undefined: any target may be probed. */
  allow?: AllowList;
  concurrency: number;
  modules: ReadonlyMap<string, ExporterModule>;
  /** Passwords by module name, read from the variables the modules name; kept apart from the modules. */
  passwords: ReadonlyMap<string, string>;
}

/** Without --config: one module, `default`, probing EPSV and PASV with the probe's defaults. */
export const DEFAULT_MODULE_NAME = 'default';
export const DEFAULT_CONCURRENCY = 16;
/** blackbox_exporter's default scrape budget when Prometheus sends no timeout header. */
export const DEFAULT_TOTAL_TIMEOUT_MS = 30_000;
export const MAX_MODULES = 200;
export const MAX_ALLOW_ENTRIES = 10_000;

export function defaultModule(name = DEFAULT_MODULE_NAME): ExporterModule {
  return { name, modes: ['epsv', 'pasv'], strictTls: false, timeouts: { connectMs: DEFAULT_CONNECT_TIMEOUT_MS, dataMs: DEFAULT_DATA_TIMEOUT_MS, totalMs: DEFAULT_TOTAL_TIMEOUT_MS } };
}

const MODULE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

const moduleShape = object({
  modes: field(false, array(oneOf(...ALL_MODES), 1)),
  tls: field(false, oneOf('none', 'explicit', 'implicit')),
  expectRange: field(false, portOrRange),
  expectAddress: field(false, address),
  user: field(false, string),
  passwordEnv: field(false, envName),
  strictTls: field(false, boolean),
  timeouts: field(
    false,
    object({
      connect: field(false, integer(1, 600_000)),
      data: field(false, integer(1, 600_000)),
      transfer: field(false, integer(1, 3_600_000)),
      total: field(false, integer(1, 3_600_000)),
    }),
  ),
});

const modules: Check = (value, path, problems) => {
  if (!isObject(value)) return void problems.push({ path, message: 'must be a mapping of module names to modules' });
  const names = Object.keys(value);
  if (names.length === 0) problems.push({ path, message: 'must name at least one module' });
  if (names.length > MAX_MODULES) return void problems.push({ path, message: `names ${names.length} modules; at most ${MAX_MODULES} are allowed` });
  for (const name of names) {
    if (!MODULE_NAME.test(name)) problems.push({ path: `${path}.${name}`, message: 'module names are letters, digits, _ . - (at most 64)' });
    else moduleShape(value[name], `${path}.${name}`, problems);
  }
};

const allowEntries: Check = (value, path, problems) => {
  array(string, 0, MAX_ALLOW_ENTRIES)(value, path, problems);
  if (!Array.isArray(value)) return;
  value.forEach((entry, index) => {
    if (typeof entry !== 'string') return;
    const problem = parseAllowList([entry]).problems[0];
    if (problem) problems.push({ path: `${path}[${index}]`, message: problem });
  });
};

const configShape = object({
  allow: field(false, allowEntries),
  concurrency: field(false, integer(1, 1024)),
  modules: field(true, modules),
});

type RawModule = {
  modes?: DataMode[];
  tls?: ExporterModule['tls'];
  expectRange?: number | string;
  expectAddress?: string;
  user?: string;
  passwordEnv?: string;
  strictTls?: boolean;
  timeouts?: { connect?: number; data?: number; transfer?: number; total?: number };
};

function toModule(name: string, raw: RawModule): ExporterModule {
  const base = defaultModule(name);
  const range = raw.expectRange === undefined ? undefined : parsePortRange(raw.expectRange);
  return {
    name,
    modes: raw.modes ? ALL_MODES.filter((mode) => raw.modes!.includes(mode)) : base.modes,
    strictTls: raw.strictTls ?? false,
    timeouts: {
      connectMs: raw.timeouts?.connect ?? base.timeouts.connectMs,
      dataMs: raw.timeouts?.data ?? base.timeouts.dataMs,
      totalMs: raw.timeouts?.total ?? base.timeouts.totalMs,
      ...(raw.timeouts?.transfer !== undefined ? { transferMs: raw.timeouts.transfer } : {}),
    },
    ...(raw.tls ? { tls: raw.tls } : {}),
    ...(range ? { expectRange: range } : {}),
    ...(raw.expectAddress ? { expectAddress: raw.expectAddress } : {}),
    ...(raw.user !== undefined ? { user: raw.user } : {}),
    ...(raw.passwordEnv !== undefined ? { passwordEnv: raw.passwordEnv } : {}),
  };
}

export type ValidationResult = { ok: true; config: Omit<ExporterConfig, 'passwords'> } | { ok: false; problems: FieldProblem[] };

/** Parsed data → config, or every problem by field path. */
export function validateExporterConfig(data: unknown): ValidationResult {
  const problems: FieldProblem[] = [];
  configShape(data, '', problems);
  if (problems.length > 0 || !isObject(data)) return { ok: false, problems };
  const raw = data as { allow?: string[]; concurrency?: number; modules: Record<string, RawModule> };
  const built = new Map(Object.entries(raw.modules).map(([name, module]) => [name, toModule(name, module ?? {})] as const));
  return {
    ok: true,
    config: { concurrency: raw.concurrency ?? DEFAULT_CONCURRENCY, modules: built, ...(raw.allow ? { allow: parseAllowList(raw.allow).list } : {}) },
  };
}

/** The passwords the modules name, or a problem per variable that is not set. */
export function resolvePasswords(modulesByName: ReadonlyMap<string, ExporterModule>, env: NodeJS.ProcessEnv): { passwords: Map<string, string>; problems: FieldProblem[] } {
  const passwords = new Map<string, string>();
  const problems: FieldProblem[] = [];
  for (const module of modulesByName.values()) {
    if (module.passwordEnv === undefined) continue;
    const password = env[module.passwordEnv];
    if (password === undefined || password === '') {
      problems.push({ path: `modules.${module.name}.passwordEnv`, message: `names ${module.passwordEnv}, which is not set in the environment` });
      continue;
    }
    // From here on no output of this process (metrics, pages, logs) can show it.
    rememberSecret(password);
    passwords.set(module.name, password);
  }
  return { passwords, problems };
}

export function parseExporterConfigText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): ExporterConfig {
  const parsed = parseYamlText(text, file);
  const result = validateExporterConfig(parsed.data);
  if (!result.ok) throw new DataFileError(file, parsed.describe(result.problems));
  const { passwords, problems } = resolvePasswords(result.config.modules, env);
  if (problems.length > 0) throw new DataFileError(file, parsed.describe(problems));
  return { ...result.config, passwords };
}

export async function loadExporterConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<ExporterConfig> {
  return parseExporterConfigText(await readDataFile(file), file, env);
}

/** No file: the default module, any target (unless --allow), and the default concurrency. */
export function builtInConfig(): ExporterConfig {
  return { concurrency: DEFAULT_CONCURRENCY, modules: new Map([[DEFAULT_MODULE_NAME, defaultModule()]]), passwords: new Map() };
}
