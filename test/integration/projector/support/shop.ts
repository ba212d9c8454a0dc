import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  customerDecider,
  evolveCustomer,
  streams,
  type ActiveProgram,
  type CustomerCommand,
  type CustomerState,
  type DomainEvent,
  type EventData,
  type PurchaseLine,
} from '@relance/domain';
import type { EventToAppend } from '@relance/event-store';
import { loadMerchantConfig } from '@relance/platform';
import { v7 as uuidv7 } from 'uuid';
import { uniquePrefix } from '../../../support/events.js';
import type { ProjectorEnv } from './projector-env.js';

const CONFIG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../config');
let program: ActiveProgram | undefined;

/** The demo caviste's program (config/merchants/cave-demo), as the write side would apply it. */
export async function demoProgram(): Promise<ActiveProgram> {
  program ??= (await loadMerchantConfig(CONFIG_DIR, 'cave-demo')).program;
  return program;
}

export function line(lineNo: number, totalCents: number, extra: Partial<PurchaseLine> = {}): PurchaseLine {
  return { lineNo, sku: `SKU-${lineNo}`, name: `Vin ${lineNo}`, category: 'rouge', quantity: 1, unitPriceCents: totalCents, discountCents: 0, promo: false, totalCents, ...extra };
}

/**
 * A fresh merchant whose history is written the way the engine writes it: commands decided by the
 * real customer decider (so points, lots, debts and tiers are the write side's), profiles sealed
 * with the customer's key, events appended through the real event store.
 */
export class Shop {
  readonly merchantId = uniquePrefix('cave-').toLowerCase();
  private readonly states = new Map<string, CustomerState>();
  readonly appended: EventToAppend[] = [];

  constructor(
    private readonly env: ProjectorEnv,
    private readonly activeProgram: ActiveProgram,
  ) {}

  static async open(env: ProjectorEnv): Promise<Shop> {
    return new Shop(env, await demoProgram());
  }

  /** The write side's own state of a customer: what the read models must agree with. */
  state(customerId: string): CustomerState {
    return this.states.get(customerId) ?? customerDecider.initialState();
  }

  /** Decides a command against the customer's state and appends what it decided. */
  async do(customerId: string, command: CustomerCommand, now: string): Promise<DomainEvent[]> {
    const state = this.states.get(customerId) ?? customerDecider.initialState();
    const events = customerDecider.decide(command, state, { now, timeZone: 'Europe/Paris', currency: 'EUR', program: this.activeProgram });
    this.states.set(customerId, events.reduce(evolveCustomer, state));
    await this.append(streams.customer(this.merchantId, customerId), events, now);
    return events;
  }

  async enrol(customerId: string, now: string, profile: Record<string, unknown> = { firstName: 'Élodie', lastName: 'Martin', email: `${customerId}@example.fr` }, extra: Partial<EventData<'CustomerEnrolled'>> = {}) {
    const sealed = await this.env.keys.seal(this.merchantId, customerId, profile);
    return this.do(
      customerId,
      {
        type: 'EnrolCustomer',
        data: {
          customerId,
          customerType: 'b2c',
          businessCategory: null,
          storeId: 'halles',
          externalId: null,
          locale: 'fr-FR',
          profile: sealed,
          identityKeys: { email: 'e'.repeat(64), phone: null },
          source: 'pos',
          consents: [],
          ...extra,
        },
      } as CustomerCommand,
      now,
    );
  }

  purchase(customerId: string, purchaseId: string, at: string, lines: PurchaseLine[]) {
    return this.do(
      customerId,
      {
        type: 'RecordPurchase',
        data: { purchaseId, customerId, storeId: 'halles', externalRef: null, channel: 'pos', currency: 'EUR', lines, totalCents: lines.reduce((s, l) => s + l.totalCents, 0), rewardIdsUsed: [], purchasedAt: at },
      },
      at,
    );
  }

  /** Events that are not decided by the customer decider (messages, campaigns, anonymous sales…). */
  async append(streamId: string, events: readonly DomainEvent[], occurredAt: string): Promise<void> {
    if (events.length === 0) return;
    const toAppend = events.map((e) => {
      const eventId = uuidv7();
      return {
        type: e.type,
        data: e.data,
        metadata: { eventId, merchantId: this.merchantId, correlationId: eventId, causationId: eventId, actor: 'system:test', occurredAt, recordedAt: new Date().toISOString() },
      };
    });
    this.appended.push(...toAppend);
    await this.env.store.append(streamId, toAppend, 'any');
  }

  /** Erasure as the engine does it: destroy the key, then record the fact. */
  async erase(customerId: string, at: string): Promise<void> {
    await this.env.keys.destroy(this.merchantId, customerId);
    this.states.set(customerId, { status: 'erased', customerId });
    await this.append(streams.customer(this.merchantId, customerId), [{ type: 'CustomerErased', data: { customerId, reason: 'request', erasedAt: at } }], at);
  }
}
