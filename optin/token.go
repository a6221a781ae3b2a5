// Package optin makes and reads the signed tokens of double opt-in
// confirmation links: a confirmation email carries one
// ({{ message.confirm_url }}), and the API's /optin/{token} page records
// the customer's opt-in when they confirm. A token names the workspace,
// the customer, the channel and topic, and the confirmation message, and
// it expires; its HMAC is keyed apart from unsubscribe links' (the same
// operator secret, another purpose), so neither kind of link passes for
// the other, and no field can be changed without breaking the signature.
package optin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Errors of Parse.
var (
	ErrInvalid = errors.New("optin: invalid token")
	ErrExpired = errors.New("optin: expired token")
)

// TTL is how long a confirmation link works.
const TTL = 30 * 24 * time.Hour

// Token says whose opt-in a confirmation link records.
type Token struct {
	WorkspaceID string `json:"w"`
	CustomerID  string `json:"c"`
	Channel     string `json:"ch"`
	Topic       string `json:"t,omitempty"`
	MessageID   string `json:"m,omitempty"`
	Expires     int64  `json:"e"` // Unix seconds
}

// purpose separates this package's MACs from every other use of the secret.
const purpose = "tabiji double opt-in confirmation v1\x00"

// Sign returns the token as base64url(JSON) "." base64url(HMAC-SHA256).
func Sign(secret string, t Token) string {
	raw, _ := json.Marshal(t) // strings and a number: cannot fail
	payload := base64.RawURLEncoding.EncodeToString(raw)
	return payload + "." + base64.RawURLEncoding.EncodeToString(mac(secret, payload))
}

// New is the token of a confirmation sent now.
func New(workspaceID, customerID, channel, topic, messageID string, now time.Time) Token {
	return Token{WorkspaceID: workspaceID, CustomerID: customerID, Channel: channel, Topic: topic,
		MessageID: messageID, Expires: now.Add(TTL).Unix()}
}

// Parse checks the token's signature and age at now and returns what it
// says: ErrInvalid when this secret did not sign it, ErrExpired past its
// time.
func Parse(secret, token string, now time.Time) (Token, error) {
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
	if now.Unix() > t.Expires {
		return t, ErrExpired
	}
	return t, nil
}

// URL is the confirmation page of the token under base, the API's public
// address ("https://tabiji.example.com").
func URL(secret, base string, t Token) string {
	return strings.TrimSuffix(base, "/") + "/optin/" + Sign(secret, t)
}

func mac(secret, payload string) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(purpose))
	h.Write([]byte(payload))
	return h.Sum(nil)
}
