import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.js';

const USAGE = 'relance templates preview <template> --customer <customerId> [--merchant cave-demo] [--channel email|sms|rcs|postal] [--html]';

/**
 * Renders one template for one customer, as the worker would: the customer's profile opened in
 * memory from their stream, the template's `sample` section as its offer (a preview is not tied to
 * a campaign's message). Prints the subject and text (the HTML with --html), or the SMS with its
 * segments, or the letter's text. Nothing is sent or written.
 */
export const templatesCommand: Command = {
  name: 'templates',
  summary: 'preview a message template rendered for a customer',
  usage: USAGE,
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...args],
        options: { customer: { type: 'string' }, merchant: { type: 'string' }, channel: { type: 'string' }, html: { type: 'boolean' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    const [action, templateId] = positionals;
    if (action !== 'preview' || !templateId) throw new UsageError('expected: preview <template>');
    if (!values.customer) throw new UsageError('--customer is required');
    const channel = (values.channel ?? 'email') as 'email' | 'sms' | 'rcs' | 'postal';
    if (!['email', 'sms', 'rcs', 'postal'].includes(channel)) throw new UsageError('--channel: email, sms, rcs or postal');
    const merchantId = values.merchant ?? 'cave-demo';

    const { loadConfig, loadMerchantConfig, createPool, CustomerKeyStore } = await import('@relance/platform');
    const { createEventStore } = await import('@relance/event-store');
    const { customerFolder, streams, upcast } = await import('@relance/domain');
    const { renderMessage, TemplateRenderError } = await import('@relance/channels');
    const { loadMerchantChannels } = await import('../../../engine/src/delivery/merchant-channels.js');
    const { unsubscribeLink } = await import('../../../engine/src/delivery/outbound-message.js');
    const config = loadConfig(process.env, ['piiMasterKey']);
    const merchant = await loadMerchantConfig(config.configDir, merchantId);
    const channels = await loadMerchantChannels(config, merchant);
    const template = channels.catalog.get(channel, templateId, null);
    if (!template) {
      console.error(`No ${channel} template "${templateId}" in ${channels.catalog.dir}`);
      return 1;
    }
    const pool = createPool(config.databaseUrl, { max: 2, applicationName: 'relance-templates' });
    const store = createEventStore(config, pool);
    try {
      const slice = await store.readStream(streams.customer(merchantId, values.customer));
      const folder = customerFolder(merchant.program.definition);
      const state = slice.events.map((e) => upcast(e)).reduce((s, e) => folder.evolve(s, e as never), folder.initialState());
      if (state.status !== 'active') {
        console.error(`Customer ${values.customer} of ${merchantId}: ${state.status === 'unknown' ? 'not found' : state.status}`);
        return 1;
      }
      const keys = new CustomerKeyStore(pool, config.piiMasterKey!);
      const profile = await keys.open<{ firstName?: string | null }>(merchantId, values.customer, state.profile);
      const tier = state.tier ? merchant.program.definition.tiers.levels.find((l) => l.id === state.tier!.id) : undefined;
      const secret = config.delivery.unsubscribeSecrets[0] ?? 'preview-only-secret';
      const rendered = renderMessage(channels.catalog, {
        channel,
        templateId,
        locale: state.locale,
        customer: { firstName: profile?.firstName ?? null, tier: tier ? { id: tier.id, name: tier.name } : null, pointsBalance: state.lots.points - state.debtPoints, type: state.customerType },
        offer: (template.sample.offer as Record<string, unknown> | undefined) ?? {},
        content: (template.sample.content as Record<string, unknown> | undefined) ?? {},
        unsubscribeUrl: unsubscribeLink(config.delivery.publicUrl, secret, channels, { merchantId, customerId: values.customer, messageId: 'preview' }, 'email'),
        stopNumber: merchant.channels.sms.stopNumber,
      });
      console.log(`# ${rendered.file} (version ${rendered.version}, ${rendered.locale}); offer from the template's sample`);
      if (rendered.channel === 'email') console.log(`Subject: ${rendered.subject}\n\n${values.html ? rendered.html : rendered.text}`);
      else if (rendered.channel === 'postal') console.log(`${rendered.subject ? `Objet : ${rendered.subject}\n\n` : ''}${rendered.body}`);
      else console.log(`${rendered.body}\n\n(${rendered.segments.segments} segment(s), ${rendered.segments.encoding})`);
      return 0;
    } catch (error) {
      if (error instanceof TemplateRenderError) {
        console.error(error.message);
        return 1;
      }
      throw error;
    } finally {
      await store.close();
      await pool.end();
    }
  },
};
