-- +goose Up

-- tabiji_add_numbers (00015) adds two objects of numbers key by key. Every
-- event that lands on a customer's existing rollup calls it twice (sums,
-- nums) in the ingestion statement's ON CONFLICT. As an SQL function with a
-- subquery it cannot be inlined: each call ran jsonb_each twice, a UNION, a
-- hash aggregate and jsonb_object_agg, about 7 µs, a third of a /v1/batch
-- call's time in Postgres. This plpgsql body gives the same object (a key of
-- one side alone keeps its value; a key of both gets the numeric sum) by
-- folding b's keys, usually one or two, into a: about 2 µs. Measured on
-- 10,000 upserts of one-key rollups: 250 ms before, 145 ms now, 108 ms
-- without touching sums and nums at all.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tabiji_add_numbers(a jsonb, b jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    keys jsonb;
    k    text;
BEGIN
    IF b = '{}' THEN
        RETURN a;
    END IF;
    IF a = '{}' THEN
        RETURN b;
    END IF;
    -- b's keys as a jsonb array, not a loop over jsonb_object_keys: every
    -- statement here stays a simple expression, with no query to run.
    keys := jsonb_path_query_array(b, '$.keyvalue().key');
    FOR i IN 0 .. jsonb_array_length(keys) - 1 LOOP
        k := keys ->> i;
        IF a ? k THEN
            a := a || jsonb_build_object(k, (a -> k)::numeric + (b -> k)::numeric);
        ELSE
            a := a || jsonb_build_object(k, b -> k);
        END IF;
    END LOOP;
    RETURN a;
END
$$;
-- +goose StatementEnd

-- +goose Down

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tabiji_add_numbers(a jsonb, b jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN b = '{}' THEN a WHEN a = '{}' THEN b ELSE (
        SELECT jsonb_object_agg(key, total) FROM (
            SELECT key, sum(value::numeric) AS total
            FROM (SELECT key, value FROM jsonb_each(a) UNION ALL SELECT key, value FROM jsonb_each(b)) kv
            GROUP BY key) s)
    END
$$;
-- +goose StatementEnd
