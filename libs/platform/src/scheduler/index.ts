export * from './scheduled-job.js';
export * from './scheduler.js';
export { lastFireAtOrBefore, periodOf, periodsSince } from './schedule-periods.js';
