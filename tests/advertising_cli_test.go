package tests

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// TestAdvertisingCLI: tabiji advertising set changes only the flags given
// (the API's PUT replaces the whole policy, so the command merges), show
// prints the policy, and a sender the API refuses is an error naming the
// field.
func TestAdvertisingCLI(t *testing.T) {
	s := startStack(t)
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := runCLI(append(args, "--api-url", s.url, "--admin-key", s.admin), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	out, err := run("advertising", "set", "--opt-in-required", "true", "--sender-name", "旅路茶舗", "--sender-contact", "stop@shop.example")
	if err != nil || !strings.Contains(out, "opt-in required: true") || !strings.Contains(out, "sender address:  (none)") ||
		!strings.Contains(out, "[sender.address]") {
		t.Fatalf("advertising set = %v\n%s", err, out)
	}
	if out, err = run("advertising", "set", "--sender-address", "東京都千代田区千代田1-1"); err != nil {
		t.Fatalf("advertising set --sender-address = %v\n%s", err, out)
	}
	var p struct {
		OptInRequired *bool `json:"optInRequired"`
		Enforced      bool  `json:"enforced"`
		Sender        struct{ Name, Address, Contact string }
	}
	s.call("GET", "/v1/workspace/advertising", "admin", nil, http.StatusOK, &p)
	if p.OptInRequired == nil || !*p.OptInRequired || !p.Enforced || p.Sender.Name != "旅路茶舗" ||
		p.Sender.Address != "東京都千代田区千代田1-1" || p.Sender.Contact != "stop@shop.example" {
		t.Errorf("policy after two sets = %+v, want both sets' fields kept", p)
	}
	if out, err = run("advertising", "show"); err != nil || !strings.Contains(out, "sender name:     旅路茶舗") ||
		!strings.Contains(out, "enforced now:    true") || strings.Contains(out, "note:") {
		t.Errorf("advertising show = %v\n%s", err, out)
	}
	if out, err = run("advertising", "set", "--opt-in-required", "locale"); err != nil || !strings.Contains(out, "opt-in required: locale") {
		t.Errorf("advertising set --opt-in-required locale = %v\n%s", err, out)
	}
	if out, err = run("advertising", "show", "-o", "json"); err != nil || !strings.Contains(out, `"optInRequired": null`) {
		t.Errorf("advertising show -o json = %v\n%s", err, out)
	}
	if _, err = run("advertising", "set", "--sender-name", "a\x1bb"); err == nil || !strings.Contains(err.Error(), "sender.name") {
		t.Errorf("a bad sender name = %v, want the API's 422 naming sender.name", err)
	}
	if _, err = run("advertising", "set", "--opt-in-required", "maybe"); err == nil || !strings.Contains(err.Error(), "--opt-in-required") {
		t.Errorf("--opt-in-required maybe = %v, want an error naming the flag", err)
	}
}
