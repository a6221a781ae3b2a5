package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/locale"
	"github.com/tabiji/tabiji/store"
)

// TestAuditAndApprovalsPages: the owner's audit page lists the records with
// the API's filters (times typed in the workspace's zone), pages them and
// links to the same records as CSV; bad filters are 400 naming the field;
// a marketer gets no audit entry and a 403 page. The approvals page gives
// the approver approve and reject, the requester withdraw, the analyst
// nothing but the state.
func TestAuditAndApprovalsPages(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	b.handler = NewServer(Deps{Store: b.store, Temporal: noVisibility{b.signals}, PasswordParams: cheapHashes})
	ctx := context.Background()
	if _, err := b.store.UpdateWorkspaceSettings(ctx, "w", locale.Settings{Timezone: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	b.person(t, "w", "owner@example.jp", "owner")
	marketerID := b.person(t, "w", "mika@example.jp", "marketer")
	analystID := b.person(t, "w", "ana@example.jp", "analyst")
	session := func(email string) string { return sessionFrom(t, b.login(t, email, testPassword, "/ui/")).Value }
	owner, marketer, analyst := session("owner@example.jp"), session("mika@example.jp"), session("ana@example.jp")
	page := func(t *testing.T, cookie, path string, want int) string {
		t.Helper()
		rec := b.uiRequest(t, "GET", path, cookie, nil)
		if rec.Code != want {
			t.Fatalf("%s = %d, want %d: %s", path, rec.Code, want, rec.Body.String())
		}
		return rec.Body.String()
	}
	for range uiAuditPageSize + 2 {
		rec, err := b.store.BeginAudit(ctx, store.AuditRecord{WorkspaceID: "w",
			Actor: store.AuditActor{Kind: store.ActorKey, ID: "key_1", Name: "deploy-bot"}, Resource: "journeys", ResourceID: "cart",
			Action: "update", Method: "PUT", Route: "/v1/journeys/:id", ClientIP: "192.0.2.7", UserAgent: "curl/8",
			Before: []byte(`{"name":"Cart","version":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.store.FinishAudit(ctx, "w", rec.ID, store.AuditEnd{Outcome: store.AuditSucceeded, Status: 200,
			After: []byte(`{"name":"Cart reminder","version":2}`)}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("TheOwnerReadsFiltersAndPages", func(t *testing.T) {
		tokyo, _ := time.LoadLocation("Asia/Tokyo")
		hourAgo, inAnHour := time.Now().In(tokyo).Add(-time.Hour), time.Now().In(tokyo).Add(time.Hour)
		since, until := hourAgo.Format(localMinute), inAnHour.Format(localMinute)
		if body := page(t, owner, "/ui/audit?since="+until, http.StatusOK); !strings.Contains(body, `id="audit-none"`) {
			t.Errorf("records from an hour ahead are listed")
		}
		body := page(t, owner, "/ui/audit?actor=deploy-bot&resource=journeys&since="+since+"&until="+until, http.StatusOK)
		if n := strings.Count(body, `data-record="aud_`); n != uiAuditPageSize {
			t.Errorf("the last two hours list %d records, want a page of %d", n, uiAuditPageSize)
		}
		for _, want := range []string{`id="nav-audit"`, `&#34;Cart&#34; → &#34;Cart reminder&#34;`, "deploy-bot", "192.0.2.7", " JST<",
			`value="` + since + `"`, `href="/v1/audit.csv?actor=deploy-bot&amp;resource=journeys&amp;since=` + url.QueryEscape(hourAgo.Truncate(time.Minute).Format(time.RFC3339))} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
		first := page(t, owner, "/ui/audit", http.StatusOK)
		if n := strings.Count(first, `data-record="aud_`); n != uiAuditPageSize || !strings.Contains(first, `id="audit-next"`) {
			t.Fatalf("the first page lists %d records and a next link: %v", n, strings.Contains(first, `id="audit-next"`))
		}
		next := first[strings.Index(first, `id="audit-next"`)-200 : strings.Index(first, `id="audit-next"`)]
		href := strings.ReplaceAll(next[strings.LastIndex(next, `href="`)+6:strings.LastIndex(next, `"`)], "&amp;", "&")
		second := page(t, owner, href, http.StatusOK)
		if n := strings.Count(second, `data-record="aud_`); n != 2 || strings.Contains(second, `id="audit-next"`) || !strings.Contains(second, `id="audit-first"`) {
			t.Errorf("the second page (%s) lists %d records, want 2, a first-page link and no next", href, n)
		}
	})
	t.Run("BadFiltersAreRefusedAtTheirField", func(t *testing.T) {
		for path, field := range map[string]string{"/ui/audit?since=yesterday": "err-since", "/ui/audit?until=2026-13-01T00:00": "err-until",
			"/ui/audit?outcome=maybe": "err-outcome", "/ui/audit?after=forged": "filter-error"} {
			if body := page(t, owner, path, http.StatusBadRequest); !strings.Contains(body, `id="`+field+`"`) {
				t.Errorf("%s does not say so at %s", path, field)
			}
		}
	})
	t.Run("OthersGetNoAuditLog", func(t *testing.T) {
		body := page(t, marketer, "/ui/", http.StatusOK)
		if strings.Contains(body, `id="nav-audit"`) || !strings.Contains(body, `id="nav-approvals"`) {
			t.Errorf("the marketer's navigation: audit %v, approvals %v", strings.Contains(body, `id="nav-audit"`), strings.Contains(body, `id="nav-approvals"`))
		}
		if body := page(t, marketer, "/ui/audit", http.StatusForbidden); !strings.Contains(body, "needs the Owner role; your role in this workspace is Marketer") || !strings.Contains(body, `<html lang="en">`) {
			t.Errorf("the 403 page: %s", body)
		}
		if err := b.store.SetPersonLocale(ctx, analystID, "ja"); err != nil {
			t.Fatal(err)
		}
		rec := b.uiRequest(t, "GET", "/ui/settings/people", analyst, nil)
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "「オーナー」のロールが必要です（このワークスペースでのあなたのロール: アナリスト）") {
			t.Errorf("the analyst's Japanese 403 page: %d %s", rec.Code, rec.Body.String())
		}

	})
	t.Run("ApprovalsGiveButtonsToWhoMayDecide", func(t *testing.T) {
		if _, err := b.store.SetApprovalPolicy(ctx, "w", store.ApprovalPolicy{Required: true, ApproverRole: "owner"}); err != nil {
			t.Fatal(err)
		}
		a, err := b.store.RequestApproval(ctx, store.ApprovalRequest{WorkspaceID: "w", Kind: store.ApprovalJourneyActivate, TargetID: "cart",
			RequestedBy: store.AuditActor{Kind: store.ActorPerson, ID: marketerID, Name: "mika@example.jp"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			who, cookie               string
			approve, reject, withdraw bool
		}{{"owner", owner, true, true, false}, {"marketer (the requester)", marketer, false, true, true}, {"analyst", analyst, false, false, false}} {
			body := page(t, c.cookie, "/ui/approvals", http.StatusOK)
			if !strings.Contains(body, `data-approval="`+a.ID+`"`) || !strings.Contains(body, "mika@example.jp") {
				t.Errorf("%s: the pending request is not listed", c.who)
			}
			if got := strings.Contains(body, "approval-approve"); got != c.approve {
				t.Errorf("%s: approve %v, want %v", c.who, got, c.approve)
			}
			if got := strings.Contains(body, "approval-reject"); got != c.reject {
				t.Errorf("%s: reject %v, want %v", c.who, got, c.reject)
			}
			if got := strings.Contains(body, ">Withdraw<"); got != c.withdraw {
				t.Errorf("%s: withdraw %v, want %v", c.who, got, c.withdraw)
			}
		}
		settings := page(t, owner, "/ui/settings", http.StatusOK)
		if !strings.Contains(settings, `id="approvals-form"`) || !strings.Contains(settings, `id="approvals-required" name="required" type="checkbox" checked`) ||
			strings.Contains(settings, `<option value="analyst"`) {
			t.Errorf("the owner's settings do not offer the approval rule as it is (the analyst cannot approve)")
		}
		if strings.Contains(page(t, analyst, "/ui/settings", http.StatusOK), `id="approvals-form"`) {
			t.Errorf("the analyst's settings offer the approval rule")
		}
	})
}
