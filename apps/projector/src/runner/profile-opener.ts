import { PiiUnavailableError, type CustomerKeyStore } from '@relance/platform';
import type { OpenedProfile, ProjectedEvent } from '../projection.js';
import { UNREADABLE } from '../projections/customer-patch.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A sealed profile that does not open (tampered, malformed, or its key wrapped by another master key). */
export class UnopenedProfile extends Error {
  override readonly name = 'UnopenedProfile';
}

/**
 * Opens the sealed profiles of a batch before projections see it (projections do no I/O). A profile
 * that does not open fails its own event where a projection reads it (context.profileOf throws), so
 * that only that event's merchant waits for it, not the batch.
 */
export class ProfileOpener {
  constructor(private readonly keys: CustomerKeyStore) {}

  async open(events: readonly ProjectedEvent[]): Promise<Map<string, OpenedProfile | UnopenedProfile>> {
    const sealed = events.flatMap((e) =>
      e.type === 'CustomerEnrolled' || e.type === 'CustomerProfileUpdated'
        ? [{ eventId: e.metadata.eventId, merchantId: e.metadata.merchantId, customerId: e.data.customerId, sealed: e.data.profile }]
        : [],
    );
    const opened = new Map<string, OpenedProfile | UnopenedProfile>();
    if (sealed.length === 0) return opened;
    try {
      const values = await this.keys.openMany<Record<string, unknown>>(sealed);
      sealed.forEach((item, i) => opened.set(item.eventId, toProfile(values[i] ?? null)));
    } catch (error) {
      if (!(error instanceof PiiUnavailableError)) throw error;
      for (const item of sealed) {
        try {
          const [value] = await this.keys.openMany<Record<string, unknown>>([item]);
          opened.set(item.eventId, toProfile(value ?? null));
        } catch (itemError) {
          if (!(itemError instanceof PiiUnavailableError)) throw itemError;
          opened.set(item.eventId, new UnopenedProfile(`The profile of event ${item.eventId} does not open: ${itemError.message}`));
        }
      }
    }
    return opened;
  }
}

/** The profile's fields, each kept only when it has the expected shape. */
export function toProfile(value: Record<string, unknown> | null): OpenedProfile {
  if (value === null || typeof value !== 'object') return UNREADABLE;
  const text = (key: string) => (typeof value[key] === 'string' && value[key] !== '' ? (value[key] as string) : null);
  const birthDate = text('birthDate');
  return {
    readable: true,
    firstName: text('firstName'),
    lastName: text('lastName'),
    companyName: text('companyName'),
    email: text('email'),
    phone: text('phone'),
    postalAddress: value.postalAddress ?? null,
    birthDate: birthDate && DATE.test(birthDate) ? birthDate : null,
  };
}
