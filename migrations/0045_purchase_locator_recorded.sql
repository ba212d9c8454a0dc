-- A customer's state keeps only the purchases that can still be refunded, so the locator is what keeps
-- a purchase id unique for good. `seed` names the command that reserved the id (its own retry
-- recognises it; another command may take over a reservation left by a process that died), and
-- `recorded` says the purchase was found in its stream, so that the next duplicate is refused
-- without reading the stream again. Rows from before have neither: a duplicate of them reads the stream.
ALTER TABLE purchase_locator
  ADD COLUMN seed uuid,
  ADD COLUMN recorded boolean NOT NULL DEFAULT false;
