/**
 * The words every layer judges with: how bad a finding is and what a run's verdict is. Defined here,
 * below the evidence and the report, so the topology, the registry and the renderers share them.
 */
export type Verdict = 'pass' | 'fail';
export type Severity = 'error' | 'warning' | 'info';
