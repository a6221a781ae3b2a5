package cli

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/tabiji/tabiji/people"
)

// Invitations, and the people commands given an admin key, go through the
// running API (as `tabiji journeys` and `segments` do): the API sends the
// invitation email through the workspace's channel and records every change
// in the audit log. `users add` and `reset-password` stay in the database:
// they make a fresh workspace's first owner, before anyone could log in,
// invite or hold a key's console.

// UsersInviteCmd is `tabiji users invite`.
type UsersInviteCmd struct {
	APIClientFlags
	Email  string `name:"email" required:"" help:"The invitee's email address."`
	Role   string `name:"role" required:"" enum:"owner,marketer,analyst,developer" help:"owner, marketer, analyst or developer."`
	Locale string `name:"locale" enum:"ja,en," default:"" help:"The invitation's language (ja or en); empty: the workspace's."`
}

// Run invites the person through the API and prints the link (shown once).
func (u *UsersInviteCmd) Run(rc *runContext) error {
	c, err := u.client()
	if err != nil {
		return err
	}
	raw, err := c.call(rc.ctx, "POST", "/v1/people/invitations", map[string]string{"email": u.Email, "role": u.Role, "locale": u.Locale})
	if err != nil {
		return err
	}
	if u.Output == "json" {
		_, err = fmt.Fprintln(rc.stdout, string(raw))
		return err
	}
	var out struct {
		Invitation struct{ ID, Email, Role, ExpiresAt string } `json:"invitation"`
		InviteLink string                                      `json:"inviteLink"`
		Email      struct{ SentThrough, Error string }         `json:"email"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("read the invitation: %w", err)
	}
	fmt.Fprintf(rc.stdout, "invited %s as %s (%s, until %s)\n", out.Invitation.Email, out.Invitation.Role, out.Invitation.ID, out.Invitation.ExpiresAt)
	if out.Email.SentThrough != "" {
		fmt.Fprintf(rc.stdout, "emailed through %s\n", out.Email.SentThrough)
	} else {
		fmt.Fprintf(rc.stdout, "not emailed: %s\n", out.Email.Error)
	}
	fmt.Fprintf(rc.stdout, "\n  link  %s\n\nThe link is shown once and works once, for 7 days.\n", out.InviteLink)
	return nil
}

// apiPerson is a member as GET /v1/people answers.
type apiPerson struct {
	ID, Email, Name, Role, Locale string
	Since                         string  `json:"since"`
	LastLoginAt                   *string `json:"lastLoginAt"`
}

// apiPeople reads the key's workspace's people.
func apiPeople(rc *runContext, f APIClientFlags) (*apiClient, []apiPerson, error) {
	c, err := f.client()
	if err != nil {
		return nil, nil, err
	}
	var out struct {
		People []apiPerson `json:"people"`
	}
	if err := c.get(rc.ctx, "/v1/people", &out); err != nil {
		return nil, nil, err
	}
	return c, out.People, nil
}

// listViaAPI prints the key's workspace's people.
func listViaAPI(rc *runContext, f APIClientFlags) error {
	_, list, err := apiPeople(rc, f)
	if err != nil {
		return err
	}
	if f.Output == "json" {
		raw, _ := json.Marshal(list)
		_, err = fmt.Fprintln(rc.stdout, string(raw))
		return err
	}
	tw := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tLANGUAGE\tLAST LOGIN")
	for _, p := range list {
		last := "-"
		if p.LastLoginAt != nil {
			last = *p.LastLoginAt
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Email, cmp.Or(p.Name, "-"), p.Role, cmp.Or(p.Locale, "-"), last)
	}
	return tw.Flush()
}

// changeViaAPI finds the member with the address and sends method to
// /v1/people/{id}{suffix} with body.
func changeViaAPI(rc *runContext, f APIClientFlags, email, method, suffix string, body any) error {
	c, list, err := apiPeople(rc, f)
	if err != nil {
		return err
	}
	email = people.NormalizeEmail(email)
	for _, p := range list {
		if p.Email == email {
			_, err := c.call(rc.ctx, method, "/v1/people/"+url.PathEscape(p.ID)+suffix, body)
			return err
		}
	}
	return errors.New(email + " is not a member of the admin key's workspace")
}

// viaAPI says whether a people command was given an admin key, and so
// goes through the API rather than the database.
func viaAPI(f APIClientFlags) bool { return strings.TrimSpace(f.AdminKey) != "" }
