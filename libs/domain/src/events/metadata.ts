import { z } from 'zod';
import { Instant, MerchantId, StorableText } from './primitives.js';

const UuidV7 = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i, 'a UUIDv7');

/** Carried by every stored event next to its data (docs/architecture.md, Events). */
export const EventMetadata = z
  .object({
    eventId: UuidV7,
    merchantId: MerchantId,
    /** The request or run this event belongs to; shared by everything it caused. */
    correlationId: StorableText.min(1).max(100),
    /** The event or request that directly caused this one. */
    causationId: StorableText.min(1).max(100),
    /** `key:<api key id>` or `system:<component>`. */
    actor: z.string().regex(/^(key|system|user):[A-Za-z0-9._-]{1,100}$/),
    /** Business time. */
    occurredAt: Instant,
    /** When the engine accepted it. */
    recordedAt: Instant,
  })
  .strict();
export type EventMetadata = z.infer<typeof EventMetadata>;
