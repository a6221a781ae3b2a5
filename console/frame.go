package console

import "time"

// Sections of the navigation; a page names the one it belongs to.
const (
	SectionHome      = "home"
	SectionJourneys  = "journeys"
	SectionCustomers = "customers"
	SectionSegments  = "segments"
	SectionSettings  = "settings"
	SectionApprovals = "approvals"
	SectionAudit     = "audit"
	// SectionBroadcasts holds the broadcasts' pages.
	SectionBroadcasts = "broadcasts"
	SectionData       = "data"
	// SectionQuarantine holds the quarantine's pages (beside Data).
	SectionQuarantine = "quarantine"
	// SectionDebugger holds the event debugger (a data page of its own in the navigation).
	SectionDebugger = "debugger"
	// SectionMessages holds the message templates' pages.
	SectionMessages = "messages"
)

// Roles a person holds in a workspace (api/roles.go enforces them; the
// console only hides what a role cannot use).
const (
	RoleOwner     = "owner"
	RoleMarketer  = "marketer"
	RoleAnalyst   = "analyst"
	RoleDeveloper = "developer"
)

// Frame is what the layout needs of every page: who reads it, in which
// language, zone and currency, and the token its scripts send back.
type Frame struct {
	// Lang is "ja" or "en" (Lang picks it: the person's, else the workspace's).
	Lang string
	// Title is the page's catalog key or, when TitleText is set, unused.
	Title     string
	TitleText string // a title that is data (a journey's or customer's id)
	Section   string
	// CSRF is the session's token, sent back as X-CSRF-Token by the scripts.
	CSRF string
	// Role is the person's role; empty for a session opened with an admin
	// key, which may do everything.
	Role  string
	Email string
	// Zone and Currency are the workspace's: times and money are written in them.
	Zone     *time.Location
	Currency string
}

func (f Frame) frame() Frame { return f }

// Can says whether the reader's role may use a kind of control: "journeys"
// (templates, segments, broadcasts, launch, pause, preview), "people",
// "erasure", "keys", "channels", "taxonomy" (the data design and its
// quarantine: developers and owners), "workspace", "audit" (owners). The console hides the
// controls it cannot; the API refuses the calls all the same.
func (f Frame) Can(area string) bool {
	switch f.Role {
	case "", RoleOwner:
		return true
	case RoleMarketer:
		return area == "journeys"
	case RoleDeveloper:
		return area == "keys" || area == "channels" || area == "taxonomy"
	}
	return false
}

// Nav is the navigation's entries, in order; the audit log is the
// owner's only.
func (f Frame) Nav() []NavItem {
	nav := []NavItem{
		{SectionHome, "/ui/", "nav.home", f.Section == SectionHome},
		{SectionJourneys, "/ui/journeys", "nav.journeys", f.Section == SectionJourneys},
		{SectionBroadcasts, "/ui/broadcasts", "nav.broadcasts", f.Section == SectionBroadcasts},
		{SectionMessages, "/ui/message-templates", "nav.messages", f.Section == SectionMessages},
		{SectionCustomers, "/ui/customers", "nav.customers", f.Section == SectionCustomers},
		{SectionApprovals, "/ui/approvals", "nav.approvals", f.Section == SectionApprovals},
		{SectionSegments, "/ui/segments", "nav.segments", f.Section == SectionSegments},
		{SectionData, "/ui/data/taxonomy", "nav.data", f.Section == SectionData},
		{SectionQuarantine, "/ui/data/quarantine", "nav.quarantine", f.Section == SectionQuarantine},
		{SectionDebugger, "/ui/data/debugger", "nav.debugger", f.Section == SectionDebugger},
	}
	if f.Can("audit") {
		nav = append(nav, NavItem{SectionAudit, "/ui/audit", "nav.audit", f.Section == SectionAudit})
	}
	return append(nav, NavItem{SectionSettings, "/ui/settings", "nav.settings", f.Section == SectionSettings})
}

// NavItem is one entry of the navigation.
type NavItem struct {
	Section, Href, Key string
	Current            bool
}
