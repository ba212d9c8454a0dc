import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.js';

export const explainCommand: Command = {
  name: 'explain',
  summary: "why a customer got (or did not get) each campaign: every decision, oldest first, from the decision events",
  usage: 'relance explain --merchant M --customer C [--campaign K] [--json]',
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({ args, options: { merchant: { type: 'string' }, customer: { type: 'string' }, campaign: { type: 'string' }, json: { type: 'boolean' } }, strict: true }));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (!values.merchant || !values.customer) throw new UsageError('--merchant and --customer are required');
    const { createPool, loadConfig } = await import('@relance/platform');
    const { explainCustomer, formatExplanation } = await import('../../../engine/src/rules/explain.js');
    const config = loadConfig(process.env);
    const pool = createPool(config.databaseUrl, { max: 1 });
    try {
      const decisions = await explainCustomer(pool, values.merchant, values.customer, values.campaign ?? null);
      console.log(values.json ? JSON.stringify(decisions, null, 2) : formatExplanation(values.customer, decisions));
      return 0;
    } finally {
      await pool.end();
    }
  },
};
