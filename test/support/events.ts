import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { EventToAppend } from '@relance/event-store';

/** A unique prefix per test run, so concurrent test files never see each other's streams. */
export function uniquePrefix(label: string): string {
  return `${label}${randomUUID().slice(0, 8)}`;
}

export function testEvent(type: string, data: Record<string, unknown> = {}, eventId: string = uuidv7()): EventToAppend {
  const now = new Date().toISOString();
  return {
    type,
    data,
    metadata: {
      eventId,
      merchantId: 'contract-test',
      correlationId: eventId,
      causationId: eventId,
      actor: 'system:test',
      occurredAt: now,
      recordedAt: now,
    },
  };
}
