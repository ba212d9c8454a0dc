-- Identity reservations: the blind-index hash of a normalised email or phone, per merchant, owned by
-- one customer. The primary key is what makes "same email twice in a merchant" a conflict even when
-- two enrolments race. No clear text here: the hash is keyed (HMAC) with a key derived from the master key.
CREATE TABLE customer_identities (
  merchant_id   text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('email', 'phone')),
  identity_hash text NOT NULL,
  customer_id   text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, kind, identity_hash)
);

-- A profile update or a merge moves or releases every identity of one customer.
CREATE INDEX customer_identities_customer ON customer_identities (merchant_id, customer_id);
