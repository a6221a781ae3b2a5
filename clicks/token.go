// Package clicks is Tabiji's own click tracking: links in LINE, push and SMS
// messages (and, when a journey asks, email) go through the signed redirect
// /r/<token>. The token carries the workspace, the customer, the message,
// the channel and the exact URL that was in the message, signed with a key
// derived from the secrets key, so the redirect only ever goes where the
// message pointed; the API records the click as <channel>_clicked
// (package engagement) and redirects. Rewrite puts the links in a rendered
// message, with a journey's UTM parameters.
package clicks

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrInvalid is returned for a token this key did not sign, or one too
// long, truncated or malformed.
var ErrInvalid = errors.New("clicks: invalid link token")

// MaxToken is the longest token Parse reads; a longer one is refused
// before any work.
const MaxToken = 4096

// macSize is the signature's length: HMAC-SHA256 cut to 128 bits, which
// keeps links short.
const macSize = 16

// Link is what a tracked link says: whose message, and where it goes.
type Link struct {
	WorkspaceID string `json:"w"`
	CustomerID  string `json:"c"`
	MessageID   string `json:"m,omitempty"`
	Channel     string `json:"ch"`
	URL         string `json:"u"`
}

// Signer signs and reads link tokens under a key of its own.
type Signer struct{ key []byte }

// NewSigner derives the link key from the secrets key (TABIJI_SECRETS_KEY)
// with HKDF-SHA256 under a label of its own, so a token says nothing of
// the secrets key or the other keys derived from it.
func NewSigner(secretsKey string) (*Signer, error) {
	if len(secretsKey) < 32 {
		return nil, errors.New("clicks: the secrets key must be at least 32 characters")
	}
	key, err := hkdf.Key(sha256.New, []byte(secretsKey), nil, "tabiji click links v1", 32)
	if err != nil {
		return nil, fmt.Errorf("clicks: derive the link key: %w", err)
	}
	return &Signer{key: key}, nil
}

// Sign returns the token: base64url(JSON) "." base64url(MAC).
func (s *Signer) Sign(l Link) string {
	raw, _ := json.Marshal(l) // strings only: cannot fail
	payload := base64.RawURLEncoding.EncodeToString(raw)
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

// Parse checks the token's signature and returns the link, or ErrInvalid.
// The URL of a link it returns is an absolute http or https URL.
func (s *Signer) Parse(token string) (Link, error) {
	if s == nil || len(token) > MaxToken {
		return Link{}, ErrInvalid
	}
	payload, sig, ok := strings.Cut(token, ".")
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(got, s.mac(payload)) {
		return Link{}, ErrInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return Link{}, ErrInvalid
	}
	var l Link
	if err := json.Unmarshal(raw, &l); err != nil || l.WorkspaceID == "" || l.CustomerID == "" || l.Channel == "" || !Trackable(l.URL) {
		return Link{}, ErrInvalid
	}
	return l, nil
}

func (s *Signer) mac(payload string) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(payload))
	return h.Sum(nil)[:macSize]
}

// Trackable says whether a link can go through the redirect: an absolute
// http or https URL with a host.
func Trackable(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
