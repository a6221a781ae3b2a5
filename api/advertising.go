package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/advertising"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
)

// advertisingBody is GET and PUT /v1/workspace/advertising: the
// workspace's advertising-mail policy (特定電子メール法). optInRequired
// null follows the workspace's locale (on for ja); enforced says what
// applies now.
type advertisingBody struct {
	OptInRequired *bool              `json:"optInRequired"`
	Enforced      bool               `json:"enforced"`
	Sender        advertising.Sender `json:"sender"`
	UpdatedAt     *time.Time         `json:"updatedAt,omitempty"`
}

func toAdvertisingBody(p store.AdvertisingPolicy) advertisingBody {
	b := advertisingBody{OptInRequired: p.OptInRequired, Enforced: p.Policy().Enforced(), Sender: p.Policy().Sender}
	if !p.UpdatedAt.IsZero() {
		b.UpdatedAt = &p.UpdatedAt
	}
	return b
}

// getAdvertising answers the workspace's advertising-mail policy.
func (s *server) getAdvertising(c *gin.Context) {
	p, err := s.Store.AdvertisingPolicy(c.Request.Context(), workspace(c))
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, toAdvertisingBody(p))
}

// putAdvertising sets the policy: optInRequired (true, false, or null to
// follow the locale) and the sender's identity, each field trimmed.
func (s *server) putAdvertising(c *gin.Context) {
	var b struct {
		OptInRequired *bool              `json:"optInRequired"`
		Enforced      *bool              `json:"enforced"` // read-only: refused when sent
		Sender        advertising.Sender `json:"sender"`
	}
	if !decodeJSON(c, 8<<10, &b, true) {
		return
	}
	if b.Enforced != nil {
		problem(c, http.StatusUnprocessableEntity, "enforced is read-only: set optInRequired",
			jsonfields.Error{Field: "enforced", Message: "is read-only: it follows optInRequired and the workspace's locale"})
		return
	}
	sender := advertising.Sender{Name: strings.TrimSpace(b.Sender.Name), Address: strings.TrimSpace(b.Sender.Address),
		Contact: strings.TrimSpace(b.Sender.Contact)}
	if s.answered(c, sender.Validate()) {
		return
	}
	p, err := s.Store.PutAdvertisingPolicy(c.Request.Context(), store.AdvertisingPolicy{WorkspaceID: workspace(c),
		OptInRequired: b.OptInRequired, SenderName: sender.Name, SenderAddress: sender.Address, SenderContact: sender.Contact})
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, toAdvertisingBody(p))
}
