package sso

import (
	"testing"

	"github.com/tabiji/tabiji/people"
)

func valid() Settings {
	secret := "s3cret"
	return Settings{Issuer: "https://accounts.example.com", ClientID: "tabiji", ClientSecret: &secret,
		AllowedDomains: []string{"example.com"}, RoleClaim: "groups", Roles: map[string]string{"mkt": "marketer"}}
}

func TestSettingsChecks(t *testing.T) {
	t.Run("ValidSettingsPass", func(t *testing.T) {
		if errs := valid().Check(true); len(errs) != 0 {
			t.Fatalf("valid settings: %v", errs)
		}
	})
	cases := map[string]struct {
		change func(*Settings)
		field  string
	}{
		"NoIssuer":               {func(s *Settings) { s.Issuer = "" }, "issuer"},
		"PlainHTTPIssuer":        {func(s *Settings) { s.Issuer = "http://accounts.example.com" }, "issuer"},
		"IssuerWithQuery":        {func(s *Settings) { s.Issuer = "https://accounts.example.com/?tenant=1" }, "issuer"},
		"IssuerWithFragment":     {func(s *Settings) { s.Issuer = "https://accounts.example.com/#x" }, "issuer"},
		"IssuerWithUser":         {func(s *Settings) { s.Issuer = "https://me:pw@accounts.example.com" }, "issuer"},
		"RelativeIssuer":         {func(s *Settings) { s.Issuer = "/issuer" }, "issuer"},
		"JavascriptIssuer":       {func(s *Settings) { s.Issuer = "javascript:alert(1)" }, "issuer"},
		"FileIssuer":             {func(s *Settings) { s.Issuer = "file:///etc/passwd" }, "issuer"},
		"NoClientID":             {func(s *Settings) { s.ClientID = "" }, "clientId"},
		"ClientIDWithNewline":    {func(s *Settings) { s.ClientID = "a\nb" }, "clientId"},
		"NoSecretTheFirstTime":   {func(s *Settings) { s.ClientSecret = nil }, "clientSecret"},
		"NoDomains":              {func(s *Settings) { s.AllowedDomains = nil }, "allowedDomains"},
		"NotADomain":             {func(s *Settings) { s.AllowedDomains = []string{"example.com", "not a domain"} }, "allowedDomains[1]"},
		"DomainTwice":            {func(s *Settings) { s.AllowedDomains = []string{"example.com", "example.com"} }, "allowedDomains[1]"},
		"UnknownRole":            {func(s *Settings) { s.Roles = map[string]string{"mkt": "admin"} }, "roles.mkt"},
		"UnknownDefaultRole":     {func(s *Settings) { s.DefaultRole = "superuser" }, "defaultRole"},
		"NoClaimForTheRoles":     {func(s *Settings) { s.RoleClaim = "" }, "roleClaim"},
		"ClaimWithSpaces":        {func(s *Settings) { s.RoleClaim = "my groups" }, "roleClaim"},
		"NeitherRolesNorDefault": {func(s *Settings) { s.Roles = nil }, "roles"},
		"EmptyClaimValue":        {func(s *Settings) { s.Roles = map[string]string{"": "analyst"} }, "roles."},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := valid()
			tc.change(&s)
			s.Normalize()
			errs := s.Check(true)
			if len(errs) != 1 || errs[0].Field != tc.field {
				t.Errorf("errors %v, want one naming %s", errs, tc.field)
			}
		})
	}
	t.Run("LoopbackMayBePlainHTTP", func(t *testing.T) {
		for _, issuer := range []string{"http://127.0.0.1:5556", "http://localhost:8080/realms/x", "http://[::1]:9000"} {
			if msg := CheckIssuer(issuer); msg != "" {
				t.Errorf("%s: %s", issuer, msg)
			}
		}
	})
	t.Run("AStoredSecretNeedsNoNewOne", func(t *testing.T) {
		s := valid()
		s.ClientSecret = nil
		if errs := s.Check(false); len(errs) != 0 {
			t.Errorf("errors %v", errs)
		}
	})
	t.Run("DomainsAreNormalized", func(t *testing.T) {
		s := valid()
		s.AllowedDomains = []string{" @Example.COM "}
		s.Normalize()
		if s.AllowedDomains[0] != "example.com" || len(s.Check(true)) != 0 {
			t.Errorf("domains %v", s.AllowedDomains)
		}
	})
}

func TestRoleMapping(t *testing.T) {
	s := Settings{RoleClaim: "groups", Roles: map[string]string{"mkt": "marketer", "dev": "developer", "boss": "owner", "ro": "analyst"}}
	cases := map[string]struct {
		claims map[string]any
		role   people.Role
		ok     bool
	}{
		"OneGroup":                   {map[string]any{"groups": []any{"mkt"}}, people.Marketer, true},
		"AStringClaim":               {map[string]any{"groups": "dev"}, people.Developer, true},
		"TheMostPowerfulRoleWins":    {map[string]any{"groups": []any{"ro", "dev", "mkt"}}, people.Marketer, true},
		"OwnerAboveAll":              {map[string]any{"groups": []any{"mkt", "boss"}}, people.Owner, true},
		"UnmappedGroupsAreRefused":   {map[string]any{"groups": []any{"sales"}}, "", false},
		"NoClaimIsRefused":           {map[string]any{"email": "a@example.com"}, "", false},
		"OtherShapesHaveNoValues":    {map[string]any{"groups": map[string]any{"mkt": true}}, "", false},
		"NumbersInTheListAreSkipped": {map[string]any{"groups": []any{1.0, "ro"}}, people.Analyst, true},
		"ValuesAreCaseSensitive":     {map[string]any{"groups": []any{"MKT"}}, "", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if role, ok := s.RoleFor(tc.claims); role != tc.role || ok != tc.ok {
				t.Errorf("RoleFor = %q, %v; want %q, %v", role, ok, tc.role, tc.ok)
			}
		})
	}
	t.Run("TheDefaultRoleTakesTheUnmapped", func(t *testing.T) {
		d := s
		d.DefaultRole = "analyst"
		if role, ok := d.RoleFor(map[string]any{"groups": []any{"sales"}}); role != people.Analyst || !ok {
			t.Errorf("RoleFor = %q, %v", role, ok)
		}
		if role, _ := d.RoleFor(map[string]any{"groups": []any{"boss"}}); role != people.Owner {
			t.Errorf("a mapped value loses to the default: %q", role)
		}
	})
}

func TestAllowedDomains(t *testing.T) {
	s := Settings{AllowedDomains: []string{"example.com", "example.co.jp"}}
	for email, want := range map[string]bool{
		"ann@example.com": true, "bob@example.co.jp": true, "eve@evil.example.com": false, "eve@example.com.evil": false,
		"eve@notexample.com": false, "example.com": false, "@example.com": false,
	} {
		if got := s.AllowsEmail(email); got != want {
			t.Errorf("AllowsEmail(%q) = %v, want %v", email, got, want)
		}
	}
}
