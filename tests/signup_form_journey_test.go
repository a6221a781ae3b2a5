package tests

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/tabiji/tabiji/signupforms"
)

// TestSignupFormEntersAJourney: a double opt-in form's sign-up event
// enters the journey that waits for it (as the double opt-in template
// does, on signed_up), and the journey's CEL reads the event's context:
// only the Japanese page's sign-up passes the entry filter.
func TestSignupFormEntersAJourney(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "confirm", "name": "Confirm sign-ups", "definition": map[string]any{
		"entry": map[string]any{"event": "signed_up",
			"filter": `event.properties.double_opt_in == true && event.context.locale == "ja" && event.properties.form.startsWith("sf_")`},
		"nodes": []any{map[string]any{"id": "w", "kind": "wait", "duration": "24h", "next": "x"}, map[string]any{"id": "x", "kind": "exit"}}}},
		http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/confirm/activate", "admin", nil, http.StatusOK, nil)
	var form struct{ URL string }
	s.call("PUT", "/v1/signup-form", "admin", map[string]any{"doubleOptIn": true}, http.StatusOK, &form)

	for email, lang := range map[string]string{"hanako@example.jp": "ja", "ben@example.com": "en"} {
		if status, body, _ := postForm(t, form.URL, url.Values{"email": {email}, "consent": {"yes"}, "lang": {lang}}, "text/html"); status != http.StatusOK {
			t.Fatalf("sign-up %s = %d %s", email, status, body)
		}
	}
	hanako, ben := signupforms.CustomerID("default", "hanako@example.jp"), signupforms.CustomerID("default", "ben@example.com")
	eventually(t, 30*time.Second, "hanako's run", func() bool { return len(runsOf(s, hanako)) == 1 })
	// ben's sign-up was stored and routed in his request, before hanako's
	// run could be seen; the filter kept him out.
	var events struct{ Events []map[string]any }
	s.call("GET", "/v1/profiles/"+ben+"/events", "admin", nil, http.StatusOK, &events)
	if len(events.Events) != 2 {
		t.Errorf("ben's events = %v", events.Events)
	}
	if runs := runsOf(s, ben); len(runs) != 0 {
		t.Errorf("the English sign-up entered: %v", runs)
	}
}
