import type { CustomerKeyStore } from '@relance/platform';
import type { ProfileFacts, ProjectedEvent } from '../projection.js';
import { UNREADABLE } from '../projections/customer-patch.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Opens the sealed profiles of a batch before projections see it (projections do no I/O), and keeps
 * only the birth date: the read models store the sealed profile itself, never its fields in clear.
 */
export class ProfileOpener {
  constructor(private readonly keys: CustomerKeyStore) {}

  async open(events: readonly ProjectedEvent[]): Promise<Map<string, ProfileFacts>> {
    const sealed = events.flatMap((e) =>
      e.type === 'CustomerEnrolled' || e.type === 'CustomerProfileUpdated'
        ? [{ eventId: e.metadata.eventId, merchantId: e.metadata.merchantId, customerId: e.data.customerId, sealed: e.data.profile }]
        : [],
    );
    const facts = new Map<string, ProfileFacts>();
    if (sealed.length === 0) return facts;
    const values = await this.keys.openMany<Record<string, unknown>>(sealed);
    sealed.forEach((item, i) => facts.set(item.eventId, factsOf(values[i] ?? null)));
    return facts;
  }
}

/** The facts of an opened profile; a birth date is kept only when it has the expected shape. */
export function factsOf(value: Record<string, unknown> | null): ProfileFacts {
  if (value === null || typeof value !== 'object') return UNREADABLE;
  const birthDate = value.birthDate;
  return { readable: true, birthDate: typeof birthDate === 'string' && DATE.test(birthDate) ? birthDate : null };
}
