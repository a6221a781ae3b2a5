package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tabiji/tabiji/channels/outbox"
	"github.com/tabiji/tabiji/pgtest"
)

// TestDeliveryOptions: the worker and dev hand the Send activity the
// senders, the unsubscribe secret and the public URL (dev: its own address
// unless TABIJI_PUBLIC_URL is set).
func TestDeliveryOptions(t *testing.T) {
	ctx, st, dir := context.Background(), pgtest.Store(t), t.TempDir()
	d := &DevCmd{HTTPAddr: "127.0.0.1:9999", ChannelFlags: ChannelFlags{EmailFrom: "shop@example.com"}}
	opts, _, err := d.devDelivery(st, dir, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if opts.PublicURL != "http://127.0.0.1:9999" || opts.UnsubscribeSecret != "s3cret" || opts.EmailFrom != "shop@example.com" {
		t.Errorf("dev options = %+v", opts)
	}
	if s, err := opts.SenderFor(ctx, "default", "email"); err != nil {
		t.Fatal(err)
	} else if _, ok := s.(*outbox.Sender); !ok {
		t.Errorf("without credentials email goes to %T, want the outbox", s)
	}
	if key, err := os.ReadFile(filepath.Join(dir, "secrets-key")); err != nil || len(key) < 32 {
		t.Errorf("dev secrets key = %q, %v: want one generated into the data dir", key, err)
	}
	d.PublicURL = "https://tabiji.example"
	if opts, _, _ = d.devDelivery(st, dir, "s3cret"); opts.PublicURL != "https://tabiji.example" {
		t.Errorf("TABIJI_PUBLIC_URL ignored: %q", opts.PublicURL)
	}
	w := &WorkerCmd{UnsubscribeSecret: "w", ChannelFlags: ChannelFlags{PublicURL: "https://p", SendGridAPIKey: "SG.x"}}
	opts, _, err = w.Delivery(st, w.UnsubscribeSecret)
	if err != nil {
		t.Fatal(err)
	}
	s, err := opts.SenderFor(ctx, "default", "email")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*outbox.Sender); ok || opts.UnsubscribeSecret != "w" || opts.PublicURL != "https://p" {
		t.Errorf("worker options = %+v, email sender %T", opts, s)
	}
}
