-- How far a reader of the event log may go: the read horizon.
--
-- Readers order the log by (transaction_id, global_position) and read only below a horizon H such that
-- no transaction below H can still add a row. Bounding reads by the xmin of the reader's snapshot is
-- correct but server-wide: any transaction with an id, in any database of the server, held every
-- subscriber back. The rule here waits only for transactions that can still append to `events`.
--
-- 1. The append discipline, enforced by the trigger below: a transaction may insert into `events` only
--    if it held a lock on `events` before it had a transaction id. An INSERT takes its table locks when
--    it is parsed or when its plan is locked, before its first row assigns the transaction id, so an
--    append in its own transaction, or as a transaction's first write, qualifies. A transaction that
--    must write elsewhere first calls relance_begin_append() before that write. Locks are released only
--    when the transaction ends (or when the subtransaction that took them rolls back, which also
--    undoes the mark the trigger relies on), so an appender holds its lock on `events` from before its
--    id exists until after it has left the server's list of running transactions.
--
-- 2. The horizon (relance_events_horizon), for a reader statement whose snapshot is S:
--      L  = ids of the transactions holding a write lock on this `events` table (from pg_locks, read
--           after S was taken; a relation lock carries no transaction id, so it is matched to the
--           `transactionid` lock of the same virtual transaction), plus prepared transactions;
--      S2 = a new snapshot taken after pg_locks was read;
--      E  = the transactions running in S that ended by S2 and left rows in `events` (looked up by a
--           statement that starts after S2, so it sees the rows of those that committed);
--      H  = the smallest x among the transactions running in S that is in L or in E; xmax(S) when none is.
--    A transaction x running in S and still running at S2 had not released its locks when pg_locks was
--    read (locks go after the running-list entry): if it ever appends, it held its `events` lock since
--    before it had its id, so it is in L. One that ended between S and S2 and appended rows S does not
--    see is in E. One that ended without rows, or rolled back, adds nothing. A running transaction that
--    holds no `events` lock has not appended and never will (the trigger would refuse it). Transactions
--    that get an id after S have ids >= xmax(S) >= H. Every transaction below H is therefore either
--    visible in S with all its rows, or never adds a row. (Rows carry their transaction's id: the
--    column's default, which nothing of Relance overrides.)
--
-- Outside READ COMMITTED the statements of a function share one snapshot (no S2), and a standby's
-- snapshots and locks do not describe the primary's writers: there the horizon falls back to xmin(S).

CREATE FUNCTION relance_events_append_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  mark text := 'relance.events_append_xid_' || TG_RELID::oid::text;
  xid xid8 := pg_current_xact_id_if_assigned();
BEGIN
  IF xid IS NULL THEN
    -- This statement holds its lock on the table and the transaction has no id yet: the discipline
    -- holds from now to the end of the transaction. The id is taken now so that the mark names it.
    PERFORM set_config(mark, pg_current_xact_id()::text, true);
  ELSIF current_setting(mark, true) IS DISTINCT FROM xid::text THEN
    RAISE EXCEPTION 'append to % refused: this transaction wrote before it locked the event log', TG_TABLE_NAME
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('Transaction %s already had an id when it first appended; readers of the log may already have passed it.', xid),
            HINT = 'Append before any other write of the transaction, or call relance_begin_append() before its first write.';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER events_append_guard BEFORE INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION relance_events_append_guard();

-- For a transaction that appends after other writes: call it before the first of them.
CREATE FUNCTION relance_begin_append() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  mark text := 'relance.events_append_xid_' || 'events'::regclass::oid::text;
  xid xid8;
BEGIN
  LOCK TABLE events IN ROW EXCLUSIVE MODE;
  xid := pg_current_xact_id_if_assigned();
  IF xid IS NOT NULL AND current_setting(mark, true) IS DISTINCT FROM xid::text THEN
    RAISE EXCEPTION 'relance_begin_append() called too late: this transaction has already written'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Call it before the first write of the transaction.';
  END IF;
  PERFORM set_config(mark, pg_current_xact_id()::text, true);
END $$;

-- `snapshot` must be pg_current_snapshot() of the calling statement: the snapshot its scan of `events`
-- uses. `events` is the table the caller's search_path names, as in the caller's own statement.
-- VOLATILE: under READ COMMITTED each statement inside takes a new snapshot, which S2 and E rely on.
CREATE FUNCTION relance_events_horizon(snapshot pg_snapshot) RETURNS xid8
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  holders xid[];
  later pg_snapshot;
BEGIN
  IF pg_snapshot_xmin(snapshot) = pg_snapshot_xmax(snapshot) THEN
    RETURN pg_snapshot_xmax(snapshot); -- nothing was running
  END IF;
  IF current_setting('transaction_isolation') <> 'read committed' OR pg_is_in_recovery() THEN
    RETURN pg_snapshot_xmin(snapshot);
  END IF;
  -- One read of pg_locks: the transaction ids of the virtual transactions that hold a write lock on events.
  SELECT array_agg(v.xid) INTO holders
    FROM (SELECT unnest(array_agg(l.transactionid) FILTER (WHERE l.locktype = 'transactionid')) AS xid
            FROM pg_locks l
           WHERE l.granted
             AND ((l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock')
               OR (l.locktype = 'relation' AND l.relation = 'events'::regclass
                   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                   AND l.mode IN ('RowExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')))
           GROUP BY l.virtualtransaction
          HAVING bool_or(l.locktype = 'relation')) v;
  -- A transaction being prepared for two-phase commit moves its locks to another owner one lock
  -- partition at a time, so the match above may miss it for a moment: prepared transactions count.
  holders := holders || ARRAY(SELECT p.transaction FROM pg_prepared_xacts p WHERE p.database = current_database());
  later := pg_current_snapshot();
  RETURN COALESCE(
    (SELECT min(x) FROM pg_snapshot_xip(snapshot) AS x
      WHERE x::xid = ANY(holders)
         OR (pg_visible_in_snapshot(x, later) AND EXISTS (SELECT 1 FROM events e WHERE e.transaction_id = x))),
    pg_snapshot_xmax(snapshot));
END $$;
