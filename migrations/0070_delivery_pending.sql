-- Messages the relay handed to the queue and whose outcome (sent, failed for good, suppressed) is not
-- recorded yet. Written by the relay in the transaction that advances its checkpoint, deleted by the
-- worker once the outcome is appended. If Redis loses its jobs (flushed, failed over without
-- persistence), the reconciler re-creates a job for every row here that has none: the event store
-- stays the outbox, this table only saves reading the whole log to find what is still owed.
CREATE TABLE delivery_pending (
  merchant_id  text        NOT NULL,
  message_id   text        NOT NULL,
  lane         text        NOT NULL CONSTRAINT delivery_pending_lane CHECK (lane IN ('email', 'text', 'postal')),
  -- When the job may run (MessageQueued.scheduledFor, or when it was queued).
  due_at       timestamptz NOT NULL,
  relayed_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT delivery_pending_pkey PRIMARY KEY (merchant_id, message_id)
);
CREATE INDEX delivery_pending_relayed_idx ON delivery_pending (relayed_at);

