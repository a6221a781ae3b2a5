package people

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Errors of ParseLink.
var (
	ErrInvalidLink = errors.New("people: invalid link")
	ErrExpiredLink = errors.New("people: expired link")
)

// The kinds of link.
const (
	KindInvitation = "invitation"
	KindReset      = "reset"
)

// How long each kind of link works.
const (
	InvitationTTL = 7 * 24 * time.Hour
	ResetTTL      = time.Hour
)

// Link is what an invitation or reset link says: which stored token row
// it is (the row makes it single use) and until when it works. Its HMAC
// is keyed apart from every other use of the operator's secret, and by
// kind, so a reset link never passes for an invitation.
type Link struct {
	Kind    string `json:"k"`
	ID      string `json:"i"`
	Expires int64  `json:"e"` // Unix seconds
}

func purpose(kind string) string { return "tabiji console " + kind + " link v1\x00" }

// SignLink returns the link's token: base64url(JSON) "." base64url(HMAC-SHA256).
func SignLink(secret string, l Link) string {
	raw, _ := json.Marshal(l) // strings and a number: cannot fail
	payload := base64.RawURLEncoding.EncodeToString(raw)
	return payload + "." + base64.RawURLEncoding.EncodeToString(linkMAC(secret, l.Kind, payload))
}

// ParseLink checks a token of the given kind at now: ErrInvalidLink when
// this secret did not sign it for that kind, ErrExpiredLink past its time.
func ParseLink(secret, kind, token string, now time.Time) (Link, error) {
	payload, sig, ok := strings.Cut(token, ".")
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || secret == "" || !hmac.Equal(got, linkMAC(secret, kind, payload)) {
		return Link{}, ErrInvalidLink
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return Link{}, ErrInvalidLink
	}
	var l Link
	if err := json.Unmarshal(raw, &l); err != nil || l.Kind != kind || l.ID == "" {
		return Link{}, ErrInvalidLink
	}
	if now.Unix() > l.Expires {
		return l, ErrExpiredLink
	}
	return l, nil
}

func linkMAC(secret, kind, payload string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(purpose(kind)))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// CSRFToken is the CSRF token of a session: derived from the session's
// token (which only the HttpOnly cookie holds), so it needs no storage,
// changes with every session, and cannot be computed without the cookie.
func CSRFToken(sessionToken string) string {
	if sessionToken == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("tabiji console csrf v1\x00" + sessionToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
