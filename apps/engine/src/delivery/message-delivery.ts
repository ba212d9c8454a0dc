import { renderMessage, TemplateRenderError, type SendOutcome } from '@relance/channels';
import {
  customerFolder,
  derivedUuidV7,
  nextAllowedInstant,
  parseEvent,
  quietHoursApply,
  streams,
  type ActiveCustomer,
  type CustomerState,
  type EventData,
  type EventType,
  type SuppressionReason,
} from '@relance/domain';
import type { EventStore, RecordedEvent } from '@relance/event-store';
import type { CustomerKeyStore, CustomerProfile } from '@relance/platform';
import type { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import type { BatchedSend } from './batched-send.js';
import type { DeliveryJob } from './delivery-jobs.js';
import type { DeliveryPending } from './delivery-pending.repository.js';
import type { MerchantChannels } from './merchant-channels.js';
import { offerData } from './offer-data.js';
import { outboundMessage, reachable, unsubscribeLink } from './outbound-message.js';

/** What became of one attempt at a message. */
export type DeliveryStep =
  | { readonly kind: 'done'; readonly outcome: 'sent' | 'failed' | 'suppressed' | 'already-done' | 'no-message' }
  /** Not now (quiet hours, or a job that ran before its time): run again at `until`. */
  | { readonly kind: 'defer'; readonly until: string; readonly reason: string }
  /** The provider asked to try later (429, 5xx, network): the queue retries with backoff. */
  | { readonly kind: 'retry'; readonly outcome: Extract<SendOutcome, { kind: 'retryable' }> };

export interface DeliveryDependencies {
  readonly store: EventStore;
  readonly runner: StreamCommandRunner;
  readonly keys: CustomerKeyStore;
  readonly merchants: (merchantId: string) => MerchantChannels | undefined;
  readonly pending: DeliveryPending;
  readonly send: BatchedSend;
  readonly now: () => Date;
  readonly publicUrl: string;
  readonly unsubscribeSecret: string;
}

/** Once a message's stream holds one of these, it is never sent again. */
const SETTLED = new Set<string>(['MessageSent', 'MessageSuppressed', 'MessageDelivered', 'MessageOpened', 'MessageClicked']);

/**
 * One message, at send time: its stream says whether it is still owed; the customer's stream (read
 * from the store, not a read model that may lag) whether the consent still holds and the customer
 * still exists; quiet hours whether now is allowed; then the profile is opened in memory, the
 * template rendered, the message sent, and the outcome appended to the message's stream with an id
 * derived from the message, so that a repeated attempt appends it once.
 */
export class MessageDelivery {
  constructor(private readonly deps: DeliveryDependencies) {}

  async deliver(job: DeliveryJob, lastAttempt: boolean): Promise<DeliveryStep> {
    const { store, runner, keys } = this.deps;
    const { merchantId, messageId } = job;
    const slice = await store.readStream(streams.message(merchantId, messageId));
    const queuedEvent = slice.events.find((e) => e.type === 'MessageQueued');
    if (!queuedEvent) {
      await this.deps.pending.done(merchantId, messageId);
      return { kind: 'done', outcome: 'no-message' };
    }
    if (slice.events.some((e) => SETTLED.has(e.type) || (e.type === 'MessageFailed' && (e.data as EventData<'MessageFailed'>).permanent))) {
      await this.deps.pending.done(merchantId, messageId);
      return { kind: 'done', outcome: 'already-done' };
    }
    const queued = queuedEvent.data as EventData<'MessageQueued'>;
    const channels = this.deps.merchants(merchantId);
    if (!channels) throw new Error(`Merchant ${merchantId} is not served by this engine`);
    const now = this.deps.now();
    const nowIso = now.toISOString();

    if (queued.scheduledFor && queued.scheduledFor > nowIso) return { kind: 'defer', until: queued.scheduledFor, reason: 'scheduled' };

    const { state, events } = await runner.read(streams.customer(merchantId, queued.customerId), customerFolder(channels.merchant.program.definition));
    const refusal = sendTimeRefusal(state, queued);
    if (refusal) return this.suppress(queuedEvent, queued, refusal.reason, refusal.detail);
    const customer = state as ActiveCustomer;

    const marketing = queued.purpose === 'marketing';
    const { quietHours, timeZone } = channels.merchant;
    if (marketing && quietHoursApply(quietHours, queued.channel)) {
      const allowed = nextAllowedInstant(nowIso, quietHours, timeZone);
      if (allowed !== nowIso) return { kind: 'defer', until: allowed, reason: 'quiet hours' };
    }

    const opened = await keys.open<Partial<CustomerProfile>>(merchantId, queued.customerId, customer.profile);
    if (!opened) return this.suppress(queuedEvent, queued, 'erased', "the customer's key is destroyed");
    const profile = { firstName: null, lastName: null, companyName: null, email: null, phone: null, postalAddress: null, birthDate: null, ...opened } as CustomerProfile;
    const unreachable = reachable(queued.channel, profile);
    if (unreachable) return this.suppress(queuedEvent, queued, 'unreachable', unreachable.detail);

    const ids = { merchantId, customerId: queued.customerId, messageId };
    const unsubscribe = queued.channel === 'email' ? unsubscribeLink(this.deps.publicUrl, this.deps.unsubscribeSecret, channels, ids, 'email') : null;
    let rendered;
    try {
      rendered = renderMessage(channels.catalog, {
        channel: queued.channel,
        templateId: queued.templateId,
        locale: queued.locale,
        customer: { firstName: profile.firstName, tier: tierOf(customer, channels), pointsBalance: customer.lots.points - customer.debtPoints, type: customer.customerType },
        offer: offerData({
          queued,
          causationId: queuedEvent.metadata.causationId,
          customer,
          events,
          campaign: queued.campaignId ? (channels.campaigns.get(queued.campaignId) ?? null) : null,
          program: channels.merchant.program.definition,
          timeZone,
        }),
        unsubscribeUrl: unsubscribe,
        stopNumber: channels.merchant.channels.sms.stopNumber,
      });
    } catch (error) {
      if (!(error instanceof TemplateRenderError)) throw error;
      // Named from the merchant's templates folder: a host's paths have no place in an event.
      return this.fail(queuedEvent, queued, true, 'template', error.message.split(`${channels.catalog.dir}/`).join('templates/'));
    }
    const message = outboundMessage({ merchantId, queued, profile, channels, now }, rendered, unsubscribe);
    if ('kind' in message && (message.kind === 'unreachable' || message.kind === 'merchant-setting')) {
      return this.fail(queuedEvent, queued, true, message.kind, message.detail);
    }
    const outbound = message as Exclude<typeof message, { kind: string }>;
    const outcome = await this.deps.send.send(channels.adapters[queued.channel], outbound);
    switch (outcome.kind) {
      case 'accepted':
        await this.record(queuedEvent, 'MessageSent', 'sent', {
          messageId,
          campaignId: queued.campaignId,
          customerId: queued.customerId,
          channel: outcome.channel,
          provider: outcome.provider,
          providerMessageId: outcome.providerMessageId,
          units: Math.max(1, outcome.units),
          currency: outcome.cost.currency,
          costCents: outcome.cost.amountMinor,
          sentAt: this.deps.now().toISOString(),
        });
        return { kind: 'done', outcome: 'sent' };
      case 'permanent':
        return this.fail(queuedEvent, queued, true, outcome.code, outcome.reason);
      case 'retryable':
        if (lastAttempt) {
          // Recorded as a failure that may still be retried from the dead-letter list.
          await this.record(queuedEvent, 'MessageFailed', 'gave-up', failure(queued, false, outcome.code, `gave up after retries: ${outcome.reason}`, this.deps.now()), false);
        }
        return { kind: 'retry', outcome };
    }
  }

  private async suppress(queuedEvent: RecordedEvent, queued: EventData<'MessageQueued'>, reason: SuppressionReason, detail: string): Promise<DeliveryStep> {
    await this.record(queuedEvent, 'MessageSuppressed', 'suppressed', {
      campaignId: queued.campaignId,
      ruleVersion: queued.ruleVersion,
      customerId: queued.customerId,
      messageId: queued.messageId,
      channel: queued.channel,
      reason,
      detail,
      trigger: null,
      conditions: [],
      controls: [],
      channelReasons: [],
      suppressedAt: this.deps.now().toISOString(),
    });
    return { kind: 'done', outcome: 'suppressed' };
  }

  private async fail(queuedEvent: RecordedEvent, queued: EventData<'MessageQueued'>, permanent: boolean, code: string | null, reason: string): Promise<DeliveryStep> {
    await this.record(queuedEvent, 'MessageFailed', 'failed', failure(queued, permanent, code, reason, this.deps.now()));
    return { kind: 'done', outcome: 'failed' };
  }

  /** Appends the outcome with an id derived from the message and the outcome: a second attempt finds it stored. */
  private async record<T extends EventType>(queuedEvent: RecordedEvent, type: T, label: string, data: EventData<T>, settles = true): Promise<void> {
    const { merchantId } = queuedEvent.metadata;
    const queued = queuedEvent.data as EventData<'MessageQueued'>;
    const event = parseEvent(type, data);
    const now = this.deps.now().toISOString();
    await this.deps.store.append(
      queuedEvent.streamId,
      [
        {
          type: event.type,
          data: event.data,
          metadata: {
            eventId: derivedUuidV7(queued.queuedAt, `${merchantId}|${queued.messageId}|${label}`),
            merchantId,
            correlationId: queuedEvent.metadata.correlationId,
            causationId: queuedEvent.metadata.eventId,
            actor: 'system:delivery',
            occurredAt: now,
            recordedAt: now,
          },
        },
      ],
      'any',
    );
    if (settles) await this.deps.pending.done(merchantId, queued.messageId);
  }
}

/** Consent and erasure, judged on the customer's stream as stored now: a withdrawal wins over a queued message. */
export function sendTimeRefusal(state: CustomerState, queued: EventData<'MessageQueued'>): { reason: SuppressionReason; detail: string } | null {
  switch (state.status) {
    case 'unknown':
      return { reason: 'erased', detail: 'the customer does not exist' };
    case 'erased':
      return { reason: 'erased', detail: 'the customer was erased' };
    case 'merged':
      return { reason: 'erased', detail: `the customer was merged into ${state.survivorId}` };
    case 'active': {
      const consent = state.consents.find((c) => c.channel === queued.channel && c.purpose === queued.purpose);
      if (consent?.granted) return null;
      return {
        reason: 'no-consent',
        detail: consent ? `${queued.channel} consent (${queued.purpose}) withdrawn at ${consent.changedAt}` : `no ${queued.channel} consent (${queued.purpose})`,
      };
    }
  }
}

function tierOf(customer: ActiveCustomer, channels: MerchantChannels): { id: string; name: string } | null {
  if (!customer.tier) return null;
  const level = channels.merchant.program.definition.tiers.levels.find((l) => l.id === customer.tier!.id);
  return level ? { id: level.id, name: level.name } : null;
}

function failure(queued: EventData<'MessageQueued'>, permanent: boolean, code: string | null, reason: string, at: Date): EventData<'MessageFailed'> {
  return {
    messageId: queued.messageId,
    campaignId: queued.campaignId,
    customerId: queued.customerId,
    permanent,
    code: code?.slice(0, 100) ?? null,
    reason: reason.slice(0, 500),
    failedAt: at.toISOString(),
  };
}

