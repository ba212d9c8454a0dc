import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.js';

const USAGE = 'relance deliveries inspect [--limit 50] | retry <messageId>... [--merchant M] | retry --all | reconcile | print-batch';

/**
 * The dead-letter list: jobs whose attempts ran out (a provider down for long, a bug), kept in each
 * lane's failed set until an operator acts. `inspect` lists them with their last error, `retry`
 * puts them back in their lane (the message's stream still decides: one already sent is not sent
 * again), `reconcile` re-creates the jobs Redis lost. `print-batch` gathers the letters printed into
 * PRINT_BATCH_DIR since the last batch into one batch a person takes to the printer.
 */
export const deliveriesCommand: Command = {
  name: 'deliveries',
  summary: 'inspect and retry dead-lettered deliveries, re-create jobs Redis lost, close a print batch of letters',
  usage: USAGE,
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({ args: [...args], options: { all: { type: 'boolean' }, merchant: { type: 'string' }, limit: { type: 'string' } }, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    const [action, ...ids] = positionals;
    if (action === 'print-batch') return printBatch();
    if (action !== 'inspect' && action !== 'retry' && action !== 'reconcile') throw new UsageError('expected inspect, retry, reconcile or print-batch');
    if (action === 'retry' && !values.all && ids.length === 0) throw new UsageError('retry needs message ids or --all');
    const limit = Number(values.limit ?? '50');
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');

    const { createPool, loadConfig } = await import('@relance/platform');
    const { Redis } = await import('ioredis');
    const { DeliveryQueues } = await import('../../../engine/src/delivery/delivery-queues.js');
    const { LANES, parseDeliveryJobId, deliveryJobId } = await import('../../../engine/src/delivery/delivery-jobs.js');
    const config = loadConfig(process.env);
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    const queues = new DeliveryQueues(redis, config.delivery.attempts, () => new Date(), config.delivery.queuePrefix);
    try {
      if (action === 'reconcile') {
        const { DeliveryPending } = await import('../../../engine/src/delivery/delivery-pending.repository.js');
        const { DeliveryReconciler } = await import('../../../engine/src/delivery/delivery-reconciler.js');
        const pool = createPool(config.databaseUrl, { max: 2, applicationName: 'relance-deliveries' });
        try {
          const report = await new DeliveryReconciler(new DeliveryPending(pool), queues).run(0);
          console.log(`${report.checked} messages owed an outcome; ${report.recreated} jobs re-created; ${report.cleared} settled rows cleared`);
        } finally {
          await pool.end();
        }
        return 0;
      }
      if (action === 'inspect') {
        for (const lane of LANES) {
          const queue = queues.lane(lane);
          const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed');
          console.log(`${lane}: ${counts.waiting} waiting, ${counts.delayed} delayed, ${counts.active} active, ${counts.completed} completed (kept a day), ${counts.failed} dead-lettered`);
          for (const job of await queue.getFailed(0, limit - 1)) {
            const ids = parseDeliveryJobId(job.id ?? '');
            const when = job.finishedOn ? new Date(job.finishedOn).toISOString() : '?';
            console.log(`  ${ids?.merchantId ?? '?'} ${ids?.messageId ?? job.id}  attempts ${job.attemptsMade}  last ${when}  ${job.failedReason}`);
          }
        }
        return 0;
      }
      let retried = 0;
      let missing = 0;
      for (const lane of LANES) {
        const queue = queues.lane(lane);
        const jobs = values.all
          ? await queue.getFailed(0, -1)
          : (await Promise.all(ids.map((id) => queue.getJob(values.merchant ? deliveryJobId({ merchantId: values.merchant, messageId: id }) : id)))).filter((j) => j !== undefined);
        for (const job of jobs) {
          if ((await job.getState()) !== 'failed') continue;
          await job.retry('failed');
          retried++;
        }
      }
      if (!values.all) missing = ids.length - retried;
      console.log(`${retried} deliveries put back in their lane${missing > 0 ? `; ${missing} not in the dead-letter list (ids are <merchant>.<message>, or give --merchant)` : ''}`);
      return missing > 0 ? 1 : 0;
    } finally {
      await queues.close();
      redis.disconnect();
    }
  },
};

/** The letters pending in PRINT_BATCH_DIR as one batch; the batch id is the moment, to the second, in UTC. */
async function printBatch(): Promise<number> {
  const dir = process.env.PRINT_BATCH_DIR;
  if (!dir) {
    console.error('PRINT_BATCH_DIR: not set (letters go to print batches only when it is; see docs/delivery.md)');
    return 1;
  }
  const { closePrintBatch } = await import('@relance/channels');
  const batchId = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const batch = await closePrintBatch(path.resolve(dir), batchId);
  if (!batch) {
    console.log(`no letter pending in ${path.resolve(dir)}`);
    return 0;
  }
  const pages = batch.letters.reduce((sum, letter) => sum + letter.pages, 0);
  console.log(`batch ${batch.batchId}: ${batch.letters.length} letters, ${pages} pages`);
  console.log(`  to print: ${batch.mergedFile}`);
  console.log(`  manifest (by postcode): ${batch.manifestFile}`);
  return 0;
}
