package console

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestChangesListWhatDiffers(t *testing.T) {
	before := json.RawMessage(`{"status":"draft","version":1,"definition":{"nodes":[{"id":"a"},{"id":"b"}]},"tags":["x"],"gone":true}`)
	after := json.RawMessage(`{"status":"active","version":1,"definition":{"nodes":[{"id":"a"}]},"tags":[],"new":{"k":null}}`)
	got := Changes(before, after)
	want := []Change{
		{Path: "definition.nodes.1.id", Kind: "removed", Before: `"b"`},
		{Path: "gone", Kind: "removed", Before: "true"},
		{Path: "new.k", Kind: "added", After: "null"},
		{Path: "status", Kind: "changed", Before: `"draft"`, After: `"active"`},
		{Path: "tags", Kind: "added", After: "[]"},
		{Path: "tags.0", Kind: "removed", Before: `"x"`},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Changes =\n%+v\nwant\n%+v", got, want)
	}
	if got := Changes(nil, json.RawMessage(`{"id":"k1"}`)); len(got) != 1 || got[0] != (Change{Path: "id", Kind: "added", After: `"k1"`}) {
		t.Errorf("a creation's changes = %+v", got)
	}
	if got := Changes(json.RawMessage(`{"id":"k1"}`), json.RawMessage(`null`)); len(got) != 1 || got[0].Kind != "removed" {
		t.Errorf("a deletion's changes = %+v", got)
	}
	if got := Changes(json.RawMessage(`not json`), json.RawMessage(`"text"`)); len(got) != 1 || got[0].Path != "." || got[0].Kind != "changed" {
		t.Errorf("documents that are not objects = %+v", got)
	}
}

// longChanges are a creation's many fields, folded on the page.
var longChanges = Changes(nil, json.RawMessage(`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9}`))

func TestAuditPageShowsRecordsAndNames(t *testing.T) {
	zone := time.FixedZone("JST", 9*3600)
	for _, lang := range []string{"en", "ja"} {
		var buf bytes.Buffer
		p := AuditPage{Frame: Frame{Lang: lang, Role: RoleOwner, Zone: zone, Section: SectionAudit, CSRF: "c"},
			Filter: AuditFilter{Actor: "hana@example.jp", Outcome: "succeeded"}, Outcomes: []string{"unknown", "succeeded", "refused", "failed"},
			Records: []AuditRow{{ID: "aud_1", When: "2026-12-07 09:00:00 JST", ActorKind: "person", ActorName: "hana@example.jp",
				Resource: "approvals", ResourceID: "apr_1", Action: "approve", Outcome: "succeeded", Status: 200,
				Requester: "mika@example.jp", Approver: "hana@example.jp",
				Changes: []Change{{Path: "state", Kind: "changed", Before: `"pending"`, After: `"approved"`}}},
				{ID: "aud_2", ActorKind: "key", ActorName: "deploy-bot", Resource: "journeys", Action: "create", Outcome: "succeeded", Changes: longChanges}},
			CSVURL: "/v1/audit.csv?actor=hana%40example.jp", NextURL: "/ui/audit?after=c1"}
		if err := Audit(&buf, p); err != nil {
			t.Fatal(err)
		}
		page := buf.String()
		if strings.Count(page, "<details") != 1 || !strings.Contains(page, T(lang, "audit.changes", len(longChanges))) {
			t.Errorf("%s: a long change is not folded under its count", lang)
		}
		for _, want := range []string{`data-record="aud_1"`, "mika@example.jp", `id="audit-csv"`, `href="/v1/audit.csv?actor=hana%40example.jp"`,
			`id="audit-next"`, `<option value="succeeded" selected>`, `value="hana@example.jp"`, `&#34;pending&#34; → &#34;approved&#34;`,
			T(lang, "audit.requester", "mika@example.jp"), T(lang, "audit.decider", "hana@example.jp"), `id="nav-audit"`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the page lacks %s", lang, want)
			}
		}
	}
}

func TestOnlyOwnersSeeTheAuditLogInTheNavigation(t *testing.T) {
	for role, want := range map[string]bool{RoleOwner: true, "": true, RoleMarketer: false, RoleAnalyst: false, RoleDeveloper: false} {
		has := slices.ContainsFunc(Frame{Role: role}.Nav(), func(n NavItem) bool { return n.Section == SectionAudit })
		if has != want {
			t.Errorf("%q: audit in the navigation = %v, want %v", role, has, want)
		}
	}
}

func TestApprovalsPageGivesButtonsToDecidersOnly(t *testing.T) {
	row := ApprovalRow{ID: "apr_1", Kind: ApprovalJourneyActivate, TargetID: "cart", TargetURL: "/ui/journeys/cart", State: ApprovalPending,
		RequestedBy: "mika@example.jp", RequestedAt: "2026-12-07 09:00:00 JST"}
	decider, own := row, row
	decider.CanApprove, decider.CanReject = true, true
	own.CanReject, own.Own = true, true
	for _, c := range []struct {
		name               string
		row                ApprovalRow
		approve, reject    bool
		withdraw, textarea bool
	}{{"an approver", decider, true, true, false, true}, {"the requester", own, false, true, true, true}, {"a reader", row, false, false, false, false}} {
		var buf bytes.Buffer
		p := ApprovalsPage{Frame: Frame{Lang: "en", Zone: time.UTC}, Required: true, ApproverRole: RoleOwner, Pending: []ApprovalRow{c.row},
			Decided: []ApprovalRow{{ID: "apr_0", Kind: ApprovalBroadcastSchedule, TargetID: "b1", State: "rejected", SendAt: "2026-12-08T09:00:00+09:00",
				RequestedBy: "mika@example.jp", DecidedBy: "hana@example.jp", Comment: "件名を直してください"}}}
		if err := Approvals(&buf, p); err != nil {
			t.Fatal(err)
		}
		page := buf.String()
		if got := strings.Contains(page, `class="approval-approve"`); got != c.approve {
			t.Errorf("%s: approve button %v, want %v", c.name, got, c.approve)
		}
		if got := strings.Contains(page, `approval-reject"`); got != c.reject {
			t.Errorf("%s: reject button %v, want %v", c.name, got, c.reject)
		}
		if got := strings.Contains(page, ">Withdraw<"); got != c.withdraw {
			t.Errorf("%s: withdraw %v, want %v", c.name, got, c.withdraw)
		}
		if got := strings.Contains(page, "<textarea"); got != c.textarea {
			t.Errorf("%s: comment field %v, want %v", c.name, got, c.textarea)
		}
		for _, want := range []string{"件名を直してください", "hana@example.jp", `href="/ui/journeys/cart"`, "Send at 2026-12-08T09:00:00"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the page lacks %s", c.name, want)
			}
		}
	}
}
