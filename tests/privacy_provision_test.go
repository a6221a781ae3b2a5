package tests

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/outbound"
	"github.com/tabiji/tabiji/worker"
)

type provisionRow struct {
	Customer, Journey, Recipient, Host string
	Items                              []string
	ProvidedAt                         time.Time
}

// TestProvisionRecordsOfAWebhook: a journey's webhook node sends a
// customer's email and plan to a CRM; the record of that provision (date,
// recipient, customer, the items sent) is listed by the API (JSON and CSV)
// and the CLI, is in the customer's disclosure, and outlives the
// customer's erasure under the id's hash, still found by the id. Bad
// queries are 4xx naming the field.
func TestProvisionRecordsOfAWebhook(t *testing.T) {
	s := startStack(t)
	w := worker.New(s.temporal, s.store, taskQueue, activities.Options{
		Outbound: outbound.New(outbound.Options{Allow: outbound.MustParseAllowlist("127.0.0.1")})}) // the CRM is local
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	got := make(chan map[string]any, 4)
	crm := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var body map[string]any
		raw, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(raw, &body)
		got <- body
		rw.WriteHeader(http.StatusAccepted)
	}))
	defer crm.Close()
	s.createActive("crm_sync", `{"entry":{"event":"crm_signup"},"nodes":[
		{"id":"crm","kind":"webhook","url":"`+crm.URL+`/contacts","recipient":"Acme CRM 株式会社",
		 "body":{"email":"{{ customer.email }}","plan":"{{ event.properties.plan }}"},"next":"done"},
		{"id":"done","kind":"exit"}]}`)
	s.segment("/v1/identify", `{"userId":"u_prov","messageId":"prov-1","traits":{"email":"prov@example.jp"}}`)
	s.trackProps("u_prov", "crm_signup", "prov-2", map[string]any{"plan": "gold"})
	select {
	case body := <-got:
		if body["email"] != "prov@example.jp" || body["plan"] != "gold" {
			t.Errorf("the CRM got %v", body)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the CRM got no webhook within 30 s")
	}
	var page struct{ Provisions []provisionRow }
	eventually(t, 10*time.Second, "the record of provision", func() bool {
		s.call("GET", "/v1/profiles/u_prov/provisions", "admin", nil, http.StatusOK, &page)
		return len(page.Provisions) == 1
	})
	p := page.Provisions[0]
	if p.Customer != "u_prov" || p.Journey != "crm_sync" || p.Recipient != "Acme CRM 株式会社" || p.Host != "127.0.0.1" ||
		!slices.Equal(p.Items, []string{"email", "plan"}) || time.Since(p.ProvidedAt) > time.Minute {
		t.Errorf("record = %+v", p)
	}

	t.Run("ExportsThemAsCSVAndThroughTheCLI", func(t *testing.T) {
		status, raw := s.send("GET", "/v1/provisions?format=csv&since=2020-01-01T00:00:00%2B09:00", "", "", "")
		text := string(raw)
		if status != http.StatusOK || !strings.HasPrefix(text, "id,provided_at,customer,journey,recipient,host,items\n") ||
			!strings.Contains(text, ",u_prov,crm_sync,Acme CRM 株式会社,127.0.0.1,email plan\n") {
			t.Errorf("CSV = %d\n%s", status, text)
		}
		var out, errOut bytes.Buffer
		if err := runCLI([]string{"privacy", "provisions", "--customer", "u_prov", "--api-url", s.url, "--admin-key", s.admin}, &out, &errOut); err != nil ||
			!strings.Contains(out.String(), "Acme CRM 株式会社") || !strings.Contains(out.String(), "email plan") {
			t.Errorf("tabiji privacy provisions = %v\n%s%s", err, out.String(), errOut.String())
		}
		file := filepath.Join(t.TempDir(), "provisions.csv")
		if err := runCLI([]string{"privacy", "provisions", "--csv", "--out", file, "--api-url", s.url, "--admin-key", s.admin}, &out, &errOut); err != nil {
			t.Errorf("tabiji privacy provisions --csv = %v\n%s", err, errOut.String())
		}
		if saved, err := os.ReadFile(file); err != nil || string(saved) != text {
			t.Errorf("the CLI's CSV (%v):\n%s\nwant the API's:\n%s", err, saved, text)
		}
		out.Reset()
		var listed struct{ Provisions []provisionRow }
		if err := runCLI([]string{"privacy", "provisions", "-o", "json", "--api-url", s.url, "--admin-key", s.admin}, &out, &errOut); err != nil ||
			json.Unmarshal(out.Bytes(), &listed) != nil || len(listed.Provisions) != 1 || listed.Provisions[0].Recipient != p.Recipient {
			t.Errorf("tabiji privacy provisions -o json = %v\n%s%s", err, out.String(), errOut.String())
		}
	})
	t.Run("TheDisclosureHoldsThem", func(t *testing.T) {
		var doc struct {
			Sections struct {
				ProvisionRecords []struct{ Recipient string } `json:"provision_records"`
			} `json:"sections"`
		}
		s.call("GET", "/v1/profiles/u_prov/export", "admin", nil, http.StatusOK, &doc)
		if len(doc.Sections.ProvisionRecords) != 1 || doc.Sections.ProvisionRecords[0].Recipient != "Acme CRM 株式会社" {
			t.Errorf("disclosure's provision records = %+v", doc.Sections.ProvisionRecords)
		}
	})
	t.Run("BadQueriesNameTheField", func(t *testing.T) {
		for query, field := range map[string]string{"since=yesterday": "since", "until=2026-13-01": "until", "format=xml": "format", "limit=-1": "limit"} {
			status, _, body := s.raw("GET", "/v1/provisions?"+query, map[string]string{"Authorization": "Bearer " + s.admin}, "")
			if status/100 != 4 || problemField(body) != field {
				t.Errorf("?%s = %d %v, want a 4xx naming %s", query, status, body, field)
			}
		}
	})
	t.Run("AnErasureKeepsThemUnderTheHash", func(t *testing.T) {
		s.call("DELETE", "/v1/profiles/u_prov", "admin", nil, http.StatusOK, nil)
		s.call("GET", "/v1/profiles/u_prov/provisions", "admin", nil, http.StatusOK, &page)
		if len(page.Provisions) != 1 || !strings.HasPrefix(page.Provisions[0].Customer, "erased:") ||
			page.Provisions[0].Recipient != p.Recipient || !page.Provisions[0].ProvidedAt.Equal(p.ProvidedAt) {
			t.Errorf("records after the erasure = %+v, want the one kept under the id's hash", page.Provisions)
		}
		var all struct{ Provisions []provisionRow }
		s.call("GET", "/v1/provisions", "admin", nil, http.StatusOK, &all)
		if strings.Contains(mustJSON(t, all), "u_prov") {
			t.Errorf("the records still name the erased id: %+v", all)
		}
	})
}
