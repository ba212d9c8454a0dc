export * from './core.module.js';
export * from './health.js';
export * from './merchant-directory.js';
export * from './tokens.js';
export * from './operator-access.js';
