package cli

import (
	"cmp"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/tabiji/tabiji/people"
)

// UsersCmd is `tabiji users`: the console's people. `add` and
// `reset-password` work straight in the database, as `tabiji keys` does, so
// an operator can give a fresh workspace its first owner (tabiji dev makes
// one by itself); `invite` goes through the API with an admin key, and
// `list`, `set-role` and `remove` do too when given one (users_api.go).
type UsersCmd struct {
	Add           UsersAddCmd           `cmd:"" help:"Give a person a role in a workspace, creating them with a generated password (printed once) when they are new (straight in the database: a fresh workspace's first owner)."`
	Invite        UsersInviteCmd        `cmd:"" help:"Invite a person by email through the API (admin key): the link is emailed through the workspace's email channel and printed once."`
	List          UsersListCmd          `cmd:"" help:"List a workspace's people and their roles (through the API with --admin-key, else the database with --workspace)."`
	SetRole       UsersSetRoleCmd       `cmd:"" name:"set-role" help:"Change a person's role (the last owner cannot lose theirs); through the API with --admin-key, else the database with --workspace."`
	Remove        UsersRemoveCmd        `cmd:"" help:"Remove a person from a workspace; their sessions there end (the last owner cannot be removed); through the API with --admin-key, else the database."`
	ResetPassword UsersResetPasswordCmd `cmd:"" name:"reset-password" help:"Give a person a new generated password, printed once; every session of theirs ends."`
}

// userFlags name a person in a workspace.
type userFlags struct {
	DatabaseFlags
	Workspace string `name:"workspace" help:"The workspace's id (the database commands)."`
	Email     string `arg:"" help:"The person's email address (their console login)."`
}

func (u userFlags) service(rc *runContext) (*people.Service, func(), error) {
	if !workspaceIDPattern.MatchString(u.Workspace) {
		return nil, nil, errors.New("--workspace must be 1-64 lowercase letters, digits, _ or -, starting with a letter or digit")
	}
	st, err := openStore(rc.ctx, u.DatabaseFlags)
	if err != nil {
		return nil, nil, err
	}
	return &people.Service{Store: st}, st.Close, nil
}

// UsersAddCmd is `tabiji users add`.
type UsersAddCmd struct {
	userFlags
	Role   string `name:"role" required:"" enum:"owner,marketer,analyst,developer" help:"owner (everything: people, erasure, keys, the audit log), marketer (journeys, templates, segments, broadcasts), analyst (read only) or developer (keys, taxonomy, channels, webhooks)."`
	Locale string `name:"locale" enum:"ja,en," default:"" help:"The person's console language (ja or en); empty follows the workspace's."`
}

// Run adds the person and prints their password when it was made now.
func (u *UsersAddCmd) Run(rc *runContext) error {
	svc, done, err := u.service(rc)
	if err != nil {
		return err
	}
	defer done()
	added, err := svc.AddMember(rc.ctx, u.Workspace, u.Email, people.Role(u.Role), u.Locale)
	if err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "%s is %s in workspace %s\n", added.Person.Email, u.Role, u.Workspace)
	if added.Password != "" {
		fmt.Fprintf(rc.stdout, "\n  password  %s\n\nThis password is shown once: hand it over now; they log in at <API>/ui/.\n", added.Password)
	}
	return nil
}

// UsersListCmd is `tabiji users list`.
type UsersListCmd struct {
	DatabaseFlags
	APIClientFlags
	Workspace string `name:"workspace" help:"The workspace's id (without --admin-key: read from the database)."`
}

// Run prints one person a line.
func (u *UsersListCmd) Run(rc *runContext) error {
	if viaAPI(u.APIClientFlags) {
		return listViaAPI(rc, u.APIClientFlags)
	}
	if u.Workspace == "" {
		return errors.New("give --admin-key (through the API) or --workspace (straight in the database)")
	}
	st, err := openStore(rc.ctx, u.DatabaseFlags)
	if err != nil {
		return err
	}
	defer st.Close()
	members, err := st.Members(rc.ctx, u.Workspace)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tROLE\tLANGUAGE\tSINCE")
	for _, m := range members {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Email, m.Role, cmp.Or(m.Locale, "-"), m.Since.UTC().Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

// UsersSetRoleCmd is `tabiji users set-role`.
type UsersSetRoleCmd struct {
	userFlags
	APIClientFlags
	Role string `name:"role" required:"" enum:"owner,marketer,analyst,developer" help:"The new role: owner, marketer, analyst or developer."`
}

// Run changes the role.
func (u *UsersSetRoleCmd) Run(rc *runContext) error {
	if viaAPI(u.APIClientFlags) {
		if err := changeViaAPI(rc, u.APIClientFlags, u.Email, "PUT", "/role", map[string]string{"role": u.Role}); err != nil {
			return err
		}
		fmt.Fprintf(rc.stdout, "%s is %s\n", people.NormalizeEmail(u.Email), u.Role)
		return nil
	}
	svc, done, err := u.service(rc)
	if err != nil {
		return err
	}
	defer done()
	m, err := svc.Member(rc.ctx, u.Workspace, u.Email)
	if err == nil {
		err = svc.Store.SetMemberRole(rc.ctx, u.Workspace, m.PersonID, u.Role)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "%s is %s in workspace %s\n", m.Email, u.Role, u.Workspace)
	return nil
}

// UsersRemoveCmd is `tabiji users remove`.
type UsersRemoveCmd struct {
	userFlags
	APIClientFlags
}

// Run removes the membership.
func (u *UsersRemoveCmd) Run(rc *runContext) error {
	if viaAPI(u.APIClientFlags) {
		if err := changeViaAPI(rc, u.APIClientFlags, u.Email, "DELETE", "", nil); err != nil {
			return err
		}
		fmt.Fprintf(rc.stdout, "removed %s\n", people.NormalizeEmail(u.Email))
		return nil
	}
	svc, done, err := u.service(rc)
	if err != nil {
		return err
	}
	defer done()
	m, err := svc.Member(rc.ctx, u.Workspace, u.Email)
	if err == nil {
		err = svc.Store.RemoveMember(rc.ctx, u.Workspace, m.PersonID)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "removed %s from workspace %s\n", m.Email, u.Workspace)
	return nil
}

// UsersResetPasswordCmd is `tabiji users reset-password`.
type UsersResetPasswordCmd struct{ userFlags }

// Run sets and prints a new password.
func (u *UsersResetPasswordCmd) Run(rc *runContext) error {
	svc, done, err := u.service(rc)
	if err != nil {
		return err
	}
	defer done()
	if _, err := svc.Member(rc.ctx, u.Workspace, u.Email); err != nil {
		return err
	}
	password, err := svc.ResetPassword(rc.ctx, u.Email)
	if err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "new password for %s\n\n  password  %s\n\nThis password is shown once; every session of theirs has ended.\n", people.NormalizeEmail(u.Email), password)
	return nil
}
