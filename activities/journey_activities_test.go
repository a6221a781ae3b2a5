package activities

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/outbound"
)

func TestWebhook(t *testing.T) {
	var got struct {
		body   map[string]any
		header http.Header
	}
	status := http.StatusAccepted
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(raw, &got.body)
		got.header = r.Header
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	in := WebhookInput{
		URL: srv.URL, Headers: map[string]string{"X-Team": "sales"}, IdempotencyKey: "run/alert/1",
		Body:     map[string]any{"who": "{{ customer.id }}", "score": 7.0, "tags": []any{"{{ journey.id }}"}},
		Bindings: msgtemplates.Bindings("u_1", &journey.Profile{ID: "u_1"}, journey.Event{Name: "lead"}, "leads", 1, nil),
	}
	b := setup(t)
	// The receiver is on loopback: the operator's allowlist opens it.
	b.env.RegisterActivity(New(b.store, Options{Outbound: outbound.New(outbound.Options{Allow: outbound.MustParseAllowlist("127.0.0.1")})}))
	var a *Activities
	post := func() error {
		_, err := b.env.ExecuteActivity(a.Webhook, in)
		return err
	}
	t.Run("PostsTheRenderedJSONWithTheIdempotencyKey", func(t *testing.T) {
		if err := post(); err != nil {
			t.Fatal(err)
		}
		if got.body["who"] != "u_1" || got.body["score"] != 7.0 || got.body["tags"].([]any)[0] != "leads" {
			t.Errorf("body = %v", got.body)
		}
		if got.header.Get("Idempotency-Key") != "run/alert/1" || got.header.Get("X-Team") != "sales" || got.header.Get("Content-Type") != "application/json" {
			t.Errorf("headers = %v", got.header)
		}
	})
	for code, retryable := range map[int]bool{400: false, 404: false, 408: true, 429: true, 500: true, 503: true} {
		status = code
		err := post()
		var appErr *temporal.ApplicationError
		if err == nil || !errors.As(err, &appErr) || appErr.NonRetryable() == retryable {
			t.Errorf("answer %d: err %v, want retryable=%v", code, err, retryable)
		}
	}
}

func TestWebhookRefusesPrivateTargets(t *testing.T) {
	var hits atomic.Int32
	open := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(open.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	b := setup(t) // no allowlist
	var a *Activities
	post := func(url string) error {
		_, err := b.env.ExecuteActivity(a.Webhook, WebhookInput{URL: url, Body: map[string]any{"a": "b"}, IdempotencyKey: "k"})
		return err
	}
	errOpen, errClosed := post(open.URL+"/terminate"), post(closed.URL+"/terminate")
	var appErr *temporal.ApplicationError
	if !errors.As(errOpen, &appErr) || !appErr.NonRetryable() || !strings.Contains(errOpen.Error(), "127.0.0.1 is not a public address") {
		t.Errorf("webhook to loopback: %v, want a non-retryable refusal", errOpen)
	}
	if errClosed == nil || errOpen.Error() != errClosed.Error() {
		t.Errorf("a listening port and a closed one answer differently:\n%v\n%v", errOpen, errClosed)
	}
	if hits.Load() != 0 {
		t.Errorf("the loopback listener got %d requests", hits.Load())
	}
}

func TestProfileActivities(t *testing.T) {
	b := setup(t)
	var a *Activities
	v, err := b.env.ExecuteActivity(a.LoadProfile, ProfileInput{WorkspaceID: "default", CustomerID: "u_new"})
	var res ProfileResult
	if err != nil || v.Get(&res) != nil || res.Found || res.Profile.ID != "u_new" {
		t.Fatalf("a customer without a profile = %+v, %v", res, err)
	}
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	v, err = b.env.ExecuteActivity(a.ChangeProfile, ChangeProfileInput{WorkspaceID: "default", CustomerID: "u_new", At: at,
		Change: journey.ProfileUpdate{Set: map[string]any{"plan": "gold"}, Increment: map[string]float64{"visits": 2}, AddTags: []string{"vip"}}})
	if err != nil || v.Get(&res) != nil {
		t.Fatal(err)
	}
	stored, err := b.store.GetProfile(context.Background(), "default", "u_new")
	if err != nil || stored.Traits["plan"] != "gold" || stored.Traits["visits"] != 2.0 || len(stored.Tags) != 1 {
		t.Fatalf("stored profile = %+v, %v", stored, err)
	}
	v, err = b.env.ExecuteActivity(a.LoadProfile, ProfileInput{WorkspaceID: "default", CustomerID: "u_new"})
	if err != nil || v.Get(&res) != nil || !res.Found || res.Profile.Traits["plan"] != "gold" || res.Profile.Tags[0] != "vip" {
		t.Errorf("loaded = %+v, %v", res, err)
	}
}
