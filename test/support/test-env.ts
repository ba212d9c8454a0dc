/** Where the tests find their services. CI and a fresh machine both use these defaults. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/relance_test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15';
export const EVENTSTORE_URL = process.env.EVENTSTORE_URL;
