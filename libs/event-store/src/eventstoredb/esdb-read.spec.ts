import { beforeEach, describe, expect, it } from '@jest/globals';
import { START, comparePositions, type LogPosition } from '../event-store.js';
import { FakeEsdbServer, type FakeRecord } from './esdb-fake-server.test-support.js';
import { ESDB_BACKLOG_LIMIT, esdbBacklog, esdbHeadPosition, readEsdbAll, readEsdbStream, type ReadClient } from './esdb-read.js';

// Against an in-memory model of the server whose $all reads are inclusive of their start position,
// as a real server's are: the adapter has to make `after` exclusive itself.

let server: FakeEsdbServer;
let client: ReadClient;
beforeEach(() => {
  server = new FakeEsdbServer();
  client = server as unknown as ReadClient;
});

const pos = (r: FakeRecord): LogPosition => ({ commit: r.position, prepare: r.position });
const types = (events: readonly { type: string }[]) => events.map((e) => e.type);

describe('reading a stream', () => {
  beforeEach(() => {
    server.put('s', ['A', 'B', 'C', 'D'].map((type) => ({ type })));
  });

  it('reads forwards from an inclusive revision, and backwards, with the last revision even when truncated', async () => {
    expect(await readEsdbStream(client, 's')).toMatchObject({ revision: 3n });
    expect(types((await readEsdbStream(client, 's', { fromRevision: 2n })).events)).toEqual(['C', 'D']);
    const back = await readEsdbStream(client, 's', { direction: 'backwards', maxCount: 2 });
    expect(types(back.events)).toEqual(['D', 'C']);
    expect(back.revision).toBe(3n);
    const middle = await readEsdbStream(client, 's', { direction: 'backwards', fromRevision: 1n });
    expect(types(middle.events)).toEqual(['B', 'A']);
    expect((await readEsdbStream(client, 's', { maxCount: 1 })).revision).toBe(3n);
  });

  it('reports a missing stream as no-stream with no events', async () => {
    expect(await readEsdbStream(client, 'missing')).toEqual({ events: [], revision: 'no-stream' });
    expect(await readEsdbStream(client, 'missing', { direction: 'backwards', maxCount: 1 })).toEqual({ events: [], revision: 'no-stream' });
  });

  it('reads nothing for maxCount 0 but still reports the revision', async () => {
    expect(await readEsdbStream(client, 's', { maxCount: 0 })).toEqual({ events: [], revision: 3n });
  });
});

describe('reading all events', () => {
  it('returns the events strictly after `after`, START meaning from the beginning', async () => {
    const [a, b, c] = server.put('s', [{ type: 'A' }, { type: 'B' }, { type: 'C' }]);
    expect(types((await readEsdbAll(client)).events)).toEqual(['A', 'B', 'C']);
    expect(types((await readEsdbAll(client, { after: START })).events)).toEqual(['A', 'B', 'C']);
    expect(types((await readEsdbAll(client, { after: pos(a!) })).events)).toEqual(['B', 'C']);
    expect(await readEsdbAll(client, { after: pos(c!) })).toEqual({ events: [], next: pos(c!), isEnd: true });
    expect(comparePositions(pos(a!), pos(b!))).toBe(-1);
  });

  it("skips ESDB's own events but moves past them", async () => {
    server.put('$stats-node', [{ type: '$statsCollected' }]);
    const [mine] = server.put('s', [{ type: 'Mine' }]);
    server.put('s', [{ type: '$metadata' }]);
    const [last] = server.put('$$s', [{ type: '$metadata' }]);
    const slice = await readEsdbAll(client);
    expect(slice.events.map((e) => e.streamId)).toEqual(['s']);
    expect(slice.events[0]!.position).toEqual(pos(mine!));
    expect(slice.next).toEqual(pos(last!));
    expect(slice.isEnd).toBe(true);
  });

  it('filters by stream prefix, by type prefix, and by both', async () => {
    server.put('card-1', [{ type: 'PointsEarned' }, { type: 'CardOpened' }]);
    server.put('campaign-1', [{ type: 'PointsBoosted' }]);
    const read = async (filter: object) => (await readEsdbAll(client, { filter })).events.map((e) => `${e.streamId}:${e.type}`);
    expect(await read({ streamPrefixes: ['card-'] })).toEqual(['card-1:PointsEarned', 'card-1:CardOpened']);
    expect(await read({ eventTypePrefixes: ['Points'] })).toEqual(['card-1:PointsEarned', 'campaign-1:PointsBoosted']);
    expect(await read({ streamPrefixes: ['card-'], eventTypePrefixes: ['Points'] })).toEqual(['card-1:PointsEarned']);
  });

  it('pages with maxCount, reports the end, and moves a filtered reader past what it skipped', async () => {
    server.put('mine', Array.from({ length: 5 }, (_, i) => ({ type: `E${i}` })));
    const others = server.put('other', Array.from({ length: 200 }, () => ({ type: 'Other' })));
    const first = await readEsdbAll(client, { maxCount: 3, filter: { streamPrefixes: ['mine'] } });
    expect(types(first.events)).toEqual(['E0', 'E1', 'E2']);
    expect(first.isEnd).toBe(false);
    const rest = await readEsdbAll(client, { after: first.next, maxCount: 3, filter: { streamPrefixes: ['mine'] } });
    expect(types(rest.events)).toEqual(['E3', 'E4']);
    expect(rest).toMatchObject({ next: pos(others[others.length - 1]!), isEnd: true });
  });

  it('returns nothing, without moving, for maxCount 0', async () => {
    server.put('s', [{ type: 'A' }]);
    expect(await readEsdbAll(client, { maxCount: 0 })).toEqual({ events: [], next: START, isEnd: false });
  });
});

describe('the head position', () => {
  it('is the newest event that is not a system one', async () => {
    server.put('s', [{ type: 'A' }]);
    const [newest] = server.put('t', [{ type: 'B' }]);
    server.put('$stats-node', Array.from({ length: 250 }, () => ({ type: '$statsCollected' })));
    expect(await esdbHeadPosition(client)).toEqual(pos(newest!));
  });

  it('is START when the log holds only system events', async () => {
    server.put('$stats-node', Array.from({ length: 150 }, () => ({ type: '$statsCollected' })));
    expect(await esdbHeadPosition(client)).toEqual(START);
  });
});

describe('the backlog', () => {
  const recorded = (iso: string) => ({ metadata: { recordedAt: iso } });

  it('counts the events after a position that match the filter, and the age of the oldest', async () => {
    const [first] = server.put('mine-1', [{ type: 'A', ...recorded('2026-01-01T00:00:00.000Z') }]);
    server.put('other', [{ type: 'X', ...recorded('2025-01-01T00:00:00.000Z') }]);
    server.put('mine-2', [{ type: 'B', ...recorded('2026-01-01T00:00:10.000Z') }, { type: 'C', ...recorded('2026-01-01T00:00:20.000Z') }]);
    const now = Date.parse('2026-01-01T00:01:00.000Z');
    expect(await esdbBacklog(client, START, { streamPrefixes: ['mine-'] }, now)).toEqual({ events: 3, complete: true, seconds: 60 });
    expect(await esdbBacklog(client, pos(first!), { streamPrefixes: ['mine-'] }, now)).toEqual({ events: 2, complete: true, seconds: 50 });
    expect(await esdbBacklog(client, START, undefined, now)).toMatchObject({ events: 4, seconds: Math.round((now - Date.parse('2025-01-01T00:00:00.000Z')) / 1000) });
  });

  it('is empty at the head', async () => {
    const [last] = server.put('s', [{ type: 'A', ...recorded('2026-01-01T00:00:00.000Z') }]);
    expect(await esdbBacklog(client, pos(last!))).toEqual({ events: 0, complete: true, seconds: 0 });
  });

  it('stops counting at its limit and says so', async () => {
    server.put('s', Array.from({ length: ESDB_BACKLOG_LIMIT + 5 }, () => ({ type: 'A', ...recorded('2026-01-01T00:00:00.000Z') })));
    expect(await esdbBacklog(client, START, undefined, Date.parse('2026-01-01T00:00:01.000Z'))).toEqual({ events: ESDB_BACKLOG_LIMIT, complete: false, seconds: 1 });
  });
});
