export * from './result.js';
export * from './reply.js';
export * from './command.js';
export * from './passive.js';
export * from './address.js';
export * from './evidence.js';
export * from './data-mode.js';
