package tests

import (
	"net/http"
	"strings"
	"testing"
)

// TestFrequencyCapsAPI: a workspace starts without caps; PUT stores them
// and GET answers them; a bad rule or channel is a 422 naming its field,
// and the write key may not touch them.
func TestFrequencyCapsAPI(t *testing.T) {
	s := startStack(t)
	if status, body := s.send("GET", "/v1/frequency-caps", "", "", ""); status != http.StatusOK || strings.TrimSpace(string(body)) != `{"caps":{}}` {
		t.Fatalf("no caps: %d %s", status, body)
	}
	caps := `{"caps":{"email":[{"max":3,"window":"1d"},{"max":5,"window":"7d"}],"line":[{"max":2,"window":"12h"}]}}`
	if status, body := s.send("PUT", "/v1/frequency-caps", "", "application/json", caps); status != http.StatusOK {
		t.Fatalf("PUT: %d %s", status, body)
	}
	want := strings.Replace(caps, `"12h"`, `"12h0m0s"`, 1) // windows come back as journey durations print
	if status, body := s.send("GET", "/v1/frequency-caps", "", "", ""); status != http.StatusOK || strings.TrimSpace(string(body)) != want {
		t.Errorf("GET after PUT: %d %s, want %s", status, body, want)
	}
	status, body := s.send("PUT", "/v1/frequency-caps", "", "application/json", `{"caps":{"email":[{"max":0,"window":"1d"}],"fax":[]}}`)
	if f := problemFields(body); status != http.StatusUnprocessableEntity || strings.Join(f, ",") != "caps.email[0].max,caps.fax" {
		t.Errorf("bad caps: %d %v %s", status, f, body)
	}
	if status, _ := s.send("PUT", "/v1/frequency-caps", basicKey(s.write), "application/json", caps); status != http.StatusUnauthorized && status != http.StatusForbidden {
		t.Errorf("write key PUT = %d, want 401/403", status)
	}
}
