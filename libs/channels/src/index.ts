export * from './sms-segments.js';
