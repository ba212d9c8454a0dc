import { z } from 'zod';
import { CurrencyCode } from './currency.js';
import { LIMITS } from './limits.js';
import { Id, Instant, LocalDate, StorableText } from './primitives.js';

/** The usual eleven RFM segments. */
export const SEGMENTS = [
  'champions',
  'loyal',
  'potential-loyalist',
  'new',
  'promising',
  'need-attention',
  'about-to-sleep',
  'at-risk',
  'cant-lose-them',
  'hibernating',
  'lost',
] as const;
export const Segment = z.enum(SEGMENTS);
export type Segment = z.infer<typeof Segment>;

const Score = z.number().int().min(1).max(5);

/** A customer moved between RFM segments (or entered or left scoring) in one RFM run. */
export const SegmentChanged = z
  .object({
    customerId: Id,
    from: Segment.nullable(),
    to: Segment.nullable(),
    scores: z.object({ recency: Score, frequency: Score, monetary: Score }).strict().nullable(),
    /** The merchant's currency, the one of values.monetaryCents. */
    currency: CurrencyCode,
    values: z
      .object({
        recencyDays: z.number().int().min(0),
        frequency: z.number().int().min(0),
        monetaryCents: z.number().int().min(-LIMITS.spendCents).max(LIMITS.spendCents),
      })
      .strict()
      .nullable(),
    /** "Today" of the run, in the merchant's time zone. */
    asOf: LocalDate,
    runId: StorableText.min(1).max(100),
    changedAt: Instant,
  })
  .strict();

/**
 * A merchant's first RFM run: the segments as they stand, recorded once for the whole run instead of
 * a SegmentChanged per customer (the scores are in the RFM read model), so that going live never fires
 * segment-entry campaigns at every customer. Only changes after it are SegmentChanged events.
 * Settled before its first writer.
 */
export const RfmBaselineRecorded = z
  .object({
    runId: StorableText.min(1).max(100),
    /** "Today" of the run, in the merchant's time zone. */
    asOf: LocalDate,
    /** Customers scored. */
    scored: z.number().int().min(0),
    /** Customers per segment; every segment is present (0 when empty). */
    counts: z.strictObject(Object.fromEntries(SEGMENTS.map((s) => [s, z.number().int().min(0)])) as Record<Segment, z.ZodNumber>),
    recordedAt: Instant,
  })
  .strict();
