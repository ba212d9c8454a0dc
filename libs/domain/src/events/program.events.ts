import { z } from 'zod';
import { Instant, StorableText } from './primitives.js';

/**
 * A merchant's program configuration came into force (stream program-<merchantId>). Every decision
 * records the version it was taken under, so "which rules were active when" is answered from events.
 */
export const ProgramActivated = z
  .object({
    /** Content hash of the program definition. */
    version: z.string().regex(/^[0-9a-f]{64}$/),
    name: StorableText.min(1).max(200),
    /** The definition as validated, for replays and audits. */
    definition: z.record(StorableText, z.unknown()),
    activatedAt: Instant,
  })
  .strict();
