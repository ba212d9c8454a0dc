import { z } from 'zod';
import { Channel, ConsentPurpose, Id, Instant, Sealed, Source, StorableText } from './primitives.js';

/** Evidence kept with a consent change (CNIL: the controller must be able to prove consent). */
export const ConsentProof = z
  .object({
    /** Version of the form or wording the customer saw. */
    formVersion: StorableText.min(1).max(64).optional(),
    /** Staff member who collected it at the counter. */
    staffId: StorableText.min(1).max(64).optional(),
    /** Double opt-in confirmation token. */
    doubleOptInToken: StorableText.min(1).max(128).optional(),
    /** The customer's IP address, sealed like all personal data. */
    ip: Sealed.optional(),
    /** Provider reference for opt-outs received from a provider (e.g. an inbound STOP message id). */
    providerReference: StorableText.min(1).max(128).optional(),
  })
  .strict();
export type ConsentProof = z.infer<typeof ConsentProof>;

export const ConsentGranted = z
  .object({
    customerId: Id,
    channel: Channel,
    purpose: ConsentPurpose,
    source: Source,
    proof: ConsentProof,
    grantedAt: Instant,
  })
  .strict();

export const ConsentWithdrawn = z
  .object({
    customerId: Id,
    channel: Channel,
    purpose: ConsentPurpose,
    source: Source,
    proof: ConsentProof,
    reason: StorableText.max(200).nullable(),
    withdrawnAt: Instant,
  })
  .strict();
