package engagement

import (
	"slices"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/taxonomy"
)

func TestEveryEngagementEventIsBuiltIn(t *testing.T) {
	var builtin []string
	for _, d := range taxonomy.Builtin {
		builtin = append(builtin, d.Name)
	}
	for _, n := range Names {
		if !slices.Contains(builtin, n) {
			t.Errorf("%s is not in taxonomy.Builtin: a strict taxonomy would quarantine it", n)
		}
	}
	tx := &taxonomy.Taxonomy{UnknownEvents: taxonomy.Reject, Events: []taxonomy.EventDef{{Name: "purchase"}}}
	tx.Compile()
	for _, n := range Names {
		if v := tx.CheckEvent(n, map[string]any{"channel": "email", "url": "https://x.example"}); v.Action != taxonomy.ActionAllow {
			t.Errorf("a taxonomy rejecting unknown events gives %s: %+v", n, v)
		}
	}
}

func TestEveryNameIsChannelThenWhatHappened(t *testing.T) {
	for _, n := range Names {
		ch, what, ok := strings.Cut(n, "_")
		if !ok || !slices.Contains([]string{"email", "line", "push", "sms"}, ch) || what == "" {
			t.Errorf("%s is not <channel>_<what happened>", n)
		}
	}
	for ch, want := range map[string]string{"email": EmailClicked, "line": LineClicked, "push": PushClicked, "sms": SMSClicked, "fax": ""} {
		if got := Clicked(ch); got != want {
			t.Errorf("Clicked(%s) = %q, want %q", ch, got, want)
		}
	}
}

func TestSMSStatus(t *testing.T) {
	for status, want := range map[string][2]string{"delivered": {SMSDelivered, "delivered"}, "undelivered": {SMSFailed, "failed"},
		"failed": {SMSFailed, "failed"}, "sent": {SMSSent, "sent"}} {
		ev, st, ok := SMSStatus(status)
		if !ok || ev != want[0] || st != want[1] {
			t.Errorf("SMSStatus(%s) = %s %s %v, want %v", status, ev, st, ok, want)
		}
	}
	if _, _, ok := SMSStatus("queued"); ok {
		t.Error("queued is not news, but SMSStatus maps it")
	}
}

func TestReportIDFitsAMessageID(t *testing.T) {
	short := reportID(Report{Source: "sendgrid", EventID: "e1"})
	long := reportID(Report{Source: "push_opened", EventID: strings.Repeat("顧客", 100)})
	if short != "sendgrid:e1" {
		t.Errorf("short id = %s", short)
	}
	if len(long) > maxReportID || !strings.HasPrefix(long, "push_opened:") || long == reportID(Report{Source: "push_opened", EventID: strings.Repeat("顧客", 99)}) {
		t.Errorf("long id = %s (%d bytes)", long, len(long))
	}
}
