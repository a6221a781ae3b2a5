package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/privacy"
	"github.com/tabiji/tabiji/store"
)

// privacyBody is a workspace's privacy settings as the API shows them.
type privacyBody struct {
	EventRetention     string           `json:"eventRetention"`
	MessageRetention   string           `json:"messageRetention"`
	ProvisionRetention string           `json:"provisionRetention"`
	Purposes           privacy.Purposes `json:"purposes"`
	UpdatedAt          *time.Time       `json:"updatedAt"`
}

func privacyAnswer(p store.PrivacySettings) privacyBody {
	b := privacyBody{EventRetention: privacy.FormatRetention(p.EventRetentionMonths),
		MessageRetention: privacy.FormatRetention(p.MessageRetentionMonths), ProvisionRetention: privacy.FormatRetention(p.ProvisionRetentionMonths),
		Purposes: privacy.Purposes{JA: p.PurposesJA, EN: p.PurposesEN}}
	if !p.UpdatedAt.IsZero() {
		b.UpdatedAt = &p.UpdatedAt
	}
	return b
}

// getPrivacy is GET /v1/workspace/privacy: retention periods and purposes of use.
func (s *server) getPrivacy(c *gin.Context) {
	p, err := s.Store.PrivacySettings(c.Request.Context(), workspace(c))
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, privacyAnswer(p))
}

// patchPrivacy is PATCH /v1/workspace/privacy: changes the settings the body
// names (a field left out stays as it is); 422 naming each field at fault.
func (s *server) patchPrivacy(c *gin.Context) {
	var in privacy.Settings
	if !decodeJSON(c, 64<<10, &in, true) {
		return
	}
	p, err := s.Store.UpdatePrivacySettings(c.Request.Context(), workspace(c), func(cur store.PrivacySettings) (store.PrivacySettings, error) {
		m, purposes, err := in.Apply(privacy.Months{Event: cur.EventRetentionMonths, Message: cur.MessageRetentionMonths,
			Provision: cur.ProvisionRetentionMonths}, privacy.Purposes{JA: cur.PurposesJA, EN: cur.PurposesEN})
		cur.EventRetentionMonths, cur.MessageRetentionMonths, cur.ProvisionRetentionMonths = m.Event, m.Message, m.Provision
		cur.PurposesJA, cur.PurposesEN = purposes.JA, purposes.EN
		return cur, err
	})
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, privacyAnswer(p))
}
