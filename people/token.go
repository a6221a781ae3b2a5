package people

import (
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// The kinds of link: invitation and reset links carry a random token
// whose hash is the stored row (store.CreatePersonToken).
const (
	KindInvitation = "invitation"
	KindReset      = "reset"
)

// How long each kind of link works.
const (
	InvitationTTL = 7 * 24 * time.Hour
	ResetTTL      = time.Hour
)

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
