import type { Channel } from '@relance/domain';
import type { Money } from '../costs.js';

/**
 * One fact a provider reported about a message or from a recipient, already in our words.
 * `providerEventId` is stable across the provider's retries of the same callback: recording each
 * once is what makes a duplicated webhook harmless. `withdraws` lists the channels whose consent
 * the event withdraws (unsubscribe, spam report, hard bounce, STOP).
 */
export type ProviderEvent =
  | (EventBase & { readonly kind: 'progress'; readonly status: string })
  | (EventBase & {
      readonly kind: 'delivered';
      /** For RCS with SMS fallback: which of the two reached the phone, and what that cost. */
      readonly deliveredVia: Channel;
      readonly units: number | null;
      readonly cost: Money | null;
    })
  | (EventBase & { readonly kind: 'opened' })
  | (EventBase & { readonly kind: 'clicked'; readonly url: string })
  | (EventBase & { readonly kind: 'bounced'; readonly permanent: boolean; readonly reason: string })
  | (EventBase & { readonly kind: 'spam-report' })
  | (EventBase & { readonly kind: 'unsubscribed'; readonly scope: 'all' | 'group' })
  | (EventBase & { readonly kind: 'failed'; readonly permanent: boolean; readonly code: string | null; readonly reason: string })
  | (EventBase & {
      readonly kind: 'inbound';
      /** The sender's number (E.164): personal data, to find the customer by its blind index, never to store in clear. */
      readonly from: string;
      /** Our number or sender the message was sent to: tells which merchant it is for. */
      readonly to: string;
      readonly keyword: InboundKeyword | null;
    });

export type InboundKeyword = 'stop' | 'start' | 'help';

export type ProviderEventKind = ProviderEvent['kind'];

interface EventBase {
  readonly provider: string;
  readonly providerEventId: string;
  readonly channel: Channel;
  /** Ours, from custom_args / the callback URL / the letter reference; null for inbound messages. */
  readonly messageId: string | null;
  readonly merchantId: string | null;
  readonly providerMessageId: string | null;
  readonly occurredAt: string;
  readonly withdraws: readonly Channel[];
}

/**
 * Where each kind stands in a message's life, for callbacks that arrive out of order: an event
 * whose stage is below the message's current stage must not move it back (a late `sent` after
 * `delivered`). Failures and bounces are terminal like a delivery; opens and clicks come after.
 */
export const DELIVERY_STAGE: Readonly<Record<ProviderEventKind, number>> = {
  progress: 1,
  delivered: 2,
  failed: 2,
  bounced: 2,
  opened: 3,
  clicked: 4,
  'spam-report': 4,
  unsubscribed: 4,
  inbound: 0,
};
