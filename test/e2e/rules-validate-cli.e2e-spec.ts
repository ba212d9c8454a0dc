import { afterAll, describe, expect, it } from '@jest/globals';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { brokenConfig, REPO_CONFIG } from '@relance/testing/campaign-configs.js';
import { relance } from './support/cli.js';

const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

describe('relance rules validate', () => {
  it('prints every mistake of a broken config with its file and line, and exits non-zero', async () => {
    const { configDir, campaignsFile } = await brokenConfig();
    roots.push(path.dirname(configDir));
    const result = await relance(['rules', 'validate', configDir]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      `${campaignsFile}:3: defaults.frequencyCaps[0].max: must be at least 0`,
      expect.stringMatching(new RegExp(`^${escape(campaignsFile)}:10: campaigns\\[0\\]\\.audience\\[1\\]: CEL syntax: `)),
      `${campaignsFile}:18: campaigns[1].audience: cannot order a whole number or null and a text (>=) (line 2 of the condition, column 24)`,
      expect.stringMatching(new RegExp(`^${escape(campaignsFile)}:23: campaigns\\[2\\]\\.trigger\\.segments\\[0\\]: unknown segment "a-risque"`)),
      `${campaignsFile}:25: campaigns[2].actions.message.channels[0]: "sms" cannot be used: no opt-out means: set channels.sms.stopNumber in merchant.yaml (a marketing SMS must say "STOP au …")`,
      `${campaignsFile}:30: campaigns[3].actions.message.template: no email template "modele-inconnu" for fr-FR (expected templates/email/fr-FR/modele-inconnu.hbs beside campaigns.yaml)`,
      `${path.join(path.dirname(campaignsFile), 'templates/sms/fr-FR/at-risk.hbs')}:1: body: {{> optOut}} is missing (the STOP mention)`,
      '',
      '7 problems found.',
    ]);
    expect(result.stdout).toBe('');
  }, 120_000);

  it("accepts the demo caviste's shipped config, given as the config folder or as the merchant's folder", async () => {
    const whole = await relance(['rules', 'validate', REPO_CONFIG]);
    expect(whole.stderr).toBe('');
    expect(whole.stdout).toMatch(/^cave-demo: 10 campaigns valid \(10 active\), set version [0-9a-f]{12}\n$/);
    expect(whole.code).toBe(0);
    const one = await relance(['rules', 'validate', path.join(REPO_CONFIG, 'merchants/cave-demo')]);
    expect(one.stdout).toBe(whole.stdout);
    expect(one.code).toBe(0);
  }, 120_000);

  it('says how to call it', async () => {
    const result = await relance(['rules', 'check']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown subcommand "check"');
    expect(result.stderr).toContain('Usage: relance rules validate');
  }, 120_000);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
