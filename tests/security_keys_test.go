package tests

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/cli"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

// keysBundle is an API on real Postgres with a secrets key, and one key of
// each role in workspace acme. Ingestion without an active journey needs
// no Temporal.
type keysBundle struct {
	t                    *testing.T
	st                   *store.Store
	dbURL, url           string
	admin, write, client string
}

func setupKeys(t *testing.T) *keysBundle {
	t.Helper()
	ctx := context.Background()
	b := &keysBundle{t: t, dbURL: pgtest.URL(t)}
	st, err := store.Open(ctx, b.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	b.st = st
	if err := st.EnsureWorkspace(ctx, "acme", "Acme"); err != nil {
		t.Fatal(err)
	}
	for role, dst := range map[store.Role]*string{store.RoleAdmin: &b.admin, store.RoleWrite: &b.write, store.RoleClient: &b.client} {
		if *dst, _, err = st.CreateKey(ctx, "acme", role, string(role)); err != nil {
			t.Fatal(err)
		}
	}
	kr, err := settings.NewKeyring(strings.Repeat("k", 32))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: st, Channels: settings.NewResolver(st, settings.Options{Keyring: kr})}))
	t.Cleanup(srv.Close)
	b.url = srv.URL
	return b
}

// do sends body (JSON) with the key (Basic for ingestion, as Segment's
// libraries do; Bearer for /v1 management) and returns the status and body.
func (b *keysBundle) do(method, path, key string, body any) (int, string) {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, b.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

func (b *keysBundle) email(user string) string {
	b.t.Helper()
	p, err := b.st.GetProfile(context.Background(), "acme", user)
	if errors.Is(err, store.ErrNotFound) {
		return ""
	}
	if err != nil {
		b.t.Fatalf("profile %s: %v", user, err)
	}
	return p.Email
}

func (b *keysBundle) secret() string {
	b.t.Helper()
	status, body := b.do("GET", "/v1/workspace/identity-verification", b.admin, nil)
	var out struct{ Secret string }
	if err := json.Unmarshal([]byte(body), &out); err != nil || status != http.StatusOK || out.Secret == "" {
		b.t.Fatalf("identity-verification secret = %d %s", status, body)
	}
	return out.Secret
}

func hashOf(secret, user string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(user))
	return hex.EncodeToString(mac.Sum(nil))
}

func identify(user, email, hash string) map[string]any {
	call := map[string]any{"userId": user, "traits": map[string]any{"email": email}}
	if hash != "" {
		call["context"] = map[string]any{"userHash": hash}
	}
	return call
}

// TestSecurityKeysClientKeyNeedsIdentityVerification: a key read out of a
// web page cannot identify a customer and change their email; with the
// hash the workspace's backend computes, it can; a server write key keeps
// every right.
func TestSecurityKeysClientKeyNeedsIdentityVerification(t *testing.T) {
	b := setupKeys(t)
	if status, body := b.do("POST", "/v1/identify", b.write, identify("u_victim", "victim@example.com", "")); status != http.StatusOK {
		t.Fatalf("a write key identifies: %d %s", status, body)
	}

	t.Run("RefusedWithoutHash", func(t *testing.T) {
		status, body := b.do("POST", "/v1/identify", b.client, identify("u_victim", "evil@example.com", ""))
		if status != http.StatusForbidden || !strings.Contains(body, `"field":"context.userHash"`) {
			t.Errorf("client identify without hash = %d %s, want 403 naming context.userHash", status, body)
		}
		for _, typ := range []string{"alias", "group"} {
			call := map[string]any{"userId": "u_victim", "previousId": "anon", "groupId": "g1"}
			if status, body := b.do("POST", "/v1/"+typ, b.client, call); status != http.StatusForbidden {
				t.Errorf("client %s without hash = %d %s, want 403", typ, status, body)
			}
		}
		track := map[string]any{"userId": "u_victim", "event": "Opened", "context": map[string]any{"device": map[string]any{"token": "attacker-device"}}}
		if status, body := b.do("POST", "/v1/track", b.client, track); status != http.StatusForbidden || !strings.Contains(body, "context.device.token") {
			t.Errorf("client track setting a push token = %d %s, want 403 naming context.device.token", status, body)
		}
		if got := b.email("u_victim"); got != "victim@example.com" {
			t.Errorf("the victim's email is %q after refused calls", got)
		}
	})
	t.Run("RefusedWithWrongHash", func(t *testing.T) {
		wrong := hashOf(b.secret(), "u_attacker") // the attacker's own valid hash
		status, body := b.do("POST", "/v1/identify", b.client, identify("u_victim", "evil@example.com", wrong))
		if status != http.StatusForbidden || !strings.Contains(body, "does not verify") {
			t.Errorf("client identify with another user's hash = %d %s, want 403", status, body)
		}
		if got := b.email("u_victim"); got != "victim@example.com" {
			t.Errorf("the victim's email is %q", got)
		}
	})
	t.Run("TracksWithoutHash", func(t *testing.T) {
		call := map[string]any{"anonymousId": "a1", "event": "Viewed", "context": map[string]any{"timezone": "Asia/Tokyo"}}
		if status, body := b.do("POST", "/v1/track", b.client, call); status != http.StatusOK {
			t.Errorf("client track = %d %s", status, body)
		}
		if status, body := b.do("POST", "/v1/page", b.client, map[string]any{"anonymousId": "a1", "name": "Home"}); status != http.StatusOK {
			t.Errorf("client page = %d %s", status, body)
		}
	})
	t.Run("IdentifiesWithHash", func(t *testing.T) {
		h := hashOf(b.secret(), "u_victim")
		if status, body := b.do("POST", "/v1/identify", b.client, identify("u_victim", "new@example.com", h)); status != http.StatusOK {
			t.Fatalf("client identify with the right hash = %d %s", status, body)
		}
		if got := b.email("u_victim"); got != "new@example.com" {
			t.Errorf("email = %q after a verified identify", got)
		}
	})
	t.Run("BatchRefusesPerCall", func(t *testing.T) {
		secret := b.secret()
		batch := map[string]any{"batch": []any{
			map[string]any{"type": "identify", "userId": "u_b1", "traits": map[string]any{"email": "evil@example.com"}},
			map[string]any{"type": "track", "userId": "u_b2", "event": "Viewed", "messageId": "m_b2"},
			map[string]any{"type": "identify", "userId": "u_b3", "traits": map[string]any{"email": "b3@example.com"},
				"context": map[string]any{"userHash": hashOf(secret, "u_b3")}},
		}}
		status, body := b.do("POST", "/v1/batch", b.client, batch)
		if status != http.StatusBadRequest || !strings.Contains(body, `"field":"batch[0].context.userHash"`) ||
			strings.Contains(body, "batch[1]") || strings.Contains(body, "batch[2]") || !strings.Contains(body, "2 of 3 calls") {
			t.Errorf("client batch = %d %s, want 400 naming batch[0] only, 2 of 3 accepted", status, body)
		}
		if b.email("u_b1") != "" || b.email("u_b3") != "b3@example.com" {
			t.Errorf("emails after the batch: u_b1 %q, u_b3 %q", b.email("u_b1"), b.email("u_b3"))
		}
	})
	t.Run("MergesOnlyAnonymousVisitors", func(t *testing.T) {
		secret := b.secret()
		before := b.email("u_victim")
		own := map[string]any{"userHash": hashOf(secret, "u_attacker")}
		takeovers := map[string]map[string]any{
			"identify": {"userId": "u_attacker", "anonymousId": "u_victim", "context": own},
			"alias":    {"userId": "u_attacker", "previousId": "u_victim", "context": own},
		}
		for typ, call := range takeovers {
			status, body := b.do("POST", "/v1/"+typ, b.client, call)
			if status != http.StatusForbidden || !strings.Contains(body, "known customer") {
				t.Errorf("%s merging the victim into the attacker's verified profile = %d %s, want 403", typ, status, body)
			}
		}
		if got := b.email("u_victim"); got != before {
			t.Errorf("the victim's email moved: %q, want %q", got, before)
		}
		if status, body := b.do("POST", "/v1/track", b.client, map[string]any{"anonymousId": "a_visitor", "event": "Viewed"}); status != http.StatusOK {
			t.Fatalf("visitor track = %d %s", status, body)
		}
		login := map[string]any{"userId": "u_new", "anonymousId": "a_visitor", "context": map[string]any{"userHash": hashOf(secret, "u_new")}}
		if status, body := b.do("POST", "/v1/identify", b.client, login); status != http.StatusOK {
			t.Fatalf("a verified login merging its own visitor = %d %s", status, body)
		}
		p, err := b.st.GetProfile(context.Background(), "acme", "u_new")
		if err != nil || !slices.Contains(p.AnonymousIDs, "a_visitor") {
			t.Errorf("u_new = %+v, %v; want a_visitor merged in", p, err)
		}
	})
	t.Run("RotationRetiresOldHashes", func(t *testing.T) {
		old := hashOf(b.secret(), "u_victim")
		if status, body := b.do("POST", "/v1/workspace/identity-verification/rotate", b.admin, nil); status != http.StatusOK {
			t.Fatalf("rotate = %d %s", status, body)
		}
		if status, body := b.do("POST", "/v1/identify", b.client, identify("u_victim", "x@example.com", old)); status != http.StatusForbidden {
			t.Errorf("identify with a hash of the rotated secret = %d %s, want 403", status, body)
		}
	})
}

// TestSecurityKeysClientKeyOnlySendsEvents: a client key reaches no
// management route, no secret, and no report page.
func TestSecurityKeysClientKeyOnlySendsEvents(t *testing.T) {
	b := setupKeys(t)
	for _, r := range [][2]string{
		{"GET", "/v1/journeys"}, {"GET", "/v1/profiles/u1"}, {"DELETE", "/v1/profiles/u1"}, {"GET", "/v1/profiles/export"},
		{"GET", "/v1/workspace/identity-verification"}, {"POST", "/v1/workspace/identity-verification/rotate"},
		{"PUT", "/v1/channels/email"}, {"GET", "/v1/outbox"},
	} {
		if status, body := b.do(r[0], r[1], b.client, map[string]any{}); status != http.StatusForbidden {
			t.Errorf("client key %s %s = %d %s, want 403", r[0], r[1], status, body)
		}
	}
	status, body := b.do("POST", "/v1/push/opened", b.client, map[string]any{"messageId": "nope", "userId": "u1"})
	if status != http.StatusNotFound {
		t.Errorf("client key push opened = %d %s, want 404 (allowed, no such message)", status, body)
	}
	// The console login takes people, not keys: a key typed as the password is refused.
	form := strings.NewReader("email=ops%40example.com&password=" + b.client + "&next=/ui/")
	resp, err := http.Post(b.url+"/ui/login", "application/x-www-form-urlencoded", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) > 0 {
		t.Errorf("UI login with a client key = %d cookies %v, want 401 and none", resp.StatusCode, resp.Cookies())
	}
}

// TestSecurityKeysCLI creates a client key and reads and rotates the
// verification secret with the tabiji command.
func TestSecurityKeysCLI(t *testing.T) {
	b := setupKeys(t)
	run := func(args ...string) string {
		var out, errOut bytes.Buffer
		if err := cli.Run(context.Background(), args, &out, &errOut); err != nil {
			t.Fatalf("tabiji %v: %v\n%s%s", args, err, out.String(), errOut.String())
		}
		return out.String()
	}
	out := run("keys", "create", "--workspace", "acme", "--role", "client", "--database-url", b.dbURL)
	if !regexp.MustCompile(`tbj_c_[0-9A-Za-z]{32}`).MatchString(out) {
		t.Errorf("keys create --role client = %s", out)
	}
	api := []string{"--api-url", b.url, "--admin-key", b.admin}
	first := run(append([]string{"keys", "verification-secret"}, api...)...)
	if !strings.Contains(first, b.secret()) {
		t.Errorf("verification-secret = %s, want the API's secret", first)
	}
	rotated := run(append([]string{"keys", "verification-secret", "--rotate"}, api...)...)
	if strings.Contains(rotated, strings.TrimSpace(strings.Split(first, "\n")[2])) || !strings.Contains(rotated, b.secret()) {
		t.Errorf("verification-secret --rotate = %s (before: %s)", rotated, first)
	}
}

// TestSecurityKeysCORS: a web page of an origin the workspace allows may
// send events with a client key; one of another origin may not, and no
// page may read management routes.
func TestSecurityKeysCORS(t *testing.T) {
	b := setupKeys(t)
	if status, body := b.do("PUT", "/v1/workspace/allowed-origins", b.admin, map[string]any{"origins": []string{"https://shop.example"}}); status != http.StatusOK {
		t.Fatalf("allowed origins = %d %s", status, body)
	}
	preflight := func(path, origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, b.url+path, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, path := range []string{"/v1/track", "/v1/batch", "/v1/identify", "/v1/push/opened", "/v1/t", "/v1/b"} {
		resp := preflight(path, "https://shop.example")
		if resp.StatusCode/100 != 2 || resp.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" ||
			!strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "authorization") {
			t.Errorf("preflight %s = %d %v", path, resp.StatusCode, resp.Header)
		}
		if resp := preflight(path, "https://evil.example"); resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight %s from another origin allowed: %v", path, resp.Header)
		}
	}
	if resp := preflight("/v1/journeys", "https://shop.example"); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight of a management route allowed: %v", resp.Header)
	}
	send := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, b.url+"/v1/track", strings.NewReader(`{"anonymousId":"a","event":"Viewed"}`))
		req.Header.Set("Origin", origin)
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(b.client, "")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := send("https://shop.example"); resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
		t.Errorf("track from the shop's page = %d %v", resp.StatusCode, resp.Header)
	}
	if resp := send("https://evil.example"); resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("track from another origin = %d %v, want 403 without CORS headers", resp.StatusCode, resp.Header)
	}
}
