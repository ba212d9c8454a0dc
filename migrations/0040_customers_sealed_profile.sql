-- Personal data leaves the customers read model in clear. The row keeps the profile sealed exactly as
-- the customer's events carry it (AES-256-GCM under the customer's own key), so destroying that key
-- makes this copy unreadable too, in every backup taken from now on. Two facts stay in clear because
-- time-based rules query them set-based: the birthday without its year, and a date on which the
-- customer was certainly of age (the day their birth date was recorded, when they were already 18
-- then), which together do not give the birth date away. Look-ups keep using the blind indexes
-- email_key and phone_key.
--
-- The existing rows lose their clear columns here and get their sealed profile from a rebuild: the
-- projection's version goes to 2, and `relance projections rebuild customers` fills the new columns
-- (blue/green: the live table keeps serving meanwhile).

-- A rebuild under way would swap a twin with the old columns back in: it starts over instead.
DROP TABLE IF EXISTS customers_next;
DELETE FROM projection_rebuild_checkpoints WHERE name = 'customers';

ALTER TABLE customers
  DROP COLUMN profile_readable,
  DROP COLUMN first_name,
  DROP COLUMN last_name,
  DROP COLUMN company_name,
  DROP COLUMN email,
  DROP COLUMN phone,
  DROP COLUMN postal_address,
  DROP COLUMN birth_date,
  -- "pii:v1:<iv>:<ciphertext>", the CustomerEnrolled / CustomerProfileUpdated blob as is; NULL once erased.
  ADD COLUMN profile text,
  -- MM-DD, for birthday campaigns; NULL when the birth date is unknown (or the profile unreadable).
  ADD COLUMN birthday text CONSTRAINT customers_birthday CHECK (birthday ~ '^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'),
  -- A local date on which the customer was of age, never before their 18th birthday: "adult_since <=
  -- today" proves majority in SQL. NULL when the age is unknown, or when they were a minor when their
  -- birth date was recorded (their age is then checked on the opened profile).
  ADD COLUMN adult_since date;

-- DROP COLUMN only hides the values; rewriting the table writes every row again without them, so the
-- table's files (and the base backups taken from them from now on) no longer hold them.
CLUSTER customers USING customers_pkey;
ALTER TABLE customers SET WITHOUT CLUSTER;

CREATE INDEX customers_birthday_idx ON customers (merchant_id, birthday) WHERE birthday IS NOT NULL;
