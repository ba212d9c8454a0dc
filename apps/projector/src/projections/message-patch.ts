import { ofType, type ProjectedEvent } from '../projection.js';

/** Rank of each status: a message only moves to a higher one (see migration 0026). */
export const STATUS_RANK = { queued: 1, sent: 2, failed: 3, delivered: 4 } as const;

/** What one batch tells about one message, folded from its stream's events in order. */
export interface MessagePatch {
  merchantId: string;
  messageId: string;
  campaignId: string | null;
  customerId: string | null;
  channel: string | null;
  templateId: string | null;
  templateVersion: string | null;
  locale: string | null;
  scheduledFor: string | null;
  /** The currency of its costs, from MessageQueued or MessageSent. */
  currency: string | null;
  estimatedCostCents: number | null;
  queuedAt: string | null;
  sentAt: string | null;
  provider: string | null;
  providerMessageId: string | null;
  units: number | null;
  costCents: number;
  deliveredAt: string | null;
  failedAt: string | null;
  failureCode: string | null;
  failureReason: string | null;
  failurePermanent: boolean | null;
  openedAt: string | null;
  clickedAt: string | null;
  clicks: number;
  rank: number;
  updatedAt: string;
}

const MESSAGE_EVENTS = ['MessageQueued', 'MessageSent', 'MessageDelivered', 'MessageFailed', 'MessageOpened', 'MessageClicked'] as const;

export function messagePatches(events: readonly ProjectedEvent[]): MessagePatch[] {
  const patches = new Map<string, MessagePatch>();
  for (const e of ofType(events, ...MESSAGE_EVENTS)) {
    const key = `${e.metadata.merchantId}\u0000${e.data.messageId}`;
    let p = patches.get(key);
    if (!p) patches.set(key, (p = empty(e.metadata.merchantId, e.data.messageId)));
    p.updatedAt = e.metadata.occurredAt;
    // Every message event names its campaign and customer: a batch starting after MessageQueued still knows them.
    p.campaignId ??= e.data.campaignId;
    p.customerId ??= e.data.customerId;
    switch (e.type) {
      case 'MessageQueued': {
        const d = e.data;
        Object.assign(p, {
          campaignId: d.campaignId,
          customerId: d.customerId,
          channel: d.channel,
          templateId: d.templateId,
          templateVersion: d.templateVersion,
          locale: d.locale,
          scheduledFor: d.scheduledFor,
          currency: p.currency ?? d.currency,
          estimatedCostCents: d.estimatedCostCents,
          queuedAt: p.queuedAt ?? d.queuedAt,
        });
        p.rank = Math.max(p.rank, STATUS_RANK.queued);
        break;
      }
      case 'MessageSent': {
        const d = e.data;
        Object.assign(p, { channel: d.channel, provider: d.provider, providerMessageId: d.providerMessageId, units: d.units, sentAt: p.sentAt ?? d.sentAt, currency: p.currency ?? d.currency });
        p.costCents += d.costCents;
        p.rank = Math.max(p.rank, STATUS_RANK.sent);
        break;
      }
      case 'MessageDelivered':
        p.deliveredAt ??= e.data.deliveredAt;
        p.rank = Math.max(p.rank, STATUS_RANK.delivered);
        break;
      case 'MessageFailed':
        p.failedAt ??= e.data.failedAt;
        Object.assign(p, { failureCode: e.data.code, failureReason: e.data.reason, failurePermanent: e.data.permanent });
        p.rank = Math.max(p.rank, STATUS_RANK.failed);
        break;
      case 'MessageOpened':
        p.openedAt ??= e.data.openedAt;
        break;
      case 'MessageClicked':
        p.clickedAt ??= e.data.clickedAt;
        p.clicks++;
        break;
    }
  }
  return [...patches.values()];
}

function empty(merchantId: string, messageId: string): MessagePatch {
  return {
    merchantId,
    messageId,
    campaignId: null,
    customerId: null,
    channel: null,
    templateId: null,
    templateVersion: null,
    locale: null,
    scheduledFor: null,
    currency: null,
    estimatedCostCents: null,
    queuedAt: null,
    sentAt: null,
    provider: null,
    providerMessageId: null,
    units: null,
    costCents: 0,
    deliveredAt: null,
    failedAt: null,
    failureCode: null,
    failureReason: null,
    failurePermanent: null,
    openedAt: null,
    clickedAt: null,
    clicks: 0,
    rank: 0,
    updatedAt: '',
  };
}
