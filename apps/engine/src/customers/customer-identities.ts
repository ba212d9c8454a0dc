import { Inject, Injectable } from '@nestjs/common';
import { streams, type IdentityKeys } from '@relance/domain';
import type { EventStore } from '@relance/event-store';
import { CONFIG, EVENT_STORE, type AppConfig } from '@relance/platform';
import { ApiError } from '../write-path/application-errors.js';
import { IdentityReservations, type Identity } from './identity-reservations.repository.js';

export function identitiesOf(keys: IdentityKeys): Identity[] {
  return [
    ...(keys.email ? [{ kind: 'email' as const, hash: keys.email }] : []),
    ...(keys.phone ? [{ kind: 'phone' as const, hash: keys.phone }] : []),
  ];
}

/**
 * Duplicate detection: one email and one phone per customer within a merchant, enforced by the
 * reservation table before anything is appended. A reservation left by a process that died before
 * its customer was enrolled (old, and its customer stream empty) is taken over instead of blocking
 * that email for ever.
 */
@Injectable()
export class CustomerIdentities {
  constructor(
    private readonly reservations: IdentityReservations,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /** Reserves the identities or throws 409 `duplicate-identity` naming their holder; returns what it newly reserved. */
  async claim(merchantId: string, customerId: string, keys: IdentityKeys): Promise<Identity[]> {
    const wanted = identitiesOf(keys);
    const reserved = await this.reservations.reserve(merchantId, customerId, wanted, this.config.idempotencyLeaseSeconds);
    const inserted: Identity[] = reserved.filter((r) => r.inserted);
    for (const r of reserved) {
      if (r.owner === customerId) continue;
      if (r.stale && (await this.neverEnrolled(merchantId, r.owner)) && (await this.reservations.takeOver(merchantId, r, r.owner, customerId))) {
        inserted.push(r);
        continue;
      }
      await this.reservations.release(merchantId, customerId, inserted);
      throw new ApiError(
        409,
        'duplicate-identity',
        `This ${r.kind} is already used by customer ${r.owner}`,
        { kind: r.kind, customerId: r.owner },
        { location: `/v1/customers/${r.owner}` },
      );
    }
    return inserted;
  }

  release(merchantId: string, customerId: string, identities: readonly Identity[]): Promise<void> {
    return this.reservations.release(merchantId, customerId, identities);
  }

  private async neverEnrolled(merchantId: string, customerId: string): Promise<boolean> {
    const slice = await this.store.readStream(streams.customer(merchantId, customerId), { maxCount: 1 });
    return slice.revision === 'no-stream';
  }
}
