/** `ftp-doctor check`: a policy of targets and requirements, probed and judged. */
export { validatePolicy, modesOf, tlsModeOf, type Policy, type PolicyTarget, type Requirements, type TlsMode } from './policy.js';
export { loadPolicyFile, parsePolicyText, PolicyFileError, type LoadedPolicy, type ResolvedTarget } from './load.js';
export { evaluateTarget } from './evaluate.js';
export { runCheck, checkExitCode, probeOptionsFor, DEFAULT_CHECK_CONCURRENCY, type CheckRunOptions, type CheckTargetResult } from './run.js';
