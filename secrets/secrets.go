// Package secrets holds each workspace's named secrets (a CRM token, say):
// journeys reference them as {{ secrets.NAME }} in webhook URLs, headers
// and bodies, so a value is in neither the stored journey nor a Temporal
// history, and the webhook activity opens it only at send time. Values
// are sealed with the operator's TABIJI_SECRETS_KEY (channels/settings'
// Keyring), bound to the workspace and the name, and never shown again.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/store"
)

// MaxValue is the longest secret value accepted (bytes).
const MaxValue = 8 << 10

// namePattern is what a secret's name looks like (the table checks it too).
var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// reference finds {{ secrets.NAME }} in a string; the name part is loose
// here so a bad name is reported rather than left as text.
var reference = regexp.MustCompile(`\{\{-?\s*secrets\.([A-Za-z0-9_]+)\s*-?\}\}`)

// ErrNoKey means the process has no TABIJI_SECRETS_KEY, so it can neither
// seal nor open a secret.
var ErrNoKey = settings.ErrNoKey

// ErrUnknown is a reference to a secret the workspace does not have.
var ErrUnknown = errors.New("secrets: no such secret")

// CheckName says what is wrong with a secret's name, "" when nothing.
func CheckName(name string) string {
	if !namePattern.MatchString(name) {
		return "must be 1-64 lowercase letters, digits and underscores, starting with a letter, as crm_token"
	}
	return ""
}

// CheckValue says what is wrong with a secret's value, "" when nothing.
func CheckValue(v string) string {
	switch {
	case v == "":
		return "must not be empty (DELETE the secret to remove it)"
	case len(v) > MaxValue:
		return fmt.Sprintf("must be at most %d bytes", MaxValue)
	case strings.ContainsAny(v, "\r\n\x00"):
		return "must not contain line breaks or NUL (it may go into a header)"
	}
	return ""
}

// References lists the secret names s refers to as {{ secrets.NAME }},
// each once, in order.
func References(s string) []string {
	var out []string
	for _, m := range reference.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// Expand replaces every {{ secrets.NAME }} in s with its value in values;
// a name values lacks is ErrUnknown naming it.
func Expand(s string, values map[string]string) (string, error) {
	var missing string
	out := reference.ReplaceAllStringFunc(s, func(m string) string {
		name := reference.FindStringSubmatch(m)[1]
		v, ok := values[name]
		if !ok && missing == "" {
			missing = name
		}
		return v
	})
	if missing != "" {
		return "", fmt.Errorf("%w: %q", ErrUnknown, missing)
	}
	return out, nil
}

// Info is what the API shows of a secret: never its value.
type Info struct {
	Name        string    `json:"name"`
	Fingerprint string    `json:"fingerprint"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// Vault stores and opens a workspace's secrets.
type Vault struct {
	store *store.Store
	keys  *settings.Keyring
}

// NewVault returns a Vault over st; keys nil seals and opens nothing
// (ErrNoKey) but still lists and deletes.
func NewVault(st *store.Store, keys *settings.Keyring) *Vault {
	return &Vault{store: st, keys: keys}
}

func scope(name string) string { return "secret/" + name }

// Put seals and stores the workspace's secret; created says whether it is
// new. Check the name and value first.
func (v *Vault) Put(ctx context.Context, workspaceID, name, value string) (created bool, err error) {
	if v == nil || v.keys == nil {
		return false, ErrNoKey
	}
	sealed, err := v.keys.Seal(workspaceID, scope(name), []byte(value))
	if err != nil {
		return false, fmt.Errorf("secrets: seal %q: %w", name, err)
	}
	return v.store.PutWorkspaceSecret(ctx, store.WorkspaceSecret{WorkspaceID: workspaceID, Name: name,
		Sealed: sealed, Fingerprint: settings.Fingerprint(value)})
}

// List shows the workspace's secrets, by name, without values.
func (v *Vault) List(ctx context.Context, workspaceID string) ([]Info, error) {
	rows, err := v.store.WorkspaceSecrets(ctx, workspaceID, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Info, len(rows))
	for i, r := range rows {
		out[i] = Info{Name: r.Name, Fingerprint: r.Fingerprint, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	}
	return out, nil
}

// Missing returns those of names the workspace has no secret of.
func (v *Vault) Missing(ctx context.Context, workspaceID string, names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	rows, err := v.store.WorkspaceSecrets(ctx, workspaceID, names)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, n := range names {
		if !slices.ContainsFunc(rows, func(r store.WorkspaceSecret) bool { return r.Name == n }) {
			missing = append(missing, n)
		}
	}
	return missing, nil
}

// Delete removes the workspace's secret (store.ErrNotFound when none).
func (v *Vault) Delete(ctx context.Context, workspaceID, name string) error {
	return v.store.DeleteWorkspaceSecret(ctx, workspaceID, name)
}

// Open returns the values of the workspace's secrets named: ErrUnknown
// naming the first one it does not have, ErrNoKey without a key.
func (v *Vault) Open(ctx context.Context, workspaceID string, names []string) (map[string]string, error) {
	out := map[string]string{}
	if len(names) == 0 {
		return out, nil
	}
	if v == nil || v.keys == nil {
		return nil, ErrNoKey
	}
	rows, err := v.store.WorkspaceSecrets(ctx, workspaceID, names)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		plain, err := v.keys.Open(workspaceID, scope(r.Name), r.Sealed)
		if err != nil {
			return nil, fmt.Errorf("secrets: open %q: %w", r.Name, err)
		}
		out[r.Name] = string(plain)
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("%w: %q is not a secret of this workspace (deleted since the journey was saved?)", ErrUnknown, n)
		}
	}
	return out, nil
}

// ReferencesIn lists the secret names the strings of JSON-like values (a
// URL, a header map, a body) refer to, each once.
func ReferencesIn(values ...any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			for _, n := range References(v) {
				if !slices.Contains(out, n) {
					out = append(out, n)
				}
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		case map[string]string:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for _, v := range values {
		walk(v)
	}
	slices.Sort(out)
	return out
}

// Redact replaces every secret value in s with [secret NAME], so an error
// that quotes a URL or a body never carries a value into a history or log.
func Redact(s string, values map[string]string) string {
	for name, v := range values {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[secret "+name+"]")
		}
	}
	return s
}
