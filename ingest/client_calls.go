package ingest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"

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
const userHashField = "context.userHash"

// verifyClientCalls returns the calls a client key may make as they are,
// and an error per refused call, named as ingestion names fields (prefix
// "batch[i]." in a batch). Unverified calls that are let in lose the zone
// and locale of their context; a verified call may merge only an anonymous
// visitor's profile into its user (mergeSource).
func (p *Pipeline) verifyClientCalls(ctx context.Context, workspaceID string, msgs []Message, batch bool) ([]Message, Errors, error) {
	kept := msgs[:0:0]
	var refused Errors
	refuse := func(m *Message, field, rule string) {
		if batch {
			field = "batch[" + strconv.Itoa(m.Index) + "]." + field
		}
		refused.Add(field, rule)
	}
	var sources []string
	for i := range msgs {
		m := msgs[i]
		ok, err := p.userVerified(ctx, workspaceID, &m)
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
	kept, err := p.dropKnownMerges(ctx, workspaceID, kept, sources, refuse)
	return kept, refused, err
}

// dropKnownMerges refuses the calls whose merge source is a known customer.
func (p *Pipeline) dropKnownMerges(ctx context.Context, workspaceID string, kept []Message, sources []string,
	refuse func(*Message, string, string)) ([]Message, error) {
	if len(sources) == 0 {
		return kept, nil
	}
	known, err := p.Store.KnownIDs(ctx, workspaceID, sources)
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
func mergeSource(m *Message) (field, id string) {
	switch {
	case m.Type == Identify && m.AnonymousID != "" && m.AnonymousID != m.UserID:
		return "anonymousId", m.AnonymousID
	case m.Type == Alias && m.PreviousID != "" && m.PreviousID != m.UserID:
		return "previousId", m.PreviousID
	}
	return "", ""
}

// clientRefusal names the field that keeps an unverified client call out,
// or "" when the call needs no verification.
func clientRefusal(m *Message, verified bool) (field, rule string) {
	field = userHashField
	switch {
	case verified:
		return "", ""
	case m.Type == Identify || m.Type == Group || m.Type == Alias:
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
func unverifiedContext(m *Message) {
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
func (p *Pipeline) userVerified(ctx context.Context, workspaceID string, m *Message) (bool, error) {
	hash, _ := m.Context["userHash"].(string)
	if hash == "" || m.UserID == "" {
		return false, nil
	}
	got, err := hex.DecodeString(hash)
	if err != nil || len(got) != sha256.Size {
		return false, nil //nolint:nilerr // a malformed userHash verifies nothing; the call goes on unverified
	}
	if p.IdentitySecrets == nil {
		return false, nil
	}
	secret, err := p.IdentitySecrets.Get(ctx, workspaceID)
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

// SubmitOption changes how Submit takes calls.
type SubmitOption func(*submitOptions)

type submitOptions struct {
	client, batch bool
	keyID         string // FromKey
	body          []byte // Undecoded
	undecoded     error
}

// FromClientKey says the calls come with a client key, so Submit verifies
// them first (verifyClientCalls). In a batch (inBatch) a refused call is
// named by its index (batch[3].context.userHash) in Result.Refused and the
// rest go on; a single call refused is a store.Refusal (ErrForbidden)
// naming the field, and nothing is submitted.
func FromClientKey(inBatch bool) SubmitOption {
	return func(o *submitOptions) { o.client, o.batch = true, inBatch }
}

// screenClientCalls verifies a client key's calls, answering the calls let
// in and the ones refused, or the Refusal of a single call.
func (p *Pipeline) screenClientCalls(ctx context.Context, workspaceID string, msgs []Message, o submitOptions) ([]Message, Errors, error) {
	if !o.client {
		return msgs, nil, nil
	}
	kept, refused, err := p.verifyClientCalls(ctx, workspaceID, msgs, o.batch)
	if err != nil {
		return nil, nil, err
	}
	if len(refused) > 0 && !o.batch {
		return nil, nil, store.Refuse(store.ErrForbidden, refused[0].Field+": "+refused[0].Message, refused...)
	}
	return kept, refused, nil
}
