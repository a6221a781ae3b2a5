package providertest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FCMProject is the project of the credentials the FCM fake writes.
const FCMProject = "tabiji-test"

// FCM is a fake Firebase Cloud Messaging HTTP v1 API. No OpenAPI
// description of FCM is kept in the shared specs, so it checks requests by
// hand against the documented v1 message: POST
// /v1/projects/{project}/messages:send with the OAuth token it issued,
// {"message":{…}} with exactly one of token, topic and condition, string
// notification fields, a string-to-string data map, and no unknown members.
type FCM struct {
	*Server
	unregistered map[string]bool
}

// accessToken is the OAuth token the fake's token endpoint issues.
const accessToken = "fcm-fake-access-token" //nolint:gosec // G101: the fake's own token, not a credential

// NewFCM starts a fake FCM and its OAuth token endpoint (/token).
func NewFCM(t testing.TB) *FCM {
	t.Helper()
	f := &FCM{Server: newServer(t, "", fcmError), unregistered: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("/", f.serve(f.check, f.send))
	f.start(mux)
	return f
}

// Unregister makes the fake answer 404 UNREGISTERED for token, as FCM does
// once an app is uninstalled.
func (f *FCM) Unregister(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.unregistered[token] = true
}

// CredentialsFile writes a service account key whose token_uri is the
// fake's token endpoint and returns its path.
func (f *FCM) CredentialsFile(t testing.TB) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("providertest: generate key: %v", err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	creds, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": FCMProject, "private_key_id": "k1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "tabiji@" + FCMProject + ".iam.gserviceaccount.com", "client_id": "1",
		"token_uri": f.URL + "/token",
	})
	path := filepath.Join(t.TempDir(), "fcm.json")
	if err := os.WriteFile(path, creds, 0o600); err != nil {
		t.Fatalf("providertest: write credentials: %v", err)
	}
	return path
}

// token answers the service account's JWT-bearer grant.
func (f *FCM) token(w http.ResponseWriter, r *http.Request) {
	if r.FormValue("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || strings.Count(r.FormValue("assertion"), ".") != 2 {
		f.reject(w, r, errorString("token: want a jwt-bearer grant with a signed assertion"))
		return
	}
	b, _ := json.Marshal(map[string]any{"access_token": accessToken, "token_type": "Bearer", "expires_in": 3600})
	writeJSON(w, http.StatusOK, b)
}

var fcmMessageMembers = map[string]bool{
	"name": true, "data": true, "notification": true, "android": true, "webpush": true, "apns": true,
	"fcm_options": true, "token": true, "topic": true, "condition": true,
}

// check is the hand check of a send request.
func (f *FCM) check(r *http.Request, body []byte) error {
	want := "/v1/projects/" + FCMProject + "/messages:send"
	switch {
	case r.Method != http.MethodPost || r.URL.Path != want:
		return fmt.Errorf("want POST %s", want)
	case r.Header.Get("Authorization") != "Bearer "+accessToken:
		return errorString("Authorization: want the access token the token endpoint issued")
	}
	var req struct {
		ValidateOnly *bool                      `json:"validate_only"`
		Message      map[string]json.RawMessage `json:"message"`
	}
	if err := strict(body, &req); err != nil || req.Message == nil {
		return fmt.Errorf("body: want {\"message\":{…}} (%w)", err)
	}
	targets := 0
	for k := range req.Message {
		if !fcmMessageMembers[k] {
			return fmt.Errorf("message.%s: unknown member", k)
		}
		if k == "token" || k == "topic" || k == "condition" {
			targets++
		}
	}
	if targets != 1 {
		return errorString("message: want exactly one of token, topic and condition")
	}
	var data map[string]string
	if err := json.Unmarshal(orNull(req.Message["data"]), &data); err != nil {
		return fmt.Errorf("message.data: want an object of strings: %w", err)
	}
	var n struct{ Title, Body, Image string }
	if err := strict(orNull(req.Message["notification"]), &n); err != nil {
		return fmt.Errorf("message.notification: want title, body and image strings: %w", err)
	}
	return nil
}

// send answers 200 with the message name, or 404 UNREGISTERED for a token
// Unregister named.
func (f *FCM) send(w http.ResponseWriter, _ *http.Request, body []byte) int {
	var req struct {
		Message struct{ Token string } `json:"message"`
	}
	_ = json.Unmarshal(body, &req)
	f.mu.Lock()
	gone, n := f.unregistered[req.Message.Token], len(f.requests)+1
	f.mu.Unlock()
	if gone {
		writeJSON(w, http.StatusNotFound, fcmError(http.StatusNotFound, "Requested entity was not found."))
		return http.StatusNotFound
	}
	b, _ := json.Marshal(map[string]string{"name": fmt.Sprintf("projects/%s/messages/%d", FCMProject, n)})
	writeJSON(w, http.StatusOK, b)
	return http.StatusOK
}

// fcmCodes are the google.rpc status and FCM error code of each status.
var fcmCodes = map[int][2]string{
	400: {"INVALID_ARGUMENT", "INVALID_ARGUMENT"}, 401: {"UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR"},
	403: {"PERMISSION_DENIED", "SENDER_ID_MISMATCH"}, 404: {"NOT_FOUND", "UNREGISTERED"},
	429: {"RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"}, 503: {"UNAVAILABLE", "UNAVAILABLE"},
}

func fcmError(status int, msg string) []byte {
	codes, ok := fcmCodes[status]
	if !ok {
		codes = [2]string{"INTERNAL", "INTERNAL"}
	}
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"code": status, "message": msg, "status": codes[0],
		"details": []map[string]string{{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": codes[1]}},
	}})
	return b
}

// strict decodes JSON rejecting unknown members.
func strict(b []byte, v any) error {
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

func orNull(b json.RawMessage) []byte {
	if b == nil {
		return []byte("null")
	}
	return b
}
