import type { AppendExpectedRevision, EventStoreDBClient } from '@eventstore/db-client';
import { WrongExpectedRevisionError, type AppendResult, type EventToAppend, type ExpectedRevision, type LogPosition } from '../event-store.js';
import { appendNothing, duplicateOf, esdbRecognisedRetry, planAppend, tailSize, type StreamTail } from './esdb-idempotency.js';
import { isWrongExpectedVersion, pinnedRevision, toActualRevision, toEsdbEvent, toLogPosition } from './esdb-mapping.js';
import { readRange, readTail, type ReadClient } from './esdb-read.js';
import { validateAppend } from './esdb-validate.js';

export type AppendClient = ReadClient & Pick<EventStoreDBClient, 'appendToStream'>;

/** See esdb-idempotency.ts for how retries are told apart from fresh writes. */
export async function appendToEsdbStream(
  client: AppendClient,
  streamId: string,
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
): Promise<AppendResult> {
  validateAppend(streamId, events);
  const ids = events.map((e) => e.metadata.eventId.toLowerCase());
  const tail = await readTail(client, streamId, tailSize(expected, events.length));
  if (events.length === 0) return appendNothing(streamId, expected, tail);
  const plan = planAppend(streamId, expected, tail, ids);
  switch (plan.kind) {
    case 'duplicate':
      return plan.result;
    case 'conflict':
      throw new WrongExpectedRevisionError(streamId, expected, plan.actual);
    case 'look-for-ids': {
      const duplicate = await storedAt(client, streamId, plan.fromRevision, ids);
      if (duplicate) return duplicate;
      throw new WrongExpectedRevisionError(streamId, expected, tail.revision);
    }
    case 'write':
      return write(client, streamId, events, expected, plan.expectedRevision, tail, ids);
  }
}

async function write(
  client: AppendClient,
  streamId: string,
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
  expectedRevision: AppendExpectedRevision,
  tail: StreamTail,
  ids: readonly string[],
): Promise<AppendResult> {
  let result;
  try {
    result = await client.appendToStream(streamId, events.map(toEsdbEvent), { expectedRevision });
  } catch (error) {
    if (!isWrongExpectedVersion(error)) throw error;
    // Another writer got in between our tail read and this write. It may have been this very batch.
    const duplicate = await findAfterConflict(client, streamId, expected, ids);
    if (duplicate) return duplicate;
    throw new WrongExpectedRevisionError(streamId, expected, toActualRevision(error.actualVersion));
  }
  if (esdbRecognisedRetry(tail, result.nextExpectedRevision)) {
    const first = result.nextExpectedRevision - BigInt(ids.length) + 1n;
    const duplicate = await storedAt(client, streamId, first < 0n ? 0n : first, ids);
    if (duplicate) return duplicate;
  }
  // Servers that cannot place an idempotent write in the log answer without a position.
  const position = toLogPosition(result.position) ?? (await positionOf(client, streamId, result.nextExpectedRevision));
  return { nextExpectedRevision: result.nextExpectedRevision, position, duplicate: false };
}

async function storedAt(client: ReadClient, streamId: string, fromRevision: bigint, ids: readonly string[]): Promise<AppendResult | null> {
  return duplicateOf(streamId, ids, await readRange(client, streamId, fromRevision, ids.length));
}

async function findAfterConflict(
  client: ReadClient,
  streamId: string,
  expected: ExpectedRevision,
  ids: readonly string[],
): Promise<AppendResult | null> {
  const pinned = pinnedRevision(expected);
  if (pinned !== null) return storedAt(client, streamId, pinned + 1n, ids);
  // For any/exists ESDB reports a conflict when only some of the ids are in its cache.
  const tail = await readTail(client, streamId, tailSize(expected, ids.length));
  return duplicateOf(streamId, ids, tail.recent);
}

async function positionOf(client: ReadClient, streamId: string, revision: bigint): Promise<LogPosition> {
  const [event] = await readRange(client, streamId, revision, 1);
  if (!event) throw new Error(`Stream "${streamId}": revision ${revision} was just written but cannot be read back`);
  return event.position;
}
