package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
)

// erasedTable finds the tables an erasure step deletes from or rewrites.
var erasedTable = regexp.MustCompile(`(?i)\b(?:DELETE\s+FROM|UPDATE)\s+([a-z_][a-z0-9_]*)`)

// TestDisclosureCoversErasure: every table an erasure step deletes from or
// rewrites (read from the steps' SQL, so a table added to erasure later is
// seen here) is read by a section of the disclosure: what erasure takes
// away, a customer can see first.
func TestDisclosureCoversErasure(t *testing.T) {
	t.Parallel()
	disclosed := map[string]bool{}
	for _, sec := range store.DisclosureSections() {
		for _, tb := range sec.Tables {
			disclosed[tb] = true
		}
	}
	steps := store.ErasureStepsForTest()
	var erased []string
	for step, sql := range steps {
		found := erasedTable.FindAllStringSubmatch(sql, -1)
		if len(found) == 0 {
			t.Errorf("erasure step %s deletes from no table this test can read", step)
		}
		for _, m := range found {
			erased = append(erased, m[1])
		}
	}
	if len(erased) < len(steps) {
		t.Fatalf("found %d tables in %d erasure steps", len(erased), len(steps))
	}
	for _, tb := range erased {
		if !disclosed[tb] {
			t.Errorf("erasure deletes from %s, which no disclosure section reads: add it to disclosureSections (store/disclosure.go)", tb)
		}
	}
}

// TestDisclosureHoldsWhatErasureRemoves: for a customer with a row in every
// table erasure covers (an alias, an anonymous event, a quarantined
// event, a message with its events, consent, a suppressed address, runs,
// …), the disclosure holds exactly as many rows of each table as the
// erasure that follows removes, and none of another customer's.
func TestDisclosureHoldsWhatErasureRemoves(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	disclosureFixture(t, b)
	sections, head := disclose(t, b.store, "anon1") // a merged id finds the customer
	if head.CustomerID != "c1" || !slices.Equal(head.IDs, []string{"c1", "anon1"}) {
		t.Fatalf("head = %+v, want c1 with its alias anon1", head)
	}
	for name, rows := range sections {
		if int64(len(rows)) != head.Counts[name] {
			t.Errorf("section %s: %d rows, head counted %d", name, len(rows), head.Counts[name])
		}
		for _, r := range rows {
			if strings.Contains(string(r), "c2") {
				t.Errorf("section %s holds another customer's row: %s", name, r)
			}
		}
	}
	e, err := b.store.EraseCustomer(ctx, wsA, "c1", head.IDs, "k", 0)
	mustNot(t, err)
	for _, sec := range store.DisclosureSections() {
		erased, ok := e.Counts[sec.Tables[0]]
		if !ok {
			continue
		}
		if erased == 0 {
			t.Errorf("the fixture holds no %s row of c1: add one, so that its disclosure is checked", sec.Tables[0])
		}
		if got := int64(len(sections[sec.Name])); got != erased {
			t.Errorf("section %s disclosed %d rows; erasure removed %d from %s", sec.Name, got, erased, sec.Tables[0])
		}
	}
	if len(sections["events"]) != 2 || !strings.Contains(string(sections["events"][1]), `"routed_at"`) {
		t.Errorf("events = %s, want both events (the anonymous one too) with their routing", sections["events"])
	}
	if err := b.store.Disclose(ctx, wsA, "nobody", 100, func(store.DisclosureHead) error { return nil },
		func(string, json.RawMessage) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("disclosing an unknown customer = %v, want ErrNotFound", err)
	}
}

// TestDisclosureLimit: a disclosure of more rows than its limit writes
// nothing and says how many rows there are.
func TestDisclosureLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	disclosureFixture(t, b)
	called := false
	err := b.store.Disclose(context.Background(), wsA, "c1", 3, func(store.DisclosureHead) error { called = true; return nil },
		func(string, json.RawMessage) error { called = true; return nil })
	var tooLarge *store.DisclosureTooLarge
	if !errors.As(err, &tooLarge) || tooLarge.Limit != 3 || tooLarge.Rows <= 3 || called {
		t.Fatalf("disclose with limit 3 = %v (called %v), want a DisclosureTooLarge before anything is written", err, called)
	}
}

func disclose(t *testing.T, s *store.Store, id string) (map[string][]json.RawMessage, store.DisclosureHead) {
	t.Helper()
	var head store.DisclosureHead
	sections := map[string][]json.RawMessage{}
	err := s.Disclose(context.Background(), wsA, id, 10000, func(h store.DisclosureHead) error { head = h; return nil },
		func(section string, raw json.RawMessage) error {
			sections[section] = append(sections[section], append(json.RawMessage(nil), raw...))
			return nil
		})
	mustNot(t, err)
	return sections, head
}

// disclosureFixture gives customer c1 (alias anon1) a row in every table
// erasure covers, and c2 a row beside most of them.
func disclosureFixture(t *testing.T, b *testBundle) {
	t.Helper()
	ctx := context.Background()
	promoFixture(t, b) // runs, steps, conversions, messages with events and flags, for c1, c2, c3
	for _, sql := range []string{
		`INSERT INTO profiles (workspace_id, id, email, line_user_id, push_tokens) VALUES
			('ws_a', 'c1', 'C1@example.com', 'U1', '{tok1}'), ('ws_a', 'c2', 'c2@example.com', 'U2', '{tok2}')`,
		`INSERT INTO profile_identities (workspace_id, alias_id, profile_id) VALUES ('ws_a', 'anon1', 'c1')`,
		`INSERT INTO events (workspace_id, message_id, user_id, anonymous_id, event, timestamp, received_at) VALUES
			('ws_a', 'ev1', 'c1', '', 'Purchase', now(), now() - interval '1 minute'),
			('ws_a', 'ev2', '', 'anon1', 'Viewed', now(), now()), ('ws_a', 'ev3', 'c2', '', 'Purchase', now(), now())`,
		`INSERT INTO event_ids (workspace_id, message_id, received_at, routed_at) VALUES
			('ws_a', 'ev1', now(), now()), ('ws_a', 'ev2', now(), NULL), ('ws_a', 'ev3', now(), now())`,
		`INSERT INTO event_rollups (workspace_id, user_id, event, count, first_at, last_at) VALUES
			('ws_a', 'c1', 'Purchase', 1, now(), now()), ('ws_a', 'c2', 'Purchase', 1, now(), now())`,
		`INSERT INTO quarantined_events (workspace_id, message_id, event_name, event, violations) VALUES
			('ws_a', 'q1', 'Bad', '{"userId": "c1", "messageId": "q1"}', '[]'),
			('ws_a', 'q2', 'Bad', '{"userId": "c2", "messageId": "q2"}', '[]')`,
		`INSERT INTO recent_calls (workspace_id, verdict, user_id, message_id, payload) VALUES
			('ws_a', 'stored', 'c1', 'ev1', NULL), ('ws_a', 'rejected', '', '', '"{\"anonymousId\":\"anon1\","'),
			('ws_a', 'stored', 'c2', 'ev3', NULL)`,
		`INSERT INTO suppressions (workspace_id, channel, address, reason) VALUES
			('ws_a', 'email', 'c1@example.com', 'hard_bounce'), ('ws_a', 'line', 'U2', 'line_unfollow')`,
		`INSERT INTO broadcast_deferrals (workspace_id, broadcast_id, customer_id, until) VALUES
			('ws_a', 'b1', 'c1', now()), ('ws_a', 'b1', 'c2', now())`,
		`INSERT INTO tracked_segment_members (workspace_id, segment_id, customer_id, entered_at) VALUES
			('ws_a', 's1', 'c1', now()), ('ws_a', 's1', 'c2', now())`,
		`INSERT INTO lead_score_history (workspace_id, source, rule_id, profile_id, points, score_before, score_after, at) VALUES
			('ws_a', 'ev1', 'r', 'c1', 5, 0, 5, now()), ('ws_a', 'ev3', 'r', 'c2', 5, 0, 5, now())`,
		`INSERT INTO provision_records (workspace_id, step_key, customer_id, journey_id, recipient, host, items) VALUES
			('ws_a', 'k1', 'c1', 'promo', 'Acme', 'acme.example', '{email}'),
			('ws_a', 'k2', 'c2', 'promo', 'Acme', 'acme.example', '{email}')`,
		`INSERT INTO line_account_links (workspace_id, link_token, line_user_id, expires_at, nonce, customer_id) VALUES
			('ws_a', 't1', 'U1', now(), 'n1', 'c1'), ('ws_a', 't2', 'U2', now(), 'n2', 'c2')`,
		`INSERT INTO line_rich_menu_members (workspace_id, segment_id, line_user_id, customer_id, rich_menu_id) VALUES
			('ws_a', 's1', 'U1', 'c1', 'richmenu-1'), ('ws_a', 's1', 'U2', 'c2', 'richmenu-1')`,
	} {
		_, err := b.db.Exec(ctx, sql)
		mustNot(t, err)
	}
	for _, c := range []string{"c1", "c2"} {
		_, err := b.store.SetConsent(ctx, store.Consent{WorkspaceID: wsA, CustomerID: c, Channel: "email", Status: store.OptedIn, Source: "form"})
		mustNot(t, err)
	}
}
