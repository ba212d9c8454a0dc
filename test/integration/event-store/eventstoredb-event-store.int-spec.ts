import { describe } from '@jest/globals';
import { EventStoreDbEventStore } from '@relance/event-store';
import { EVENTSTORE_URL } from '../../support/test-env.js';
import { eventStoreContract } from './event-store.contract.js';

// The same contract as the PostgreSQL store, against a real EventStoreDB / KurrentDB server. No
// server runs on our build machines (there is no Docker engine there), so
// without EVENTSTORE_URL (e.g. esdb://127.0.0.1:2113?tls=false) this suite is reported as SKIPPED,
// never as passed: nothing here has then been checked against a server. The contract's tests use
// unique stream prefixes, so a shared server is fine.
const describeWithServer = EVENTSTORE_URL ? describe : describe.skip;

describeWithServer('EventStoreDB event store', () => {
  eventStoreContract(async () => {
    const store = EventStoreDbEventStore.fromConnectionString(EVENTSTORE_URL ?? '');
    await store.ping();
    return { store, dispose: () => store.close() };
  });
});
