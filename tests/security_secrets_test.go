package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/proxy"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/outbound"
	"github.com/tabiji/tabiji/secrets"
	"github.com/tabiji/tabiji/worker"
	"github.com/tabiji/tabiji/workflows"
)

// clearHistory is everything a run's history holds, its payloads decoded
// with the stack's codec: what anyone with the codec (or Web UI access
// with it) could read.
func (s *stack) clearHistory(workflowID string) []byte {
	s.t.Helper()
	var out bytes.Buffer
	iter := s.temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			s.t.Fatal(err)
		}
		err = proxy.VisitPayloads(context.Background(), ev, proxy.VisitPayloadsOptions{
			Visitor: func(_ *proxy.VisitPayloadsContext, p []*commonpb.Payload) ([]*commonpb.Payload, error) {
				plain, err := s.codec.Decode(p)
				for _, x := range plain {
					out.Write(x.GetData())
				}
				return plain, err
			},
		})
		if err != nil {
			s.t.Fatal(err)
		}
		raw, _ := protojson.Marshal(ev) // failure messages are plain text
		out.Write(raw)
	}
	return out.Bytes()
}

// TestSecurityOutboundSecretsStayOutOfJourneysAndHistories: a webhook
// header, URL and body carry a CRM token as {{ secrets.crm_token }}. The
// receiver gets the token; the stored journey version, the secrets table
// and the run's whole history (payloads decoded) do not hold it. A
// reference to an unknown secret is a 422 naming the field; a secret
// deleted after the save fails the step with a clear error.
func TestSecurityOutboundSecretsStayOutOfJourneysAndHistories(t *testing.T) {
	s := startStack(t)
	const token = "crm-tok-7Hq2xZ9pLw4Rv8Ns"
	keys, err := settings.NewKeyring("e2e-secrets-key-0123456789abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	s.handler.Store(api.NewServer(api.Deps{Store: s.store, Temporal: s.temporal, Namespace: s.server.Namespace(),
		TaskQueue: taskQueue, Channels: settings.NewResolver(s.store, settings.Options{Keyring: keys})}))
	w := worker.New(s.temporal, s.store, taskQueue, activities.Options{
		Outbound: outbound.New(outbound.Options{Allow: outbound.MustParseAllowlist("127.0.0.1")}), // the CRM is local
		Secrets:  secrets.NewVault(s.store, keys)})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	type hit struct {
		auth, query string
		body        map[string]any
	}
	hits := make(chan hit, 4)
	crm := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		hits <- hit{r.Header.Get("Authorization"), r.URL.Query().Get("key"), body}
		rw.WriteHeader(http.StatusAccepted)
	}))
	defer crm.Close()

	var put map[string]any
	s.call("PUT", "/v1/secrets/crm_token", "admin", map[string]any{"value": token}, http.StatusCreated, &put)
	var list map[string]any
	s.call("GET", "/v1/secrets", "admin", nil, http.StatusOK, &list)
	if shown := mustJSON(t, put) + mustJSON(t, list); strings.Contains(shown, token) || !strings.Contains(shown, "crm_token") {
		t.Errorf("answers show the value or miss the name: %s", shown)
	}
	definition := func(ref string) string {
		return `{"entry":{"event":"lead"},"nodes":[
			{"id":"crm","kind":"webhook","url":"` + crm.URL + `/hook?key={{ secrets.` + ref + ` }}",
			 "headers":{"Authorization":"Bearer {{ secrets.` + ref + ` }}"},
			 "body":{"token":"{{ secrets.` + ref + ` }}","who":"{{ customer.id }}"},"next":"done"},
			{"id":"done","kind":"exit"}]}`
	}

	t.Run("AnUnknownSecretIsA422NamingTheField", func(t *testing.T) {
		status, _, body := s.raw("POST", "/v1/journeys", map[string]string{"Authorization": "Bearer " + s.admin, "Content-Type": "application/json"},
			`{"id":"crm_bad","name":"CRM","definition":`+definition("crm_tokn")+`}`)
		if status != http.StatusUnprocessableEntity || !strings.Contains(mustJSON(t, body), `"field":"definition.nodes[0].headers.Authorization"`) {
			t.Errorf("= %d %v, want 422 naming definition.nodes[0].headers.Authorization", status, body)
		}
	})

	s.createActive("crm_sync", definition("crm_token"))
	t.Run("TheReceiverGetsTheSecret", func(t *testing.T) {
		s.track("lead_1", "lead", "m_crm_1")
		select {
		case h := <-hits:
			if h.auth != "Bearer "+token || h.query != token || h.body["token"] != token || h.body["who"] != "lead_1" {
				t.Errorf("the CRM got %+v", h)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the CRM got no webhook within 30 s")
		}
	})

	t.Run("NeitherTheJourneyNorTheHistoryHoldsIt", func(t *testing.T) {
		wid := workflows.JourneyWorkflowID("default", "crm_sync", "lead_1")
		eventually(t, 30*time.Second, "the run to end", func() bool { return s.status(wid) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED })
		var stored string
		s.queryRow(`SELECT string_agg(definition::text, ' ') FROM journey_versions WHERE journey_id = 'crm_sync'`, &stored)
		if strings.Contains(stored, token) || !strings.Contains(stored, "secrets.crm_token") {
			t.Errorf("journey_versions holds the value, or lost the reference: %s", stored)
		}
		var sealed []byte
		s.queryRow(`SELECT sealed FROM workspace_secrets WHERE name = 'crm_token'`, &sealed)
		if bytes.Contains(sealed, []byte(token)) {
			t.Error("workspace_secrets holds the value in clear")
		}
		if h := s.clearHistory(wid); bytes.Contains(h, []byte(token)) || !bytes.Contains(h, []byte("secrets.crm_token")) {
			t.Errorf("the history holds the value (or not the reference)")
		}
	})

	t.Run("ADeletedSecretFailsTheStepClearly", func(t *testing.T) {
		s.call("DELETE", "/v1/secrets/crm_token", "admin", nil, http.StatusNoContent, nil)
		s.track("lead_2", "lead", "m_crm_2")
		wid := workflows.JourneyWorkflowID("default", "crm_sync", "lead_2")
		eventually(t, 30*time.Second, "the run to end", func() bool { return s.exists(wid) && s.status(wid) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED })
		var outcome string
		for _, st := range s.state(wid).Steps {
			if st.Node == "crm" {
				outcome = st.Outcome
			}
		}
		if !strings.Contains(outcome, `"crm_token" is not a secret of this workspace`) {
			t.Errorf("crm step outcome = %q, want a clear error naming crm_token", outcome)
		}
		if len(hits) != 0 {
			t.Errorf("the CRM got %d more webhooks", len(hits))
		}
	})
}
