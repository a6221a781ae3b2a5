package line

import (
	"context"
	"fmt"
	"regexp"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
)

// UserIDPattern is the form of a LINE user ID as webhooks give it: U and
// 32 hex digits. The SDK pastes user IDs into request paths unescaped, so
// every ID a caller supplies is held to it first.
var UserIDPattern = regexp.MustCompile(`^U[0-9a-f]{32}$`)

// RichMenuIDPattern is the form of a rich menu ID: richmenu- and 32 hex
// digits (LINE's own examples also show longer alias-free IDs, so up to 64).
var RichMenuIDPattern = regexp.MustCompile(`^richmenu-[0-9a-f]{32,64}$`)

// BulkLimit is the most users one rich menu bulk link or unlink names.
const BulkLimit = 500

// IssueLinkToken asks LINE for a link token for the user: the first step of
// account linking, valid for 10 minutes and for one use.
func (s *Sender) IssueLinkToken(ctx context.Context, userID string) (string, error) {
	if !UserIDPattern.MatchString(userID) {
		return "", fmt.Errorf("line: issue link token: %q is not a LINE user ID", userID)
	}
	res, tok, err := s.api(ctx).IssueLinkTokenWithHttpInfo(userID) //nolint:bodyclose // the SDK reads the body and closes it (or reads it to EOF)
	if _, err := result("issue link token", res, err); err != nil {
		return "", err
	}
	return tok.LinkToken, nil
}

// LinkRichMenu links the rich menu to the users, in bulk requests of at
// most BulkLimit. Linking again is harmless: LINE keeps one menu a user.
func (s *Sender) LinkRichMenu(ctx context.Context, richMenuID string, users []string) error {
	for i := 0; i*BulkLimit < len(users); i++ {
		chunk := users[i*BulkLimit : min(len(users), (i+1)*BulkLimit)]
		req := &messaging_api.RichMenuBulkLinkRequest{RichMenuId: richMenuID, UserIds: chunk}
		res, _, err := s.api(ctx).LinkRichMenuIdToUsersWithHttpInfo(req) //nolint:bodyclose // the SDK reads the body and closes it (or reads it to EOF)
		if _, err := result(fmt.Sprintf("link rich menu %s to %d users", richMenuID, len(chunk)), res, err); err != nil {
			return err
		}
	}
	return nil
}

// UnlinkRichMenu unlinks whatever rich menu each user has, in bulk
// requests of at most BulkLimit; the users see the default menu again.
func (s *Sender) UnlinkRichMenu(ctx context.Context, users []string) error {
	for i := 0; i*BulkLimit < len(users); i++ {
		chunk := users[i*BulkLimit : min(len(users), (i+1)*BulkLimit)]
		req := &messaging_api.RichMenuBulkUnlinkRequest{UserIds: chunk}
		res, _, err := s.api(ctx).UnlinkRichMenuIdFromUsersWithHttpInfo(req) //nolint:bodyclose // the SDK reads the body and closes it (or reads it to EOF)
		if _, err := result(fmt.Sprintf("unlink rich menus from %d users", len(chunk)), res, err); err != nil {
			return err
		}
	}
	return nil
}
