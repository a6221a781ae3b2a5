package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"strconv"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/store"
)

// A client key (tbj_c_…) ships inside web pages and apps, so whoever reads
// the page holds it. It may send track, page and screen calls and push
// opens; a call that would change who a person is or how to reach them
// (identify, group, alias, a push token in context.device.token) needs
// identity verification, as Intercom's: the workspace's backend computes
//
//	userHash = hex(HMAC-SHA256(identity-verification secret, userId))
//
// and the page sends it as context.userHash (in a batch: per call, or in
// the batch's context). The zone and locale an unverified call's context
// carries are not applied to the profile. Write and admin keys are server
// keys and keep every right.
const (
	userHashField      = "context.userHash"
	identityPurpose    = "identity-verification"
	identitySecretSize = 32
)

// verifyClientCalls returns the calls a client key may make as they are,
// and an error per refused call, named as ingestion names fields (prefix
// "batch[i]." in a batch). Unverified calls that are let in lose the zone
// and locale of their context; a verified call may merge only an anonymous
// visitor's profile into its user (mergeSource).
func (s *server) verifyClientCalls(ctx context.Context, workspaceID string, msgs []ingest.Message, batch bool) ([]ingest.Message, ingest.Errors, error) {
	kept := msgs[:0:0]
	var refused ingest.Errors
	refuse := func(m *ingest.Message, field, rule string) {
		if batch {
			field = "batch[" + strconv.Itoa(m.Index) + "]." + field
		}
		refused.Add(field, rule)
	}
	var sources []string
	for i := range msgs {
		m := msgs[i]
		ok, err := s.userVerified(ctx, workspaceID, &m)
		if err != nil {
			return nil, nil, err
		}
		if field, rule := clientRefusal(&m, ok); field != "" {
			refuse(&m, field, rule)
			continue
		}
		if !ok {
			unverifiedContext(&m)
		}
		if _, src := mergeSource(&m); src != "" {
			sources = append(sources, src)
		}
		kept = append(kept, m)
	}
	kept, err := s.dropKnownMerges(ctx, workspaceID, kept, sources, refuse)
	return kept, refused, err
}

// dropKnownMerges refuses the calls whose merge source is a known customer.
func (s *server) dropKnownMerges(ctx context.Context, workspaceID string, kept []ingest.Message, sources []string,
	refuse func(*ingest.Message, string, string)) ([]ingest.Message, error) {
	if len(sources) == 0 {
		return kept, nil
	}
	known, err := s.Store.KnownIDs(ctx, workspaceID, sources)
	if err != nil {
		return nil, err
	}
	out := kept[:0]
	for i := range kept {
		if field, src := mergeSource(&kept[i]); src != "" && slices.Contains(known, src) {
			refuse(&kept[i], field, "a client key may merge only an anonymous visitor into the verified user: "+src+" is a known customer")
			continue
		}
		out = append(out, kept[i])
	}
	return out, nil
}

// mergeSource is the id a call would merge into its user (identify's
// anonymousId, alias's previousId) and the field that holds it.
func mergeSource(m *ingest.Message) (field, id string) {
	switch {
	case m.Type == ingest.Identify && m.AnonymousID != "" && m.AnonymousID != m.UserID:
		return "anonymousId", m.AnonymousID
	case m.Type == ingest.Alias && m.PreviousID != "" && m.PreviousID != m.UserID:
		return "previousId", m.PreviousID
	}
	return "", ""
}

// clientRefusal names the field that keeps an unverified client call out,
// or "" when the call needs no verification.
func clientRefusal(m *ingest.Message, verified bool) (field, rule string) {
	field = userHashField
	switch {
	case verified:
		return "", ""
	case m.Type == ingest.Identify || m.Type == ingest.Group || m.Type == ingest.Alias:
		rule = "a client key may " + m.Type + " only a verified user"
	case m.PushToken() != "":
		field, rule = "context.device.token", "a client key may set a push token only on a verified user"
	default:
		return "", ""
	}
	if hash, _ := m.Context["userHash"].(string); hash != "" && m.UserID != "" {
		return field, rule + ": context.userHash does not verify userId (compute hex(HMAC-SHA256(identity-verification secret, userId)) on your server)"
	}
	return field, rule + ": send userId with context.userHash = hex(HMAC-SHA256(identity-verification secret, userId))"
}

// unverifiedContext keeps an unverified call's zone and locale off the
// profile; the stored event keeps its context as sent.
func unverifiedContext(m *ingest.Message) {
	if _, tz := m.Context["timezone"]; !tz {
		if _, loc := m.Context["locale"]; !loc {
			return
		}
	}
	m.Context = maps.Clone(m.Context)
	delete(m.Context, "timezone")
	delete(m.Context, "locale")
}

// userVerified says whether the call carries a userHash that verifies its
// userId under the workspace's secret, compared in constant time.
func (s *server) userVerified(ctx context.Context, workspaceID string, m *ingest.Message) (bool, error) {
	hash, _ := m.Context["userHash"].(string)
	if hash == "" || m.UserID == "" {
		return false, nil
	}
	got, err := hex.DecodeString(hash)
	if err != nil || len(got) != sha256.Size {
		return false, nil //nolint:nilerr // a malformed userHash verifies nothing; the call goes on unverified
	}
	secret, err := s.identitySecrets.Get(ctx, workspaceID)
	if err != nil || secret == nil {
		return false, err
	}
	return hmac.Equal(got, userHash(secret, m.UserID)), nil
}

// userHash is what the workspace's backend computes for a user.
func userHash(secret []byte, userID string) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(userID))
	return mac.Sum(nil)
}

// loadIdentitySecret opens the workspace's secret; nil when it has none yet.
func (s *server) loadIdentitySecret(ctx context.Context, workspaceID string) ([]byte, error) {
	sec, err := s.Store.IdentitySecret(ctx, workspaceID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.keyring().Open(workspaceID, identityPurpose, sec.Sealed)
}

// keyring is what seals workspace secrets: the channel settings' keyring.
func (s *server) keyring() *settings.Keyring { return s.Channels.Keyring() }
