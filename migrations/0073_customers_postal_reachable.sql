-- Whether a letter can reach the customer: their sealed profile holds a postal address with a street
-- line, a postal code and a city. The address itself stays sealed under the customer's key (see 0040);
-- this flag alone says nothing about where they live, and the rules engine's channel choice needs it
-- for every candidate at once, without opening a profile per customer. Erasure clears it with the rest.
--
-- Existing rows start as unreachable (what the channel choice assumed until now) and get their value
-- from a rebuild: the projection's version goes to 3, and `relance projections rebuild customers`
-- fills the column from the log (blue/green: the live table keeps serving meanwhile).

-- A rebuild under way would swap a twin without the column back in: it starts over instead.
DROP TABLE IF EXISTS customers_next;
DELETE FROM projection_rebuild_checkpoints WHERE name = 'customers';

ALTER TABLE customers ADD COLUMN postal_reachable boolean NOT NULL DEFAULT false;
