import { Inject, Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CommandBus } from '@nestjs/cqrs';
import { DELIVERY_STAGE, type ProviderEvent, type ProviderEventKind } from '@relance/channels';
import {
  customerFolder,
  derivedUuidV7,
  DomainError,
  parseEvent,
  streams,
  type Channel,
  type EventData,
  type EventType,
} from '@relance/domain';
import type { EventStore, RecordedEvent } from '@relance/event-store';
import { EVENT_STORE, MERCHANTS, type MerchantDirectory } from '@relance/platform';
import { systemEnvelope } from '../write-path/command-envelope.js';
import { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import { ChangeConsentCommand } from '../customers/change-consent.handler.js';
import { normalisePhone } from '../customers/identity.js';
import { IdentityReservations } from '../customers/identity-reservations.repository.js';
import { ProfileVault } from '../customers/profile-vault.js';
import { DeliveryService } from './delivery.service.js';

/** The stage a recorded message event stands for (as the provider's kinds rank them). */
const STAGE_OF_TYPE: Partial<Record<string, number>> = {
  MessageSent: 1,
  MessageDelivered: DELIVERY_STAGE.delivered,
  MessageFailed: DELIVERY_STAGE.failed,
  MessageOpened: DELIVERY_STAGE.opened,
  MessageClicked: DELIVERY_STAGE.clicked,
};

/** What withdraws a consent: a provider's event (its id makes the withdrawal's seed), or an unsubscribe link. */
export type WithdrawalSource = Pick<ProviderEvent, 'provider' | 'providerEventId' | 'occurredAt'> & { readonly kind: string };

export interface RecordReport {
  readonly appended: number;
  readonly withdrawn: number;
  readonly ignored: number;
}

/**
 * Provider callbacks, verified, become our events: delivered / opened / clicked / failed on the
 * message's stream, consent withdrawals on the customer's. Ids derive from the provider's event id,
 * so a callback sent twice is recorded once; a callback that arrives after a later one (a
 * `delivered` after an `opened`) is not recorded, so a message never moves backwards.
 */
@Injectable()
export class ProviderEventRecorder {
  private readonly logger = new Logger('ProviderEvents');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MERCHANTS) private readonly merchants: MerchantDirectory,
    private readonly commands: CommandBus,
    private readonly runner: StreamCommandRunner,
    private readonly reservations: IdentityReservations,
    private readonly vault: ProfileVault,
    private readonly modules: ModuleRef,
  ) {}

  /** Delivery, where this process runs it (the engine; not a CLI run): it reroutes what failed late. */
  private delivery(): DeliveryService | null {
    try {
      return this.modules.get(DeliveryService, { strict: false });
    } catch {
      return null;
    }
  }

  async record(events: readonly ProviderEvent[]): Promise<RecordReport> {
    let appended = 0;
    let withdrawn = 0;
    let ignored = 0;
    for (const event of events) {
      const merchantId = event.merchantId;
      if (!merchantId || !this.merchants.get(merchantId)) {
        ignored++;
        continue;
      }
      let customerId: string | null = null;
      let failed = false;
      if (event.kind === 'inbound') {
        customerId = await this.customerByPhone(merchantId, event.from);
      } else if (event.messageId) {
        const outcome = await this.onMessage(merchantId, event.messageId, event);
        customerId = outcome.customerId;
        appended += outcome.appended ? 1 : 0;
        failed = outcome.appended && outcome.type === 'MessageFailed';
      }
      if (customerId && event.withdraws.length > 0) withdrawn += await this.withdraw(merchantId, customerId, event.withdraws, event);
      // After the withdrawal a bounce carries: the next channel is chosen on the consents as they now stand.
      if (failed && event.messageId) await this.delivery()?.afterPermanentFailure(merchantId, event.messageId);
      if (!customerId) ignored++;
    }
    return { appended, withdrawn, ignored };
  }

  private async onMessage(merchantId: string, messageId: string, event: ProviderEvent): Promise<{ customerId: string | null; appended: boolean; type?: EventType }> {
    const streamId = streams.message(merchantId, messageId);
    const slice = await this.store.readStream(streamId);
    const queued = slice.events.find((e) => e.type === 'MessageQueued');
    // A callback about a message we never queued (another system's, or forged with a valid signature) writes nothing.
    if (!queued) return { customerId: null, appended: false };
    const q = queued.data as EventData<'MessageQueued'>;
    const message = this.messageEvent(event, q);
    if (!message) return { customerId: q.customerId, appended: false };
    const eventId = derivedUuidV7(event.occurredAt, `${event.provider}|${event.providerEventId}|${event.kind}`);
    if (slice.events.some((e) => e.metadata.eventId === eventId)) return { customerId: q.customerId, appended: false };
    // A rerouted message starts again on its new channel: the stages before the reroute are the old channel's.
    const since = slice.events.slice(slice.events.findLastIndex((e) => e.type === 'MessageRerouted') + 1);
    const current = Math.max(0, ...since.map((e) => STAGE_OF_TYPE[e.type] ?? 0));
    const stage = DELIVERY_STAGE[event.kind as ProviderEventKind];
    // Opens and clicks may repeat; anything else below or at a later stage already recorded is stale.
    const stale = event.kind === 'clicked' || event.kind === 'opened' ? stage < current : stage <= current && current >= DELIVERY_STAGE.delivered;
    if (stale) return { customerId: q.customerId, appended: false };
    await this.append(streamId, queued, eventId, message.type, message.data, event.occurredAt);
    return { customerId: q.customerId, appended: true, type: message.type };
  }

  private messageEvent(event: ProviderEvent, q: EventData<'MessageQueued'>): { type: EventType; data: unknown } | null {
    const ids = { messageId: q.messageId, campaignId: q.campaignId, customerId: q.customerId };
    switch (event.kind) {
      case 'delivered':
        return { type: 'MessageDelivered', data: { ...ids, providerStatus: `delivered via ${event.deliveredVia}`, deliveredAt: event.occurredAt } };
      case 'opened':
        return { type: 'MessageOpened', data: { ...ids, openedAt: event.occurredAt } };
      case 'clicked':
        return { type: 'MessageClicked', data: { ...ids, url: event.url.slice(0, 2000), clickedAt: event.occurredAt } };
      case 'bounced':
        return event.permanent ? { type: 'MessageFailed', data: { ...ids, permanent: true, code: 'bounce', reason: event.reason.slice(0, 500), failedAt: event.occurredAt } } : null;
      case 'failed':
        return event.permanent ? { type: 'MessageFailed', data: { ...ids, permanent: true, code: event.code, reason: event.reason.slice(0, 500), failedAt: event.occurredAt } } : null;
      case 'progress':
      case 'spam-report':
      case 'unsubscribed':
      case 'inbound':
        return null;
    }
  }

  private async append(streamId: string, queued: RecordedEvent, eventId: string, type: EventType, data: unknown, occurredAt: string): Promise<void> {
    const event = parseEvent(type, data);
    await this.store.append(
      streamId,
      [
        {
          type: event.type,
          data: event.data,
          metadata: {
            eventId,
            merchantId: queued.metadata.merchantId,
            correlationId: queued.metadata.correlationId,
            causationId: queued.metadata.eventId,
            actor: 'system:provider-webhooks',
            occurredAt,
            recordedAt: new Date().toISOString(),
          },
        },
      ],
      'any',
    );
  }

  /**
   * Withdraws every purpose granted on each channel (a STOP ends all texts to that number, an
   * unsubscribe all emails): nothing is written for a consent already withdrawn.
   */
  async withdraw(merchantId: string, customerId: string, channels: readonly Channel[], event: WithdrawalSource): Promise<number> {
    const merchant = this.merchants.require(merchantId);
    const { state } = await this.runner.read(streams.customer(merchantId, customerId), customerFolder(merchant.program.definition));
    if (state.status !== 'active') return 0;
    let count = 0;
    for (const channel of channels) {
      for (const consent of state.consents.filter((c) => c.channel === channel && c.granted)) {
        count += await this.withdrawOne(merchantId, customerId, channel, consent.purpose, event);
      }
    }
    return count;
  }

  private async withdrawOne(merchantId: string, customerId: string, channel: Channel, purpose: EventData<'ConsentWithdrawn'>['purpose'], event: WithdrawalSource): Promise<number> {
    // Derived from the provider's event: the same callback again finds its withdrawal stored.
    const seed = derivedUuidV7(event.occurredAt, `${event.provider}|${event.providerEventId}|withdraw|${channel}|${purpose}`);
    try {
      await this.commands.execute(
        new ChangeConsentCommand(systemEnvelope(merchantId, 'provider-webhooks', seed, true), customerId, {
          action: 'withdraw',
          body: { channel, purpose, source: 'provider', proof: { providerReference: `${event.provider}:${event.providerEventId}`.slice(0, 128) }, reason: event.kind },
        }),
      );
      return 1;
    } catch (error) {
      if (error instanceof DomainError) {
        this.logger.warn(`${merchantId}/${customerId}: withdrawal of ${channel} refused (${error.message})`);
        return 0;
      }
      throw error;
    }
  }

  private async customerByPhone(merchantId: string, phone: string): Promise<string | null> {
    const normalised = normalisePhone(phone);
    if (!normalised) return null;
    const hash = this.vault.identityKeys(merchantId, { email: null, phone: normalised }).phone;
    return hash ? this.reservations.owner(merchantId, { kind: 'phone', hash }) : null;
  }
}
