package console

import (
	"io"
	"time"
)

// InvitationPage is /ui/invitations/{token}: the form that takes up an
// invitation (a new person's name and password, or an existing person's
// password), or, when the link no longer works, why.
type InvitationPage struct {
	Frame
	// State is the link's: pending, used, revoked, expired, or unknown.
	State         string
	Email         string
	WorkspaceName string
	Role          string
	Existing      bool              // the address has an account: they log in to join
	Name          string            // as typed, shown again with errors
	Errors        map[string]string // field → message, already in the page's language
	Error         string            // a message for the whole form
	MinPassword   int               // the shortest password taken
}

// Invitation renders the invitation page.
func Invitation(w io.Writer, p InvitationPage) error { return render(w, "invitation.html", p) }

// ResetPage is /ui/password-reset (Token empty: the request by email, or,
// Sent, its answer) and /ui/password-reset/{token} (the new password, or
// why the link no longer works).
type ResetPage struct {
	Frame
	Token  string
	State  string // the link's: pending, used, revoked, expired, unknown
	Sent   bool
	Errors map[string]string
	Error  string
	// MinPassword is the shortest password taken; ResetMinutes how long a link works.
	MinPassword, ResetMinutes int
}

// Reset renders the password-reset pages.
func Reset(w io.Writer, p ResetPage) error { return render(w, "reset.html", p) }

// PeoplePage is /ui/settings/people, the owner's: the workspace's members
// and pending invitations, with their controls.
type PeoplePage struct {
	Frame
	Members     []PersonRow
	Invitations []InvitationRow
	Roles       []string // every role, for the selects
}

// PersonRow is a member as the People page lists them; LastLogin is
// written in the page's zone and language ("" for never).
type PersonRow struct {
	ID, Name, Email, Role, LastLogin string
}

// InvitationRow is a pending invitation on the People page.
type InvitationRow struct {
	ID, Email, Role, Expires string
}

// People renders the People page.
func People(w io.Writer, p PeoplePage) error { return render(w, "people.html", p) }

// When writes a time in the page's zone and language, as the pages do.
func (f Frame) When(t time.Time) string { return when(t, f.Zone, f.Lang) }
