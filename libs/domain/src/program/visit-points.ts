import type { z } from 'zod';
import type { VisitKind } from '../events/purchase.events.js';
import type { EarnRules } from './program.schema.js';

/**
 * Points a visit earns: the configured points when its kind earns and fewer than `maxPerDay`
 * visits already earned on the same local day; 0 otherwise.
 */
export function visitPoints(earn: EarnRules, kind: z.infer<typeof VisitKind>, earnedVisitsThatDay: number): number {
  const rule = earn.visits;
  if (rule === null || !rule.kinds.includes(kind)) return 0;
  return earnedVisitsThatDay < rule.maxPerDay ? rule.points : 0;
}
