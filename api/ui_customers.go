package api

import (
	"bytes"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/approvals"
	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/locale"
)

// uiSearchLimit bounds the profiles a customer search lists.
const uiSearchLimit = 50

// uiCustomers renders the customer search: q is a customer id, an email
// address, a phone number or a LINE user id (store.FindProfiles).
func (s *server) uiCustomers(c *gin.Context) {
	frame, err := s.frame(c, console.SectionCustomers, "customers.title")
	if err != nil {
		s.fail(c, err)
		return
	}
	page := console.CustomersPage{Frame: frame, Query: c.Query("q")}
	if len(page.Query) > 320 {
		page.Query = page.Query[:320]
	}
	found, err := s.Store.FindProfiles(c.Request.Context(), workspace(c), page.Query, uiSearchLimit)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, p := range found {
		page.Found = append(page.Found, console.CustomerMatch{ID: p.ID, Email: p.Email, Phone: p.Phone, LineUserID: p.LineUserID})
	}
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.Customers(buf, page) })
}

// uiSettings renders the workspace's settings, with its approval rule.
func (s *server) uiSettings(c *gin.Context) {
	frame, err := s.frame(c, console.SectionSettings, "settings.title")
	if err != nil {
		s.fail(c, err)
		return
	}
	v, _ := c.Get(consoleSettingsKey) // consoleSettings has read them: frame would have failed otherwise
	set, _ := v.(locale.Settings)
	p, err := s.Store.ApprovalPolicy(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	page := console.SettingsPage{Frame: frame, WorkspaceLang: console.Lang(set.Locale, ""),
		ApprovalsRequired: p.Required, ApproverRole: p.ApproverRole, ApproverRoles: approvals.Roles}
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.Settings(buf, page) })
}
