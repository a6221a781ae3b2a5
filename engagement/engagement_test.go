package engagement

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
	"github.com/tabiji/tabiji/workflows"
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

func TestEventNamesWhatSentTheMessage(t *testing.T) {
	journeyMsg := store.LoggedMessage{Message: store.Message{ID: "m1", JourneyID: "cart", NodeID: "remind",
		WorkflowID: workflows.JourneyWorkflowID("w", "cart", "u1"), Channel: "line"}}
	broadcastMsg := store.LoggedMessage{Message: store.Message{ID: "m2", WorkflowID: workflows.BroadcastWorkflowID("w", "spring/sale"), Channel: "line"}}
	otherWorkspace := store.LoggedMessage{Message: store.Message{ID: "m3", WorkflowID: workflows.BroadcastWorkflowID("w2", "spring"), Channel: "line"}}
	rep := Report{WorkspaceID: "w", Source: "click", EventID: "c1", Name: LineClicked, Properties: map[string]any{"url": "https://x.example"}}
	for name, tc := range map[string]struct {
		msg  store.LoggedMessage
		want map[string]any
	}{
		"AJourneyStep":                  {journeyMsg, map[string]any{"channel": "line", "message_id": "m1", "journey_id": "cart", "node_id": "remind", "url": "https://x.example"}},
		"ABroadcast":                    {broadcastMsg, map[string]any{"channel": "line", "message_id": "m2", "broadcast_id": "spring/sale", "node_id": "broadcast", "url": "https://x.example"}},
		"NotAnotherWorkspacesBroadcast": {otherWorkspace, map[string]any{"channel": "line", "message_id": "m3", "url": "https://x.example"}},
	} {
		t.Run(name, func(t *testing.T) {
			ev := event(rep, tc.msg)
			if ev.Name != LineClicked || ev.MessageID != "click:c1" || !maps.Equal(ev.Properties, tc.want) {
				t.Errorf("event = %+v, want properties %v", ev, tc.want)
			}
		})
	}
}
