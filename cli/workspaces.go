package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/tabiji/tabiji/locale"
	"github.com/tabiji/tabiji/store"
)

// WorkspacesCmd is `tabiji workspaces`.
type WorkspacesCmd struct {
	Create WorkspacesCreateCmd `cmd:"" help:"Create a workspace with its time zone, language and currency (an existing one keeps its name; the settings given change)."`
	Update WorkspacesUpdateCmd `cmd:"" help:"Change a workspace's time zone, language or currency."`
	List   WorkspacesListCmd   `cmd:"" help:"List the workspaces with their settings."`
}

// WorkspaceSettingsFlags are a workspace's regional settings, as
// `workspaces create`, `workspaces update` and `dev` take them.
type WorkspaceSettingsFlags struct {
	Timezone string `name:"timezone" help:"IANA time zone (Asia/Tokyo) of customers whose profile names none: journeys, date triggers, quiet hours, broadcasts and the day cut of statistics follow it. Default on creation: Asia/Tokyo for --locale ja, else UTC (tabiji dev: the machine's zone)."`
	Locale   string `name:"locale" help:"ja or en: the language of journey templates' copy and of reports. Default on creation: en."`
	Currency string `name:"currency" help:"ISO 4217 currency code (JPY) of revenue in reports. Default on creation: JPY for --locale ja, else USD."`
}

// settings returns the flags given, checked.
func (f WorkspaceSettingsFlags) settings() (locale.Settings, error) {
	set := locale.Settings{Timezone: f.Timezone, Locale: f.Locale, Currency: f.Currency}
	if err := locale.Check(set, "--"); err != nil {
		return set, fmt.Errorf("invalid workspace settings: %w", err)
	}
	return set, nil
}

// ensureWorkspace creates the workspace with the settings given (zone, when
// none is given, defaultZone, then the language's default), or changes the
// settings given of one that exists.
func ensureWorkspace(ctx context.Context, st *store.Store, id, name string, f WorkspaceSettingsFlags, defaultZone string) (locale.Settings, error) {
	given, err := f.settings()
	if err != nil {
		return given, err
	}
	create := given
	create.Timezone = cmp.Or(given.Timezone, defaultZone)
	created, err := st.CreateWorkspace(ctx, id, name, create)
	if err == nil && !created {
		return st.UpdateWorkspaceSettings(ctx, id, given)
	}
	if errors.Is(err, store.ErrBadTimezone) {
		return given, fmt.Errorf("--timezone %q: %s (this Postgres does not know it)", create.Timezone, locale.TimezoneRule)
	}
	if err != nil {
		return given, err
	}
	return st.WorkspaceSettings(ctx, id)
}

// WorkspacesCreateCmd is `tabiji workspaces create`.
type WorkspacesCreateCmd struct {
	DatabaseFlags
	ID   string `arg:"" name:"id" help:"Workspace id: 1-64 lowercase letters, digits, _ or -."`
	Name string `name:"name" help:"Display name; the id when empty."`
	WorkspaceSettingsFlags
}

// Run creates the workspace.
func (w *WorkspacesCreateCmd) Run(rc *runContext) error {
	if !workspaceIDPattern.MatchString(w.ID) {
		return errors.New("the workspace id must be 1-64 lowercase letters, digits, _ or -, starting with a letter or digit")
	}
	st, err := openStore(rc.ctx, w.DatabaseFlags)
	if err != nil {
		return err
	}
	defer st.Close()
	set, err := ensureWorkspace(rc.ctx, st, w.ID, cmp.Or(w.Name, w.ID), w.WorkspaceSettingsFlags, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "workspace %s is ready (%s, %s, %s): `tabiji keys create --workspace %s --role admin` makes its first key\n",
		w.ID, set.Timezone, set.Locale, set.Currency, w.ID)
	return nil
}

// WorkspacesUpdateCmd is `tabiji workspaces update`.
type WorkspacesUpdateCmd struct {
	DatabaseFlags
	ID string `arg:"" name:"id" help:"Workspace id."`
	WorkspaceSettingsFlags
}

// Run changes the settings given.
func (w *WorkspacesUpdateCmd) Run(rc *runContext) error {
	given, err := w.settings()
	if err != nil {
		return err
	}
	if given == (locale.Settings{}) {
		return errors.New("give at least one of --timezone, --locale and --currency")
	}
	st, err := openStore(rc.ctx, w.DatabaseFlags)
	if err != nil {
		return err
	}
	defer st.Close()
	set, err := st.UpdateWorkspaceSettings(rc.ctx, w.ID, given)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("no workspace %s: `tabiji workspaces list` shows them", w.ID)
	case errors.Is(err, store.ErrBadTimezone):
		return fmt.Errorf("--timezone %q: %s (this Postgres does not know it)", given.Timezone, locale.TimezoneRule)
	case err != nil:
		return err
	}
	fmt.Fprintf(rc.stdout, "workspace %s: %s, %s, %s\n", w.ID, set.Timezone, set.Locale, set.Currency)
	return nil
}

// WorkspacesListCmd is `tabiji workspaces list`.
type WorkspacesListCmd struct {
	DatabaseFlags
}

// Run prints one workspace a line.
func (w *WorkspacesListCmd) Run(rc *runContext) error {
	st, err := openStore(rc.ctx, w.DatabaseFlags)
	if err != nil {
		return err
	}
	defer st.Close()
	all, err := st.ListWorkspaces(rc.ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTIMEZONE\tLOCALE\tCURRENCY\tCREATED")
	for _, ws := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", ws.ID, ws.Name, ws.Settings.Timezone, ws.Settings.Locale,
			ws.Settings.Currency, ws.CreatedAt.UTC().Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}
