import { describe, expect, it } from '@jest/globals';
import { UsageError } from '../command.js';
import { rulesCommand } from './rules.command.js';

describe('relance rules fire: its options', () => {
  it.each([
    [['fire', '--campaign', 'anniversaire']],
    [['fire', '--merchant', 'cave-demo']],
    [['fire', '--merchant', 'cave-demo', '--campaign', 'anniversaire', '--all']],
    [['fire', '--merchant', 'cave-demo', '--at', '2026-12-07']],
  ])('refuses %j before touching anything: one merchant, and either one campaign or --all', async (args) => {
    await expect(rulesCommand.run(args)).rejects.toBeInstanceOf(UsageError);
  });

  it('is listed in the usage', () => {
    expect(rulesCommand.usage).toContain('relance rules fire --merchant M (--campaign C | --all)');
  });
});
