export * from './customer-key-store.js';
export * from './identity-index.js';
export * from './pii-cipher.js';
export * from './sealed-profiles.js';
