-- Reads of a customer's personal data by support and admin keys (shared/DESIGN.md §8: such reads are
-- themselves audited). Who read whose profile and when; never what it said.
CREATE TABLE personal_data_reads (
  merchant_id text NOT NULL,
  read_id     bigint GENERATED ALWAYS AS IDENTITY,
  customer_id text NOT NULL,
  key_id      text NOT NULL,
  role        text NOT NULL,
  read_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, read_id)
);

CREATE INDEX personal_data_reads_customer ON personal_data_reads (merchant_id, customer_id, read_at);
