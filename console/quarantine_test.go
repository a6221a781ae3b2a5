package console

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestQuarantinedPageShowsThePayloadOnlyWhenAllowed: the payload (which can
// hold personal data) is in the page only for a reader who may see
// profiles; the controls only for a role that may change the quarantine;
// a known rule reads in the reader's language, an unknown one as its code.
func TestQuarantinedPageShowsThePayloadOnlyWhenAllowed(t *testing.T) {
	row := QuarantineRow{MessageID: "m/1", Type: "track", Event: "order_completed", UserID: "u_1", Status: "quarantined",
		Reasons:    []Reason{{Field: "properties.total", Rule: "type", Message: "must be a number"}, {Field: "x", Rule: "newrule", Message: "m"}},
		ReceivedAt: time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC)}
	zone, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		role        string
		show, edits bool
	}{{RoleDeveloper, true, true}, {RoleAnalyst, true, false}, {RoleMarketer, false, false}} {
		var buf bytes.Buffer
		p := QuarantinedPage{Frame: Frame{Lang: "ja", Role: c.role, CSRF: "x", Zone: zone}, Row: row, ShowPayload: c.show, Payload: `{"secret": "aiko@example.com"}`}
		if err := Quarantined(&buf, p); err != nil {
			t.Fatal(err)
		}
		page := buf.String()
		if got := strings.Contains(page, "aiko@example.com"); got != c.show {
			t.Errorf("%s: the payload is in the page: %v, want %v", c.role, got, c.show)
		}
		if got := strings.Contains(page, `id="q-replay"`); got != c.edits {
			t.Errorf("%s: the replay button is in the page: %v, want %v", c.role, got, c.edits)
		}
		if c.show && strings.Contains(page, " readonly>") == c.edits {
			t.Errorf("%s: the payload's read-only is wrong for the role", c.role)
		}
		for _, want := range []string{"型が違う", "newrule", "2026年12月8日", "JST"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the page lacks %q", c.role, want)
			}
		}
	}
	if got := (QuarantineRow{MessageID: "m/1"}).Href(); got != "/ui/data/quarantine/m%2F1" {
		t.Errorf("Href = %q", got)
	}
}
