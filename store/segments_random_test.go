package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// refCustomer is a generated customer as the reference evaluator sees it.
type refCustomer struct {
	id        string
	zone      *time.Location // the zone segments use: the profile's, else the definition's
	purchases []refPurchase
}

type refPurchase struct {
	at    time.Time
	total float64
}

// monthIndex numbers calendar months: consecutive months differ by one.
func monthIndex(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }

// TestSegmentsMatchAReference generates customers in zones either side of
// UTC (Kolkata's half hour, Adelaide's, an unknown zone, none) with
// purchases crowded around month boundaries, and checks each condition
// kind against the same rule computed in Go, from the rollups and from
// the events alike.
func TestSegmentsMatchAReference(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	r := rand.New(rand.NewPCG(7, 11))
	fallback, _ := time.LoadLocation("Pacific/Auckland")
	zones := []string{"Asia/Tokyo", "America/Los_Angeles", "Asia/Kolkata", "Australia/Adelaide", "", "Bad/Zone", "UTC"}
	now := segmentNow
	var customers []refCustomer
	var events []store.Event
	for i := range 300 {
		c := refCustomer{id: fmt.Sprintf("r%03d", i), zone: fallback}
		tz := zones[r.IntN(len(zones))]
		if loc, err := time.LoadLocation(tz); err == nil && tz != "" {
			c.zone = loc
		}
		_, err := b.db.Exec(ctx, `INSERT INTO profiles (workspace_id, id, timezone) VALUES ($1, $2, $3)`, wsA, c.id, tz)
		mustNot(t, err)
		for j := range r.IntN(14) {
			// A month boundary in the last 14 months, give or take 16 hours, or any time.
			boundary := time.Date(now.Year(), now.Month()-time.Month(r.IntN(14)), 1, 0, 0, 0, 0, time.UTC)
			at := boundary.Add(time.Duration(r.IntN(32*60)-16*60) * time.Minute)
			if r.IntN(3) == 0 {
				at = now.Add(-time.Duration(r.IntN(420*24)) * time.Hour)
			}
			if at.After(now) {
				at = now.Add(-time.Minute)
			}
			p := refPurchase{at: at, total: float64(100 * (1 + r.IntN(50)))}
			c.purchases = append(c.purchases, p)
			events = append(events, store.Event{WorkspaceID: wsA, MessageID: fmt.Sprintf("%s-%d", c.id, j), UserID: c.id, Name: "purchase",
				Properties: json.RawMessage(fmt.Sprintf(`{"total":%v}`, p.total)), Timestamp: at})
		}
		customers = append(customers, c)
	}
	for len(events) > 0 {
		n := min(len(events), 500)
		_, err := b.store.InsertEvents(ctx, events[:n])
		mustNot(t, err)
		events = events[n:]
	}
	day := 24 * time.Hour
	localMonths := func(c refCustomer) map[int]bool {
		out := map[int]bool{}
		for _, p := range c.purchases {
			out[monthIndex(p.at.In(c.zone))] = true
		}
		return out
	}
	current := func(c refCustomer) int { return monthIndex(now.In(c.zone)) }
	cases := []struct {
		name, condition string
		holds           func(refCustomer) bool
	}{
		{"CountEq2", `{"event":{"name":"purchase","count":{"op":"eq","value":2}}}`,
			func(c refCustomer) bool { return len(c.purchases) == 2 }},
		{"CountLte1", `{"event":{"name":"purchase","count":{"op":"lte","value":1}}}`,
			func(c refCustomer) bool { return len(c.purchases) <= 1 }},
		{"SumGte2000", `{"event":{"name":"purchase","sum":{"property":"total","op":"gte","value":2000}}}`, func(c refCustomer) bool {
			s := 0.0
			for _, p := range c.purchases {
				s += p.total
			}
			return s >= 2000
		}},
		{"NoneInLast60Days", `{"event":{"name":"purchase","performed":false,"window":{"last_days":60}}}`, func(c refCustomer) bool {
			return !slices.ContainsFunc(c.purchases, func(p refPurchase) bool { return !p.at.Before(now.Add(-60 * day)) })
		}},
		{"LastOver100DaysAgo", `{"event":{"name":"purchase","last":{"older_than_days":100}}}`, func(c refCustomer) bool {
			return len(c.purchases) > 0 && !slices.ContainsFunc(c.purchases, func(p refPurchase) bool { return !p.at.Before(now.Add(-100 * day)) })
		}},
		{"FirstThisMonth", `{"event":{"name":"purchase","first":{"calendar_months":1}}}`, func(c refCustomer) bool {
			if len(c.purchases) == 0 {
				return false
			}
			first := slices.MinFunc(c.purchases, func(a, b refPurchase) int { return a.at.Compare(b.at) })
			return monthIndex(first.at.In(c.zone)) >= current(c)
		}},
		{"InTheLastThreeMonths", `{"event":{"name":"purchase","window":{"calendar_months":3}}}`, func(c refCustomer) bool {
			return slices.ContainsFunc(c.purchases, func(p refPurchase) bool { return monthIndex(p.at.In(c.zone)) >= current(c)-2 })
		}},
		{"CountInLast90Days", `{"event":{"name":"purchase","count":{"op":"gte","value":2},"window":{"last_days":90}}}`, func(c refCustomer) bool {
			n := 0
			for _, p := range c.purchases {
				if !p.at.Before(now.Add(-90 * day)) {
					n++
				}
			}
			return n >= 2
		}},
		{"EachOfFourMonths", `{"event":{"name":"purchase","each_month":{"months":4}}}`, func(c refCustomer) bool {
			m := localMonths(c)
			for k := 1; k <= 4; k++ {
				if !m[current(c)-k] {
					return false
				}
			}
			return true
		}},
		{"EachOfThreeMonthsWithThisOne", `{"event":{"name":"purchase","each_month":{"months":3,"include_current":true}}}`, func(c refCustomer) bool {
			m := localMonths(c)
			return m[current(c)] && m[current(c)-1] && m[current(c)-2]
		}},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			var want []string
			for _, c := range customers {
				if k.holds(c) {
					want = append(want, c.id)
				}
			}
			def := `{"timezone":"Pacific/Auckland","condition":` + k.condition + `}`
			_, err := b.store.CreateSegment(ctx, wsA, store.Segment{ID: "ref_" + k.name, Name: k.name, Definition: json.RawMessage(def)})
			mustNot(t, err)
			got, err := b.store.SegmentMembersAt(ctx, wsA, "ref_"+k.name, "", 500, now)
			mustNot(t, err)
			if !slices.Equal(got, want) {
				t.Errorf("members (%d) = %v\nreference (%d) = %v", len(got), got, len(want), want)
			}
			if raw := membersFromEvents(t, b, wsA, def); !slices.Equal(raw, want) {
				t.Errorf("from events alone (%d) = %v\nreference (%d) = %v", len(raw), raw, len(want), want)
			}
			if len(want) == 0 || len(want) == len(customers) {
				t.Errorf("%d of %d customers: the case tells nothing", len(want), len(customers))
			}
		})
	}
}
