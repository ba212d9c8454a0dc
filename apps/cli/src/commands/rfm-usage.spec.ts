import { describe, expect, it } from '@jest/globals';
import { rfmCommand } from './rfm.command.js';

describe('relance rfm --help', () => {
  it('explains --as-of on its first line, for whoever scores an imported history', () => {
    const [first] = rfmCommand.usage.split('\n');
    expect(first).toContain('--as-of YYYY-MM-DD: the day scored, today by default; for an imported history give its last day');
  });
});
