package tests

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConsentThroughTheCLI: on the real stack, tabiji consent records an
// opt-in with its evidence, refuses one without proof naming the fields,
// imports a CSV (a bad line refused with its line and column, the good
// ones kept), lists a customer's current consent and history, and exports
// every record as CSV with its evidence.
func TestConsentThroughTheCLI(t *testing.T) {
	s := startStack(t)
	flags := []string{"--api-url", s.url, "--admin-key", s.admin}
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := runCLI(append(append([]string{"consent"}, args...), flags...), &out, &errOut)
		return out.String() + errOut.String(), err
	}

	if out, err := run("record", "u_cli", "--channel", "email", "--status", "opted_in", "--source", "signup_form",
		"--form", "footer", "--wording", "ニュースを受け取る", "--ip", "203.0.113.7"); err != nil || !strings.Contains(out, "opted_in") {
		t.Fatalf("consent record = %v\n%s", err, out)
	}
	if out, err := run("record", "u_cli", "--channel", "sms", "--status", "opted_in", "--source", "signup_form"); err == nil ||
		!strings.Contains(err.Error(), "evidence.wording") {
		t.Errorf("an opt-in without proof = %v\n%s", err, out)
	}

	file := filepath.Join(t.TempDir(), "consent.csv")
	data := "customer_id,channel,status,source,form,wording,at\n" +
		"u_cli,sms,opted_in,store_counter,paper_form_12,SMSで案内を受け取る,2026-11-01T10:00:00+09:00\n" +
		"u_other,email,opted_in,store_counter,,,\n" +
		"u_cli,email,opted_out,support,,,\n"
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run("import", file)
	if err == nil || !strings.Contains(out, "Imported 2 consent records.") || !strings.Contains(out, "line 3: wording") {
		t.Errorf("consent import = %v\n%s", err, out)
	}

	out, err = run("list", "u_cli")
	if err != nil || !strings.Contains(out, "paper_form_12") || !strings.Contains(out, "203.0.113.7") {
		t.Errorf("consent list = %v\n%s", err, out)
	}
	current, _, _ := strings.Cut(out, "History:")
	if !strings.Contains(current, "email    -      opted_out") || !strings.Contains(current, "sms      -      opted_in") {
		t.Errorf("current consent: want email opted out (the later import) and sms opted in:\n%s", current)
	}

	out, err = run("export", "--customer", "u_cli")
	if err != nil {
		t.Fatalf("consent export = %v\n%s", err, out)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 4 || recs[0][0] != "customer_id" {
		t.Fatalf("export = %v\n%s", err, out)
	}
	if !strings.Contains(out, "ニュースを受け取る") || !strings.Contains(out, "paper_form_12") || strings.Contains(out, "u_other") {
		t.Errorf("export lacks the evidence or holds another customer:\n%s", out)
	}
}
