package frequency

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestWindowStart(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	ny, _ := time.LoadLocation("America/New_York")
	now := time.Date(2026, 11, 23, 16, 30, 0, 0, time.UTC) // 01:30 on the 24th in Tokyo, 11:30 on the 23rd in New York
	for _, tc := range []struct {
		name   string
		window time.Duration
		loc    *time.Location
		want   time.Time
	}{
		{"TodayInTokyo", day, tokyo, time.Date(2026, 11, 24, 0, 0, 0, 0, tokyo)},
		{"TodayInNewYork", day, ny, time.Date(2026, 11, 23, 0, 0, 0, 0, ny)},
		{"SevenCalendarDays", 7 * day, tokyo, time.Date(2026, 11, 18, 0, 0, 0, 0, tokyo)},
		{"RollingHours", 12 * time.Hour, tokyo, now.Add(-12 * time.Hour)},
		{"UTC", day, time.UTC, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := WindowStart(now, tc.window, tc.loc); !got.Equal(tc.want) {
				t.Errorf("WindowStart = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestValidateNamesFields(t *testing.T) {
	c := Caps{
		"email":  {{Max: 3, Window: journey.Duration(day)}, {Max: 0, Window: journey.Duration(time.Minute)}},
		"fax":    {{Max: 1, Window: journey.Duration(day)}},
		"outbox": {{Max: 1, Window: journey.Duration(day)}},
	}
	var got []string
	for _, e := range Validate(c) {
		got = append(got, e.Field)
	}
	want := []string{"email[1].max", "email[1].window", "fax", "outbox"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("fields = %v, want %v", got, want)
	}
	if errs := Validate(Caps{"line": {{Max: 5, Window: journey.Duration(7 * day)}}}); len(errs) != 0 {
		t.Errorf("valid caps: %v", errs)
	}
}

// TestCheck: on real Postgres, a customer in Tokyo with 2 emails today
// (their calendar day) and 4 this week: a 3/1d cap passes until a third
// counted email, skipped and failed messages do not count, a message from
// the customer's yesterday does not count for 1d but does for 7d, other
// channels and customers are apart, and no caps pass everything.
func TestCheck(t *testing.T) {
	st := pgtest.Store(t)
	ctx := context.Background()
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, tokyo)
	n := 0
	send := func(customer, channel, status string, at time.Time) {
		n++
		if _, _, err := st.RecordMessage(ctx, store.Message{ID: fmt.Sprintf("m%d", n), WorkspaceID: "ws", CustomerID: customer,
			Channel: channel, Status: status, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	if ok, _, err := Check(ctx, st, "ws", "u1", "email", "Asia/Tokyo", now); !ok || err != nil {
		t.Fatalf("no caps: ok=%v err=%v", ok, err)
	}
	caps, _ := json.Marshal(Caps{"email": {{Max: 3, Window: journey.Duration(day)}, {Max: 5, Window: journey.Duration(7 * day)}}})
	if err := st.PutFrequencyCaps(ctx, "ws", caps); err != nil {
		t.Fatal(err)
	}
	midnight := time.Date(2026, 11, 24, 0, 0, 0, 0, tokyo)
	send("u1", "email", "sent", midnight.Add(time.Minute))
	send("u1", "email", "delivered", midnight.Add(2*time.Hour))
	send("u1", "email", "skipped", midnight.Add(3*time.Hour))
	send("u1", "email", "failed", midnight.Add(4*time.Hour))
	send("u1", "email", "opened", midnight.Add(-time.Minute)) // yesterday in Tokyo, today in UTC
	send("u1", "line", "sent", midnight.Add(time.Hour))
	send("u2", "email", "sent", midnight.Add(time.Hour))
	check := func(tz string, wantOK bool) {
		t.Helper()
		ok, reason, err := Check(ctx, st, "ws", "u1", "email", tz, now)
		if err != nil || ok != wantOK || (!ok && reason == "") {
			t.Fatalf("%s: ok=%v reason=%q err=%v, want ok=%v", tz, ok, reason, err, wantOK)
		}
	}
	check("Asia/Tokyo", true) // 2 today, 3 this week
	send("u1", "email", "sent", midnight.Add(5*time.Hour))
	check("Asia/Tokyo", false) // 3 today
	check("UTC", true)         // the UTC day began at 09:00 in Tokyo: 1 today
	for d := 1; d <= 5; d++ {  // one a day on the five days before today
		send("u3", "email", "sent", midnight.AddDate(0, 0, -d).Add(time.Hour))
	}
	if ok, reason, err := Check(ctx, st, "ws", "u3", "email", "Asia/Tokyo", now); ok || err != nil || reason != "frequency cap: 5 email per 7d reached" {
		t.Errorf("u3: ok=%v reason=%q err=%v", ok, reason, err)
	}
	if ok, _, _ := Check(ctx, st, "ws", "u1", "line", "Asia/Tokyo", now); !ok {
		t.Error("line has no cap")
	}
}
