export * from './load-merchant-config.js';
export * from './merchant.schema.js';
export * from './yaml-source.js';
export * from './load-campaigns.js';
export * from './template-check.js';
