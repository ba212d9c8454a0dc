import { renderMessage, TemplateRenderError, type SendOutcome } from '@relance/channels';
import {
  customerFolder,
  derivedUuidV7,
  nextAllowedInstant,
  parseEvent,
  quietHoursApply,
  streams,
  upcast,
  type ActiveCustomer,
  type Channel,
  type CompiledCampaign,
  type CustomerState,
  type EventData,
  type EventType,
  type SuppressionReason,
} from '@relance/domain';
import type { EventStore, RecordedEvent } from '@relance/event-store';
import type { CustomerKeyStore, CustomerProfile } from '@relance/platform';
import type { BatchedSend } from './batched-send.js';
import { BatchedStreamReads } from './batched-stream-reads.js';
import { laneOf, type DeliveryJob } from './delivery-jobs.js';
import type { DeliveryPending, PendingMessage } from './delivery-pending.repository.js';
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
  readonly keys: CustomerKeyStore;
  readonly merchants: (merchantId: string) => MerchantChannels | undefined;
  readonly pending: DeliveryPending;
  readonly send: BatchedSend;
  readonly now: () => Date;
  readonly publicUrl: string;
  readonly unsubscribeSecret: string;
  /** The stream reads, batched across concurrent jobs (one over the store by default). */
  readonly reads?: BatchedStreamReads;
}

/** Once a message's stream holds one of these, it is never sent again (on that channel: see `settled`). */
const SETTLED = new Set<string>(['MessageSent', 'MessageSuppressed', 'MessageDelivered', 'MessageOpened', 'MessageClicked']);

/** Whether the message is done: an outcome since its last reroute (a reroute reopens it on the next channel). */
function settled(events: readonly RecordedEvent[]): boolean {
  const since = events.slice(events.findLastIndex((e) => e.type === 'MessageRerouted') + 1);
  return since.some((e) => SETTLED.has(e.type) || (e.type === 'MessageFailed' && (e.data as EventData<'MessageFailed'>).permanent));
}

/** An outcome's label (its event id derives from it): per channel once rerouted, so that each channel's outcome is stored. */
function labelOf(queued: EventData<'MessageQueued'>, channel: Channel, outcome: string): string {
  return channel === queued.channel ? outcome : `${outcome}:${channel}`;
}

/**
 * One message, at send time: its stream says whether it is still owed; the customer's stream (read
 * from the store, not a read model that may lag) whether the consent still holds and the customer
 * still exists; quiet hours whether now is allowed; then the profile is opened in memory, the
 * template rendered, the message sent, and the outcome appended to the message's stream with an id
 * derived from the message, so that a repeated attempt appends it once.
 */
export class MessageDelivery {
  private readonly reads: BatchedStreamReads;

  constructor(private readonly deps: DeliveryDependencies) {
    this.reads = deps.reads ?? new BatchedStreamReads(deps.store);
  }

  async deliver(job: DeliveryJob, lastAttempt: boolean): Promise<DeliveryStep> {
    const { keys } = this.deps;
    const { merchantId, messageId } = job;
    const slice = await this.reads.read(streams.message(merchantId, messageId));
    const queuedEvent = slice.events.find((e) => e.type === 'MessageQueued');
    if (!queuedEvent) {
      await this.deps.pending.done(merchantId, messageId);
      return { kind: 'done', outcome: 'no-message' };
    }
    if (settled(slice.events)) {
      await this.deps.pending.done(merchantId, messageId);
      return { kind: 'done', outcome: 'already-done' };
    }
    const queued = queuedEvent.data as EventData<'MessageQueued'>;
    const channels = this.deps.merchants(merchantId);
    if (!channels) throw new Error(`Merchant ${merchantId} is not served by this engine`);
    const now = this.deps.now();
    const nowIso = now.toISOString();

    if (queued.scheduledFor && queued.scheduledFor > nowIso) return { kind: 'defer', until: queued.scheduledFor, reason: 'scheduled' };

    // A message rerouted by an earlier attempt goes on with the channel it was rerouted to.
    const reroutes = slice.events.filter((e) => e.type === 'MessageRerouted').map((e) => e.data as EventData<'MessageRerouted'>);
    let channel: Channel = reroutes.at(-1)?.toChannel ?? queued.channel;
    const tried = new Set<Channel>([queued.channel, ...reroutes.map((r) => r.toChannel)]);

    // Read from the store, not from a cache or a read model that may lag the log.
    const events = (await this.reads.read(streams.customer(merchantId, queued.customerId))).events.map((e) => upcast(e));
    const folder = customerFolder(channels.merchant.program.definition);
    const state = events.reduce((s, e) => folder.evolve(s, e as never), folder.initialState());
    const refusal = sendTimeRefusal(state, queued, channel);
    if (refusal) return this.suppress(queuedEvent, queued, channel, refusal.reason, refusal.detail);
    const customer = state as ActiveCustomer;

    const opened = await keys.open<Partial<CustomerProfile>>(merchantId, queued.customerId, customer.profile);
    if (!opened) return this.suppress(queuedEvent, queued, channel, 'erased', "the customer's key is destroyed");
    const profile = { firstName: null, lastName: null, companyName: null, email: null, phone: null, postalAddress: null, birthDate: null, ...opened } as CustomerProfile;
    const unreachable = reachable(channel, profile);
    if (unreachable) return this.suppress(queuedEvent, queued, channel, 'unreachable', unreachable.detail);

    const campaign = queued.campaignId ? (channels.campaigns.get(queued.campaignId) ?? null) : null;
    const offer = offerData({ queued, causationId: queuedEvent.metadata.causationId, customer, events, campaign, program: channels.merchant.program.definition, timeZone: channels.merchant.timeZone });
    for (;;) {
      const step = await this.attempt({ queuedEvent, queued, channels, channel, customer, profile, offer, campaign, now, lastAttempt });
      if (step.kind !== 'refused') return step;
      const next = fallbackChannel({ queued, campaign, channels, customer, profile, from: channel, tried });
      if (!next) return this.fail(queuedEvent, queued, channel, true, step.code, step.reason);
      await this.record(
        queuedEvent,
        'MessageRerouted',
        `rerouted:${channel}`,
        {
          messageId,
          campaignId: queued.campaignId,
          customerId: queued.customerId,
          fromChannel: channel,
          toChannel: next,
          code: step.code?.slice(0, 100) ?? null,
          reason: step.reason.slice(0, 500),
          reroutedAt: this.deps.now().toISOString(),
        },
        false,
      );
      tried.add(next);
      channel = next;
    }
  }

  /**
   * A message the provider accepted and later reported failed for good (a hard bounce, an SMS
   * undelivered): rerouted as at send time to the next channel the customer consented to and can be
   * reached on, and owed again (its delivery_pending row). Returns what to enqueue, or null when the
   * message is not in that state or no channel is left.
   */
  async rerouteAfterFailure(merchantId: string, messageId: string): Promise<PendingMessage | null> {
    const slice = await this.reads.read(streams.message(merchantId, messageId));
    const queuedEvent = slice.events.find((e) => e.type === 'MessageQueued');
    const channels = this.deps.merchants(merchantId);
    if (!queuedEvent || !channels) return null;
    const queued = queuedEvent.data as EventData<'MessageQueued'>;
    const since = slice.events.slice(slice.events.findLastIndex((e) => e.type === 'MessageRerouted') + 1);
    const sentAt = since.findIndex((e) => e.type === 'MessageSent');
    const failed = since.slice(sentAt + 1).find((e) => e.type === 'MessageFailed' && (e.data as EventData<'MessageFailed'>).permanent);
    if (sentAt < 0 || !failed) return null;
    const reroutes = slice.events.filter((e) => e.type === 'MessageRerouted').map((e) => e.data as EventData<'MessageRerouted'>);
    const from: Channel = reroutes.at(-1)?.toChannel ?? queued.channel;
    const tried = new Set<Channel>([queued.channel, ...reroutes.map((r) => r.toChannel)]);

    const events = (await this.reads.read(streams.customer(merchantId, queued.customerId))).events.map((e) => upcast(e));
    const folder = customerFolder(channels.merchant.program.definition);
    const state = events.reduce((s, e) => folder.evolve(s, e as never), folder.initialState());
    if (state.status !== 'active') return null;
    const opened = await this.deps.keys.open<Partial<CustomerProfile>>(merchantId, queued.customerId, state.profile);
    if (!opened) return null;
    const profile = { firstName: null, lastName: null, companyName: null, email: null, phone: null, postalAddress: null, birthDate: null, ...opened } as CustomerProfile;
    const campaign = queued.campaignId ? (channels.campaigns.get(queued.campaignId) ?? null) : null;
    const next = fallbackChannel({ queued, campaign, channels, customer: state, profile, from, tried });
    if (!next) return null;
    const failure = failed.data as EventData<'MessageFailed'>;
    const now = this.deps.now().toISOString();
    await this.record(
      queuedEvent,
      'MessageRerouted',
      `rerouted:${from}`,
      { messageId, campaignId: queued.campaignId, customerId: queued.customerId, fromChannel: from, toChannel: next, code: failure.code, reason: failure.reason, reroutedAt: now },
      false,
    );
    const pending: PendingMessage = { merchantId, messageId, lane: laneOf(next), dueAt: now };
    await this.deps.pending.add([pending]);
    return pending;
  }

  /**
   * One channel: quiet hours, render, address, send. A permanent refusal by the provider comes back
   * as `refused`, for the caller to reroute; everything else is the attempt's step.
   */
  private async attempt(a: ChannelAttempt): Promise<DeliveryStep | { kind: 'refused'; code: string | null; reason: string }> {
    const { queuedEvent, queued, channels, channel, customer, profile, now, lastAttempt } = a;
    const { merchantId, messageId } = { merchantId: queuedEvent.metadata.merchantId, messageId: queued.messageId };
    const nowIso = now.toISOString();
    const { quietHours, timeZone } = channels.merchant;
    if (queued.purpose === 'marketing' && quietHoursApply(quietHours, channel)) {
      const allowed = nextAllowedInstant(nowIso, quietHours, timeZone);
      if (allowed !== nowIso) return { kind: 'defer', until: allowed, reason: 'quiet hours' };
    }

    const ids = { merchantId, customerId: queued.customerId, messageId };
    const unsubscribe = channel === 'email' ? unsubscribeLink(this.deps.publicUrl, this.deps.unsubscribeSecret, channels, ids, 'email') : null;
    let rendered;
    try {
      rendered = renderMessage(channels.catalog, {
        channel,
        templateId: queued.templateId,
        locale: queued.locale,
        customer: { firstName: profile.firstName, tier: tierOf(customer, channels), pointsBalance: customer.lots.points - customer.debtPoints, type: customer.customerType },
        offer: a.offer,
        // The campaign's own words as configured now (a corrected date reaches the messages not sent yet).
        content: a.campaign?.definition.actions.message?.content ?? {},
        unsubscribeUrl: unsubscribe,
        stopNumber: channels.merchant.channels.sms.stopNumber,
      });
    } catch (error) {
      if (!(error instanceof TemplateRenderError)) throw error;
      // Named from the merchant's templates folder: a host's paths have no place in an event.
      return this.fail(queuedEvent, queued, channel, true, 'template', error.message.split(`${channels.catalog.dir}/`).join('templates/'));
    }
    const message = outboundMessage({ merchantId, queued, profile, channels, now }, rendered, unsubscribe);
    if ('kind' in message && (message.kind === 'unreachable' || message.kind === 'merchant-setting')) {
      return this.fail(queuedEvent, queued, channel, true, message.kind, message.detail);
    }
    const outbound = message as Exclude<typeof message, { kind: string }>;
    const outcome = await this.deps.send.send(channels.adapters[channel], outbound);
    switch (outcome.kind) {
      case 'accepted':
        await this.record(queuedEvent, 'MessageSent', labelOf(queued, channel, 'sent'), {
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
        return { kind: 'refused', code: outcome.code, reason: outcome.reason };
      case 'retryable':
        if (lastAttempt) {
          // Recorded as a failure that may still be retried from the dead-letter list.
          await this.record(queuedEvent, 'MessageFailed', labelOf(queued, channel, 'gave-up'), failure(queued, false, outcome.code, `gave up after retries: ${outcome.reason}`, this.deps.now()), false);
        }
        return { kind: 'retry', outcome };
    }
  }

  private async suppress(queuedEvent: RecordedEvent, queued: EventData<'MessageQueued'>, channel: Channel, reason: SuppressionReason, detail: string): Promise<DeliveryStep> {
    await this.record(queuedEvent, 'MessageSuppressed', labelOf(queued, channel, 'suppressed'), {
      campaignId: queued.campaignId,
      ruleVersion: queued.ruleVersion,
      customerId: queued.customerId,
      messageId: queued.messageId,
      channel,
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

  private async fail(queuedEvent: RecordedEvent, queued: EventData<'MessageQueued'>, channel: Channel, permanent: boolean, code: string | null, reason: string): Promise<DeliveryStep> {
    await this.record(queuedEvent, 'MessageFailed', labelOf(queued, channel, 'failed'), failure(queued, permanent, code, reason, this.deps.now()));
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
export function sendTimeRefusal(state: CustomerState, queued: EventData<'MessageQueued'>, channel: Channel = queued.channel): { reason: SuppressionReason; detail: string } | null {
  switch (state.status) {
    case 'unknown':
      return { reason: 'erased', detail: 'the customer does not exist' };
    case 'erased':
      return { reason: 'erased', detail: 'the customer was erased' };
    case 'merged':
      return { reason: 'erased', detail: `the customer was merged into ${state.survivorId}` };
    case 'active': {
      const consent = state.consents.find((c) => c.channel === channel && c.purpose === queued.purpose);
      if (consent?.granted) return null;
      return {
        reason: 'no-consent',
        detail: consent ? `${channel} consent (${queued.purpose}) withdrawn at ${consent.changedAt}` : `no ${channel} consent (${queued.purpose})`,
      };
    }
  }
}

interface ChannelAttempt {
  readonly queuedEvent: RecordedEvent;
  readonly queued: EventData<'MessageQueued'>;
  readonly channels: MerchantChannels;
  readonly channel: Channel;
  readonly customer: ActiveCustomer;
  readonly profile: CustomerProfile;
  readonly offer: Record<string, unknown>;
  readonly campaign: CompiledCampaign | null;
  readonly now: Date;
  readonly lastAttempt: boolean;
}

/**
 * Where a message refused for good on `from` goes next: the decision's own fallbacks, then the
 * campaign's channels after `from` in its order of preference; the first not tried yet that the
 * customer consented to (for the message's purpose), can be reached on, and has a template. Null:
 * the message fails.
 */
export function fallbackChannel(input: {
  readonly queued: EventData<'MessageQueued'>;
  readonly campaign: CompiledCampaign | null;
  readonly channels: MerchantChannels;
  readonly customer: ActiveCustomer;
  readonly profile: CustomerProfile;
  readonly from: Channel;
  readonly tried: ReadonlySet<Channel>;
}): Channel | null {
  const { queued, campaign, channels, customer, profile, from, tried } = input;
  const preference = campaign?.definition.actions.message?.channels ?? [];
  const after = preference.includes(from) ? preference.slice(preference.indexOf(from) + 1) : preference;
  for (const candidate of new Set([...queued.fallbackChannels, ...after])) {
    if (tried.has(candidate)) continue;
    if (!customer.consents.some((c) => c.channel === candidate && c.purpose === queued.purpose && c.granted)) continue;
    if (reachable(candidate, profile)) continue;
    if (!channels.catalog.get(candidate, queued.templateId, queued.locale)) continue;
    return candidate;
  }
  return null;
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

