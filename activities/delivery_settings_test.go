package activities

import (
	"context"
	"strings"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/pgtest"
)

// TestSendWithEachWorkspaceSettings: with Options.SenderFor (the worker's
// settings Resolver), two workspaces with their own SendGrid keys send
// through the fake, each request carrying its workspace's key, and a
// workspace with no key anywhere records to the outbox.
func TestSendWithEachWorkspaceSettings(t *testing.T) {
	ctx := context.Background()
	fake := providertest.NewSendGrid(t)
	st := pgtest.Store(t)
	keys, err := settings.NewKeyring("activities-test-secrets-key-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	r := settings.NewResolver(st, settings.Options{Keyring: keys,
		Defaults: map[string]settings.Values{"email": {settings.BaseURL: fake.URL}}})
	for ws, key := range map[string]string{"ws_a": "SG.key-of-a", "ws_b": "SG.key-of-b"} {
		if _, err := r.Put(ctx, ws, "email", settings.Values{settings.APIKey: key}); err != nil {
			t.Fatal(err)
		}
	}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(New(st, Options{SenderFor: r.Sender, EmailFrom: "shop@example.com"}))
	b := &bundle{env: env, store: st}

	statuses := map[string]string{}
	for _, ws := range []string{"ws_a", "ws_b", "ws_c"} {
		in := emailInput()
		in.WorkspaceID, in.MessageID = ws, "m-"+ws
		res, err := b.send(t, in)
		if err != nil {
			t.Fatalf("send in %s: %v (invalid: %v)", ws, err, fake.Invalid())
		}
		statuses[ws] = res.Status
	}
	var auth []string
	for _, req := range fake.Requests() {
		auth = append(auth, req.Header.Get("Authorization"))
	}
	if got := strings.Join(auth, ","); got != "Bearer SG.key-of-a,Bearer SG.key-of-b" {
		t.Errorf("Authorization headers = %s, want ws_a's key then ws_b's", got)
	}
	if statuses["ws_a"] != MessageSent || statuses["ws_b"] != MessageSent || statuses["ws_c"] != MessageRecorded {
		t.Errorf("statuses = %v, want sent, sent, recorded (ws_c has no key: the outbox)", statuses)
	}
}

// TestBroadcastWithTheWorkspaceSettings: a broadcast batch takes the
// workspace's sender from Options.SenderFor as Send does, so it goes
// through SendGrid with the workspace's key rather than to the outbox.
func TestBroadcastWithTheWorkspaceSettings(t *testing.T) {
	ctx := context.Background()
	b := broadcastSetup(t) // its activities use Options.Senders; ours below use SenderFor
	keys, err := settings.NewKeyring("activities-test-secrets-key-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	r := settings.NewResolver(b.store, settings.Options{Keyring: keys,
		Defaults: map[string]settings.Values{"email": {settings.BaseURL: b.fake.URL}}})
	if _, err := r.Put(ctx, "default", "email", settings.Values{settings.APIKey: "SG.key-of-default"}); err != nil {
		t.Fatal(err)
	}
	var s testsuite.WorkflowTestSuite
	b.env = s.NewTestActivityEnvironment()
	b.env.RegisterActivity(New(b.store, Options{SenderFor: r.Sender, UnsubscribeSecret: "s3cret", PublicURL: "https://tabiji.test"}))
	res, err := b.batch(t, emailBroadcast())
	if err != nil {
		t.Fatal(err)
	}
	reqs := b.fake.Requests()
	if res.Sent != 2 || res.Skipped["no email address"] != 1 || len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "Bearer SG.key-of-default" {
		t.Errorf("result %+v; SendGrid requests %d (want 1 with the workspace's key)", res, len(reqs))
	}
}
