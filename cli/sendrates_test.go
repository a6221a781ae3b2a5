package cli

import (
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// TestSendRateFlags: the rates come from flags and TABIJI_SEND_RATE_*, with
// the documented defaults, by channel; a negative rate is refused.
func TestSendRateFlags(t *testing.T) {
	t.Setenv("TABIJI_SEND_RATE_LINE", "50")
	var cli struct {
		Rates SendRateFlags `embed:""`
	}
	parser, err := kong.New(&cli)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.Parse([]string{"--send-rate-email=7"}); err != nil {
		t.Fatal(err)
	}
	r := cli.Rates.Rates()
	if r["email"] != 7 || r["line"] != 50 || r["push"] != 10000 || r["sms"] != 10 || len(r) != 4 {
		t.Errorf("rates = %v, want email 7 (flag), line 50 (env), push 10000 and sms 10 (defaults)", r)
	}
	if err := cli.Rates.check(); err != nil {
		t.Errorf("check: %v", err)
	}
	cli.Rates.SendRatePush = -1
	if err := cli.Rates.check(); err == nil || !strings.Contains(err.Error(), "--send-rate-push") {
		t.Errorf("negative rate: %v", err)
	}
}
