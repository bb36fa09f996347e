/** Public API of the range sweep (`ftp-doctor sweep`). */
export { runSweep, validateSweepOptions } from './engine.js';
export { choosePorts, DEFAULT_CONCURRENCY, DEFAULT_SWEEP_CONNECT_TIMEOUT_MS, DEFAULT_SWEEP_DATA_TIMEOUT_MS, MAX_CONCURRENCY, type PortRange, type PortResult, type SweepOptions, type SweepProgress } from './options.js';
export { buildSweepReport } from './report.js';
