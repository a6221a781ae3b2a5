// Package linelink issues LINE account-link tokens: LINE makes the token
// for one of the channel's users, and the store records it, so that the
// shop's site can bind the LINE user to its customer when the customer
// logs in (POST /v1/line/account-links, then the accountLink webhook).
package linelink

import (
	"context"
	"errors"
	"time"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
)

// Issued is a link token and when it expires.
type Issued struct {
	Token     string
	ExpiresAt time.Time
}

// Issue asks LINE for a link token for lineUserID, with the workspace's
// LINE channel, and records it. It returns settings.ErrNotConfigured for a
// workspace without LINE credentials, and a store.Refusal (ErrInvalid, on
// lineUserId) when LINE refuses the user.
func Issue(ctx context.Context, senders *settings.Resolver, st *store.Store, workspaceID, lineUserID string) (Issued, error) {
	sender, err := senders.LINE(ctx, workspaceID)
	if err != nil {
		return Issued{}, err
	}
	token, err := sender.IssueLinkToken(ctx, lineUserID)
	if err != nil {
		return Issued{}, Refused("lineUserId", err)
	}
	expires, err := st.IssueLineLinkToken(ctx, workspaceID, token, lineUserID, time.Now().UTC())
	return Issued{Token: token, ExpiresAt: expires}, err
}

// Refused is LINE's permanent refusal of a request as the client reads it
// (a store.Refusal, ErrInvalid, on field); any other error as it is.
func Refused(field string, err error) error {
	var perm *channels.PermanentError
	if !errors.As(err, &perm) {
		return err
	}
	return store.Refuse(store.ErrInvalid, "LINE refused the request: "+perm.Reason, jsonfields.Error{Field: field, Message: "LINE refused it: " + perm.Reason})
}
