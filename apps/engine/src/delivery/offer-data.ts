import {
  addMonthsToLocalDate,
  localDateOf,
  lotsOf,
  type ActiveCustomer,
  type CompiledCampaign,
  type EventData,
  type Program,
} from '@relance/domain';
import type { RecordedEvent } from '@relance/event-store';

/** What a message's `offer` is built from, all of it read at send time from the customer's own stream. */
export interface OfferSources {
  readonly queued: EventData<'MessageQueued'>;
  /** The MessageQueued's causation: the event that triggered the decision, when it is one of the customer's. */
  readonly causationId: string;
  readonly customer: ActiveCustomer;
  /** The customer's stream as read (upcast). */
  readonly events: readonly Pick<RecordedEvent, 'type' | 'data' | 'metadata'>[];
  readonly campaign: CompiledCampaign | null;
  readonly program: Program;
  readonly timeZone: string;
}

/**
 * The data a template's `offer` holds, from what the decision recorded: the voucher it issued (from
 * VoucherIssued), the purchase or tier change that triggered it, the points about to expire, the
 * challenge's terms. Only facts: a field nothing recorded is left out, and strict rendering then
 * refuses the template rather than send a blank.
 */
export function offerData(sources: OfferSources): Record<string, unknown> {
  const { queued, events, timeZone } = sources;
  const offer: Record<string, unknown> = {};

  if (queued.voucher) {
    const issued = events.find((e) => e.type === 'VoucherIssued' && (e.data as EventData<'VoucherIssued'>).voucherId === queued.voucher!.voucherId);
    if (issued) {
      const v = issued.data as EventData<'VoucherIssued'>;
      offer.voucher = {
        code: v.code,
        ...(v.valueCents !== null ? { valueMinor: v.valueCents } : {}),
        ...(v.percent !== null ? { percent: v.percent } : {}),
        minimumPurchaseMinor: v.minimumPurchaseCents,
        // expiresAt is 00:00 the day after the last valid day.
        expiresOn: localDateOf(new Date(Date.parse(v.expiresAt) - 1).toISOString(), timeZone),
      };
    }
  }

  const trigger = events.find((e) => e.metadata.eventId === sources.causationId);
  if (trigger?.type === 'PurchaseRecorded') {
    const purchase = trigger.data as EventData<'PurchaseRecorded'>;
    offer.basketMinor = purchase.totalCents;
    offer.purchasedAt = purchase.purchasedAt;
    offer.pointsEarned = events
      .filter((e) => e.type === 'PointsEarned' && (e.data as EventData<'PointsEarned'>).sourceId === purchase.purchaseId)
      .reduce((sum, e) => sum + (e.data as EventData<'PointsEarned'>).points, 0);
  }
  const tierChange = trigger?.type === 'TierChanged' ? trigger : [...events].reverse().find((e) => e.type === 'TierChanged');
  if (tierChange) {
    const change = tierChange.data as EventData<'TierChanged'>;
    const levels = sources.program.tiers.levels;
    const previous = levels.find((l) => l.id === change.from);
    const current = levels.find((l) => l.id === change.to);
    if (previous) offer.previousTierName = previous.name;
    if (current) offer.pointsPerEuro = current.earnMultiplier;
  }

  const expiring = nextExpiry(sources.customer, queued.queuedAt);
  if (expiring) {
    offer.expiringPoints = expiring.points;
    offer.expiresOn = localDateOf(new Date(Date.parse(expiring.expiresAt) - 1).toISOString(), timeZone);
  }

  const definition = sources.campaign?.definition;
  if (definition?.trigger.type === 'challenge') {
    const startsOn = `${localDateOf(queued.queuedAt, timeZone).slice(0, 7)}-01`;
    offer.purchasesRequired = definition.trigger.purchases;
    offer.bonusPoints = definition.actions.bonusPoints ?? 0;
    offer.startsOn = startsOn;
    offer.endsOn = addDaysBefore(addMonthsToLocalDate(startsOn, 1));
  }
  return offer;
}

/** The points of the lots that expire first after `at`, and when. */
function nextExpiry(customer: ActiveCustomer, at: string): { points: number; expiresAt: string } | null {
  const lots = lotsOf(customer.lots).filter((l) => l.expiresAt !== null && l.expiresAt > at && l.remaining > 0);
  if (lots.length === 0) return null;
  const first = lots.reduce((a, b) => (b.expiresAt! < a.expiresAt! ? b : a)).expiresAt!;
  const day = first.slice(0, 10);
  return { points: lots.filter((l) => l.expiresAt!.slice(0, 10) === day).reduce((s, l) => s + l.remaining, 0), expiresAt: first };
}

function addDaysBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}
