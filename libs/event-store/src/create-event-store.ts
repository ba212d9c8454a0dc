import type pg from 'pg';
import type { EventStore } from './event-store.js';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store.js';
import { PostgresEventStore } from './postgres/postgres-event-store.js';

export interface EventStoreConfig {
  readonly eventStore: 'postgres' | 'eventstoredb';
  readonly eventStoreUrl?: string | undefined;
  /** Also used by the PostgreSQL store for its LISTEN connection. */
  readonly databaseUrl: string;
}

/**
 * The adapter the configuration asks for. `pool` is only used by the PostgreSQL store, but every
 * process has one anyway (read models and checkpoints live in PostgreSQL whichever store holds events).
 */
export function createEventStore(config: EventStoreConfig, pool: pg.Pool): EventStore {
  if (config.eventStore === 'eventstoredb') {
    if (!config.eventStoreUrl) throw new Error('EVENTSTORE_URL is required when the event store is eventstoredb');
    return EventStoreDbEventStore.fromConnectionString(config.eventStoreUrl);
  }
  return new PostgresEventStore(pool, { connectionString: config.databaseUrl });
}
