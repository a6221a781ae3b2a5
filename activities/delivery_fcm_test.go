package activities

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/fcm"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
)

// TestAnUnregisteredPushTokenLeavesTheProfile: FCM (the spec-checking fake,
// through the Firebase Admin SDK) answers UNREGISTERED for the customer's
// newest token; the message fails without retry, the token is suppressed
// and taken off the profile, and the next push goes to the older token.
func TestAnUnregisteredPushTokenLeavesTheProfile(t *testing.T) {
	ctx := context.Background()
	fake := providertest.NewFCM(t)
	sender, err := fcm.NewSender(ctx, fcm.Config{CredentialsFile: fake.CredentialsFile(t), BaseURL: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	b := providerSetupWith(t, Options{Senders: map[string]channels.Sender{"push": sender}})
	if _, err := b.store.ChangeProfile(ctx, "default", "u_1", store.ProfileChange{}, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"tok-old", "tok-dead"} {
		if err := b.store.ApplyContexts(ctx, "default", []store.ContextUpdate{{ID: "u_1", PushToken: tok}}); err != nil {
			t.Fatal(err)
		}
	}
	fake.Unregister("tok-dead")
	in := sendInput()
	in.Channel, in.Profile = "push", &journey.Profile{ID: "u_1", PushTokens: []string{"tok-old", "tok-dead"}}

	_, err = b.send(t, in)
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || !app.NonRetryable() {
		t.Fatalf("want a non-retryable failure, got %v", err)
	}
	if m := b.status(t, in.MessageID); m.Status != MessageFailed {
		t.Errorf("message status %q, want failed", m.Status)
	}
	if _, err := b.store.Suppressed(ctx, "default", "push", "tok-dead"); err != nil {
		t.Errorf("token not suppressed: %v", err)
	}
	p, err := b.store.GetProfile(ctx, "default", "u_1")
	if err != nil || !slices.Equal(p.PushTokens, []string{"tok-old"}) {
		t.Fatalf("profile tokens = %v, %v; want only tok-old", p.PushTokens, err)
	}

	next := in
	next.MessageID, next.NodeID = in.MessageID+"-2", "second"
	if res, err := b.send(t, next); err != nil || res.Status != MessageSent {
		t.Fatalf("next push = %+v, %v", res, err)
	}
	reqs := fake.Requests()
	var last struct {
		Message struct {
			Token string `json:"token"`
		} `json:"message"`
	}
	reqs[len(reqs)-1].JSON(t, &last)
	if last.Message.Token != "tok-old" {
		t.Errorf("the next push went to %q, want tok-old", last.Message.Token)
	}
}
