-- Read model "customers": one row per enrolled customer, as the rules engine and support see it.
-- The profile is the sealed profile opened with the customer's key: NULL once the key is destroyed.
CREATE TABLE customers (
  merchant_id       text        NOT NULL,
  customer_id       text        NOT NULL,
  status            text        NOT NULL CONSTRAINT customers_status CHECK (status IN ('active', 'merged', 'erased')),
  customer_type     text        NOT NULL CONSTRAINT customers_type CHECK (customer_type IN ('b2c', 'b2b')),
  business_category text,
  store_id          text,
  external_id       text,
  locale            text        NOT NULL,
  -- False when the sealed profile could not be opened (key destroyed): the columns below are then NULL.
  profile_readable  boolean     NOT NULL,
  first_name        text,
  last_name         text,
  company_name      text,
  email             text,
  phone             text,
  postal_address    jsonb,
  birth_date        date,
  -- Blind-index hashes of the normalised email and phone (duplicate detection without clear text).
  email_key         text,
  phone_key         text,
  -- Current consent per channel for the "marketing" purpose (campaigns); every purpose is in consents.
  consent_email     boolean     NOT NULL DEFAULT false,
  consent_sms       boolean     NOT NULL DEFAULT false,
  consent_rcs       boolean     NOT NULL DEFAULT false,
  consent_postal    boolean     NOT NULL DEFAULT false,
  tier              text,
  tier_since        timestamptz,
  points_balance    integer     NOT NULL DEFAULT 0,
  -- Set from SegmentChanged events only, so a replay of the log reproduces it.
  segment           text,
  segment_as_of     date,
  merged_into       text,
  enrolled_at       timestamptz NOT NULL,
  erased_at         timestamptz,
  -- Business time of the last change, and the customer stream revision it came from (replay guard).
  updated_at        timestamptz NOT NULL,
  revision          bigint      NOT NULL,
  CONSTRAINT customers_pkey PRIMARY KEY (merchant_id, customer_id)
);
CREATE INDEX customers_segment_idx ON customers (merchant_id, segment);
CREATE INDEX customers_email_key_idx ON customers (merchant_id, email_key) WHERE email_key IS NOT NULL;
CREATE INDEX customers_phone_key_idx ON customers (merchant_id, phone_key) WHERE phone_key IS NOT NULL;
