/**
 * The check policy file (`ftp-doctor.yml`): the targets a CI gate probes and what must hold for
 * each. Credentials come only from environment variables named in the file, so the file can be
 * committed; a password in a URL or in the file is refused rather than silently used.
 *
 *   targets:
 *     - name: production
 *       url: ftpes://deploy@ftp.example.com/
 *       passwordEnv: FTP_PASSWORD_PROD
 *       requireTls: true
 *       passiveRange: 5500-5525
 *       externalAddress: 203.0.113.5
 *       modes: [epsv, pasv]
 *       maxTransferMs: 3000
 *       samples: 10
 *
 * `defaults:` takes the same requirement fields and applies them to every target that does not
 * set its own. Pure: parsed data in, typed policy or field problems out.
 */
import { ALL_MODES, type DataMode } from '../report/model.js';
import { outOfRangePort } from '../probe/options.js';
import { address, array, boolean, field, integer, isObject, object, oneOf, parsePortRange, portOrRange, string, type Check, type FieldProblem, type FieldSpec } from '../config/fields.js';

export type TlsMode = 'none' | 'explicit' | 'implicit';

/** What must hold for a target (also the shape of `defaults`). */
export interface Requirements {
  /** TLS mode; absent: from the URL scheme (ftp:// none, ftpes:// explicit, ftps:// implicit). */
  tls?: TlsMode;
  /** The server must refuse a login without TLS (explicit TLS), and TLS must work. */
  requireTls?: boolean;
  /** Every passive port the server hands out must lie in this range. */
  passiveRange?: { from: number; to: number };
  /** 227 replies must carry this address (the public one behind NAT). */
  externalAddress?: string;
  /** Data modes that must work (default epsv, pasv). */
  modes?: DataMode[];
  /** Each required mode must finish its listing (connect, login, mode, transfer) within this. */
  maxTransferMs?: number;
  /** Ask PASV/EPSV this many extra times to see more of the ports handed out. */
  samples?: number;
  /** RETR this path as well as the LIST. */
  retrieve?: string;
}

export interface PolicyTarget extends Requirements {
  name: string;
  url: string;
  /** Overrides the URL's user name (not a secret, so it may be in the file). */
  user?: string;
  /** The environment variable holding the password. */
  passwordEnv?: string;
}

export interface Policy {
  targets: PolicyTarget[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const envName: Check = (value, path, problems) => {
  if (typeof value !== 'string' || !ENV_NAME.test(value)) problems.push({ path, message: `must be an environment variable name like FTP_PASSWORD_PROD (got ${JSON.stringify(value)})` });
};

const requirementFields: Record<string, FieldSpec> = {
  tls: field(false, oneOf('none', 'explicit', 'implicit')),
  requireTls: field(false, boolean),
  passiveRange: field(false, portOrRange),
  externalAddress: field(false, address),
  modes: field(false, array(oneOf(...ALL_MODES), 1)),
  maxTransferMs: field(false, integer(1, 3_600_000)),
  samples: field(false, integer(0, 1000)),
  retrieve: field(false, string),
};

/** Fields that would put a secret into a committed file: each gets its own explanation. */
const SECRET_FIELDS = ['password', 'pass', 'secret'];

const url: Check = (value, path, problems) => {
  string(value, path, problems);
  if (typeof value !== 'string' || value.trim() === '') return;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    const port = outOfRangePort(value);
    if (port !== undefined) return void problems.push({ path, message: `has port ${port}, which is out of range (ports are 1-65535)` });
    return void problems.push({ path, message: 'must be a URL like ftp://user@host:21/ (ftp://, ftpes:// or ftps://)' });
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  if (!['ftp', 'ftpes', 'ftps'].includes(scheme)) problems.push({ path, message: `must use ftp://, ftpes:// or ftps:// (got ${scheme}://)` });
  if (parsed.hostname === '') problems.push({ path, message: 'has no host' });
  // Never echo the password itself, not even in the error.
  if (parsed.password !== '') problems.push({ path, message: 'contains a password: remove it and name an environment variable with passwordEnv instead' });
};

const target = object({
  name: field(true, string),
  url: field(true, url),
  user: field(false, string),
  passwordEnv: field(false, envName),
  ...requirementFields,
});

/**
 * Targets one policy may list. `check` probes them one after another, each taking seconds: a CI
 * gate over more servers than this belongs in several policies (or several jobs), and a file with
 * 200,000 targets is refused at once rather than validated and run for hours.
 */
export const MAX_POLICY_TARGETS = 200;

const policy = object({
  targets: field(true, array(target, 1, MAX_POLICY_TARGETS)),
  defaults: field(false, object(requirementFields)),
});

/** The secret fields anywhere a target or defaults could carry them, reported before anything else. */
function secretProblems(data: unknown): FieldProblem[] {
  if (!isObject(data)) return [];
  const problems: FieldProblem[] = [];
  const scan = (value: unknown, path: string): void => {
    if (!isObject(value)) return;
    for (const key of SECRET_FIELDS) {
      if (key in value) problems.push({ path: `${path}.${key}`, message: 'is not allowed: passwords never go into the policy file; set passwordEnv: NAME and export NAME in the environment' });
    }
  };
  scan(data.defaults, 'defaults');
  if (Array.isArray(data.targets)) data.targets.forEach((item, index) => scan(item, `targets[${index}]`));
  return problems;
}

interface RawRequirements extends Omit<Requirements, 'passiveRange'> {
  passiveRange?: string | number;
}
type RawTarget = Omit<PolicyTarget, 'passiveRange'> & RawRequirements;

function typed(raw: RawRequirements): Requirements {
  const { passiveRange, ...rest } = raw;
  const parsed = passiveRange === undefined ? undefined : parsePortRange(passiveRange);
  return { ...rest, ...(parsed ? { passiveRange: parsed } : {}) };
}

export function validatePolicy(data: unknown): { ok: true; policy: Policy } | { ok: false; problems: FieldProblem[] } {
  const secrets = secretProblems(data);
  const problems: FieldProblem[] = [];
  policy(data, '', problems);
  // The secret fields also show up as unknown fields; say it once, the clear way.
  const all = [...secrets, ...problems.filter((problem) => !secrets.some((secret) => secret.path === problem.path))];
  if (all.length > 0) return { ok: false, problems: all };
  const raw = data as { targets: RawTarget[]; defaults?: RawRequirements };
  const defaults = typed(raw.defaults ?? {});
  const targets = raw.targets.map((item) => ({ ...defaults, ...typed(item), name: item.name, url: item.url }) as PolicyTarget);
  crossCheck(targets, all);
  return all.length === 0 ? { ok: true, policy: { targets } } : { ok: false, problems: all };
}

/** The TLS mode a target will use: its own, else the URL scheme's. */
export function tlsModeOf(item: Pick<PolicyTarget, 'tls' | 'url'>): TlsMode {
  if (item.tls) return item.tls;
  const scheme = /^([a-z]+):/i.exec(item.url)?.[1]?.toLowerCase();
  return scheme === 'ftps' ? 'implicit' : scheme === 'ftpes' ? 'explicit' : 'none';
}

export function modesOf(item: Pick<PolicyTarget, 'modes'>): DataMode[] {
  return item.modes && item.modes.length > 0 ? ALL_MODES.filter((mode) => item.modes?.includes(mode)) : ['epsv', 'pasv'];
}

/** Checks across fields (after defaults are applied) that a per-field schema cannot express. */
function crossCheck(targets: PolicyTarget[], problems: FieldProblem[]): void {
  const names = new Map<string, number>();
  targets.forEach((item, index) => {
    const previous = names.get(item.name);
    if (previous !== undefined) problems.push({ path: `targets[${index}].name`, message: `duplicate target name ${JSON.stringify(item.name)} (also targets[${previous}])` });
    names.set(item.name, index);
    if (item.requireTls && tlsModeOf(item) === 'none') {
      problems.push({ path: `targets[${index}].requireTls`, message: 'needs TLS: use an ftpes:// (explicit) or ftps:// (implicit) URL, or tls: explicit' });
    }
    if (item.externalAddress && !modesOf(item).includes('pasv')) {
      problems.push({ path: `targets[${index}].externalAddress`, message: 'needs pasv among the modes: only 227 (PASV) replies carry an address' });
    }
    if (item.passiveRange && !modesOf(item).some((mode) => mode === 'pasv' || mode === 'epsv')) {
      problems.push({ path: `targets[${index}].passiveRange`, message: 'needs pasv or epsv among the modes: active modes hand out no passive ports' });
    }
  });
}
