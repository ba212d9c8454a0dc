import { parseArgs } from 'node:util';
import { cliConfig } from '../cli-config.js';
import { UsageError, type Command } from '../command.js';

const USAGE = `relance points adjust --merchant M --customer C --points N --kind manual|correction --reason "why" [--source <ticket or request>] [--id <adjustment id>]
  Gives (N > 0) or takes (N < 0) points by hand, as POST /v1/customers/{customerId}/points-adjustments does.
  --id makes a repeated command record the adjustment once.`;

/** The operator's manual adjustment, from a shell that holds the engine's settings. */
export const pointsCommand: Command = {
  name: 'points',
  summary: "give or take a customer's points by hand (a dotation, goodwill, a correction), with the reason",
  usage: USAGE,
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...args],
        options: {
          merchant: { type: 'string' },
          customer: { type: 'string' },
          points: { type: 'string' },
          kind: { type: 'string' },
          reason: { type: 'string' },
          source: { type: 'string' },
          id: { type: 'string' },
        },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1 || positionals[0] !== 'adjust') throw new UsageError('Expected "adjust"');
    const { MerchantId, Id } = await import('@relance/domain');
    if (!values.merchant || !MerchantId.safeParse(values.merchant).success) throw new UsageError('--merchant must be a merchant id');
    if (!values.customer || !Id.safeParse(values.customer).success) throw new UsageError('--customer must be a customer id');
    const { AdjustPointsBody } = await import('../../../engine/src/points/adjust-points.schemas.js');
    const body = AdjustPointsBody.safeParse({
      points: values.points === undefined || !/^-?\d+$/.test(values.points.trim()) ? values.points : Number(values.points),
      kind: values.kind,
      reason: values.reason,
      ...(values.source !== undefined ? { sourceId: values.source } : {}),
      ...(values.id !== undefined ? { adjustmentId: values.id } : {}),
    });
    if (!body.success) {
      throw new UsageError(body.error.issues.map((i) => `--${optionOf(String(i.path[0]))}: ${i.message}`).join('\n'));
    }

    const { NestFactory } = await import('@nestjs/core');
    const { CommandBus } = await import('@nestjs/cqrs');
    const { MERCHANTS } = await import('@relance/platform');
    const { ImportModule } = await import('../../../engine/src/import/import.module.js');
    const { systemEnvelope } = await import('../../../engine/src/write-path/command-envelope.js');
    const { AdjustPointsCommand } = await import('../../../engine/src/points/adjust-points.handler.js');
    const { DomainError } = await import('@relance/domain');
    const config = await cliConfig(['piiMasterKey']);
    const app = await NestFactory.createApplicationContext(ImportModule.forRoot(config), { logger: ['error', 'warn'] });
    try {
      if (!app.get<{ get(id: string): unknown }>(MERCHANTS).get(values.merchant)) {
        console.error(`Merchant "${values.merchant}" is not configured in ${config.configDir}/merchants/`);
        return 1;
      }
      const envelope = systemEnvelope(values.merchant, 'cli-points');
      const result = await app.get(CommandBus).execute(new AdjustPointsCommand(envelope, values.customer, body.data));
      const owed = result.debtPoints > 0 ? `, ${result.debtPoints} owed` : '';
      console.log(`Adjusted ${result.customerId} by ${result.points} points (${result.adjustmentId}${owed}): balance ${result.balance}`);
      return 0;
    } catch (error) {
      if (error instanceof DomainError) {
        console.error(`${error.code}: ${error.message}`);
        return 1;
      }
      throw error;
    } finally {
      await app.close();
    }
  },
};

function optionOf(field: string): string {
  return ({ sourceId: 'source', adjustmentId: 'id' } as Record<string, string>)[field] ?? field;
}
