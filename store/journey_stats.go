package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// StatsQuery selects what JourneyStats counts: one version (nil: all), the
// facts from From (inclusive) to To (exclusive; zero: unbounded), and the
// zone whose midnights cut the daily series ("": the workspace's).
// FromDay and ToDay, when set, are dates (2026-11-23) whose midnights in
// that zone are From and To (stats_period.go).
type StatsQuery struct {
	Version        *int
	From, To       time.Time
	FromDay, ToDay string
	TZ             string
}

// MessageCounts are the messages sent and what became of them: each
// message counts once per status however often a provider reports it.
// Sent counts messages the provider accepted (or the dev outbox recorded);
// a click also counts as an open.
type MessageCounts struct {
	Sent         int64 `json:"sent"`
	Delivered    int64 `json:"delivered"`
	Opened       int64 `json:"opened"`
	Clicked      int64 `json:"clicked"`
	Bounced      int64 `json:"bounced"`
	Unsubscribed int64 `json:"unsubscribed"`
}

// Rates are ratios in [0, 1], 0 when the denominator is 0: OpenRate is
// opened/sent, CTR clicked/sent, CVR converted/entered (for a channel:
// converted/sent). Sent, not delivered, is the denominator because LINE and
// the outbox report no deliveries.
type Rates struct {
	OpenRate float64 `json:"openRate"`
	CTR      float64 `json:"ctr"`
	CVR      float64 `json:"cvr"`
}

// StatsTotals are the journey's totals. Converted counts runs with at least
// one conversion (a customer who entered once counts once however often
// they bought); Conversions counts goal events and Revenue sums theirs.
type StatsTotals struct {
	Entered    int64 `json:"entered"`
	Holdout    int64 `json:"holdout"`
	InProgress int64 `json:"inProgress"`
	Exited     int64 `json:"exited"`
	MessageCounts
	Converted   int64   `json:"converted"`
	Conversions int64   `json:"conversions"`
	Revenue     float64 `json:"revenue"`
	Rates
}

// NodeStats are one node's counts: runs that entered it, where they went
// next, and the messages it sent.
type NodeStats struct {
	ID      string      `json:"id"`
	Kind    string      `json:"kind"`
	Entered int64       `json:"entered"`
	Edges   []EdgeStats `json:"edges"`
	MessageCounts
}

// EdgeStats counts the runs that went from a node to To.
type EdgeStats struct {
	To    string `json:"to"`
	Count int64  `json:"count"`
}

// VariantStats are one split variant's counts (the control group is the
// variant "control").
type VariantStats struct {
	Node        string  `json:"node"`
	Variant     string  `json:"variant"`
	Entered     int64   `json:"entered"`
	Converted   int64   `json:"converted"`
	Conversions int64   `json:"conversions"`
	Revenue     float64 `json:"revenue"`
	CVR         float64 `json:"cvr"`
}

// ChannelStats are one channel's counts; Converted counts runs that
// converted after a message on the channel.
type ChannelStats struct {
	Channel string `json:"channel"`
	MessageCounts
	Converted int64 `json:"converted"`
	Rates
}

// ExitStats counts the runs that ended for Reason: the exit node's ID, or
// goal, exit_criteria, archived, cancelled.
type ExitStats struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

// DayStats are one day's counts, in the query's zone.
type DayStats struct {
	Day         string  `json:"day"` // 2026-11-23
	Entered     int64   `json:"entered"`
	Exited      int64   `json:"exited"`
	Sent        int64   `json:"sent"`
	Opened      int64   `json:"opened"`
	Clicked     int64   `json:"clicked"`
	Converted   int64   `json:"converted"`
	Conversions int64   `json:"conversions"`
	Revenue     float64 `json:"revenue"`
}

// JourneyStats are a journey's statistics. Each fact counts at its own time
// (entries at entry, sends when sent, conversions when converted), in
// 15-minute buckets: From and To are rounded down to a quarter hour.
type JourneyStats struct {
	JourneyID string         `json:"journeyId"`
	Version   *int           `json:"version,omitempty"`
	From      *time.Time     `json:"from,omitempty"`
	To        *time.Time     `json:"to,omitempty"`
	Timezone  string         `json:"timezone"`
	Totals    StatsTotals    `json:"totals"`
	Exited    []ExitStats    `json:"exited"`
	Nodes     []NodeStats    `json:"nodes"`
	Variants  []VariantStats `json:"variants"`
	Channels  []ChannelStats `json:"channels"`
	Daily     []DayStats     `json:"daily"`

	// EntryErrors counts entry events that entered nobody because the entry
	// filter failed to evaluate (cel_cost_limit: it cost more than the CEL
	// cost limit), by reason; absent when there are none.
	EntryErrors []ExitStats `json:"entryErrors,omitempty"`
}

// counterRow is one summed counter.
type counterRow struct {
	metric, node, key string
	n                 int64
	amount            float64
}

// JourneyStats returns a journey's statistics, its period resolved first
// (a Refusal on tz, from or to; stats_period.go), or ErrNotFound when the
// workspace has no such journey.
func (s *Store) JourneyStats(ctx context.Context, workspaceID, journeyID string, q StatsQuery) (JourneyStats, error) {
	q, err := q.resolved(ctx, s, workspaceID)
	if err != nil {
		return JourneyStats{}, err
	}
	out := JourneyStats{JourneyID: journeyID, Version: q.Version, Timezone: q.TZ}
	if !q.From.IsZero() {
		out.From = &q.From
	}
	if !q.To.IsZero() {
		out.To = &q.To
	}
	nodes, err := s.definitionNodes(ctx, workspaceID, journeyID, q.Version)
	if err != nil {
		return JourneyStats{}, err
	}
	rows, err := s.sumCounters(ctx, workspaceID, journeyID, q)
	if err != nil {
		return JourneyStats{}, err
	}
	out.fill(nodes, rows)
	if out.Totals.InProgress, err = s.inProgress(ctx, workspaceID, journeyID, q); err != nil {
		return JourneyStats{}, err
	}
	if out.Daily, err = s.dailyStats(ctx, workspaceID, journeyID, q, out.Timezone); err != nil {
		return JourneyStats{}, err
	}
	return out, nil
}

// bounds are the optional filters of a counters query, as SQL arguments.
func bounds(q StatsQuery) (version *int, from, to *time.Time) {
	if !q.From.IsZero() {
		from = &q.From
	}
	if !q.To.IsZero() {
		to = &q.To
	}
	return q.Version, from, to
}

const countersWhere = `workspace_id = $1 AND journey_id = $2 AND ($3::int IS NULL OR version = $3)
	AND ($4::timestamptz IS NULL OR bucket >= date_bin('15 minutes', $4, timestamptz '2000-01-01 00:00:00+00'))
	AND ($5::timestamptz IS NULL OR bucket < date_bin('15 minutes', $5, timestamptz '2000-01-01 00:00:00+00'))`

func (s *Store) sumCounters(ctx context.Context, workspaceID, journeyID string, q StatsQuery) ([]counterRow, error) {
	v, from, to := bounds(q)
	rows, err := s.pool.Query(ctx, `SELECT metric, node, key, sum(n)::bigint, sum(amount)::float8
		FROM journey_stat_counters WHERE `+countersWhere+` GROUP BY metric, node, key ORDER BY metric, node, key`,
		workspaceID, journeyID, v, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read stats of %q: %w", journeyID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (counterRow, error) {
		var c counterRow
		return c, row.Scan(&c.metric, &c.node, &c.key, &c.n, &c.amount)
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to read stats of %q: %w", journeyID, err)
	}
	return out, nil
}

func (s *Store) inProgress(ctx context.Context, workspaceID, journeyID string, q StatsQuery) (int64, error) {
	v, from, to := bounds(q)
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM journey_runs
		WHERE workspace_id = $1 AND journey_id = $2 AND exited_at IS NULL AND ($3::int IS NULL OR version = $3)
		  AND ($4::timestamptz IS NULL OR entered_at >= $4) AND ($5::timestamptz IS NULL OR entered_at < $5)`,
		workspaceID, journeyID, v, from, to).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: unable to count runs in progress of %q: %w", journeyID, err)
	}
	return n, nil
}

func (s *Store) dailyStats(ctx context.Context, workspaceID, journeyID string, q StatsQuery, tz string) ([]DayStats, error) {
	v, from, to := bounds(q)
	rows, err := s.pool.Query(ctx, `SELECT to_char(bucket AT TIME ZONE $6, 'YYYY-MM-DD') AS day, metric, sum(n)::bigint, sum(amount)::float8
		FROM journey_stat_counters WHERE `+countersWhere+`
		  AND metric IN ('entered', 'exited', 'sent', 'opened', 'clicked', 'converted', 'conversions')
		GROUP BY 1, 2 ORDER BY 1, 2`, workspaceID, journeyID, v, from, to, tz)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read daily stats of %q: %w", journeyID, err)
	}
	var days []DayStats
	var day, metric string
	var n int64
	var amount float64
	_, err = pgx.ForEachRow(rows, []any{&day, &metric, &n, &amount}, func() error {
		if len(days) == 0 || days[len(days)-1].Day != day {
			days = append(days, DayStats{Day: day})
		}
		d := &days[len(days)-1]
		switch metric {
		case "entered":
			d.Entered = n
		case "exited":
			d.Exited = n
		case "sent":
			d.Sent = n
		case "opened":
			d.Opened = n
		case "clicked":
			d.Clicked = n
		case "converted":
			d.Converted = n
		case "conversions":
			d.Conversions, d.Revenue = n, amount
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to read daily stats of %q: %w", journeyID, err)
	}
	if days == nil {
		days = []DayStats{}
	}
	return days, nil
}

// definitionNode is a node as the stats list it before any run reached it.
type definitionNode struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
}

// definitionNodes lists the nodes of the version asked for, or of the
// latest one, in definition order.
func (s *Store) definitionNodes(ctx context.Context, workspaceID, journeyID string, version *int) ([]definitionNode, error) {
	var raw json.RawMessage
	err := s.pool.QueryRow(ctx, `SELECT definition FROM journey_versions
		WHERE workspace_id = $1 AND journey_id = $2 AND ($3::int IS NULL OR version = $3)
		ORDER BY version DESC LIMIT 1`, workspaceID, journeyID, version).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("store: journey %q has no such version: %w", journeyID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read journey %q: %w", journeyID, err)
	}
	var def struct {
		Nodes []definitionNode `json:"nodes"`
	}
	if err := json.Unmarshal(raw, &def); err != nil {
		return nil, fmt.Errorf("store: unable to read the nodes of journey %q: %w", journeyID, err)
	}
	return def.Nodes, nil
}

// fill turns summed counters into the stats, nodes in definition order
// (then any node only an older version had).
func (st *JourneyStats) fill(def []definitionNode, rows []counterRow) {
	t := &st.Totals
	nodes, channels := newNodeIndex(def), map[string]*ChannelStats{}
	variants := map[[2]string]*VariantStats{}
	variant := func(node, key string) *VariantStats {
		k := [2]string{node, key}
		if variants[k] == nil {
			variants[k] = &VariantStats{Node: node, Variant: key}
		}
		return variants[k]
	}
	channel := func(key string) *ChannelStats {
		if channels[key] == nil {
			channels[key] = &ChannelStats{Channel: key}
		}
		return channels[key]
	}
	st.Exited = []ExitStats{}
	for _, r := range rows {
		switch r.metric {
		case "entered":
			t.Entered = r.n
		case "holdout":
			t.Holdout = r.n
		case "exited":
			t.Exited += r.n
			st.Exited = append(st.Exited, ExitStats{Reason: r.key, Count: r.n})
		case metricEntryError:
			st.EntryErrors = append(st.EntryErrors, ExitStats{Reason: r.key, Count: r.n})
		case "converted":
			t.Converted = r.n
		case "conversions":
			t.Conversions, t.Revenue = r.n, r.amount
		case "node":
			n := nodes.get(r.node)
			n.Entered += r.n
			if n.Kind == "" {
				n.Kind = r.key
			}
		case "edge":
			n := nodes.get(r.node)
			n.Edges = append(n.Edges, EdgeStats{To: r.key, Count: r.n})
		case "variant":
			variant(r.node, r.key).Entered = r.n
		case "variant_converted":
			variant(r.node, r.key).Converted = r.n
		case "variant_conversions":
			v := variant(r.node, r.key)
			v.Conversions, v.Revenue = r.n, r.amount
		case "channel_converted":
			channel(r.key).Converted = r.n
		case "sent", "delivered", "opened", "clicked", "bounced", "unsubscribed":
			addMessageCount(&nodes.get(r.node).MessageCounts, r.metric, r.n)
			addMessageCount(&channel(r.key).MessageCounts, r.metric, r.n)
			addMessageCount(&t.MessageCounts, r.metric, r.n)
		}
	}
	t.Rates = rates(t.MessageCounts, t.Converted, t.Entered)
	st.Nodes = nodes.list()
	st.Variants = sortedValues(variants, func(a, b *VariantStats) bool {
		return a.Node < b.Node || a.Node == b.Node && a.Variant < b.Variant
	})
	for i := range st.Variants {
		st.Variants[i].CVR = ratio(st.Variants[i].Converted, st.Variants[i].Entered)
	}
	st.Channels = sortedValues(channels, func(a, b *ChannelStats) bool { return a.Channel < b.Channel })
	for i := range st.Channels {
		c := &st.Channels[i]
		c.Rates = rates(c.MessageCounts, c.Converted, c.Sent)
	}
}

func addMessageCount(m *MessageCounts, metric string, n int64) {
	switch metric {
	case "sent":
		m.Sent += n
	case "delivered":
		m.Delivered += n
	case "opened":
		m.Opened += n
	case "clicked":
		m.Clicked += n
	case "bounced":
		m.Bounced += n
	case "unsubscribed":
		m.Unsubscribed += n
	}
}

func rates(m MessageCounts, converted, base int64) Rates {
	return Rates{OpenRate: ratio(m.Opened, m.Sent), CTR: ratio(m.Clicked, m.Sent), CVR: ratio(converted, base)}
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func sortedValues[K comparable, T any](m map[K]*T, less func(a, b *T) bool) []T {
	ptrs := make([]*T, 0, len(m))
	for _, v := range m {
		ptrs = append(ptrs, v)
	}
	slices.SortFunc(ptrs, func(a, b *T) int {
		switch {
		case less(a, b):
			return -1
		case less(b, a):
			return 1
		}
		return 0
	})
	out := make([]T, len(ptrs))
	for i, p := range ptrs {
		out[i] = *p
	}
	return out
}

// nodeIndex keeps nodes in definition order, adding unknown ones at the end.
type nodeIndex struct {
	order []string
	byID  map[string]*NodeStats
}

func newNodeIndex(def []definitionNode) *nodeIndex {
	ix := &nodeIndex{byID: map[string]*NodeStats{}}
	for _, n := range def {
		ix.get(n.ID).Kind = n.Kind
	}
	return ix
}

func (ix *nodeIndex) get(id string) *NodeStats {
	if ix.byID[id] == nil {
		ix.byID[id] = &NodeStats{ID: id, Edges: []EdgeStats{}}
		ix.order = append(ix.order, id)
	}
	return ix.byID[id]
}

func (ix *nodeIndex) list() []NodeStats {
	out := make([]NodeStats, len(ix.order))
	for i, id := range ix.order {
		out[i] = *ix.byID[id]
	}
	return out
}
