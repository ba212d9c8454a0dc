import { parseArgs } from 'node:util';
import { cliConfig } from '../cli-config.js';
import { UsageError, type Command } from '../command.js';

/** Reads the whole of stdin (a piped secret), or fails when it is a terminal with nothing typed. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

export const integrationsCommand: Command = {
  name: 'integrations',
  summary: 'store the webhook secret of a Shopify or WooCommerce shop (read from stdin, sealed)',
  usage: 'relance integrations set-secret --merchant M --platform shopify|woocommerce   < secret.txt',
  async run(args) {
    const [action, ...rest] = args;
    if (action !== 'set-secret') throw new UsageError(`Unknown action "${action ?? ''}"`);
    let values: { merchant?: string; platform?: string };
    try {
      ({ values } = parseArgs({ args: rest, options: { merchant: { type: 'string' }, platform: { type: 'string' } }, strict: true, allowPositionals: false }));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { MerchantId } = await import('@relance/domain');
    const { PLATFORMS } = await import('../../../engine/src/integrations/integration-secrets.repository.js');
    const merchantId = values.merchant ?? '';
    if (!MerchantId.safeParse(merchantId).success) throw new UsageError(`--merchant must be a merchant id (got "${merchantId}")`);
    const platform = PLATFORMS.find((p) => p === values.platform);
    if (!platform) throw new UsageError(`--platform must be one of ${PLATFORMS.join(', ')} (got "${values.platform ?? ''}")`);
    if (process.stdin.isTTY) console.error(`Type or paste the ${platform} secret, then Ctrl-D:`);
    const secret = await readStdin();
    if (!secret) {
      console.error('No secret on stdin: nothing stored.');
      return 1;
    }

    const { createPool } = await import('@relance/platform');
    const { IntegrationSecrets } = await import('../../../engine/src/integrations/integration-secrets.repository.js');
    const config = await cliConfig(['piiMasterKey']);
    const pool = createPool(config.databaseUrl, { max: 1, applicationName: 'relance-integrations' });
    try {
      await new IntegrationSecrets(pool, config).set(merchantId, platform, secret);
    } finally {
      await pool.end();
    }
    console.error(`Stored the ${platform} secret of ${merchantId}, sealed with the master key. Webhooks: POST /v1/webhooks/${platform}/${merchantId}`);
    return 0;
  },
};
