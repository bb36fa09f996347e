/**
 * Reading a policy file and the credentials it names. Every problem — YAML syntax, a bad field,
 * a password where none belongs, an environment variable that is not set — names the file, the
 * line and the field, and is raised before any connection is made.
 */
import { DataFileError, parseYamlText, readDataFile } from '../config/yaml-file.js';
import type { FieldProblem } from '../config/fields.js';
import { validatePolicy, type PolicyTarget } from './policy.js';
import { rememberSecret } from '../report/secrets.js';

export class PolicyFileError extends DataFileError {
  constructor(file: string, problems: string[]) {
    super(file, problems);
    this.name = 'PolicyFileError';
  }
}

const policyFileError = (file: string, problems: string[]): PolicyFileError => new PolicyFileError(file, problems);

/** A target ready to probe: the policy entry and the password read from its environment variable. */
export interface ResolvedTarget {
  target: PolicyTarget;
  /** Kept apart from the target so nothing that prints the policy can print the password. */
  password?: string;
}

export interface LoadedPolicy {
  file: string;
  targets: ResolvedTarget[];
}

export async function loadPolicyFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedPolicy> {
  return parsePolicyText(await readDataFile(file, policyFileError), file, env);
}

export function parsePolicyText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedPolicy {
  const parsed = parseYamlText(text, file, policyFileError);
  const result = validatePolicy(parsed.data);
  if (!result.ok) throw new PolicyFileError(file, parsed.describe(result.problems));
  const missing: FieldProblem[] = [];
  const targets = result.policy.targets.map((target, index): ResolvedTarget => {
    if (target.passwordEnv === undefined) return { target };
    const password = env[target.passwordEnv];
    if (password === undefined || password === '') {
      missing.push({ path: `targets[${index}].passwordEnv`, message: `names ${target.passwordEnv}, which is not set in the environment (export it, or in CI map the secret to it)` });
      return { target };
    }
    // Known from here on: whatever a server echoes back, no output of this process shows it.
    rememberSecret(password);
    return { target, password };
  });
  if (missing.length > 0) throw new PolicyFileError(file, parsed.describe(missing));
  return { file, targets };
}
