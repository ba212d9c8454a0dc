import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { comparePositions, formatPosition, START } from '@relance/event-store';
import { CheckpointedConsumer, createPool, type CheckpointedConsumerOptions } from '@relance/platform';
import { Registry } from 'prom-client';
import { testEvent, uniquePrefix } from '../../support/events.js';
import { until } from '../projector/support/child-process.js';
import { lastEvent, projectorEnv, type ProjectorEnv } from '../projector/support/projector-env.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const quiet = { log: () => undefined, error: () => undefined };

/** The generic checkpointed subscription, against PostgreSQL: in a schema of its own (its own log and checkpoints). */
describe('CheckpointedConsumer', () => {
  let env: ProjectorEnv;
  const consumers = new Set<CheckpointedConsumer>();
  beforeAll(async () => {
    env = await projectorEnv('consumer');
    await env.pool.query('CREATE TABLE consumer_test_handled (event_id text NOT NULL)');
  }, 60_000);
  afterAll(async () => {
    await Promise.all([...consumers].map((c) => c.stop()));
    await env.close();
  });

  function consumer(name: string, handle: CheckpointedConsumerOptions['handle'], pool = env.pool) {
    const made = new CheckpointedConsumer({
      name,
      filter: { eventTypePrefixes: [`${name}-`] },
      handle,
      store: env.store,
      pool,
      registry: new Registry(),
      lagAlertSeconds: 60,
      logger: quiet,
      batchSize: 7,
      backoff: { firstMs: 50, maxMs: 200 },
      idleCheckpointMs: 50,
    });
    consumers.add(made);
    return made;
  }
  const handled = async (ids: readonly string[]) =>
    (await env.pool.query<{ event_id: string }>('SELECT event_id FROM consumer_test_handled WHERE event_id = ANY($1::text[])', [ids])).rows.map((r) => r.event_id);
  const appendTicks = async (type: string, n: number) => {
    const events = Array.from({ length: n }, () => testEvent(type));
    for (let i = 0; i < n; i += 10) await env.store.append(uniquePrefix('tick'), events.slice(i, i + 10), 'no-stream');
    return events.map((e) => e.metadata.eventId);
  };

  it('hands each event of its filter once, in the transaction that moves its checkpoint', async () => {
    const name = uniquePrefix('once');
    const ids = await appendTicks(`${name}-Tick`, 30);
    await appendTicks('Unrelated', 10);
    const c = consumer(name, async (events, tx) => {
      await tx.query('INSERT INTO consumer_test_handled (event_id) SELECT unnest($1::text[])', [events.map((e) => e.metadata.eventId)]);
    });
    void c.start();
    await until(async () => (await handled(ids)).length === 30, 15_000, 'the events to be handled');
    const head = await lastEvent(env.pool);
    // Past the head, not at it: the filtered read moves on to the read horizon over what it skips.
    await until(async () => comparePositions(await c.checkpoint(), head) >= 0, 15_000, 'the checkpoint to reach the head');
    expect((await handled(ids)).sort()).toEqual([...ids].sort());
    await c.stop();
  });

  it('rolls back what a failing handler wrote with its checkpoint, reports it, and resumes once the cause is gone', async () => {
    const name = uniquePrefix('fails');
    const ids = await appendTicks(`${name}-Tick`, 12);
    let failing = true;
    let attempts = 0;
    const c = consumer(name, async (events, tx) => {
      await tx.query('INSERT INTO consumer_test_handled (event_id) SELECT unnest($1::text[])', [events.map((e) => e.metadata.eventId)]);
      if (failing) {
        attempts++;
        throw new Error('mailbox full');
      }
    });
    const before = await c.checkpoint();
    void c.start();
    await until(async () => attempts >= 3, 10_000, 'three attempts, backing off');
    expect(await handled(ids)).toEqual([]);
    expect(formatPosition(await c.checkpoint())).toBe(formatPosition(before));
    expect(c.progress.problems()).toEqual([expect.stringMatching(/^stopped since .* \(\d+ attempts\) at .*: mailbox full$/)]);
    failing = false;
    await until(async () => (await handled(ids)).length === 12, 10_000, 'the events to be handled after the cause is gone');
    await until(async () => c.progress.problems().length === 0, 10_000, 'the failure to clear');
    expect((await handled(ids)).sort()).toEqual([...ids].sort());
    await c.stop();
  });

  it('ends by itself when its pool is ended under it, instead of retrying forever', async () => {
    const pool = createPool(env.url, { max: 2 });
    const name = uniquePrefix('ended');
    await appendTicks(`${name}-Tick`, 3);
    const c = consumer(name, async () => undefined, pool);
    const ended = c.start();
    // The log holds every other test's events too: the first pass over it can take seconds on a loaded machine.
    await until(async () => comparePositions(await c.checkpoint(), START) > 0, 20_000, 'the consumer to store a checkpoint');
    await pool.end();
    await expect(Promise.race([ended.then(() => 'ended'), new Promise((resolve) => setTimeout(() => resolve('still running'), 5_000))])).resolves.toBe('ended');
  });

  it('loses and repeats nothing when its process is killed (SIGKILL) mid-run and started again', async () => {
    const ids = await appendTicks('Tick', 200);
    const child = () => {
      let output = '';
      const launcher = `import { register } from 'node:module'; import { pathToFileURL } from 'node:url';
        process.env.SWC_NODE_PROJECT = ${JSON.stringify(path.join(ROOT, 'tsconfig.json'))};
        register('@swc-node/register/esm', pathToFileURL(${JSON.stringify(`${ROOT}/`)}));
        await import(${JSON.stringify(path.join(ROOT, 'test/integration/platform/support/consumer-child.ts'))});`;
      const proc = spawn(process.execPath, ['--input-type=module', '-e', launcher], { cwd: ROOT, env: { ...process.env, DATABASE_URL: env.url }, stdio: ['ignore', 'pipe', 'pipe'] });
      proc.stdout.on('data', (b: Buffer) => (output += b.toString()));
      proc.stderr.on('data', (b: Buffer) => (output += b.toString()));
      return { proc, output: () => output, exited: new Promise((resolve) => proc.on('exit', resolve)) };
    };
    const first = child();
    await until(async () => (await handled(ids)).length >= 40, 60_000, 'the first process to get going', first.output);
    first.proc.kill('SIGKILL');
    await first.exited;
    const done = (await handled(ids)).length;
    expect(done).toBeLessThan(200);

    const second = child();
    try {
      await until(async () => (await handled(ids)).length >= 200, 60_000, 'the second process to finish', second.output);
      // Give a duplicate the time to show before counting.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const rows = await handled(ids);
      expect(rows.length).toBe(200);
      expect(new Set(rows).size).toBe(200);
    } finally {
      second.proc.kill('SIGTERM');
      await second.exited;
    }
  }, 120_000);
});
