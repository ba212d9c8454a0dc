import { Readable, Transform, type ReadableOptions, type TransformCallback } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { AccessDeniedError, UnavailableError, type AllStreamSubscription, type SubscribeToAllOptions } from '@eventstore/db-client';
import { START, type LogPosition, type SubscriptionBatch } from '../event-store.js';
import { toResolved, type FakeRecord } from './esdb-fake-server.test-support.js';
import { EsdbSubscription, type SubscriptionClient } from './esdb-subscription.js';

// The subscription loop against a stand-in for the client's subscription stream, which, like the
// real one, turns server messages into events, emits 'caughtUp' and calls the filter's
// checkpointReached while transforming. No server: the contract suite covers that.

type ServerMessage = { event: FakeRecord } | { caughtUp: true } | { fellBehind: true } | { checkpoint: bigint };

class FakeConnection extends Transform {
  unsubscribed = false;
  constructor(readonly options: SubscribeToAllOptions, readableOptions: ReadableOptions) {
    super({ ...readableOptions, objectMode: true });
  }
  override _transform(message: ServerMessage, _encoding: BufferEncoding, next: TransformCallback): void {
    if ('caughtUp' in message || 'fellBehind' in message) {
      this.emit('caughtUp' in message ? 'caughtUp' : 'fellBehind');
      next();
    } else if ('checkpoint' in message) {
      const position = { commit: message.checkpoint, prepare: message.checkpoint };
      void Promise.resolve(this.options.filter?.checkpointReached?.(this as unknown as AllStreamSubscription, position)).then(() => next());
    } else {
      next(null, toResolved(message.event));
    }
  }
  async unsubscribe(): Promise<void> {
    this.unsubscribed = true;
  }
  send(...messages: ServerMessage[]): void {
    for (const m of messages) this.write(m);
  }
}

class FakeClient {
  readonly connections: FakeConnection[] = [];
  /** The newest record in the log, as the subscription's head read sees it. */
  head: FakeRecord | null = null;
  private waiting: Array<(c: FakeConnection) => void> = [];
  subscribeToAll(options: SubscribeToAllOptions, readableOptions: ReadableOptions): FakeConnection {
    const connection = new FakeConnection(options, readableOptions);
    this.connections.push(connection);
    for (const resolve of this.waiting.splice(0)) resolve(connection);
    return connection;
  }
  readAll(): Readable {
    return Readable.from(this.head ? [toResolved(this.head)] : []);
  }
  nextConnection(): Promise<FakeConnection> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

const record = (p: number, streamId = 'card-1', type = 'PointsEarned'): FakeRecord => ({
  streamId,
  id: `id-${p}`,
  revision: 0n,
  type,
  data: { p },
  metadata: {},
  position: BigInt(p),
});
const at = (p: number): LogPosition => ({ commit: BigInt(p), prepare: BigInt(p) });
const ev = (p: number, streamId?: string, type?: string): ServerMessage => ({ event: record(p, streamId, type) });
const summary = (b: SubscriptionBatch) => ({ events: b.events.map((e) => Number(e.position.commit)), caughtUp: b.caughtUp });

async function start(options: ConstructorParameters<typeof EsdbSubscription>[1], fake = new FakeClient()) {
  const subscription = new EsdbSubscription(fake as unknown as SubscriptionClient, options);
  const iterator = subscription[Symbol.asyncIterator]();
  const connected = fake.nextConnection();
  const first = iterator.next();
  return { fake, subscription, iterator, first, connection: await connected };
}

describe('delivering batches', () => {
  it('groups events that are already there up to batchSize, and marks caught-up only behind all of them', async () => {
    const { iterator, first, connection } = await start({ batchSize: 3 });
    connection.send(...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((p) => ev(p)), { caughtUp: true });
    const batches = [(await first).value, ...(await Promise.all([iterator.next(), iterator.next(), iterator.next()])).map((r) => r.value)];
    expect(batches.map(summary)).toEqual([
      { events: [1, 2, 3], caughtUp: false },
      { events: [4, 5, 6], caughtUp: false },
      { events: [7, 8, 9], caughtUp: false },
      { events: [10], caughtUp: true },
    ]);
    expect(batches[3].checkpoint).toEqual(at(10));
    await iterator.return?.();
  });

  it('reports caught-up arriving on its own with an empty batch, then stays live', async () => {
    const { iterator, first, connection } = await start({ batchSize: 10 });
    connection.send(ev(1));
    expect(summary((await first).value)).toEqual({ events: [1], caughtUp: false });
    connection.send({ caughtUp: true });
    expect(await iterator.next()).toMatchObject({ value: { events: [], checkpoint: at(1), caughtUp: true } });
    connection.send(ev(2));
    expect(summary((await iterator.next()).value)).toEqual({ events: [2], caughtUp: true });
    await iterator.return?.();
  });

  it('stops calling batches caught up when the server says it fell behind', async () => {
    const { iterator, first, connection } = await start({});
    connection.send({ caughtUp: true });
    expect((await first).value).toMatchObject({ caughtUp: true });
    connection.send({ fellBehind: true }, ev(1));
    expect(summary((await iterator.next()).value)).toEqual({ events: [1], caughtUp: false });
    connection.send({ caughtUp: true });
    expect(summary((await iterator.next()).value)).toEqual({ events: [], caughtUp: true });
    await iterator.return?.();
  });

  it("hands a filter checkpoint on as an empty batch that moves the caller's checkpoint", async () => {
    const { iterator, first, connection } = await start({ filter: { streamPrefixes: ['card-'] } });
    expect(connection.options.filter).toMatchObject({ filterOn: 'streamName', prefixes: ['card-'] });
    connection.send({ checkpoint: 500n });
    expect((await first).value).toEqual({ events: [], checkpoint: at(500), caughtUp: false });
    await iterator.return?.();
  });

  it('applies the type prefixes itself when the server filters on stream prefixes', async () => {
    const { iterator, first, connection } = await start({ filter: { streamPrefixes: ['card-'], eventTypePrefixes: ['Points'] } });
    connection.send(ev(1, 'card-1', 'CardOpened'), ev(2, 'card-1', 'PointsEarned'), ev(3, 'card-1', 'CardClosed'));
    expect((await first).value).toMatchObject({ checkpoint: at(3) });
    expect(summary((await first).value).events).toEqual([2]);
    await iterator.return?.();
  });

  it('works out caught-up from the head it read when the server never says', async () => {
    const fake = new FakeClient();
    fake.head = record(20, '$stats-node', '$statsCollected');
    const { iterator, first, connection } = await start({}, fake);
    connection.send(ev(10));
    expect((await first).value).toEqual(expect.objectContaining({ checkpoint: at(10), caughtUp: false }));
    // The checkpoint a server before 23.10 sends at the live point, instead of a caught-up message.
    connection.send({ checkpoint: 20n });
    expect((await iterator.next()).value).toEqual({ events: [], checkpoint: at(20), caughtUp: true });
    await iterator.return?.();
  });

  it('subscribes from the start for START and from the checkpoint otherwise', async () => {
    const fromStart = await start({ after: START });
    expect(fromStart.connection.options.fromPosition).toBe('start');
    void fromStart.subscription.close();
    const fromCheckpoint = await start({ after: at(42) });
    expect(fromCheckpoint.connection.options.fromPosition).toEqual(at(42));
    void fromCheckpoint.subscription.close();
  });
});

describe('ending', () => {
  it('close() ends an iteration that is waiting for events, and unsubscribes', async () => {
    const { subscription, first, connection } = await start({});
    await subscription.close();
    expect(await first).toEqual({ done: true, value: undefined });
    expect(connection.unsubscribed).toBe(true);
  });

  it('leaving the loop unsubscribes', async () => {
    const fake = new FakeClient();
    const subscription = new EsdbSubscription(fake as unknown as SubscriptionClient, {});
    const connected = fake.nextConnection();
    const consumer = (async () => {
      for await (const batch of subscription) if (batch.events.length > 0) break;
    })();
    (await connected).send(ev(1));
    await consumer;
    expect(fake.connections[0]!.unsubscribed).toBe(true);
    expect(fake.connections[0]!.destroyed).toBe(true);
  });
});

describe('failures', () => {
  it('resubscribes from the last delivered checkpoint after a transient error, without repeats', async () => {
    const { fake, iterator, first, connection } = await start({ batchSize: 2 });
    connection.send(ev(1), ev(2));
    expect(summary((await first).value).events).toEqual([1, 2]);
    connection.emit('error', new UnavailableError());
    const reconnected = fake.nextConnection();
    const next = iterator.next();
    const second = await reconnected;
    expect(second.options.fromPosition).toEqual(at(2));
    expect(connection.unsubscribed).toBe(true);
    second.send(ev(2), ev(3), ev(4));
    expect(summary((await next).value).events).toEqual([3, 4]);
    await iterator.return?.();
  });

  it('gives up at once on an error a new connection cannot fix', async () => {
    const { first, connection } = await start({});
    connection.emit('error', new AccessDeniedError());
    await expect(first).rejects.toBeInstanceOf(AccessDeniedError);
  });
});
