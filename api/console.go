package api

import (
	"errors"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/locale"
)

// consoleSettingsKey holds the workspace's regional settings for a
// console page, read once by consoleSettings before its handler.
const consoleSettingsKey = "tabiji.console.settings"

// consoleSettings reads the workspace's zone, language and currency for
// the console's pages (as auth reads the workspace), so a page's handler
// makes only its own call.
func (s *server) consoleSettings(c *gin.Context) {
	set, err := s.Store.WorkspaceSettings(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		c.Abort()
		return
	}
	c.Set(consoleSettingsKey, set.Defaults())
	c.Next()
}

// frame is what the console's layout needs for this request: the reader's
// language (theirs, else the workspace's), role and email, the workspace's
// zone and currency (consoleSettings), and the session's CSRF token.
func (s *server) frame(c *gin.Context, section, title string) (console.Frame, error) {
	v, _ := c.Get(consoleSettingsKey)
	set, ok := v.(locale.Settings)
	if !ok {
		return console.Frame{}, errors.New("console: the page's route lacks the consoleSettings middleware")
	}
	zone, err := time.LoadLocation(set.Timezone)
	if err != nil {
		zone = time.UTC
	}
	return console.Frame{
		Lang: console.Lang(c.GetString(personLocaleKey), set.Locale), Section: section, Title: title,
		CSRF: s.pageCSRF(c), Role: c.GetString(personRoleKey), Email: c.GetString(personEmailKey),
		Zone: zone, Currency: set.Currency,
	}, nil
}

// pageCSRF is the token the console's scripts send back as X-CSRF-Token
// (csrf.go).
func (s *server) pageCSRF(c *gin.Context) string { return s.csrfToken(c) }
