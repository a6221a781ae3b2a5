package cli

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"text/tabwriter"

	"github.com/tabiji/tabiji/store"
)

// workspaceIDPattern is what a workspace id may be: it appears in workflow IDs.
var workspaceIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// KeysCmd is `tabiji keys`: API keys, straight in the database.
type KeysCmd struct {
	Create KeysCreateCmd `cmd:"" help:"Create an API key (and its workspace when missing); prints the secret once."`
	List   KeysListCmd   `cmd:"" help:"List API keys, never their secrets."`
	Revoke KeysRevokeCmd `cmd:"" help:"Revoke an API key by its id: its secret stops working at once."`
	// VerificationSecret talks to a running API, which holds the secrets key.
	VerificationSecret KeysVerificationSecretCmd `cmd:"" name:"verification-secret" help:"Show (or --rotate) the workspace's identity-verification secret, with which your backend signs user ids for client keys (through the running API)."`
}

// KeysCreateCmd is `tabiji keys create`.
type KeysCreateCmd struct {
	DatabaseFlags
	Workspace string `name:"workspace" required:"" help:"Workspace of the key: 1-64 lowercase letters, digits, _ or -."`
	Role      string `name:"role" required:"" enum:"write,admin,client" help:"write (send events only: the key for your services), client (send events from web pages and apps; identify and address changes need identity verification) or admin (manage everything in the workspace)."`
	Name      string `name:"name" help:"What the key is for, e.g. \"checkout service\"."`
}

// Run creates the key and prints its secret, which is stored only hashed.
func (k *KeysCreateCmd) Run(rc *runContext) error {
	if !workspaceIDPattern.MatchString(k.Workspace) {
		return errors.New("--workspace must be 1-64 lowercase letters, digits, _ or -, starting with a letter or digit")
	}
	st, err := openStore(rc.ctx, k.DatabaseFlags)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.EnsureWorkspace(rc.ctx, k.Workspace, k.Workspace); err != nil {
		return err
	}
	secret, key, err := st.CreateKey(rc.ctx, k.Workspace, store.Role(k.Role), k.Name)
	if err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "created %s key %s in workspace %s\n\n  %s\n\nThis secret is shown once: keep it now.\n", key.Role, key.ID, key.WorkspaceID, secret)
	return nil
}

// KeysListCmd is `tabiji keys list`.
type KeysListCmd struct {
	DatabaseFlags
	Workspace string `name:"workspace" help:"Only this workspace's keys."`
}

// Run prints one key a line.
func (k *KeysListCmd) Run(rc *runContext) error {
	st, err := openStore(rc.ctx, k.DatabaseFlags)
	if err != nil {
		return err
	}
	defer st.Close()
	keys, err := st.ListKeys(rc.ctx, k.Workspace)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tWORKSPACE\tROLE\tNAME\tCREATED\tREVOKED")
	for _, key := range keys {
		revoked := "-"
		if key.RevokedAt != nil {
			revoked = key.RevokedAt.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", key.ID, key.WorkspaceID, key.Role, cmp.Or(key.Name, "-"),
			key.CreatedAt.UTC().Format("2006-01-02 15:04"), revoked)
	}
	return tw.Flush()
}

// KeysRevokeCmd is `tabiji keys revoke`.
type KeysRevokeCmd struct {
	DatabaseFlags
	ID string `arg:"" name:"key-id" help:"The key's id (key_…), as keys list shows it."`
}

// Run revokes the key.
func (k *KeysRevokeCmd) Run(rc *runContext) error {
	st, err := openStore(rc.ctx, k.DatabaseFlags)
	if err != nil {
		return err
	}
	defer st.Close()
	key, err := st.RevokeKeyByID(rc.ctx, k.ID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no key %s: `tabiji keys list` shows the ids", k.ID)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "revoked %s key %s of workspace %s\n", key.Role, key.ID, key.WorkspaceID)
	return nil
}
