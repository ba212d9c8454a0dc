import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { PartialDuplicateAppendError, WrongExpectedRevisionError, type EventToAppend } from '../event-store.js';
import { appendToEsdbStream, type AppendClient } from './esdb-append.js';
import { FakeEsdbServer } from './esdb-fake-server.test-support.js';
import { TAIL_WINDOW } from './esdb-idempotency.js';
import { readEsdbStream } from './esdb-read.js';

// Against an in-memory model of the server (see esdb-fake-server.test-support.ts): these check the
// adapter's decisions, the contract suite checks them against a real server.

function testEvent(type: string): EventToAppend {
  const eventId = randomUUID();
  return {
    type,
    data: { type },
    metadata: { eventId, merchantId: 'm', correlationId: `c-${eventId}`, causationId: eventId, actor: 'system:test', occurredAt: 'x', recordedAt: 'y' },
  };
}

let server: FakeEsdbServer;
let client: AppendClient;
beforeEach(() => {
  server = new FakeEsdbServer();
  client = server as unknown as AppendClient;
});

describe('appending', () => {
  it('writes a new stream and returns the last event as the next expected revision and position', async () => {
    const result = await appendToEsdbStream(client, 's', [testEvent('A'), testEvent('B')], 'no-stream');
    const last = server.records[server.records.length - 1]!;
    expect(result).toEqual({ nextExpectedRevision: 1n, position: { commit: last.position, prepare: last.position }, duplicate: false });
  });

  it('stores correlation keys for ESDB and reads the metadata back as appended', async () => {
    const event = testEvent('A');
    await appendToEsdbStream(client, 's', [event], 'no-stream');
    expect(server.records[0]!.metadata).toMatchObject({ $correlationId: event.metadata.correlationId, $causationId: event.metadata.causationId });
    expect((await readEsdbStream(client, 's')).events[0]!.metadata).toEqual(event.metadata);
  });

  it('rejects a stale or future revision with the actual one, writing nothing', async () => {
    await appendToEsdbStream(client, 's', [testEvent('A'), testEvent('B'), testEvent('C')], 'no-stream');
    const calls = server.appendCalls;
    await expect(appendToEsdbStream(client, 's', [testEvent('D')], 1n)).rejects.toMatchObject({ actual: 2n, expected: 1n });
    await expect(appendToEsdbStream(client, 's', [testEvent('D')], 5n)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    await expect(appendToEsdbStream(client, 's', [testEvent('D')], 'no-stream')).rejects.toMatchObject({ actual: 2n });
    await expect(appendToEsdbStream(client, 'missing', [testEvent('D')], 'exists')).rejects.toMatchObject({ actual: 'no-stream' });
    expect(server.appendCalls).toBe(calls);
    expect(server.records).toHaveLength(3);
  });

  it('reports a writer that got in between the tail read and the write as a conflict', async () => {
    await appendToEsdbStream(client, 's', [testEvent('A')], 'no-stream');
    server.beforeAppend = () => server.put('s', [{ type: 'Other' }]);
    await expect(appendToEsdbStream(client, 's', [testEvent('B')], 0n)).rejects.toMatchObject({ actual: 1n });
  });
});

describe('appending the same events again', () => {
  it('returns the first result, flagged duplicate, whatever the expectation', async () => {
    const batch = [testEvent('A'), testEvent('B')];
    const first = await appendToEsdbStream(client, 's', batch, 'no-stream');
    expect(await appendToEsdbStream(client, 's', batch, 'no-stream')).toEqual({ ...first, duplicate: true });
    expect(await appendToEsdbStream(client, 's', batch, 'any')).toEqual({ ...first, duplicate: true });
    expect(await appendToEsdbStream(client, 's', batch, 'exists')).toEqual({ ...first, duplicate: true });
    expect(server.records).toHaveLength(2);
  });

  it('recognises a retry after the stream has moved on', async () => {
    const batch = [testEvent('A')];
    const first = await appendToEsdbStream(client, 's', batch, 'no-stream');
    await appendToEsdbStream(client, 's', [testEvent('B')], 0n);
    expect(await appendToEsdbStream(client, 's', batch, 'no-stream')).toEqual({ ...first, duplicate: true });
    expect(await appendToEsdbStream(client, 's', batch, 'any')).toEqual({ ...first, duplicate: true });
    expect(server.records).toHaveLength(2);
  });

  it('stores a retry that races its original once, with the right result (the documented gap: not flagged)', async () => {
    const batch = [testEvent('A')];
    server.beforeAppend = () => server.put('s', batch.map((e) => ({ id: e.metadata.eventId, type: e.type })));
    const retry = await appendToEsdbStream(client, 's', batch, 'no-stream');
    const original = server.records[0]!;
    expect(retry).toMatchObject({ nextExpectedRevision: 0n, position: { commit: original.position, prepare: original.position } });
    expect(server.records).toHaveLength(1);
  });

  it('checks for its own ids when the server reports a conflict, before calling it one', async () => {
    const batch = [testEvent('A')];
    server.idempotency = false;
    server.beforeAppend = () => server.put('s', [{ id: batch[0]!.metadata.eventId, type: 'A' }, { type: 'Later' }]);
    expect(await appendToEsdbStream(client, 's', batch, 'no-stream')).toMatchObject({ nextExpectedRevision: 0n, duplicate: true });
    expect(server.records).toHaveLength(2);
  });

  it('trusts ESDB to know an any-retry older than the tail it reads, and still says duplicate', async () => {
    const batch = [testEvent('A')];
    const first = await appendToEsdbStream(client, 's', batch, 'any');
    server.put('s', Array.from({ length: TAIL_WINDOW + 5 }, () => ({ type: 'Later' })));
    expect(await appendToEsdbStream(client, 's', batch, 'any')).toEqual({ ...first, duplicate: true });
  });

  it('rejects a batch of which only some events are stored', async () => {
    const stored = testEvent('A');
    await appendToEsdbStream(client, 's', [stored], 'no-stream');
    await expect(appendToEsdbStream(client, 's', [stored, testEvent('B')], 'any')).rejects.toBeInstanceOf(PartialDuplicateAppendError);
    await expect(appendToEsdbStream(client, 's', [stored, testEvent('B')], 'no-stream')).rejects.toBeInstanceOf(PartialDuplicateAppendError);
    expect(server.records).toHaveLength(1);
  });
});

describe('appending nothing', () => {
  it('checks the expectation and reports the stream as it is', async () => {
    const first = await appendToEsdbStream(client, 's', [testEvent('A')], 'no-stream');
    expect(await appendToEsdbStream(client, 's', [], 0n)).toEqual({ ...first, duplicate: false });
    await expect(appendToEsdbStream(client, 's', [], 'no-stream')).rejects.toMatchObject({ actual: 0n });
    expect(server.appendCalls).toBe(1);
  });
});

describe('what is refused before anything is sent', () => {
  it("ESDB's own stream and type names, and events without a UUID", async () => {
    await expect(appendToEsdbStream(client, '$settings', [testEvent('A')], 'any')).rejects.toThrow(TypeError);
    await expect(appendToEsdbStream(client, 's', [testEvent('$metadata')], 'any')).rejects.toThrow(/\$metadata/);
    const bad = testEvent('A');
    await expect(appendToEsdbStream(client, 's', [{ ...bad, metadata: { ...bad.metadata, eventId: 'nope' } }], 'any')).rejects.toThrow(/UUID/);
    await expect(appendToEsdbStream(client, 's', [bad, bad], 'any')).rejects.toThrow(/twice/);
    expect(server.appendCalls).toBe(0);
  });
});
