/** UsageError is defined in src/config (the exporter and the probe's option parsing throw it too). */
export { UsageError } from '../config/usage-error.js';
