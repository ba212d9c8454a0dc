import { writeFile, rm } from 'node:fs/promises';

/**
 * `relance rules run`: the rules engine as a process of its own (event triggers, time rules on
 * BullMQ, reloads). SIGHUP or `relance rules reload` reloads the campaigns; SIGTERM/SIGINT stop it
 * after the batch in flight.
 */
export async function runRules(options: { pidFile: string | null; noSchedule: boolean; batchSize?: number | undefined }): Promise<number> {
  const { loadConfig } = await import('@relance/platform');
  const { RuleBook } = await import('../../../engine/src/rules/rule-book.js');
  const { RulesRuntime } = await import('../../../engine/src/rules/rules-runtime.js');
  const config = loadConfig(process.env, ['piiMasterKey']);
  const book = await RuleBook.load(config.configDir);
  const { serveRulesHealth, portOf } = await import('../../../engine/src/rules/rules-http.js');
  const runtime = RulesRuntime.create({ config, book, schedule: !options.noSchedule, batchSize: options.batchSize });
  await runtime.start();
  const server = await serveRulesHealth(() => runtime.healthChecks(), runtime.registry, config);
  if (options.pidFile) await writeFile(options.pidFile, `${process.pid}\n`);
  console.log(`rules engine started for ${book.merchants().map((m) => `${m.merchant.id} (${m.active.length} active campaigns, ${m.set.version.slice(0, 12)})`).join(', ') || 'no merchant'}`);
  console.log(`/health and /metrics on http://${config.httpHost}:${portOf(server)}`);
  process.on('SIGHUP', () => void runtime.reload('SIGHUP'));
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await runtime.stop();
  if (options.pidFile) await rm(options.pidFile, { force: true });
  return 0;
}
