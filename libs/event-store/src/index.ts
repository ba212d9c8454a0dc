export * from './event-store.js';
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres/postgres-event-store.js';
export { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store.js';
export { createEventStore, type EventStoreConfig } from './create-event-store.js';
export { ItemFailure, MicroBatcher, type MicroBatcherOptions } from './micro-batcher.js';
