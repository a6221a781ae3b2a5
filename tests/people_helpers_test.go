package tests

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/store"
)

// e2ePassword is every test person's password.
const e2ePassword = "correct horse battery"

// cheapHashes keep the tests' own hashing fast; the server verifies any
// parameters (and makes the hash again with its own at the first login).
var cheapHashes = people.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// person makes (or finds) a person with e2ePassword and gives them the
// role in the workspace; it returns their id.
func (s *stack) person(ws, email, role string) string {
	s.t.Helper()
	ctx := context.Background()
	p, err := s.store.PersonByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		hash, herr := cheapHashes.Hash(e2ePassword)
		if herr != nil {
			s.t.Fatal(herr)
		}
		p, err = s.store.CreatePerson(ctx, email, hash, "")
	}
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.store.AddMember(ctx, ws, p.ID, role); err != nil {
		s.t.Fatal(err)
	}
	return p.ID
}

// consoleLogin logs the person in through the login form and returns the
// session cookie's value.
func (s *stack) consoleLogin(email, password string) string {
	s.t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(s.url+"/ui/login", url.Values{"email": {email}, "password": {password}, "next": {"/ui/"}})
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if strings.HasSuffix(c.Name, "tabiji_session") && c.Value != "" {
			return c.Value
		}
	}
	s.t.Fatalf("login of %s = %d without a session cookie", email, resp.StatusCode)
	return ""
}

// ownerSession is a console session of an owner of the workspace.
func (s *stack) ownerSession(ws string) string {
	s.t.Helper()
	return s.consoleLogin(s.ownerEmail(ws), e2ePassword)
}

// ownerEmail makes an owner of the workspace with e2ePassword and returns
// their address, for a login typed into the form.
func (s *stack) ownerEmail(ws string) string {
	s.t.Helper()
	email := "owner-" + ws + "@example.com"
	s.person(ws, email, string(people.Owner))
	return email
}
