package api

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/channels/settings"
)

// The workspace's provider settings per channel (channels/settings):
// GET /v1/channels, GET/PUT/DELETE /v1/channels/{channel}. Secrets are
// write-only: answers show whether each is set and its fingerprint.

// channelSettingsLimit bounds a PUT body (a service account key is ~2.5 KB).
const channelSettingsLimit = 64 << 10

// listChannelSettings answers every channel's settings in effect.
func (s *server) listChannelSettings(c *gin.Context) {
	views, err := s.Channels.List(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"channels": views})
}

// getChannelSettings answers one channel's settings in effect.
func (s *server) getChannelSettings(c *gin.Context) {
	channel, ok := settingsChannel(c)
	if !ok {
		return
	}
	v, err := s.Channels.View(c.Request.Context(), workspace(c), channel)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// putChannelSettings stores the settings given, field by field over the
// workspace's: a field left out keeps its value. A value its provider
// cannot take is a 422 naming the field.
func (s *server) putChannelSettings(c *gin.Context) {
	channel, ok := settingsChannel(c)
	if !ok {
		return
	}
	values, ok := decodeSettings(c)
	if !ok {
		return
	}
	if errs := settings.Validate(channel, values); len(errs) > 0 {
		problem(c, http.StatusUnprocessableEntity, "the "+channel+" settings are not valid", errs...)
		return
	}
	v, err := s.Channels.Put(c.Request.Context(), workspace(c), channel, values)
	if s.answered(c, err, on(settings.ErrNoKey, http.StatusServiceUnavailable,
		"this server cannot store secrets: start the API and the workers with the same TABIJI_SECRETS_KEY (32+ characters)")) {
		return
	}
	c.JSON(http.StatusOK, v)
}

// deleteChannelSettings removes the workspace's settings of the channel:
// the environment's apply again.
func (s *server) deleteChannelSettings(c *gin.Context) {
	channel, ok := settingsChannel(c)
	if !ok {
		return
	}
	err := s.Channels.Delete(c.Request.Context(), workspace(c), channel)
	if s.answered(c, err, notFound("workspace has no "+channel+" settings of its own")) {
		return
	}
	c.Status(http.StatusNoContent)
}

func settingsChannel(c *gin.Context) (string, bool) {
	ch := c.Param("channel")
	if !settings.KnownChannel(ch) {
		problem(c, http.StatusNotFound, "no channel "+ch+": the channels are "+strings.Join(settings.Channels, ", "))
		return "", false
	}
	return ch, true
}

// decodeSettings reads a JSON object of string settings; the service
// account key may also be given as the JSON object itself.
func decodeSettings(c *gin.Context) (settings.Values, bool) {
	var raw map[string]json.RawMessage
	if !decodeJSON(c, channelSettingsLimit, &raw, false) {
		return nil, false
	}
	if len(raw) == 0 {
		invalid(c, "body", "give at least one setting, as {\"apiKey\": \"SG.…\"}")
		return nil, false
	}
	values := settings.Values{}
	for name, r := range raw {
		var str string
		switch {
		case json.Unmarshal(r, &str) == nil:
			values[name] = str
		case name == settings.ServiceAccount && strings.HasPrefix(strings.TrimSpace(string(r)), "{"):
			values[name] = string(r)
		default:
			invalid(c, name, "must be a string")
			return nil, false
		}
	}
	return values, true
}
