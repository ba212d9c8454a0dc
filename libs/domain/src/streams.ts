/**
 * Stream names. A merchant id never contains a dot, so `<category>-<merchantId>.<entityId>` splits
 * unambiguously; every stream of a merchant starts with `<category>-<merchantId>`.
 */
export const streams = {
  customer: (merchantId: string, customerId: string) => `customer-${merchantId}.${customerId}`,
  /** An anonymous sale ("clients divers") has a stream of its own, so its refunds have a home. */
  anonymousSale: (merchantId: string, purchaseId: string) => `sale-${merchantId}.${purchaseId}`,
  message: (merchantId: string, messageId: string) => `message-${merchantId}.${messageId}`,
  /** A campaign's decisions (CampaignTriggered, MessageSuppressed) and launches. */
  campaign: (merchantId: string, campaignId: string) => `campaign-${merchantId}.${campaignId}`,
  program: (merchantId: string) => `program-${merchantId}`,
  segments: (merchantId: string) => `segments-${merchantId}`,
} as const;

export type StreamCategory = keyof typeof streams;

export interface ParsedStreamId {
  readonly category: string;
  readonly merchantId: string;
  readonly entityId: string | null;
}

export function parseStreamId(streamId: string): ParsedStreamId {
  const dash = streamId.indexOf('-');
  if (dash <= 0) throw new Error(`Not a Relance stream id: "${streamId}"`);
  const category = streamId.slice(0, dash);
  const rest = streamId.slice(dash + 1);
  const dot = rest.indexOf('.');
  return dot < 0
    ? { category, merchantId: rest, entityId: null }
    : { category, merchantId: rest.slice(0, dot), entityId: rest.slice(dot + 1) };
}
