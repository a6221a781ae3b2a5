// Package sso is single sign-on to the console with OpenID Connect: a
// workspace's provider settings and their checks, the mapping of a claim
// of the ID token to a role, and the authorization code flow with PKCE,
// state and nonce (github.com/coreos/go-oidc/v3 for discovery and ID token
// verification, golang.org/x/oauth2 for the code exchange). A workspace has
// at most one provider; its client secret is sealed with the operator's
// secrets key like the channels' secrets.
package sso

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/people"
)

// Settings are a workspace's provider as an owner sets it.
type Settings struct {
	// Issuer is the provider's issuer URL, exactly as its discovery
	// document and ID tokens name it (https://accounts.google.com).
	Issuer string `json:"issuer"`
	// ClientID and ClientSecret are the client registered at the provider
	// for Tabiji; the secret is write-only.
	ClientID     string  `json:"clientId"`
	ClientSecret *string `json:"clientSecret,omitempty"`
	// AllowedDomains are the email domains whose people may sign in.
	AllowedDomains []string `json:"allowedDomains"`
	// RoleClaim names the ID token's claim (a string or a list of strings:
	// groups, roles, a custom claim) that Roles maps.
	RoleClaim string `json:"roleClaim"`
	// Roles maps a value of the claim to a console role.
	Roles map[string]string `json:"roles"`
	// DefaultRole is the role of a person none of whose claim values is
	// mapped; "" refuses them.
	DefaultRole string `json:"defaultRole"`
}

// Bounds of the settings.
const (
	maxURL       = 2048
	maxClientID  = 512
	maxSecret    = 4096
	maxDomains   = 50
	maxRoles     = 200
	maxRoleValue = 256
)

var (
	domainPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)
	claimPattern  = regexp.MustCompile(`^[A-Za-z0-9_:./#-]{1,128}$`)
)

// Normalize trims the settings and lower-cases the domains, so that they
// are stored and compared in one form.
func (s *Settings) Normalize() {
	s.Issuer = strings.TrimSpace(s.Issuer)
	s.ClientID = strings.TrimSpace(s.ClientID)
	s.RoleClaim = strings.TrimSpace(s.RoleClaim)
	s.DefaultRole = strings.TrimSpace(s.DefaultRole)
	for i, d := range s.AllowedDomains {
		s.AllowedDomains[i] = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(d)), "@")
	}
}

// Check lists what is wrong with the settings, each error naming its
// field; needSecret: the workspace has no stored secret yet.
func (s Settings) Check(needSecret bool) jsonfields.Errors {
	var errs jsonfields.Errors
	add := func(field, msg string) { errs = append(errs, jsonfields.Error{Field: field, Message: msg}) }
	if msg := CheckIssuer(s.Issuer); msg != "" {
		add("issuer", msg)
	}
	if msg := checkText(s.ClientID, maxClientID); msg != "" {
		add("clientId", msg)
	}
	switch {
	case s.ClientSecret == nil && needSecret:
		add("clientSecret", "is required: the client secret the provider gave for this client")
	case s.ClientSecret != nil:
		if msg := checkText(*s.ClientSecret, maxSecret); msg != "" {
			add("clientSecret", msg)
		}
	}
	errs = append(errs, checkDomains(s.AllowedDomains)...)
	errs = append(errs, s.checkRoles()...)
	return errs
}

// CheckIssuer says what is wrong with an issuer URL, "" when nothing: an
// absolute https URL with no query, fragment or user; plain http only to
// the machine itself (a provider on loopback in tests and development).
func CheckIssuer(issuer string) string {
	u, err := url.Parse(issuer)
	switch {
	case issuer == "":
		return "is required: the provider's issuer URL, as https://accounts.google.com"
	case len(issuer) > maxURL:
		return fmt.Sprintf("must be at most %d characters", maxURL)
	case err != nil || u.Host == "" || u.Opaque != "":
		return "must be an absolute URL, as https://login.example.com"
	case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "must have no user, query or fragment"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && loopback(u.Hostname()):
		return ""
	}
	return "must be an https URL (plain http only to the machine itself)"
}

// loopback says whether host names the machine itself.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkText bounds a one-line value.
func checkText(v string, limit int) string {
	switch {
	case v == "":
		return "is required"
	case len(v) > limit:
		return fmt.Sprintf("must be at most %d characters", limit)
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return "must not hold control characters"
	}
	return ""
}

func checkDomains(domains []string) jsonfields.Errors {
	var errs jsonfields.Errors
	switch {
	case len(domains) == 0:
		return jsonfields.Errors{{Field: "allowedDomains", Message: "must name at least one email domain, as example.com"}}
	case len(domains) > maxDomains:
		return jsonfields.Errors{{Field: "allowedDomains", Message: fmt.Sprintf("must name at most %d domains", maxDomains)}}
	}
	for i, d := range domains {
		field := fmt.Sprintf("allowedDomains[%d]", i)
		switch {
		case !domainPattern.MatchString(d):
			errs = append(errs, jsonfields.Error{Field: field, Message: "must be an email domain, as example.com"})
		case slices.Index(domains, d) < i:
			errs = append(errs, jsonfields.Error{Field: field, Message: "is listed twice"})
		}
	}
	return errs
}

func (s Settings) checkRoles() jsonfields.Errors {
	var errs jsonfields.Errors
	add := func(field, msg string) { errs = append(errs, jsonfields.Error{Field: field, Message: msg}) }
	if s.DefaultRole != "" {
		if _, err := people.ParseRole(s.DefaultRole); err != nil {
			add("defaultRole", err.Error()+`, or "" to refuse a person whose claim maps to no role`)
		}
	}
	switch {
	case len(s.Roles) == 0 && s.DefaultRole == "":
		add("roles", "must map at least one claim value to a role, or give a defaultRole")
	case len(s.Roles) > maxRoles:
		add("roles", fmt.Sprintf("must map at most %d values", maxRoles))
	case len(s.Roles) > 0 && !claimPattern.MatchString(s.RoleClaim):
		add("roleClaim", "must name the ID token's claim the roles map (groups, roles, or a custom claim such as https://example.com/roles)")
	}
	for _, v := range sortedKeys(s.Roles) {
		field := "roles." + v
		if v == "" || len(v) > maxRoleValue || strings.IndexFunc(v, unicode.IsControl) >= 0 {
			add(field, fmt.Sprintf("a claim value must be 1 to %d characters without control characters", maxRoleValue))
		} else if _, err := people.ParseRole(s.Roles[v]); err != nil {
			add(field, err.Error())
		}
	}
	return errs
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// AllowsEmail says whether the address is in one of the allowed domains
// (exactly: a subdomain is another domain).
func (s Settings) AllowsEmail(email string) bool {
	at := strings.LastIndexByte(email, '@')
	return at > 0 && slices.Contains(s.AllowedDomains, strings.ToLower(email[at+1:]))
}

// RoleFor maps the ID token's claims to a role: the most powerful role
// (people.Roles' order) any value of the role claim maps to, else the
// default role; ok is false when neither gives one.
func (s Settings) RoleFor(claims map[string]any) (role people.Role, ok bool) {
	best := len(people.Roles)
	for _, v := range claimValues(claims[s.RoleClaim]) {
		if r, mapped := s.Roles[v]; mapped {
			if i := slices.Index(people.Roles, people.Role(r)); i >= 0 && i < best {
				best = i
			}
		}
	}
	if best < len(people.Roles) {
		return people.Roles[best], true
	}
	if s.DefaultRole != "" {
		return people.Role(s.DefaultRole), true
	}
	return "", false
}

// claimValues reads a claim that is a string or a list of strings; any
// other shape has no values.
func claimValues(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
