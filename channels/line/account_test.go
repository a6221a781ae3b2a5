package line_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabiji/tabiji/channels"
)

func users(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("U%032x", i)
	}
	return out
}

func TestIssueLinkToken(t *testing.T) {
	ctx := context.Background()
	t.Run("AsksLINEForTheUsersToken", func(t *testing.T) {
		fake, s := setup(t)
		tok, err := s.IssueLinkToken(ctx, users(1)[0])
		require.NoError(t, err)
		assert.NotEmpty(t, tok)
		reqs := fake.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, "/v2/bot/user/"+users(1)[0]+"/linkToken", reqs[0].Path)
	})
	t.Run("RefusesWhatIsNotALINEUserIDWithoutARequest", func(t *testing.T) {
		fake, s := setup(t)
		for _, id := range []string{"", "../../v2/bot/message/push", "U123", "u" + users(1)[0][1:]} {
			_, err := s.IssueLinkToken(ctx, id)
			assert.Error(t, err, id)
		}
		assert.Empty(t, fake.Requests())
	})
	t.Run("ABadRequestIsPermanent", func(t *testing.T) {
		fake, s := setup(t)
		fake.FailNext(http.StatusBadRequest, nil, 1)
		_, err := s.IssueLinkToken(ctx, users(1)[0])
		assert.True(t, channels.IsPermanent(err), "err = %v", err)
	})
}

func TestRichMenus(t *testing.T) {
	ctx := context.Background()
	menu := "richmenu-" + fmt.Sprintf("%032x", 7)
	t.Run("LinksAndUnlinksInBulkRequestsOf500", func(t *testing.T) {
		fake, s := setup(t)
		all := users(1201)
		require.NoError(t, s.LinkRichMenu(ctx, menu, all))
		for _, u := range []string{all[0], all[600], all[1200]} {
			assert.Equal(t, menu, fake.RichMenuOf(u))
		}
		require.NoError(t, s.UnlinkRichMenu(ctx, all[:700]))
		assert.Empty(t, fake.RichMenuOf(all[0]))
		assert.Equal(t, menu, fake.RichMenuOf(all[700]))
		var paths []string
		for _, r := range fake.Requests() {
			paths = append(paths, r.Path)
		}
		assert.Equal(t, []string{"/v2/bot/richmenu/bulk/link", "/v2/bot/richmenu/bulk/link", "/v2/bot/richmenu/bulk/link",
			"/v2/bot/richmenu/bulk/unlink", "/v2/bot/richmenu/bulk/unlink"}, paths)
		assert.Empty(t, fake.Invalid())
	})
	t.Run("NoUsersMakesNoRequest", func(t *testing.T) {
		fake, s := setup(t)
		require.NoError(t, s.LinkRichMenu(ctx, menu, nil))
		require.NoError(t, s.UnlinkRichMenu(ctx, nil))
		assert.Empty(t, fake.Requests())
	})
	t.Run("ARateLimitSaysWhenToComeBack", func(t *testing.T) {
		fake, s := setup(t)
		fake.FailNext(http.StatusTooManyRequests, map[string]string{"Retry-After": "5"}, 1)
		err := s.LinkRichMenu(ctx, menu, users(3))
		_, limited := channels.RetryAfter(err)
		assert.True(t, limited, "err = %v", err)
	})
}
