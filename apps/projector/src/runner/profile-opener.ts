import { PiiUnavailableError, type CustomerKeyStore } from '@relance/platform';
import type { ProfileFacts, ProjectedEvent } from '../projection.js';
import { UNREADABLE } from '../projections/customer-patch.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A sealed profile that does not open (tampered, malformed, or its key wrapped by another master key). */
export class UnopenedProfile extends Error {
  override readonly name = 'UnopenedProfile';
}

/**
 * Opens the sealed profiles of a batch before projections see it (projections do no I/O), and keeps
 * only the birth date: the read models store the sealed profile itself, never its fields in clear.
 * A profile that does not open fails its own event where a projection reads it (context.profileOf
 * throws), so that only that event's merchant waits for it, not the batch.
 */
export class ProfileOpener {
  constructor(private readonly keys: CustomerKeyStore) {}

  async open(events: readonly ProjectedEvent[]): Promise<Map<string, ProfileFacts | UnopenedProfile>> {
    const sealed = events.flatMap((e) =>
      e.type === 'CustomerEnrolled' || e.type === 'CustomerProfileUpdated'
        ? [{ eventId: e.metadata.eventId, merchantId: e.metadata.merchantId, customerId: e.data.customerId, sealed: e.data.profile }]
        : [],
    );
    const facts = new Map<string, ProfileFacts | UnopenedProfile>();
    if (sealed.length === 0) return facts;
    try {
      const values = await this.keys.openMany<Record<string, unknown>>(sealed);
      sealed.forEach((item, i) => facts.set(item.eventId, factsOf(values[i] ?? null)));
    } catch (error) {
      if (!(error instanceof PiiUnavailableError)) throw error;
      for (const item of sealed) {
        try {
          const [value] = await this.keys.openMany<Record<string, unknown>>([item]);
          facts.set(item.eventId, factsOf(value ?? null));
        } catch (itemError) {
          if (!(itemError instanceof PiiUnavailableError)) throw itemError;
          facts.set(item.eventId, new UnopenedProfile(`The profile of event ${item.eventId} does not open: ${itemError.message}`));
        }
      }
    }
    return facts;
  }
}

/**
 * The facts of an opened profile; a birth date is kept only when it has the expected shape, and of
 * the postal address only whether a letter can be addressed with it.
 */
export function factsOf(value: Record<string, unknown> | null): ProfileFacts {
  if (value === null || typeof value !== 'object') return UNREADABLE;
  const birthDate = value.birthDate;
  return { readable: true, birthDate: typeof birthDate === 'string' && DATE.test(birthDate) ? birthDate : null, postalReachable: isCompleteAddress(value.postalAddress) };
}

const filled = (value: unknown): boolean => typeof value === 'string' && value.trim() !== '';

/** A street line, a postal code and a city: what a printed letter needs (the country defaults to FR). */
function isCompleteAddress(address: unknown): boolean {
  if (address === null || typeof address !== 'object') return false;
  const { line1, postalCode, city } = address as Record<string, unknown>;
  return filled(line1) && filled(postalCode) && filled(city);
}
