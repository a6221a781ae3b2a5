-- +goose Up

-- A message may go to the shop's own address instead of its customer's: a
-- sales owner's alert about a lead (a send node's "to"). It stays the
-- customer's message (the run, the node and the statistics are theirs),
-- but frequency caps leave it out and what its provider reports about it
-- (an open, a bounce) is no engagement of the customer.
ALTER TABLE messages ADD COLUMN recipient text NOT NULL DEFAULT '';

-- +goose Down

ALTER TABLE messages DROP COLUMN recipient;
