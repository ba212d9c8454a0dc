import { describe, expect, it } from '@jest/globals';
import { currentTypeOf, isSuperseded, SUPERSEDED_EVENT_TYPES, type EventType } from '@relance/domain';
import { handling, ofType, type ProjectedEvent } from './projection.js';
import { PROJECTIONS } from './projections/index.js';

const stored = (type: string, data: unknown, n: number) =>
  ({ type, data, metadata: { eventId: `e-${n}` }, streamId: 's', streamPosition: BigInt(n), position: { commit: 1n, prepare: BigInt(n) } }) as unknown as ProjectedEvent;

describe('what projections read', () => {
  it('gives them stored events of a superseded type as the current type, in log order, with their metadata', () => {
    const v1 = { survivorId: 's', mergedId: 'd', role: 'survivor', transferred: { lots: [], debtPoints: 0, purchases: [], rewards: [] }, mergedAt: '2025-07-01T09:00:00.000Z' };
    const v2 = { survivorId: 's', mergedId: 'e', role: 'survivor', transferred: { lots: [], debtPoints: 0, refundablePurchases: [], spend: [], rewards: [] }, mergedAt: '2025-07-02T09:00:00.000Z' };
    const events = [stored('CustomersMerged', v1, 1), stored('PointsExpired', {}, 2), stored('CustomersMergedV2', v2, 3)];
    const merges = ofType(events, 'CustomersMergedV2');
    expect(merges.map((e) => [e.type, e.data.mergedId, e.metadata.eventId])).toEqual([
      ['CustomersMergedV2', 'd', 'e-1'],
      ['CustomersMergedV2', 'e', 'e-3'],
    ]);
    expect(merges[0]!.data.transferred).toEqual({ lots: [], debtPoints: 0, refundablePurchases: [], spend: [], rewards: [] });
  });

  it('has every projection receive the older versions of what it handles, and none handle an older version alone', () => {
    expect(handling('CustomersMergedV2', 'TierChanged')).toEqual(['CustomersMergedV2', 'TierChanged', 'CustomersMerged']);
    for (const projection of PROJECTIONS) {
      const handled = new Set<EventType>(projection.handles);
      for (const type of SUPERSEDED_EVENT_TYPES) {
        expect([projection.name, type, handled.has(type)]).toEqual([projection.name, type, handled.has(currentTypeOf(type))]);
      }
      expect(projection.handles.filter((type) => isSuperseded(type)).every((type) => handled.has(currentTypeOf(type)))).toBe(true);
    }
  });
});
