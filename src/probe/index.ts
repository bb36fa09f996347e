/** The probe: scripted sessions against a server, evidence, diagnosis. */
export { runProbe, probe, type ProbeRun } from './engine.js';
export type { ProbeOptions } from './options.js';
export { diagnose } from '../diagnosis/index.js';
