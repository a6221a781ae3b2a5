package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tabiji/tabiji/devtemporal"
	"github.com/tabiji/tabiji/payloadcodec"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// What the customer and the message hold, which Temporal must not show.
const (
	codecEmail = "hanako.codec@example.jp"
	codecTrait = "Hanako-Trait-7f3a"
	codecBody  = "Your private offer CODEC-BODY-91c2"
	codecUser  = "u_codec_42"
)

// startCodecJourney runs a journey whose email names a trait, for a
// customer with an email address, until the email is in the outbox.
func startCodecJourney(t *testing.T, s *stack) string {
	t.Helper()
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "codec", "name": "Codec", "definition": map[string]any{
		"entry": map[string]any{"event": "codec_signup"},
		"nodes": []any{
			map[string]any{"id": "mail", "kind": "send", "channel": "email", "next": "done",
				"template": map[string]any{"subject": "Hi", "body": "{{ customer.traits.nickname }}: " + codecBody}},
			map[string]any{"id": "done", "kind": "exit"},
		}}}, http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/codec/activate", "admin", nil, http.StatusOK, nil)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": codecUser, "messageId": "codec-id",
		"traits": map[string]any{"email": codecEmail, "nickname": codecTrait}}, http.StatusOK, nil)
	s.trackProps(codecUser, "codec_signup", "codec-1", map[string]any{"coupon": codecTrait})
	eventually(t, 30*time.Second, "the email in the outbox", func() bool { return len(s.outbox(codecUser).Messages) == 1 })
	if body := s.outbox(codecUser).Messages[0].Body; !strings.Contains(body, codecTrait+": "+codecBody) {
		t.Fatalf("sent body %q lacks the trait and text", body)
	}
	return workflows.JourneyWorkflowID("default", "codec", codecUser)
}

// rawHistory reads a run's history through a client without the codec, as
// someone with Temporal access but not the key would.
func rawHistory(t *testing.T, frontend, workflowID string) *historypb.History {
	t.Helper()
	bare, err := client.Dial(client.Options{HostPort: frontend, Namespace: "default",
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	var h historypb.History
	it := bare.GetWorkflowHistory(context.Background(), workflowID, "", false, 0)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, ev)
	}
	return &h
}

func decodedHistory(t *testing.T, codec *payloadcodec.Codec, h *historypb.History) []byte {
	t.Helper()
	clone := proto.Clone(h)
	err := proxy.VisitPayloads(context.Background(), clone, proxy.VisitPayloadsOptions{
		Visitor: func(_ *proxy.VisitPayloadsContext, p []*commonpb.Payload) ([]*commonpb.Payload, error) {
			return codec.Decode(p)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := proto.Marshal(clone)
	return raw
}

// TestSecurityCodecHistoriesAreEncrypted: a journey's history, read without
// the key, holds neither the customer's email and traits nor the message
// body, and neither does Temporal's database file; the search attributes
// still find the run by customer; with the key the trait and the body
// decode (the email is not in the history at all).
func TestSecurityCodecHistoriesAreEncrypted(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	id := startCodecJourney(t, s)
	eventually(t, 30*time.Second, "the run to end", func() bool { return s.historyHas(id, enums.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) })

	h := rawHistory(t, s.server.FrontendAddress(), id)
	raw, _ := proto.Marshal(h)
	plain := decodedHistory(t, s.codec, h)
	// The trait travels in the event's properties and the body in the
	// definition, so both are in the history, encrypted. The email address
	// is not in it at all: a lean run leaves reading the profile to Send.
	for _, secret := range []string{codecEmail, codecTrait, codecBody} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the history read without the key holds %q", secret)
		}
		if secret != codecEmail && !bytes.Contains(plain, []byte(secret)) {
			t.Errorf("the history decoded with the key lacks %q: the check above proves nothing", secret)
		}
	}
	var encrypted int
	_ = proxy.VisitPayloads(context.Background(), h, proxy.VisitPayloadsOptions{SkipSearchAttributes: true,
		Visitor: func(_ *proxy.VisitPayloadsContext, p []*commonpb.Payload) ([]*commonpb.Payload, error) {
			for _, one := range p {
				if string(one.Metadata[converter.MetadataEncoding]) != payloadcodec.Encoding {
					t.Errorf("a payload in clear: %s", one.Metadata[converter.MetadataEncoding])
				} else if ws := string(one.Metadata[payloadcodec.MetadataWorkspace]); ws != "default" {
					t.Errorf("a payload of workspace %q, want default", ws)
				}
				encrypted++
			}
			return p, nil
		}})
	if encrypted < 3 {
		t.Errorf("%d encrypted payloads in the history, want the input, the profile and the send's", encrypted)
	}

	t.Run("SearchAttributesStayReadable", func(t *testing.T) {
		resp, err := s.temporal.WorkflowService().ListWorkflowExecutions(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: s.server.Namespace(), Query: workflows.AttrCustomer.GetName() + " = '" + codecUser + "'"})
		if err != nil || len(resp.Executions) != 1 {
			t.Fatalf("list by customer: %v, %v", resp, err)
		}
		var customer string
		p := resp.Executions[0].GetSearchAttributes().GetIndexedFields()[workflows.AttrCustomer.GetName()]
		if err := converter.GetDefaultDataConverter().FromPayload(p, &customer); err != nil || customer != codecUser {
			t.Errorf("TabijiCustomer = %q, %v; want %s readable without the key", customer, err, codecUser)
		}
		sa, _ := proto.Marshal(resp.Executions[0].GetSearchAttributes())
		for _, secret := range []string{codecEmail, codecTrait, codecBody} {
			if bytes.Contains(sa, []byte(secret)) {
				t.Errorf("a search attribute carries %q", secret)
			}
		}
	})

	t.Run("TemporalsDatabaseHoldsNoneInClear", func(t *testing.T) {
		files, _ := filepath.Glob(filepath.Join(s.dataDir, devtemporal.DatabaseFile+"*"))
		var db []byte
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			db = append(db, b...)
		}
		if !bytes.Contains(db, []byte(codecUser)) {
			t.Fatalf("the customer id is not in %v either: the scan sees nothing", files)
		}
		for _, secret := range []string{codecEmail, codecTrait, codecBody} {
			if bytes.Contains(db, []byte(secret)) {
				t.Errorf("Temporal's database holds %q in clear", secret)
			}
		}
	})
}

// codecCall posts payloads to the codec endpoint with the given headers.
func codecCall(t *testing.T, apiURL, op string, headers map[string]string, payloads []*commonpb.Payload) (*http.Response, []byte) {
	t.Helper()
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: payloads})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, apiURL+"/ui/codec/"+op, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", "default")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

func payloadsOf(t *testing.T, raw []byte) []*commonpb.Payload {
	t.Helper()
	var p commonpb.Payloads
	if err := protojson.Unmarshal(raw, &p); err != nil {
		t.Fatalf("codec answer %s: %v", raw, err)
	}
	return p.Payloads
}

// TestSecurityCodecEndpoint: /ui/codec decodes for an admin of the
// payload's workspace (key or console session) and nobody else, and answers
// the Web UI's CORS preflight for its origin only.
func TestSecurityCodecEndpoint(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	id := startCodecJourney(t, s)
	started := rawHistory(t, s.server.FrontendAddress(), id).Events[0].GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()
	ctx := context.Background()
	if err := s.store.EnsureWorkspace(ctx, "other", "Other"); err != nil {
		t.Fatal(err)
	}
	otherAdmin, _, _ := s.store.CreateKey(ctx, "other", store.RoleAdmin, "other admin")
	session := s.ownerSession("default")
	decodes := func(t *testing.T, raw []byte) bool {
		t.Helper()
		got := payloadsOf(t, raw)
		return len(got) == 1 && bytes.Contains(got[0].Data, []byte(codecTrait))
	}

	for name, tc := range map[string]struct {
		headers map[string]string
		status  int
	}{
		"NoCredentials":  {nil, http.StatusUnauthorized},
		"UnknownKey":     {map[string]string{"Authorization": "Bearer tbj_a_nope"}, http.StatusUnauthorized},
		"WriteKey":       {map[string]string{"Authorization": "Bearer " + s.write}, http.StatusForbidden},
		"SessionExpired": {map[string]string{"Cookie": "tabiji_session=stale"}, http.StatusUnauthorized},
	} {
		t.Run("Refuses"+name, func(t *testing.T) {
			resp, raw := codecCall(t, s.url, "decode", tc.headers, started)
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") || bytes.Contains(raw, []byte(codecTrait)) {
				t.Errorf("decode = %d %s %s, want %d problem", resp.StatusCode, resp.Header.Get("Content-Type"), raw, tc.status)
			}
		})
	}
	t.Run("DecodesForAnAdminKey", func(t *testing.T) {
		resp, raw := codecCall(t, s.url, "decode", map[string]string{"Authorization": "Bearer " + s.admin}, started)
		if resp.StatusCode != http.StatusOK || !decodes(t, raw) {
			t.Errorf("decode = %d %s", resp.StatusCode, raw)
		}
	})
	t.Run("DecodesForAConsoleSessionFromTheWebUIOrigin", func(t *testing.T) {
		resp, raw := codecCall(t, s.url, "decode", map[string]string{"Cookie": "tabiji_session=" + session, "Origin": "http://ui.test"}, started)
		if resp.StatusCode != http.StatusOK || !decodes(t, raw) {
			t.Errorf("decode = %d %s", resp.StatusCode, raw)
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "http://ui.test" || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("CORS headers %v", resp.Header)
		}
	})
	t.Run("AnotherWorkspacesAdminGetsThePayloadStillEncrypted", func(t *testing.T) {
		resp, raw := codecCall(t, s.url, "decode", map[string]string{"Authorization": "Bearer " + otherAdmin}, started)
		got := payloadsOf(t, raw)
		if resp.StatusCode != http.StatusOK || len(got) != 1 || !proto.Equal(got[0], started[0]) {
			t.Errorf("decode by another workspace = %d %s", resp.StatusCode, raw)
		}
	})
	t.Run("RefusesAlteredAndMalformedPayloadsNamingThem", func(t *testing.T) {
		altered := proto.Clone(started[0]).(*commonpb.Payload)
		altered.Data[len(altered.Data)-1] ^= 1
		admin := map[string]string{"Authorization": "Bearer " + s.admin}
		resp, raw := codecCall(t, s.url, "decode", admin, []*commonpb.Payload{altered})
		if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(raw, []byte(`"field":"payloads"`)) {
			t.Errorf("altered payload = %d %s", resp.StatusCode, raw)
		}
		req, _ := http.NewRequest(http.MethodPost, s.url+"/ui/codec/decode", strings.NewReader(`{"payloads":"nope"}`))
		req.Header.Set("Authorization", "Bearer "+s.admin)
		r2, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p map[string]any
		_ = json.NewDecoder(r2.Body).Decode(&p)
		r2.Body.Close()
		if r2.StatusCode != http.StatusBadRequest || problemField(p) != "payloads" {
			t.Errorf("malformed body = %d %v", r2.StatusCode, p)
		}
	})
	t.Run("RefusesABodyOver8MB", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, s.url+"/ui/codec/decode", bytes.NewReader(make([]byte, 9<<20)))
		req.Header.Set("Authorization", "Bearer "+s.admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("9 MB body = %d, want 413", resp.StatusCode)
		}
	})
	t.Run("EncodesForTheCallersWorkspace", func(t *testing.T) {
		plain, _ := converter.GetDefaultDataConverter().ToPayload(codecTrait)
		admin := map[string]string{"Authorization": "Bearer " + s.admin}
		resp, raw := codecCall(t, s.url, "encode", admin, []*commonpb.Payload{plain})
		enc := payloadsOf(t, raw)
		if resp.StatusCode != http.StatusOK || len(enc) != 1 || bytes.Contains(enc[0].Data, []byte(codecTrait)) ||
			string(enc[0].Metadata[payloadcodec.MetadataWorkspace]) != "default" {
			t.Fatalf("encode = %d %s", resp.StatusCode, raw)
		}
		if _, raw := codecCall(t, s.url, "decode", admin, enc); !decodes(t, raw) {
			t.Errorf("round trip through the endpoint: %s", raw)
		}
	})
	t.Run("PreflightAllowsOnlyTheWebUIOrigin", func(t *testing.T) {
		for origin, allowed := range map[string]bool{"http://ui.test": true, "https://evil.example": false} {
			req, _ := http.NewRequest(http.MethodOptions, s.url+"/ui/codec/decode", nil)
			req.Header.Set("Origin", origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "content-type,x-namespace")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("Access-Control-Allow-Origin")
			if resp.StatusCode/100 != 2 || (got == origin) != allowed || (allowed && resp.Header.Get("Access-Control-Allow-Credentials") != "true") {
				t.Errorf("preflight from %s = %d, Allow-Origin %q, headers %v", origin, resp.StatusCode, got, resp.Header)
			}
		}
	})
}

// TestSecurityCodecDevWiresTheWebUI: `tabiji dev` points its Web UI at the
// API's codec endpoint with credentials, and a person logged in to the
// console decodes from the Web UI's origin with the session cookie alone.
func TestSecurityCodecDevWiresTheWebUI(t *testing.T) {
	d := startDev(t, t.TempDir())
	defer d.stop(t)
	s := &stack{t: t, url: d.info["API"], admin: d.info["Admin key"], write: d.info["Write key"]}
	ui := d.info["Temporal Web UI"]
	resp, err := http.Get(ui + "/api/v1/settings")
	if err != nil {
		t.Fatal(err)
	}
	var settings struct {
		Codec struct {
			Endpoint, DefaultErrorLink          string
			IncludeCredentials, PassAccessToken bool
		}
	}
	err = json.NewDecoder(resp.Body).Decode(&settings)
	resp.Body.Close()
	if err != nil || settings.Codec.Endpoint != s.url+"/ui/codec" || !settings.Codec.IncludeCredentials ||
		settings.Codec.PassAccessToken || settings.Codec.DefaultErrorLink != s.url+"/ui/login" {
		t.Fatalf("Web UI codec settings = %+v, %v; want endpoint %s/ui/codec with credentials", settings.Codec, err, s.url)
	}

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	login, err := noRedirect.PostForm(s.url+"/ui/login", url.Values{"email": {d.info["Console login"]}, "password": {d.info["Console password"]}, "next": {"/ui/"}})
	if err != nil {
		t.Fatal(err)
	}
	login.Body.Close()
	var session string
	for _, c := range login.Cookies() {
		if strings.HasSuffix(c.Name, "tabiji_session") {
			session = c.Name + "=" + c.Value
		}
	}
	if session == "" {
		t.Fatalf("login = %d without a session cookie", login.StatusCode)
	}

	id := startCodecJourney(t, s)
	input := rawHistory(t, d.info["Temporal gRPC"], id).Events[0].GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()
	uiOrigin := strings.TrimSuffix(ui, "/")
	res, raw := codecCall(t, s.url, "decode", map[string]string{"Cookie": session, "Origin": uiOrigin}, input)
	got := payloadsOf(t, raw)
	if res.StatusCode != http.StatusOK || len(got) != 1 || !bytes.Contains(got[0].Data, []byte(codecTrait)) {
		t.Errorf("decode with the console session = %d %s", res.StatusCode, raw)
	}
	if res.Header.Get("Access-Control-Allow-Origin") != uiOrigin || res.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("CORS for the Web UI's origin %s: %v", uiOrigin, res.Header)
	}
}
