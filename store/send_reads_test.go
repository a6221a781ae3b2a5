package store_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tabiji/tabiji/locale"
	"github.com/tabiji/tabiji/store"
)

// TestReadForSendReadsWhatTheSingleReadsRead: the batch returns what
// GlobalControl, AdvertisingPolicy, FrequencyCaps, GetProfile and
// ConsentFor return one by one, for a workspace and customer that have
// none of them and for one that has all.
func TestReadForSendReadsWhatTheSingleReadsRead(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	single := func(ws, customer, channel, topic string) store.SendReads {
		t.Helper()
		var r store.SendReads
		var err error
		r.GlobalControl, err = b.store.GlobalControl(ctx, ws)
		mustNot(t, err)
		r.Policy, err = b.store.AdvertisingPolicy(ctx, ws)
		mustNot(t, err)
		if caps, err := b.store.FrequencyCaps(ctx, ws); err == nil {
			r.Caps = caps
		}
		if p, err := b.store.GetProfile(ctx, ws, customer); err == nil {
			r.Profile = &p
		}
		r.Consent, _, err = b.store.ConsentFor(ctx, ws, customer, channel, topic)
		mustNot(t, err)
		return r
	}
	check := func(what, ws, customer, channel, topic string) store.SendReads {
		t.Helper()
		got, err := b.store.ReadForSend(ctx, ws, customer, channel, topic)
		mustNot(t, err)
		if want := single(ws, customer, channel, topic); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: ReadForSend = %+v, the single reads %+v", what, got, want)
		}
		return got
	}
	none := check("nothing stored", wsB, "nobody", "email", "")
	if none.Profile != nil || none.Caps != nil || none.Consent != "" || none.GlobalControl != 0 {
		t.Errorf("nothing stored: %+v", none)
	}
	t0 := time.Now().Add(-time.Hour)
	_, err := b.store.ChangeProfile(ctx, wsA, "u_1", store.ProfileChange{Set: map[string]any{"email": "u1@example.com"}}, t0)
	mustNot(t, err)
	mustNot(t, b.store.PutGlobalControl(ctx, wsA, 12.5))
	mustNot(t, b.store.PutFrequencyCaps(ctx, wsA, json.RawMessage(`{"email":[{"limit":2,"window":"1d"}]}`)))
	_, err = b.store.SetConsent(ctx, store.Consent{WorkspaceID: wsA, CustomerID: "u_1", Channel: "email", Topic: "news",
		Status: store.OptedOut, Source: "test"})
	mustNot(t, err)
	all := check("all stored", wsA, "u_1", "email", "news")
	if all.Profile == nil || all.Caps == nil || all.Consent != store.OptedOut || all.GlobalControl != 12.5 {
		t.Errorf("all stored: %+v", all)
	}
}

// TestReadForSendKnowingReadsTheSettingsAgainOnlyAfterAChange: settings
// kept from an earlier read come back as they are (the same value: not
// read again) until a change to the global control group, the
// advertising policy, the frequency caps or the workspace's language
// commits; the next read then holds the change.
func TestReadForSendKnowingReadsTheSettingsAgainOnlyAfterAChange(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	read := func(known *store.SendSettings) (store.SendReads, *store.SendSettings) {
		t.Helper()
		r, s, err := b.store.ReadForSendKnowing(ctx, known, wsA, "u_1", "email", "")
		mustNot(t, err)
		if r.GlobalControl != s.GlobalControl || !reflect.DeepEqual(r.Policy, s.Policy) || string(r.Caps) != string(s.Caps) {
			t.Fatalf("the reads %+v do not hold the settings %+v", r, s)
		}
		return r, s
	}
	_, kept := read(nil)
	if _, again := read(kept); again != kept {
		t.Fatalf("nothing changed, yet the settings were read again: %+v, kept %+v", again, kept)
	}
	yes := true
	for _, c := range []struct {
		what   string
		change func() error
		check  func(store.SendReads) bool
	}{
		{"the global control group", func() error { return b.store.PutGlobalControl(ctx, wsA, 25) },
			func(r store.SendReads) bool { return r.GlobalControl == 25 }},
		{"the frequency caps", func() error {
			return b.store.PutFrequencyCaps(ctx, wsA, json.RawMessage(`{"email":[{"limit":1,"window":"1d"}]}`))
		}, func(r store.SendReads) bool { return r.Caps != nil }},
		{"the advertising policy", func() error {
			_, err := b.store.PutAdvertisingPolicy(ctx, store.AdvertisingPolicy{WorkspaceID: wsA, OptInRequired: &yes, SenderName: "Shop"})
			return err
		}, func(r store.SendReads) bool { return r.Policy.SenderName == "Shop" }},
		{"the workspace's language", func() error {
			_, err := b.store.UpdateWorkspaceSettings(ctx, wsA, locale.Settings{Locale: "ja"})
			return err
		}, func(r store.SendReads) bool { return r.Policy.Locale == "ja" }},
	} {
		mustNot(t, c.change())
		r, s := read(kept)
		if s == kept || s.Version <= kept.Version || !c.check(r) {
			t.Errorf("after a change to %s: read %+v (version %d, kept %d)", c.what, r, s.Version, kept.Version)
		}
		if _, again := read(s); again != s {
			t.Errorf("after a change to %s, the settings were read twice", c.what)
		}
		kept = s
	}
}
