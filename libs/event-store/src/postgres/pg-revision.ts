import type pg from 'pg';

const CURRENT_REVISION = {
  name: 'relance_events_current_revision',
  text: 'SELECT max(stream_position)::text AS rev FROM events WHERE stream_id = $1',
};

/** A stream's last position, or 'no-stream': what a conflict reports and a partial read answers with. */
export async function currentRevision(db: pg.Pool | pg.PoolClient, streamId: string): Promise<bigint | 'no-stream'> {
  const { rows } = await db.query<{ rev: string | null }>({ ...CURRENT_REVISION, values: [streamId] });
  const rev = rows[0]?.rev;
  return rev === null || rev === undefined ? 'no-stream' : BigInt(rev);
}
