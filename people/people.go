// Package people holds the console's accounts: a person (an email address
// and a password hashed with argon2id), their membership of workspaces
// with a role, the signed, single-use, expiring links of invitations and
// password resets, and the flows over the store that use them (log in,
// invite, accept, reset). Machine keys are not people: they stay in store.
package people

import (
	"fmt"
	"strings"
)

// Role is what a person may do in one workspace.
type Role string

// The roles of a membership.
const (
	Owner     Role = "owner"     // everything: people, erasure, keys, the audit log, workspace settings
	Marketer  Role = "marketer"  // journeys, templates, segments, broadcasts: launch, pause, preview
	Analyst   Role = "analyst"   // read-only: every GET
	Developer Role = "developer" // keys, taxonomy, channels, webhooks and secrets, signup forms
)

// Roles are every role, most powerful first.
var Roles = []Role{Owner, Marketer, Analyst, Developer}

// ParseRole returns the role named s, or an error listing the roles.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("must be one of %s", roleList())
}

func roleList() string {
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// Locales are the console's languages.
var Locales = []string{"ja", "en"}

// ValidLocale says whether s is a console language.
func ValidLocale(s string) bool { return s == "ja" || s == "en" }

// NormalizeEmail is the form an address is stored and looked up in:
// trimmed and lower-cased (two people never differ by case alone).
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
