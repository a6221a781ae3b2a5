package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/segments"
	"github.com/tabiji/tabiji/store"
)

// topEvent is one customer's event for the top-percent reference: a total
// or none (the property missing).
type topEvent struct {
	at    time.Time
	total *float64
}

// topMeasure is a ranked condition and the same measure computed in Go:
// nil where the customer has no value (an average of nothing), ok false
// where the customer did not perform the event as the condition counts it.
type topMeasure struct {
	name, condition string // condition with %q for the event and %v for the percent
	value           func([]topEvent) (v *float64, ok bool)
}

// topMeasures are count, sum and average over all time (read from the
// rollups or the events) and over a window or a property filter (the
// events alone).
var topMeasures = []topMeasure{
	{"Count", `{"event":{"name":%q,"count":{"top_percent":%v}}}`, func(es []topEvent) (*float64, bool) {
		n := float64(len(es))
		return &n, len(es) > 0
	}},
	{"Sum", `{"event":{"name":%q,"sum":{"property":"total","top_percent":%v}}}`, func(es []topEvent) (*float64, bool) {
		return sumOf(es), len(es) > 0
	}},
	{"Avg", `{"event":{"name":%q,"avg":{"property":"total","top_percent":%v}}}`, func(es []topEvent) (*float64, bool) {
		s, n := 0.0, 0
		for _, e := range es {
			if e.total != nil {
				s, n = s+*e.total, n+1
			}
		}
		if n == 0 {
			return nil, len(es) > 0
		}
		avg := s / float64(n)
		return &avg, true
	}},
	{"SumInLast30Days", `{"event":{"name":%q,"window":{"last_days":30},"sum":{"property":"total","top_percent":%v}}}`, func(es []topEvent) (*float64, bool) {
		recent := slices.DeleteFunc(slices.Clone(es), func(e topEvent) bool { return e.at.Before(segmentNow.Add(-30 * 24 * time.Hour)) })
		return sumOf(recent), len(recent) > 0
	}},
	{"CountOfTotalsFrom300", `{"event":{"name":%q,"where":[{"property":"total","op":"gte","value":300}],"count":{"top_percent":%v}}}`, func(es []topEvent) (*float64, bool) {
		big := slices.DeleteFunc(slices.Clone(es), func(e topEvent) bool { return e.total == nil || *e.total < 300 })
		n := float64(len(big))
		return &n, len(big) > 0
	}},
}

func sumOf(es []topEvent) *float64 {
	s := 0.0
	for _, e := range es {
		if e.total != nil {
			s += *e.total
		}
	}
	return &s
}

// topPercentReference is who cume_dist() over the values, highest first
// and NULLs last, puts at most percent/100: a customer is in when the
// customers ranked at or above them (themselves and their ties included),
// divided by all, are at most that share, compared in float64 as
// Postgres compares float8.
func topPercentReference(values map[string]*float64, percent float64) []string {
	var out []string
	for id, v := range values {
		atOrAbove := 0
		for _, w := range values {
			if v == nil || (w != nil && *w >= *v) {
				atOrAbove++
			}
		}
		if float64(atOrAbove)/float64(len(values)) <= percent/100 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// TestTopPercentMatchesAReference checks top_percent against cume_dist()'s
// rule computed in Go, from the rollups and from the events, for count,
// sum and average (customers with no total: an average of nothing, ranked
// last), over a window and with a filter, on 1 to 300 customers whose
// values tie often or never, at shares where percent/100 × customers
// rounds across an integer in float8 (29% of 100 is 28.999999999999996
// where 29/100 is within 29%; 93.6% of 125 is 117 where 117/125 is not).
func TestTopPercentMatchesAReference(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	r := rand.New(rand.NewPCG(3, 29))
	const customers = 320
	for i := range customers {
		_, err := b.db.Exec(ctx, `INSERT INTO profiles (workspace_id, id) VALUES ($1, $2)`, wsA, fmt.Sprintf("t%03d", i))
		mustNot(t, err)
	}
	// buy_: values that tie often; distinct_: one purchase each, of a
	// total no one else has (every count tied).
	performers := map[string]int{"buy_1": 1, "buy_3": 3, "buy_100": 100, "buy_300": 300, "distinct_100": 100, "distinct_125": 125}
	history := map[string]map[string][]topEvent{} // event name → customer → events
	var stored []store.Event
	for name, n := range performers {
		history[name] = map[string][]topEvent{}
		for rank, i := range r.Perm(customers)[:n] {
			id := fmt.Sprintf("t%03d", i)
			es := topEvents(r)
			if strings.HasPrefix(name, "distinct_") {
				total := float64(10 * (rank + 1))
				es = []topEvent{{total: &total}}
			}
			for j := range es {
				es[j].at = segmentNow.Add(-time.Duration(1+r.IntN(60*24)) * time.Hour)
				props := `{}`
				if es[j].total != nil {
					props = `{"total":` + strconv.FormatFloat(*es[j].total, 'f', -1, 64) + `}`
				}
				stored = append(stored, store.Event{WorkspaceID: wsA, MessageID: fmt.Sprintf("%s-%s-%d", name, id, j), UserID: id,
					Name: name, Properties: json.RawMessage(props), Timestamp: es[j].at})
			}
			history[name][id] = es
		}
	}
	_, err := b.store.InsertEvents(ctx, stored)
	mustNot(t, err)
	tiesLeftOut := 0
	for name := range performers {
		for _, m := range topMeasures {
			values := map[string]*float64{}
			for id, es := range history[name] {
				if v, ok := m.value(es); ok {
					values[id] = v
				}
			}
			for _, percent := range []float64{1, 7, 10, 12.5, 29, 100.0 / 3, 50, 57, 93.6, 99, 100} {
				want := topPercentReference(values, percent)
				if floor := int(math.Floor(float64(len(values)) * percent / 100)); len(want) < floor-1 {
					tiesLeftOut++
				}
				def := `{"condition":` + fmt.Sprintf(m.condition, name, percent) + `}`
				t.Run(fmt.Sprintf("%s/%s/%v%%", name, m.name, percent), func(t *testing.T) {
					if got := topMembers(t, b, def, false); !slices.Equal(got, want) {
						t.Errorf("members (%d) = %v\nreference (%d of %d) = %v", len(got), got, len(want), len(values), want)
					}
					if got := topMembers(t, b, def, true); !slices.Equal(got, want) {
						t.Errorf("from events alone (%d) = %v\nreference (%d of %d) = %v", len(got), got, len(want), len(values), want)
					}
				})
			}
		}
	}
	if tiesLeftOut == 0 {
		t.Error("no case left out customers tied at the boundary: the data tells nothing about ties")
	}
}

// topEvents are 1, 2, 4 or 5 purchases of 100–400 (averages with at most
// two decimals, exact in numeric; rarely none) and up to two events
// without a total.
func topEvents(r *rand.Rand) []topEvent {
	var es []topEvent
	for range []int{1, 2, 4, 5}[r.IntN(4)] {
		total := float64(100 * (1 + r.IntN(4)))
		es = append(es, topEvent{total: &total})
	}
	if r.IntN(8) == 0 {
		es = es[:0]
	}
	for range r.IntN(3) {
		es = append(es, topEvent{})
	}
	if len(es) == 0 {
		es = append(es, topEvent{})
	}
	return es
}

// topMembers is the definition's members, compiled to read the rollups
// where it can, or the events alone.
func topMembers(t *testing.T, b *testBundle, definition string, eventsOnly bool) []string {
	t.Helper()
	ctx := context.Background()
	d, err := segments.Parse([]byte(definition))
	mustNot(t, err)
	q, err := segments.Compile(d, segments.Options{Workspace: wsA, Now: segmentNow, NoRollups: eventsOnly})
	mustNot(t, err)
	rows, err := b.db.Query(ctx, `SELECT p.id FROM profiles p WHERE p.workspace_id = $1 AND (`+q.Where+`) ORDER BY p.id`, q.Args...)
	mustNot(t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	mustNot(t, err)
	return ids
}
