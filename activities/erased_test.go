package activities

import (
	"context"
	"errors"
	"testing"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/store"
)

// TestSendToAnErasedCustomer: a send still on its way when its customer is
// erased (the run's snapshot still holds the address) calls no provider and
// writes no message row. Before, Send fell back on the snapshot, wrote the
// row and sent.
func TestSendToAnErasedCustomer(t *testing.T) {
	f := &fakeSender{result: channels.Result{ProviderID: "sg_1"}}
	b := providerSetup(t, f)
	in := emailInput()
	if _, err := b.store.EraseCustomer(context.Background(), "default", in.CustomerID, []string{in.CustomerID}, "k", 0); err != nil {
		t.Fatal(err)
	}
	res, err := b.send(t, in)
	if err != nil || res.Status != MessageSkipped || res.Reason != ReasonErased {
		t.Fatalf("got %+v, %v; want skipped: %s", res, err, ReasonErased)
	}
	if len(f.got) != 0 {
		t.Errorf("the provider was called %d times", len(f.got))
	}
	if _, _, err := b.store.LoggedMessageByID(context.Background(), "default", in.MessageID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a message row was written: %v", err)
	}
}
