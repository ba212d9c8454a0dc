// A process that runs one CheckpointedConsumer, for tests that kill it: every Tick event it handles is
// written to consumer_test_handled in the checkpoint's transaction, slowly enough to be killed mid-run.
import { PostgresEventStore } from '@relance/event-store';
import { CheckpointedConsumer, createPool } from '@relance/platform';
import { Registry } from 'prom-client';

const url = process.env.DATABASE_URL!;
const pool = createPool(url, { max: 4 });
const store = new PostgresEventStore(pool, { connectionString: url, polling: { idlePollMs: 200 } });
const consumer = new CheckpointedConsumer({
  name: 'kill-test',
  filter: { eventTypePrefixes: ['Tick'] },
  batchSize: Number(process.env.BATCH_SIZE ?? '5'),
  handle: async (events, tx) => {
    await tx.query('INSERT INTO consumer_test_handled (event_id) SELECT unnest($1::text[])', [events.map((e) => e.metadata.eventId)]);
    await tx.query('SELECT pg_sleep(0.01)');
  },
  store,
  pool,
  registry: new Registry(),
  lagAlertSeconds: 60,
  logger: { log: console.log, error: console.error },
  idleCheckpointMs: 100,
});
process.on('SIGTERM', () => void consumer.stop().then(() => store.close()).then(() => pool.end()));
void consumer.start();
