// Package unsubscribe makes and reads the signed tokens of unsubscribe
// links: the API's /u/{token} pages read them, senders put their URL in
// messages and in the List-Unsubscribe header (RFC 8058).
package unsubscribe

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// ErrInvalid is returned for a token this secret did not sign.
var ErrInvalid = errors.New("unsubscribe: invalid token")

// Token says whose consent a link changes: the customer of a workspace, on a
// channel and topic ("" for the whole channel), from which message.
type Token struct {
	WorkspaceID string `json:"w"`
	CustomerID  string `json:"c"`
	Channel     string `json:"ch"`
	Topic       string `json:"t,omitempty"`
	MessageID   string `json:"m,omitempty"`
}

// Sign returns the token as base64url(JSON) "." base64url(HMAC-SHA256).
// Tokens do not expire: an unsubscribe link must keep working.
func Sign(secret string, t Token) string {
	raw, _ := json.Marshal(t) // strings only: cannot fail
	payload := base64.RawURLEncoding.EncodeToString(raw)
	return payload + "." + base64.RawURLEncoding.EncodeToString(mac(secret, payload))
}

// Parse checks the token's signature and returns what it says, or ErrInvalid.
func Parse(secret, token string) (Token, error) {
	payload, sig, ok := strings.Cut(token, ".")
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || secret == "" || !hmac.Equal(got, mac(secret, payload)) {
		return Token{}, ErrInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return Token{}, ErrInvalid
	}
	var t Token
	if err := json.Unmarshal(raw, &t); err != nil || t.WorkspaceID == "" || t.CustomerID == "" || t.Channel == "" {
		return Token{}, ErrInvalid
	}
	return t, nil
}

// URL is the link to the token's preference page under base, the API's
// public address ("https://tabiji.example.com"); a POST to it (RFC 8058
// one-click) opts out.
func URL(secret, base string, t Token) string {
	return strings.TrimSuffix(base, "/") + "/u/" + Sign(secret, t)
}

func mac(secret, payload string) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(payload))
	return h.Sum(nil)
}
