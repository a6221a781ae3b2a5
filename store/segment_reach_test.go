package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// reachPerson is one profile of the reach dataset, with what the Go
// reference needs to know of it.
type reachPerson struct {
	id, plan                 string
	email, line, phone, push string
	pushTokens               []string
	optedOut, optedIn        map[string]bool // by channel, topic ''
}

// address is the person's address on a channel, as sending reads it.
func (p reachPerson) address(channel string) string {
	return map[string]string{"email": p.email, "line": p.line, "push": p.push, "sms": p.phone}[channel]
}

// seedReach writes n varied profiles to ws: some with each address, some
// opted out or in per channel (and some only of a topic, which the
// channel's reach ignores), some whose address is suppressed, in any case
// of letters for email.
func seedReach(t *testing.T, b *testBundle, ws string, n int, r *rand.Rand) ([]reachPerson, map[string]bool) {
	ctx := context.Background()
	suppressed := map[string]bool{} // channel + " " + key
	var people []reachPerson
	for i := range n {
		p := reachPerson{id: fmt.Sprintf("p%03d", i), plan: []string{"gold", "silver", ""}[r.IntN(3)], optedOut: map[string]bool{}, optedIn: map[string]bool{}}
		if r.IntN(4) > 0 {
			p.email = fmt.Sprintf("User%d@Example.com", i%(n-5)) // a few share an address
		}
		if r.IntN(3) > 0 {
			p.line = fmt.Sprintf("U%032d", i)
		}
		if r.IntN(3) > 0 {
			p.phone = fmt.Sprintf("+8190%08d", i)
		}
		for range r.IntN(3) {
			p.pushTokens = append(p.pushTokens, fmt.Sprintf("tok-%d-%d", i, len(p.pushTokens)))
		}
		if len(p.pushTokens) > 0 {
			p.push = p.pushTokens[len(p.pushTokens)-1]
		}
		_, err := b.db.Exec(ctx, `INSERT INTO profiles (workspace_id, id, traits, email, phone, line_user_id, push_tokens)
			VALUES ($1, $2, jsonb_build_object('plan', $3::text), $4, $5, $6, $7)`, ws, p.id, p.plan, p.email, p.phone, p.line, append([]string{}, p.pushTokens...))
		mustNot(t, err)
		for _, ch := range []string{"email", "line", "push", "sms"} {
			switch r.IntN(6) {
			case 0:
				p.optedOut[ch] = true
				mustNot(t, setConsent(ctx, b.store, ws, p.id, ch, "", store.OptedOut))
			case 1, 2:
				p.optedIn[ch] = true
				mustNot(t, setConsent(ctx, b.store, ws, p.id, ch, "", store.OptedIn))
			case 3:
				mustNot(t, setConsent(ctx, b.store, ws, p.id, ch, "news", store.OptedOut))
			}
			if a := p.address(ch); a != "" && r.IntN(5) == 0 {
				// In another case: the same address for email, another
				// one for the case-sensitive push tokens.
				a = strings.ToUpper(a[:1]) + a[1:]
				suppressed[ch+" "+store.SuppressionAddress(ch, a)] = true
				mustNot(t, b.store.Suppress(ctx, store.Suppression{WorkspaceID: ws, Channel: ch, Address: a, Reason: store.SuppressInvalid}))
			}
		}
		people = append(people, p)
	}
	return people, suppressed
}

func setConsent(ctx context.Context, s *store.Store, ws, customer, channel, topic, status string) error {
	_, err := s.SetConsent(ctx, store.Consent{WorkspaceID: ws, CustomerID: customer, Channel: channel, Topic: topic, Status: status, Source: "test"})
	return err
}

// referenceReach is Reach computed in Go from what seedReach wrote.
func referenceReach(people []reachPerson, suppressed map[string]bool, plan string, needOptIn map[string]bool) store.Reach {
	var r store.Reach
	counts := map[string]*int64{"email": &r.Email, "line": &r.LINE, "push": &r.Push, "sms": &r.SMS}
	for _, p := range people {
		if plan != "" && p.plan != plan {
			continue
		}
		r.Members++
		for ch, n := range counts {
			a := p.address(ch)
			if a == "" || p.optedOut[ch] || suppressed[ch+" "+store.SuppressionAddress(ch, a)] || (needOptIn[ch] && !p.optedIn[ch]) {
				continue
			}
			*n++
		}
	}
	return r
}

// TestSegmentReachMatchesAReferenceInGo checks the one statement that
// counts a segment's reach per channel against the same rules applied in
// Go to a varied dataset: addresses or none, opt-outs of the channel (and
// of a topic only, which do not count), suppressed addresses (in another
// case, and one left by an erased customer), the opt-in the advertising
// policy asks for, and another workspace's rows, which must not count.
func TestSegmentReachMatchesAReferenceInGo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	s := b.store
	r := rand.New(rand.NewPCG(7, 18))
	people, suppressed := seedReach(t, b, wsA, 120, r)
	seedReach(t, b, wsB, 40, r)

	// The erased customer's suppressed address lives on in another profile.
	_, err := b.db.Exec(ctx, `INSERT INTO profiles (workspace_id, id, traits, email) VALUES ($1, 'gone', '{"plan":"gold"}', 'kept@example.com'),
		($1, 'heir', '{"plan":"gold"}', 'Kept@Example.com')`, wsA)
	mustNot(t, err)
	mustNot(t, s.Suppress(ctx, store.Suppression{WorkspaceID: wsA, Channel: "email", Address: "kept@example.com", Reason: store.SuppressHardBounce}))
	_, err = s.EraseCustomer(ctx, wsA, "gone", []string{"gone"}, "", 0)
	mustNot(t, err)
	var left int
	mustNot(t, b.db.QueryRow(ctx, `SELECT count(*) FROM suppressions WHERE workspace_id = $1 AND address = 'kept@example.com'`, wsA).Scan(&left))
	if left != 0 {
		t.Fatal("the erasure kept the suppression in the clear: the dataset does not test erased suppressions")
	}
	people = append(people, reachPerson{id: "heir", plan: "gold", email: "Kept@Example.com", optedOut: map[string]bool{}, optedIn: map[string]bool{}})
	suppressed["email kept@example.com"] = true

	for _, g := range []struct{ id, plan, definition string }{
		{"gold", "gold", `{"condition":{"trait":{"name":"plan","op":"eq","value":"gold"}}}`},
		{"everyone", "", `{"condition":{"not":{"trait":{"name":"plan","op":"eq","value":"nobody"}}}}`},
	} {
		_, err := s.CreateCheckedSegment(ctx, wsA, store.Segment{ID: g.id, Name: g.id}, json.RawMessage(g.definition))
		mustNot(t, err)
		for _, enforced := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/optInRequired=%v", g.id, enforced), func(t *testing.T) {
				_, err := s.PutAdvertisingPolicy(ctx, store.AdvertisingPolicy{WorkspaceID: wsA, OptInRequired: &enforced})
				mustNot(t, err)
				want := referenceReach(people, suppressed, g.plan, map[string]bool{"email": enforced, "sms": enforced})
				if want.Email == 0 || want.LINE == 0 || want.Push == 0 || want.SMS == 0 || want.Email == want.Members {
					t.Fatalf("the dataset is too plain to test anything: %+v", want)
				}
				got, err := s.SegmentReach(ctx, wsA, g.id)
				mustNot(t, err)
				if got != want {
					t.Errorf("SegmentReach = %+v, the reference in Go = %+v", got, want)
				}
				preview, err := s.PreviewSegment(ctx, wsA, "", json.RawMessage(g.definition), 5)
				mustNot(t, err)
				if preview.Reach != want || len(preview.Sample) != 5 || preview.Sample[0] > preview.Sample[1] {
					t.Errorf("PreviewSegment = %+v, want the reach %+v and the first 5 members in id order", preview, want)
				}
			})
		}
	}
}

// TestPreviewSegmentValidatesAsASaveDoes: an unsaved definition with
// mistakes gets the field errors a save would, at the same paths.
func TestPreviewSegmentValidatesAsASaveDoes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := setup(t).store
	bad := json.RawMessage(`{"condition":{"and":[{"trait":{"name":"plan","op":"nope","value":"gold"}},{"event":{"name":"buy","count":{"op":"gte"}}}]}}`)
	_, saveErr := s.CreateCheckedSegment(ctx, wsA, store.Segment{ID: "x", Name: "x"}, bad)
	_, previewErr := s.PreviewSegment(ctx, wsA, "", bad, 10)
	if saveErr == nil || previewErr == nil || saveErr.Error() != previewErr.Error() {
		t.Errorf("preview = %v, save = %v: want the same field errors", previewErr, saveErr)
	}
	if !strings.Contains(fmt.Sprint(previewErr), "definition.condition.and[0].trait.op") {
		t.Errorf("preview = %v, want the path of the bad op", previewErr)
	}
	_, err := s.PreviewSegment(ctx, wsA, "", nil, 10)
	if err == nil {
		t.Error("a missing definition previews")
	}
	start := time.Now()
	_, err = s.PreviewSegment(ctx, wsA, "", json.RawMessage(`{"condition":{"tag":"vip"}}`), 1000)
	mustNot(t, err)
	if time.Since(start) > 10*time.Second {
		t.Error("an empty workspace took over 10 s to preview")
	}
}
