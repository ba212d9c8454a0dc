// Prints jest's JSON summary as one plain line: "N passed, N failed, N skipped".
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'reports/jest-results.json';
if (!existsSync(file)) {
  console.log('0 passed, 0 failed, 0 skipped');
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
// Suites that failed to run (a syntax error, a failing beforeAll) count as failures too.
const brokenSuites = r.numRuntimeErrorTestSuites ?? 0;
const failed = r.numFailedTests + brokenSuites;
const skipped = r.numPendingTests + (r.numTodoTests ?? 0);
console.log(`${r.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
