import type { Projection } from '../projection.js';
import { consentsProjection } from './consents.projection.js';
import { customersProjection } from './customers.projection.js';
import { kpisProjection } from './kpis.projection.js';
import { messagingProjection } from './messaging.projection.js';
import { pointsProjection } from './points.projection.js';
import { salesProjection } from './sales.projection.js';
import { tiersProjection } from './tiers.projection.js';

/** Every read model the projector maintains (apps/projector/README.md). */
export const PROJECTIONS: readonly Projection[] = [
  customersProjection,
  consentsProjection,
  pointsProjection,
  tiersProjection,
  salesProjection,
  messagingProjection,
  kpisProjection,
];

export function projectionsNamed(name: string | undefined): Projection[] {
  if (!name) return [...PROJECTIONS];
  const found = PROJECTIONS.find((p) => p.name === name);
  if (!found) throw new Error(`Unknown projection "${name}"; one of: ${PROJECTIONS.map((p) => p.name).join(', ')}`);
  return [found];
}
