// One run covers the three tiers: unit specs next to the code (*.spec.ts), integration tests against
// real PostgreSQL and Redis (test/integration/**/*.int-spec.ts) and end-to-end tests (test/e2e).
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    target: 'es2023',
    keepClassNames: true,
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: {
    '^@relance/(domain|channels|event-store|platform)$': '<rootDir>/libs/$1/src/index.ts',
    '^@relance/testing/(.*)\\.js$': '<rootDir>/test/support/$1',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: [
    '<rootDir>/libs/**/*.spec.ts',
    '<rootDir>/apps/**/*.spec.ts',
    '<rootDir>/test/architecture/**/*.spec.ts',
    '<rootDir>/test/integration/**/*.int-spec.ts',
    '<rootDir>/test/e2e/**/*.e2e-spec.ts',
  ],
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  testTimeout: 60_000,
  // The run must end, red or green, once its last test is done. Every test closes what it opens, but a
  // BullMQ or Redis handle left by a failing or timed-out test (a Redis client retrying an unreachable
  // server, a worker not closed) would otherwise keep jest waiting indefinitely after the results are written.
  forceExit: true,
};
