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
