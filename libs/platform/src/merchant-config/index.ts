export * from './load-merchant-config.js';
export * from './merchant.schema.js';
export * from './yaml-source.js';
