/** Public API of the reference server. */
export { startServer, resolveOptions, type RunningServer } from './server.js';
export type { ServerOptions, ServerUser } from './options.js';
export type { LogEntry } from './log.js';
export { formatLogJson, formatLogText } from './log.js';
export { demoBytes, demoStream } from './filesystem/demo-content.js';
export { DEMO_BIG_FILE, DEMO_BIG_FILE_SIZE } from './filesystem/demo.js';
