import { parseEvent, type DomainEvent } from '@relance/domain';
import { START } from '@relance/event-store';
import { v7 as uuidv7 } from 'uuid';
import type { Projection } from '../../../../apps/projector/src/projection.js';
import { uniquePrefix } from '../../../support/events.js';
import { projectorEnv, rowsOf, type ProjectorEnv } from './projector-env.js';

export interface ProjectionSpec {
  /** The merchant of every event given: rows() reads this merchant's rows. */
  readonly merchantId: string;
  readonly env: ProjectorEnv;
  /**
   * Appends events to a stream as the engine stores them (validated against the catalog, with ids and
   * metadata) and applies them with the real runner, this projection alone, until caught up.
   */
  given(streamId: string, events: readonly DomainEvent[], occurredAt?: string): Promise<void>;
  /** A table's rows for the merchant, ordered by the whole row; only a table the projection declares. */
  rows(table: string): Promise<Record<string, unknown>[]>;
  /**
   * Moves the projection's checkpoint back to the start of the log and applies it all again (what a
   * crash before the checkpoint's commit, or a replay, does), for a test that asserts nothing changes.
   */
  replay(): Promise<void>;
  close(): Promise<void>;
}

/**
 * given / then for one read model against real PostgreSQL, in a migrated schema of its own:
 *
 *   const spec = await projectionSpec(tiersProjection);
 *   await spec.given(streams.customer(spec.merchantId, 'alice'), [{ type: 'TierChanged', data: { … } }]);
 *   expect(await spec.rows('customer_tiers')).toEqual([…]);
 */
export async function projectionSpec(projection: Projection): Promise<ProjectionSpec> {
  const env = await projectorEnv(projection.name.replace(/[^a-z0-9]/g, '_'));
  const merchantId = uniquePrefix('spec-').toLowerCase();
  return {
    merchantId,
    env,
    async given(streamId, events, occurredAt = new Date().toISOString()) {
      const toAppend = events.map((e) => {
        const eventId = uuidv7();
        const parsed = parseEvent(e.type, e.data);
        return {
          type: parsed.type,
          data: parsed.data,
          metadata: { eventId, merchantId, correlationId: eventId, causationId: eventId, actor: 'system:test', occurredAt, recordedAt: new Date().toISOString() },
        };
      });
      await env.store.append(streamId, toAppend, 'any');
      await env.project([projection]);
    },
    async rows(table) {
      if (!projection.tables.includes(table)) throw new Error(`${projection.name} does not declare table ${table} (its tables: ${projection.tables.join(', ')})`);
      return rowsOf(env.pool, table, merchantId);
    },
    async replay() {
      await env.pool.query('UPDATE projection_checkpoints SET commit_position = $2, prepare_position = $3 WHERE name = $1', [
        projection.name,
        String(START.commit),
        String(START.prepare),
      ]);
      await env.project([projection]);
    },
    close: () => env.close(),
  };
}
