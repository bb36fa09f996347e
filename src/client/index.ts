export * from './recorder.js';
export * from './deadline.js';
export * from './control.js';
export * from './tls.js';
export * from './transfer.js';
export * from './strategies.js';
export * from './data-channel.js';
export * from './session.js';
