import { describe, expect, it } from '@jest/globals';
import { toRecordedEvent, type EventRow } from './pg-rows.js';

const metadata = {
  eventId: '01939d1e-0000-7000-8000-000000000001',
  merchantId: 'm',
  correlationId: '01939d1e-0000-7000-8000-000000000001',
  causationId: '01939d1e-0000-7000-8000-000000000001',
  actor: 'system:test',
  occurredAt: '2026-11-23T10:00:00.000Z',
  recordedAt: '2026-11-23T10:00:00.000Z',
};

describe('toRecordedEvent', () => {
  it('keeps every digit of positions, below and above what a number holds exactly', () => {
    const row: EventRow = ['9007199254740993', '18446744073709551615', 'customer-m-c1', '999999999999999', 'PurchaseRecorded', { a: 1 }, metadata];
    const event = toRecordedEvent(row);
    expect(event.position).toEqual({ commit: 18446744073709551615n, prepare: 9007199254740993n });
    expect(event.streamPosition).toBe(999999999999999n);
    expect(event).toMatchObject({ streamId: 'customer-m-c1', type: 'PurchaseRecorded', data: { a: 1 }, metadata });
  });

  it('reads small positions, zero included', () => {
    const event = toRecordedEvent(['1', '0', 's', '0', 'T', null, metadata]);
    expect(event.position).toEqual({ commit: 0n, prepare: 1n });
    expect(event.streamPosition).toBe(0n);
  });
});
