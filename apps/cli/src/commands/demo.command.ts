import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.js';

const USAGE = 'relance demo [--merchant cave-demo] [--empty] [--state-dir .relance]';

/**
 * The newcomer's first run: on local defaults, prepares everything (database, migrations, a dev master
 * key and an admin API key kept in the state folder), starts the engine (with its delivery workers, in
 * capture mode), the projector and the rules engine as three processes, enters demo customers through
 * the API, runs today's time campaigns, waits until the campaigns' messages are in the outbox folder,
 * prints them and what to try next. Ctrl-C stops all three.
 */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the engine, projector and rules engine with a demo merchant on local defaults',
  usage: USAGE,
  async run(args) {
    const { values } = parse(args);
    const merchantId = values.merchant ?? 'cave-demo';
    const stateDir = path.resolve(values['state-dir'] ?? '.relance');
    const secrets = new (await import('../demo/dev-secrets.js')).DevSecrets(stateDir);
    const { ConfigError, createPool, ensureDatabase, loadConfig, loadMerchantConfigs, migrate } = await import('@relance/platform');
    const { checkRedis, postgresDown, ServiceDownError } = await import('../demo/service-checks.js');

    const env: NodeJS.ProcessEnv = { ...process.env };
    // Capture mode unless providers are configured: every message the demo sends is a file here.
    env.OUTBOX_DIR ||= path.join(stateDir, 'outbox');
    if (!env.PII_MASTER_KEY && !env.PII_MASTER_KEY_FILE) {
      const master = await secrets.ensureMasterKeyFile();
      env.PII_MASTER_KEY_FILE = master.file;
      if (master.created) console.log(`Created a development master key in ${master.file} (demo only: never use it in production).`);
    }
    const config = loadConfig(env, ['piiMasterKey']);
    const merchants = await loadMerchantConfigs(config.configDir);
    if (!merchants.some((m) => m.id === merchantId)) {
      throw new ConfigError([`--merchant: "${merchantId}" is not configured in ${config.configDir}/merchants/`]);
    }

    try {
      try {
        await ensureDatabase(config.databaseUrl);
      } catch (error) {
        throw postgresDown(config.databaseUrl, error);
      }
      await checkRedis(config.redisUrl);
    } catch (error) {
      if (error instanceof ServiceDownError) {
        console.error(error.message);
        return 69; // EX_UNAVAILABLE
      }
      throw error;
    }
    const migrated = await migrate(config.databaseUrl);
    if (migrated.applied.length > 0) console.log(`Applied ${migrated.applied.length} migrations.`);

    const pool = createPool(config.databaseUrl, { max: 1, applicationName: 'relance-demo' });
    const { ensureDemoApiKey } = await import('../demo/demo-api-key.js');
    const apiKey = await ensureDemoApiKey(pool, secrets, merchantId).finally(() => pool.end());

    const { AppProcess } = await import('../demo/app-process.js');
    const engineUrl = `http://${config.httpHost}:${config.enginePort}`;
    const projectorUrl = `http://${config.httpHost}:${config.projectorPort}`;
    const outboxRoot = path.resolve(env.OUTBOX_DIR);
    const outbox = path.join(outboxRoot, merchantId);
    const [engine, projector, rules] = [AppProcess.start('engine', env), AppProcess.start('projector', env), AppProcess.startRules(env)];
    const apps = [engine, projector, rules];
    const stopAll = () => Promise.all(apps.map((app) => app.stop()));
    let stopping = false;
    // Ends the demo's own waiting (projection, outbox) when Ctrl-C or an app's exit comes before the banner.
    const stop = new AbortController();
    for (const app of apps) void app.exited.then((code) => stop.abort(new Error(`the ${app.name} exited with code ${code} (its output is above)`)));
    const onSignal = () => {
      if (stopping) return;
      stopping = true;
      stop.abort();
      console.log('\nStopping the engine, the projector and the rules engine…');
      void stopAll();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const demoPool = createPool(config.databaseUrl, { max: 2, applicationName: 'relance-demo' });
    let summary = '';
    try {
      await Promise.all([engine.waitHealthy(engineUrl, 90_000), projector.waitHealthy(projectorUrl, 90_000), rules.waitForLine(/^rules engine started/, 90_000)]);
      if (!values.empty) {
        const { seedDemoData } = await import('../demo/demo-seed.js');
        const seeded = await seedDemoData(engineUrl, apiKey.token, new Date(), merchants.find((m) => m.id === merchantId)!.timeZone);
        console.log(seeded.skipped ? 'Demo data already present: nothing added.' : `Entered ${seeded.requests} demo requests (customers ${seeded.customers.join(', ')}).`);
        const demo = await import('../demo/demo-campaigns.js');
        if (!seeded.skipped) await fireTodaysTimeRules(demoPool, config, merchantId, demo, stop.signal);
        console.log('Waiting for the campaigns\' messages in the outbox…');
        const expected = seeded.skipped ? [] : demo.DEMO_CAMPAIGNS;
        summary = demo.formatSummary(await demo.waitForOutbox(demoPool, merchantId, outboxRoot, expected, seeded.skipped ? 30_000 : 120_000, stop.signal), outbox);
      }
    } catch (error) {
      await stopAll();
      if (stopping) return 0;
      console.error(`relance demo: ${(error as Error).message}`);
      return 1;
    } finally {
      await demoPool.end();
    }

    if (summary) console.log(summary);
    console.log(readyBanner({ merchantId, engineUrl, projectorUrl, token: apiKey.token, keyFile: secrets.apiKeyFile, created: apiKey.created, outbox }));
    // Runs until Ctrl-C, or until one app dies: then the others are stopped too.
    const first = await Promise.race(apps.map((app) => app.exited.then((code) => ({ app, code }))));
    if (!stopping) console.error(`The ${first.app.name} exited with code ${first.code}: stopping the demo.`);
    await stopAll();
    return stopping ? 0 : first.code || 1;
  },
};

/**
 * Today's run of the demo's time campaigns, now rather than at their hour in the merchant's zone
 * (10:00 for the birthday), once the projector shows the customers they read; the same run as
 * `relance rules fire`.
 */
async function fireTodaysTimeRules(pool: import('pg').Pool, config: import('@relance/platform').AppConfig, merchantId: string, demo: typeof import('../demo/demo-campaigns.js'), signal: AbortSignal): Promise<void> {
  const { RuleBook } = await import('../../../engine/src/rules/rule-book.js');
  const { voucherKeyFrom } = await import('../../../engine/src/rules/evaluation.js');
  const { fireTimeRules } = await import('./rules-fire.js');
  const rules = (await RuleBook.load(config.configDir, [merchantId])).forMerchant(merchantId);
  const campaigns = demo.DEMO_TIME_CAMPAIGNS.filter((id) => rules?.active.some((c) => c.definition.id === id));
  if (!rules || campaigns.length === 0) return;
  await demo.waitForStoryProjected(pool, merchantId, 60_000, signal);
  const runs = await fireTimeRules(pool, rules, campaigns, new Date().toISOString(), voucherKeyFrom(config.piiMasterKey!));
  console.log(`Ran today's time campaigns now: ${runs.map((r) => `${r.campaignId} (${r.hits} found, ${r.triggered} triggered)`).join(', ')}.`);
}

interface Banner {
  merchantId: string;
  engineUrl: string;
  projectorUrl: string;
  token: string;
  keyFile: string;
  created: boolean;
  outbox: string;
}

function readyBanner({ merchantId, engineUrl, projectorUrl, token, keyFile, created, outbox }: Banner): string {
  const purchase = JSON.stringify({
    customerId: 'demo-camille',
    storeId: 'halles',
    currency: 'EUR',
    purchasedAt: new Date().toISOString(),
    lines: [{ sku: 'CHP-BRUT', name: 'Champagne brut', category: 'champagne', quantity: 1, unitPriceCents: 3490 }],
  });
  return `
Relance demo is running for merchant ${merchantId}.
  API          ${engineUrl}/v1   (OpenAPI: ${engineUrl}/docs)
  health       ${engineUrl}/health   ${projectorUrl}/health
  metrics      ${engineUrl}/metrics  ${projectorUrl}/metrics
  admin key    ${token}
               (${created ? 'created and ' : ''}kept in ${keyFile}; \`relance keys create\` makes more)
  outbox       ${outbox}
               (no provider configured: each message is a file there — .eml, SMS .txt, letter .pdf)
  rules        config/merchants/${merchantId}/campaigns.yaml, run by \`relance rules run\`

Try:
  export RELANCE_KEY=$(cat ${keyFile})
  curl -s -H "Authorization: Bearer $RELANCE_KEY" ${engineUrl}/v1/customers/demo-camille
  curl -s -X POST ${engineUrl}/v1/purchases -H "Authorization: Bearer $RELANCE_KEY" \\
       -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-try-1' -d '${purchase}'
  (send the purchase twice: the second answer is the first one replayed, nothing is recorded again;
   a first purchase of 150 € or more by a customer fires gros-panier once a month: watch the outbox)
  npx relance explain --merchant ${merchantId} --customer demo-ines
  npx relance rules fire --merchant ${merchantId} --all     (today's time campaigns, now)

Ctrl-C stops all three.`;
}

function parse(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      options: { merchant: { type: 'string' }, empty: { type: 'boolean' }, 'state-dir': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
