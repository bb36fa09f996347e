/**
 * The SITE SWEEP wire protocol is defined in src/ftp/sweep-protocol.ts: the reference server
 * (src/server) speaks it too, and the server may not import src/sweep (.dependency-cruiser.cjs).
 */
export * from '../ftp/sweep-protocol.js';
