-- +goose Up

-- tabiji_sum_numbers adds objects of numbers key by key over a group
-- (tabiji_add_numbers, 00022, as an aggregate). The ingestion statement
-- sums each stored event's numeric properties into its rollup's row with
-- it: the numbers come from Go, found while decoding, so SQL no longer runs
-- jsonb_each over every property of every event, a second grouping by
-- property and a join back (store/events.go).
CREATE AGGREGATE tabiji_sum_numbers(jsonb) (
    SFUNC = tabiji_add_numbers,
    STYPE = jsonb,
    INITCOND = '{}'
);

-- +goose Down

DROP AGGREGATE tabiji_sum_numbers(jsonb);
