-- portcullis schema 11 (PostgreSQL): refresh tokens no longer reference
-- their family by a foreign key. Checking it took a row lock on the family
-- the rotation had just locked and updated, in a trigger of its own, for
-- every rotation: a third of the statement's cost (pgbench replay, four
-- clients: 329 µs of server CPU per rotation with it, 220 µs without).
-- Nothing needs it: a token is added only with its family (one
-- transaction) or by a rotation that found and locked its live family, and
-- families are deleted only by the purge, which locks them (waiting for a
-- rotation under way) and deletes their tokens first.

ALTER TABLE portcullis_refresh_tokens DROP CONSTRAINT IF EXISTS portcullis_refresh_tokens_family_id_fkey;
