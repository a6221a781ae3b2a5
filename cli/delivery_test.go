package cli

import (
	"context"
	"testing"

	"github.com/tabiji/tabiji/channels/outbox"
)

// TestDeliveryOptions: the worker and dev hand the Send activity the
// senders, the unsubscribe secret and the public URL (dev: its own address
// unless TABIJI_PUBLIC_URL is set).
func TestDeliveryOptions(t *testing.T) {
	d := &DevCmd{HTTPAddr: "127.0.0.1:9999", ChannelFlags: ChannelFlags{EmailFrom: "shop@example.com"}}
	opts, err := d.devDelivery(context.Background(), nil, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if opts.PublicURL != "http://127.0.0.1:9999" || opts.UnsubscribeSecret != "s3cret" || opts.EmailFrom != "shop@example.com" {
		t.Errorf("dev options = %+v", opts)
	}
	if _, ok := opts.Senders["email"].(*outbox.Sender); !ok {
		t.Errorf("without credentials email goes to %T, want the outbox", opts.Senders["email"])
	}
	d.PublicURL = "https://tabiji.example"
	if opts, _ = d.devDelivery(context.Background(), nil, "s3cret"); opts.PublicURL != "https://tabiji.example" {
		t.Errorf("TABIJI_PUBLIC_URL ignored: %q", opts.PublicURL)
	}
	w := &WorkerCmd{UnsubscribeSecret: "w", ChannelFlags: ChannelFlags{PublicURL: "https://p", SendGridAPIKey: "SG.x"}}
	opts, err = w.Delivery(context.Background(), nil, w.UnsubscribeSecret)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := opts.Senders["email"].(*outbox.Sender); ok || opts.UnsubscribeSecret != "w" || opts.PublicURL != "https://p" {
		t.Errorf("worker options = %+v", opts)
	}
}
