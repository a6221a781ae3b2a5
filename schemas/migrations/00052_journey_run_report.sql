-- +goose Up

-- journey_run_report stores a journey run's report and moves its counters
-- in one statement, so one round trip: the report of a run that converts
-- nothing and passes no split (most reports) costs what a begin, a batch
-- of writes, a batch of counters and a commit cost in store.RecordRun
-- otherwise, with the same statements in the same order: the run (its
-- experiment arm from the workspace's global control group at entry), its
-- steps, the steps it left, its exit, then the statistics' counters in the
-- order of (metric, node, key, time) in bytes (COLLATE "C", as Go's
-- strings.Compare), then the arm's counter. Every part is keyed by the run
-- and the step, so a repeated report stores and counts nothing; the run's
-- row is inserted, or found, before any counter is moved, so a concurrent
-- repeat waits on it and then counts nothing. Reports that can move the
-- experiment counters otherwise (a conversion, a split's variant) go
-- through store.RecordRun's batches, which read the run before and after.
-- +goose StatementBegin
CREATE FUNCTION journey_run_report(
    ws text, rk text, jr text, ver int, cust text, wf text, run_entered timestamptz, hold boolean,
    gc_bucket int, -- the customer's bucket of the global control group (experiment.Bucket)
    seqs int[], nodes text[], kinds text[], ats timestamptz[],
    leave_seqs int[], nexts text[],
    exit_at timestamptz, exit_why text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    gc boolean;
    is_new boolean;
    n bigint;
    c record;
    c_metric text[] := '{}';
    c_node text[] := '{}';
    c_key text[] := '{}';
    c_at timestamptz[] := '{}';
    t_node text[];
    t_key text[];
    t_at timestamptz[];
BEGIN
    INSERT INTO journey_runs (workspace_id, run_key, journey_id, version, customer_id, workflow_id, entered_at, holdout, global_control)
    VALUES (ws, rk, jr, ver, cust, wf, run_entered, hold,
        COALESCE((SELECT gc_bucket < round(percent * 100) FROM global_control WHERE workspace_id = ws), false))
    ON CONFLICT DO NOTHING
    RETURNING global_control INTO gc;
    is_new := FOUND;
    IF is_new THEN
        c_metric := c_metric || 'entered'::text; c_node := c_node || ''::text; c_key := c_key || ''::text; c_at := c_at || run_entered;
        IF hold THEN
            c_metric := c_metric || 'holdout'::text; c_node := c_node || ''::text; c_key := c_key || ''::text; c_at := c_at || run_entered;
        END IF;
    END IF;

    WITH ins AS (
        INSERT INTO journey_run_steps (workspace_id, run_key, seq, node_id, kind, entered_at)
        SELECT ws, rk, s.seq, s.node, s.kind, s.at FROM unnest(seqs, nodes, kinds, ats) AS s(seq, node, kind, at)
        ON CONFLICT DO NOTHING
        RETURNING node_id, kind, entered_at)
    SELECT array_agg(node_id), array_agg(kind), array_agg(entered_at) INTO t_node, t_key, t_at FROM ins;
    IF t_node IS NOT NULL THEN
        c_metric := c_metric || array_fill('node'::text, ARRAY[cardinality(t_node)]);
        c_node := c_node || t_node; c_key := c_key || t_key; c_at := c_at || t_at;
    END IF;

    WITH upd AS (
        UPDATE journey_run_steps t SET next_node = l.next
        FROM (SELECT DISTINCT ON (seq) seq, next FROM unnest(leave_seqs, nexts) WITH ORDINALITY AS l(seq, next, i) ORDER BY seq, i) l
        WHERE t.workspace_id = ws AND t.run_key = rk AND t.seq = l.seq AND t.next_node IS NULL
        RETURNING t.node_id, t.entered_at, l.next)
    SELECT array_agg(node_id), array_agg(next), array_agg(entered_at) INTO t_node, t_key, t_at FROM upd WHERE next <> '';
    IF t_node IS NOT NULL THEN
        c_metric := c_metric || array_fill('edge'::text, ARRAY[cardinality(t_node)]);
        c_node := c_node || t_node; c_key := c_key || t_key; c_at := c_at || t_at;
    END IF;

    IF exit_at IS NOT NULL THEN
        UPDATE journey_runs SET exited_at = exit_at, exit_reason = exit_why
        WHERE workspace_id = ws AND run_key = rk AND exited_at IS NULL;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n > 0 THEN
            c_metric := c_metric || 'exited'::text; c_node := c_node || ''::text; c_key := c_key || exit_why; c_at := c_at || exit_at;
        END IF;
    END IF;

    FOR c IN SELECT x.metric, x.node, x.key, x.at FROM unnest(c_metric, c_node, c_key, c_at) AS x(metric, node, key, at)
        ORDER BY x.metric COLLATE "C", x.node COLLATE "C", x.key COLLATE "C", x.at
    LOOP
        PERFORM journey_stat_bump(ws, jr, c.metric, c.node, c.key, ver, c.at, 0);
    END LOOP;

    IF is_new THEN
        INSERT INTO journey_experiment_arms AS t (workspace_id, journey_id, version, arm, entered, converted)
        VALUES (ws, jr, ver, CASE WHEN hold THEN 'holdout' WHEN gc THEN 'global_control' ELSE 'messaged' END, 1, 0)
        ON CONFLICT (workspace_id, journey_id, version, arm)
        DO UPDATE SET entered = t.entered + EXCLUDED.entered, converted = t.converted + EXCLUDED.converted;
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION journey_run_report(text, text, text, int, text, text, timestamptz, boolean, int,
    int[], text[], text[], timestamptz[], int[], text[], timestamptz, text);
