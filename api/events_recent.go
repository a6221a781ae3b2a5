package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/store"
)

// recentCallResponse is one call of the event debugger.
type recentCallResponse struct {
	Cursor      string `json:"cursor"`
	ReceivedAt  string `json:"receivedAt"`
	Verdict     string `json:"verdict"`
	Reason      string `json:"reason,omitempty"`
	Type        string `json:"type,omitempty"`
	Event       string `json:"event,omitempty"`
	UserID      string `json:"userId,omitempty"`
	AnonymousID string `json:"anonymousId,omitempty"`
	MessageID   string `json:"messageId,omitempty"`
	Source      *struct {
		KeyID string `json:"keyId"`
		Name  string `json:"name"`
		Kind  string `json:"kind,omitempty"`
	} `json:"source,omitempty"`
	Library   string `json:"library,omitempty"`
	Payload   any    `json:"payload,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
}

func toRecentCall(r store.RecentCall) recentCallResponse {
	out := recentCallResponse{
		Cursor: strconv.FormatInt(r.Seq, 10), ReceivedAt: r.ReceivedAt.UTC().Format(time.RFC3339Nano),
		Verdict: r.Verdict, Reason: r.Reason, Type: r.Type, Event: r.Event, UserID: r.UserID,
		AnonymousID: r.AnonymousID, MessageID: r.MessageID, Library: r.Library, Truncated: r.Truncated,
	}
	if r.KeyID != "" {
		out.Source = &struct {
			KeyID string `json:"keyId"`
			Name  string `json:"name"`
			Kind  string `json:"kind,omitempty"`
		}{r.KeyID, r.KeyName, r.KeyRole}
	}
	if len(r.Payload) > 0 {
		out.Payload = r.Payload
	}
	return out
}

// recentEvents is GET /v1/events/recent: the latest calls the workspace
// received with the pipeline's verdict on each, newest first; ?after= a
// cursor answers only newer ones (the debugger polls with the last
// answer's cursor). Payloads go only to those who may read profiles.
func (s *server) recentEvents(c *gin.Context) {
	q := store.RecentCallsQuery{Payloads: maySeeProfiles(c)}
	if a := c.Query("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			invalid(c, "after", "must be a cursor from an earlier answer (a whole number)")
			return
		}
		q.After = n
	}
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	q.Limit = limit
	calls, err := s.Store.RecentCalls(c.Request.Context(), workspace(c), q)
	if s.answered(c, err) {
		return
	}
	out := make([]recentCallResponse, len(calls))
	cursor := q.After
	for i, r := range calls {
		out[i] = toRecentCall(r)
		cursor = max(cursor, r.Seq)
	}
	c.JSON(http.StatusOK, gin.H{"calls": out, "cursor": strconv.FormatInt(cursor, 10)})
}

// maySeeProfiles says whether the request may read customers' data: an
// admin key may, a console session when the permission table gives its
// role the profile reads.
func maySeeProfiles(c *gin.Context) bool {
	role := c.GetString(personRoleKey)
	return role == "" || slices.Contains(permissions["GET /v1/profiles/:id"], people.Role(role))
}
