/**
 * The open-files limit and the socket budget it allows are defined in src/net/open-files.ts: the
 * reference server (src/server) sizes its blocks by them too, and may not import src/sweep.
 */
export * from '../net/open-files.js';
