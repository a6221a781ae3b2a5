package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/advertising"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/msgtemplates"
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

// readyToAdvertise answers a 422 naming the missing fields of the sender's
// identity, and returns false, when the workspace enforces the
// advertising-mail policy, its sender's identity is incomplete, and the
// journey sends promotional email or SMS. Activation and template
// launches check it.
func (s *server) readyToAdvertise(c *gin.Context, def journey.Definition) bool {
	ctx, ws := c.Request.Context(), workspace(c)
	p, err := s.Store.AdvertisingPolicy(ctx, ws)
	if s.answered(c, err) {
		return false
	}
	unready := p.Policy().Unready()
	if unready == nil {
		return true
	}
	node, err := s.promotionalSend(ctx, ws, def)
	if s.answered(c, err) {
		return false
	}
	if node == "" {
		return true
	}
	problem(c, http.StatusUnprocessableEntity, "node "+node+" sends promotional email or SMS, and the workspace's sender identity is incomplete: "+
		"the law on advertising mail (特定電子メール法) requires the sender's name, postal address and a contact for refusal in every one; set them with "+
		advertising.SettingPath+", or mark the send transactional", unready...)
	return false
}

// promotionalSend is the id of the journey's first send node that sends
// promotional email or SMS ("" for none): on its channel or its fallback,
// neither the node nor the stored template it sends marks it transactional.
func (s *server) promotionalSend(ctx context.Context, ws string, def journey.Definition) (string, error) {
	for _, n := range def.Nodes {
		if n.Kind != journey.KindSend || n.Transactional {
			continue
		}
		for _, ch := range n.ChannelOrder() {
			if !advertising.SpecifiedMail(ch) {
				continue
			}
			transactional, err := s.templateTransactional(ctx, ws, n.TemplateFor(ch).Name)
			if err != nil || !transactional {
				return n.ID, err
			}
		}
	}
	return "", nil
}

// templateTransactional says whether the stored template marks itself
// transactional (false for inline content or an unknown template).
func (s *server) templateTransactional(ctx context.Context, ws, name string) (bool, error) {
	if name == "" {
		return false, nil
	}
	t, err := s.Store.GetMessageTemplate(ctx, ws, name, 0)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	content, err := msgtemplates.Parse(t.Channel, t.Content)
	return err == nil && content.Transactional(), nil
}

// broadcastReadyToAdvertise is readyToAdvertise for a broadcast: a
// promotional email or SMS broadcast is not scheduled while the sender's
// identity is incomplete under an enforced policy.
func (s *server) broadcastReadyToAdvertise(c *gin.Context, b store.Broadcast) bool {
	if b.Transactional || !advertising.SpecifiedMail(b.Channel) {
		return true
	}
	ctx := c.Request.Context()
	p, err := s.Store.AdvertisingPolicy(ctx, b.WorkspaceID)
	if s.answered(c, err) {
		return false
	}
	unready := p.Policy().Unready()
	if unready == nil {
		return true
	}
	transactional, err := s.templateTransactional(ctx, b.WorkspaceID, b.TemplateID)
	if b.TemplateID == "" {
		content, perr := msgtemplates.Parse(b.Channel, b.Content)
		transactional = perr == nil && content.Transactional()
	}
	if s.answered(c, err) || transactional {
		return transactional
	}
	problem(c, http.StatusUnprocessableEntity, "broadcast "+b.ID+" is promotional "+b.Channel+", and the workspace's sender identity is incomplete: "+
		"the law on advertising mail (特定電子メール法) requires the sender's name, postal address and a contact for refusal in every one; set them with "+
		advertising.SettingPath+", or mark the broadcast transactional", unready...)
	return false
}
