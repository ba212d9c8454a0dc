import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { EventStore } from '../event-store.js';
import { createEventStore } from '../create-event-store.js';
import { PostgresEventStore } from '../postgres/postgres-event-store.js';
import { EventStoreDbEventStore } from './eventstoredb-event-store.js';

// Construction only: neither store connects before it is used, so these run without any server.
const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
const config = { databaseUrl: 'postgres://nobody@127.0.0.1:1/none' };
let opened: EventStore[] = [];
afterEach(async () => {
  await Promise.all(opened.map((s) => s.close()));
  opened = [];
});
afterAll(() => pool.end());

function keep<T extends EventStore>(store: T): T {
  opened.push(store);
  return store;
}

describe('choosing the event store', () => {
  it('builds the EventStoreDB store from EVENTSTORE_URL, KurrentDB schemes included', () => {
    const store = keep(createEventStore({ ...config, eventStore: 'eventstoredb', eventStoreUrl: 'kurrentdb://127.0.0.1:2113?tls=false' }, pool));
    expect(store).toBeInstanceOf(EventStoreDbEventStore);
    expect(store.kind).toBe('eventstoredb');
  });

  it('refuses eventstoredb without a URL rather than falling back to PostgreSQL', () => {
    expect(() => createEventStore({ ...config, eventStore: 'eventstoredb' }, pool)).toThrow(/EVENTSTORE_URL/);
  });

  it('builds the PostgreSQL store otherwise, even with a URL set', () => {
    const store = keep(createEventStore({ ...config, eventStore: 'postgres', eventStoreUrl: 'esdb://h:2113' }, pool));
    expect(store).toBeInstanceOf(PostgresEventStore);
    expect(store.kind).toBe('postgres');
  });

  it('rejects a connection string the client cannot parse when the store is built', () => {
    expect(() => EventStoreDbEventStore.fromConnectionString('http://127.0.0.1:2113')).toThrow();
  });
});
