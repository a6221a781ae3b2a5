package api

import (
	"errors"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/locale"
	"github.com/tabiji/tabiji/store"
)

// workspaceBody is the workspace an admin key belongs to, with its
// regional settings.
type workspaceBody struct {
	ID string `json:"id"`
	locale.Settings
}

// workspacePatch is PATCH /v1/workspace: the settings to change; a field
// left out stays as it is.
type workspacePatch struct {
	Timezone *string `json:"timezone"`
	Locale   *string `json:"locale"`
	Currency *string `json:"currency"`
}

// getWorkspace is GET /v1/workspace: which workspace the calling key acts
// on (so a client, such as the taxonomy commands' --workspace, can check
// it before it changes anything) and its zone, language and currency.
func (s *server) getWorkspace(c *gin.Context) {
	set, err := s.Store.WorkspaceSettings(c.Request.Context(), workspace(c))
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, workspaceBody{ID: workspace(c), Settings: set})
}

// patchWorkspace is PATCH /v1/workspace: changes the workspace's time
// zone, language or currency; every default that follows them (journey
// zones, date triggers, quiet hours, statistics' days, template copy)
// follows from the next use on.
func (s *server) patchWorkspace(c *gin.Context) {
	var p workspacePatch
	if !decodeJSON(c, 4<<10, &p, true) {
		return
	}
	change, ok := p.settings(c)
	if !ok {
		return
	}
	// The router's index takes the new zone (routing.Router.UpdateWorkspaceSettings).
	set, err := s.router.UpdateWorkspaceSettings(c.Request.Context(), workspace(c), change)
	if s.answered(c, err, badZone("timezone")) {
		return
	}
	c.JSON(http.StatusOK, workspaceBody{ID: workspace(c), Settings: set})
}

// settings checks the patch: each field given must be valid (an empty
// string is not a value), answering 422 naming every field at fault.
func (p workspacePatch) settings(c *gin.Context) (locale.Settings, bool) {
	var change locale.Settings
	var errs jsonfields.Errors
	for _, f := range []struct {
		name, rule string
		given      *string
		into       *string
	}{
		{"timezone", locale.TimezoneRule, p.Timezone, &change.Timezone},
		{"locale", locale.LocaleRule, p.Locale, &change.Locale},
		{"currency", locale.CurrencyRule, p.Currency, &change.Currency},
	} {
		if f.given != nil && *f.given == "" {
			errs.Add(f.name, f.rule)
		} else if f.given != nil {
			*f.into = *f.given
		}
	}
	if err := locale.Check(change, ""); err != nil {
		var fe jsonfields.Errors // Check's only error
		errors.As(err, &fe)
		errs = append(errs, fe...)
	}
	order := []string{"timezone", "locale", "currency"}
	slices.SortStableFunc(errs, func(a, b jsonfields.Error) int {
		return slices.Index(order, a.Field) - slices.Index(order, b.Field)
	})
	if len(errs) > 0 {
		problem(c, http.StatusUnprocessableEntity, "invalid workspace settings: "+errs.Error(), errs...)
		return change, false
	}
	return change, true
}

// badZone answers store.ErrBadTimezone (a zone Postgres does not know) as
// a 422 on field.
func badZone(field string) outcome {
	return on(store.ErrBadTimezone, http.StatusUnprocessableEntity, field+": "+locale.TimezoneRule,
		jsonfields.Error{Field: field, Message: locale.TimezoneRule})
}
