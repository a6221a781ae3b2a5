package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

func TestConsentRecords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("KeepTheEvidenceOfEveryChange", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		s := b.store
		at := time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC)
		_, err := s.SetConsent(ctx, store.Consent{WorkspaceID: wsA, CustomerID: "u1", Channel: "email", Status: store.OptedIn,
			Source: "signup_form", UpdatedAt: at, Evidence: json.RawMessage(`{"form":"footer","ip":"203.0.113.7"}`)})
		mustNot(t, err)
		_, err = s.SetConsent(ctx, store.Consent{WorkspaceID: wsA, CustomerID: "u1", Channel: "email", Status: store.OptedOut, Source: "one_click"})
		mustNot(t, err)
		mustNot(t, s.SetConsents(ctx, []store.Consent{{WorkspaceID: wsB, CustomerID: "u1", Channel: "sms", Status: store.OptedIn, Source: "import"}}))
		current, history, err := s.ConsentWithRecords(ctx, wsA, "u1")
		mustNot(t, err)
		if len(current) != 1 || current[0].Status != store.OptedOut {
			t.Errorf("current = %+v", current)
		}
		if len(history) != 2 || !history[0].UpdatedAt.Equal(at) || !strings.Contains(string(history[0].Evidence), `"203.0.113.7"`) ||
			string(history[1].Evidence) != "{}" || history[0].RecordedAt.IsZero() {
			t.Errorf("history = %+v", history)
		}
		var exported []string
		mustNot(t, s.ExportConsentRecords(ctx, wsA, "", func(c store.Consent) error {
			exported = append(exported, c.WorkspaceID+"/"+c.CustomerID+"/"+c.Status)
			return nil
		}))
		if strings.Join(exported, " ") != "ws_a/u1/opted_in ws_a/u1/opted_out" {
			t.Errorf("export = %v", exported)
		}
	})

	t.Run("TheHistoryIsAppendOnly", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.SetConsent(ctx, store.Consent{WorkspaceID: wsA, CustomerID: "u1", Channel: "email", Status: store.OptedIn, Source: "form"})
		mustNot(t, err)
		_, err = b.db.Exec(ctx, `UPDATE consent_history SET status = 'opted_out'`)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("update = %v, want refused", err)
		}
	})

	t.Run("OptInsAreReadByChannelAndTopic", func(t *testing.T) {
		t.Parallel()
		s := setup(t).store
		for _, c := range []store.Consent{
			{WorkspaceID: wsA, CustomerID: "whole", Channel: "email", Status: store.OptedIn, Source: "f"},
			{WorkspaceID: wsA, CustomerID: "topic", Channel: "email", Topic: "sale", Status: store.OptedIn, Source: "f"},
			{WorkspaceID: wsA, CustomerID: "other", Channel: "sms", Status: store.OptedIn, Source: "f"},
			{WorkspaceID: wsA, CustomerID: "out", Channel: "email", Status: store.OptedOut, Source: "f"},
		} {
			_, err := s.SetConsent(ctx, c)
			mustNot(t, err)
		}
		in, err := s.OptedIn(ctx, wsA, "email", "sale", []string{"whole", "topic", "other", "out", "none"})
		mustNot(t, err)
		if len(in) != 2 || !in["whole"] || !in["topic"] {
			t.Errorf("opted in to email/sale = %v", in)
		}
		if ok, _ := s.HasOptIn(ctx, wsA, "topic", "email", "news"); ok {
			t.Error("an opt-in to one topic counts for another")
		}
	})
}
