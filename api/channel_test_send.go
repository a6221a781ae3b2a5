package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/previews"
)

// channelTestBody is POST /v1/channels/{channel}/test-send.
type channelTestBody struct {
	To   string `json:"to"`
	From string `json:"from"`
}

// channelTestResponse says where the test went and through what.
type channelTestResponse struct {
	Channel     string `json:"channel"`
	To          string `json:"to"`
	MessageID   string `json:"messageId"`
	Status      string `json:"status"`
	SentThrough string `json:"sentThrough"`
	ProviderID  string `json:"providerId,omitempty"`
}

// testSendChannel sends the channel's fixed test message to the address
// typed (previews.SendChannelTest): whether the channel's settings work.
func (s *server) testSendChannel(c *gin.Context) {
	var b channelTestBody
	if !decodeJSON(c, 4<<10, &b, true) {
		return
	}
	sent, err := s.previews.SendChannelTest(c.Request.Context(), workspace(c),
		previews.ChannelTest{Channel: c.Param("channel"), To: strings.TrimSpace(b.To), From: strings.TrimSpace(b.From)})
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, channelTestResponse{Channel: sent.Channel, To: sent.To, MessageID: sent.MessageID,
		Status: sent.Status, SentThrough: sent.SentThrough, ProviderID: sent.ProviderID})
}
