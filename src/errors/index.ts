export * from './error-category.js';
export * from './staffwire-error.js';
export * from './vendor-error.js';
export * from './expression-error.js';
export * from './raised-error.js';
export * from './input-error.js';
export * from './wait-signal.js';
export * from './usage-error.js';
