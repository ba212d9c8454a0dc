import path from 'node:path';
import { Logger } from '@nestjs/common';
import {
  createSendGridMail,
  createTwilioClient,
  MerciFacteurAdapter,
  MerciFacteurApi,
  OutboxAdapter,
  PrintBatchAdapter,
  SendGridEmailAdapter,
  TemplateCatalog,
  TwilioRcsAdapter,
  TwilioSmsAdapter,
  type ChannelAdapter,
  type ChannelPrices,
  type OutboundMessage,
  type PostalAddress,
} from '@relance/channels';
import type { Channel, CompiledCampaign } from '@relance/domain';
import { loadCampaignConfig, type AppConfig, type MerchantConfig } from '@relance/platform';

/** Everything delivery needs about one merchant, built once at start. */
export interface MerchantChannels {
  readonly merchant: MerchantConfig;
  readonly catalog: TemplateCatalog;
  readonly campaigns: ReadonlyMap<string, CompiledCampaign>;
  readonly adapters: Readonly<Record<Channel, ChannelAdapter>>;
  readonly prices: ChannelPrices;
  /** The shop's return address, as letters print it; null when merchant.yaml has none. */
  readonly sender: PostalAddress | null;
}

export function pricesOf(merchant: MerchantConfig): ChannelPrices {
  return { currency: merchant.currency, ...merchant.channelPrices };
}

/**
 * A provider where its credentials are configured, the outbox (capture mode) where they are not:
 * SendGrid for email, Twilio for SMS and RCS (RCS needs a Messaging Service), Merci Facteur for
 * letters when its credentials are set, else print batches when PRINT_BATCH_DIR is set.
 */
export async function loadMerchantChannels(
  config: AppConfig,
  merchant: MerchantConfig,
  now: () => Date = () => new Date(),
  /** The merchant's folder under config/merchants (tests serve the demo's under fresh ids). */
  folder: string = merchant.id,
): Promise<MerchantChannels> {
  const logger = new Logger('Delivery');
  const { delivery } = config;
  const prices = pricesOf(merchant);
  const stopNumber = merchant.channels.sms.stopNumber ?? '';
  const { catalog, problems } = await TemplateCatalog.load(path.join(config.configDir, 'merchants', folder, 'templates'), merchant);
  for (const problem of problems.filter((p) => p.severity === 'error')) logger.warn(`${merchant.id}: ${problem.file}:${problem.line}: ${problem.message}`);
  let campaigns = new Map<string, CompiledCampaign>();
  try {
    // The templates were checked when the rules engine loaded the campaigns: only the terms are needed here.
    const set = await loadCampaignConfig(config.configDir, folder === merchant.id ? merchant : { ...merchant, id: folder }, { templates: async () => null });
    campaigns = new Map(set.campaigns.map((c) => [c.definition.id, c]));
  } catch (error) {
    logger.warn(`${merchant.id}: campaigns not loaded (${(error as Error).message.split('\n')[0]}); messages render without campaign terms`);
  }

  const outbox = new OutboxAdapter({ dir: delivery.outboxDir, prices, stopNumber, defaultCountry: 'FR' }, now);
  let email: ChannelAdapter = outbox;
  if (delivery.sendgrid) {
    const { apiKey, baseUrl, webhookPublicKey } = delivery.sendgrid;
    email = new SendGridEmailAdapter(createSendGridMail({ apiKey, ...(baseUrl ? { baseUrl } : {}) }), { prices, webhookPublicKey, categories: [`relance-${merchant.id}`] }, now) as ChannelAdapter;
  }
  let sms: ChannelAdapter = outbox;
  let rcs: ChannelAdapter = outbox;
  if (delivery.twilio) {
    const { accountSid, authToken, baseUrl, messagingServiceSid, from } = delivery.twilio;
    const client = createTwilioClient({ accountSid, authToken, ...(baseUrl ? { baseUrl } : {}) });
    const common = { prices, authToken, statusCallbackUrl: `${delivery.publicUrl}/v1/providers/twilio/status`, stopNumber, defaultCountry: 'FR' };
    sms = new TwilioSmsAdapter(client, { ...common, messagingServiceSid: messagingServiceSid ?? null, from: from ?? merchant.channels.sms.senderName ?? null }, now) as ChannelAdapter;
    rcs = messagingServiceSid ? (new TwilioRcsAdapter(client, { ...common, messagingServiceSid }, now) as ChannelAdapter) : sms;
  }
  let postal: ChannelAdapter = outbox;
  if (delivery.merciFacteur) {
    const { serviceId, secretKey, userId, baseUrl, authorizedIp, webhookSecret, mode } = delivery.merciFacteur;
    const api = new MerciFacteurApi({ serviceId, secretKey, userId, ...(baseUrl ? { baseUrl } : {}), ...(authorizedIp ? { authorizedIp } : {}) }, now);
    postal = new MerciFacteurAdapter(api, { prices, webhookSecret, mode }, now) as ChannelAdapter;
  } else if (delivery.printBatchDir) {
    postal = new PrintBatchAdapter({ dir: delivery.printBatchDir, prices }) as ChannelAdapter;
  }
  return { merchant, catalog, campaigns, adapters: { email, sms, rcs, postal }, prices, sender: returnAddress(merchant) };
}

/** merchant.yaml's return address lines: the name first, the last "<postcode> <city>". */
function returnAddress(merchant: MerchantConfig): PostalAddress | null {
  const lines = merchant.channels.postal.returnAddress;
  if (!lines || lines.length < 2) return null;
  const last = lines[lines.length - 1]!;
  const match = /^(\d{5})\s+(.+)$/.exec(last.trim());
  if (!match) return null;
  return { name: lines[0]!, lines: lines.slice(1, -1), postcode: match[1]!, city: match[2]!, country: 'FR' };
}

export type AnyAdapter = ChannelAdapter<OutboundMessage>;
