-- +goose Up

-- +goose StatementBegin
-- event_revenue, as 00011 defines it, is a scalar sub-select over the
-- three property names: Postgres cannot inline a SQL function holding a
-- sub-select, so it ran as a separate function call per event (about
-- 40 µs; the dashboard's LTV sums it over every purchase ever made: 22 s
-- at 460,000 purchases). The same rule as one CASE is inlined into the
-- query. Same answer: the first of revenue, total, value holding a number
-- or a numeric string, else 0.
CREATE OR REPLACE FUNCTION event_revenue(p jsonb) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN jsonb_typeof(p -> 'revenue') = 'number'
          OR (jsonb_typeof(p -> 'revenue') = 'string' AND (p ->> 'revenue') ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$')
          THEN (p ->> 'revenue')::numeric
        WHEN jsonb_typeof(p -> 'total') = 'number'
          OR (jsonb_typeof(p -> 'total') = 'string' AND (p ->> 'total') ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$')
          THEN (p ->> 'total')::numeric
        WHEN jsonb_typeof(p -> 'value') = 'number'
          OR (jsonb_typeof(p -> 'value') = 'string' AND (p ->> 'value') ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$')
          THEN (p ->> 'value')::numeric
        ELSE 0
    END
$$;
-- +goose StatementEnd

-- +goose Down

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION event_revenue(p jsonb) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(
        (SELECT CASE jsonb_typeof(p -> k) WHEN 'number' THEN (p ->> k)::numeric
                     WHEN 'string' THEN CASE WHEN (p ->> k) ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$'
                                             THEN (p ->> k)::numeric END END
         FROM unnest(ARRAY['revenue', 'total', 'value']) WITH ORDINALITY AS t(k, i)
         WHERE CASE jsonb_typeof(p -> k) WHEN 'number' THEN true
                    WHEN 'string' THEN (p ->> k) ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$'
                    ELSE false END
         ORDER BY i LIMIT 1), 0)
$$;
-- +goose StatementEnd
