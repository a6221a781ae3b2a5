package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/tabiji/tabiji/people"
)

// The pages, TwiML, JSON Lines and the console's files the API answers are
// text: kin-openapi has no decoder for those media types, so they are read
// as plain text (their schemas are strings). Registered once, before any
// test runs.
func init() {
	for _, ct := range []string{"text/html", "text/xml", "application/x-ndjson", "text/css", "text/javascript"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
}

// exchange is one request of the conformance test and what it expects.
type exchange struct {
	method, path string
	auth         string      // "admin", "write", "session", "" for none, or "bearer:<key>"
	contentType  string      // application/json when a body is given without one
	body         any         // marshalled as JSON unless it is a string
	header       http.Header // more request headers (a CORS preflight's)
	want         int         // the status the API must answer
	// refused: the description refuses the request too (a body its schema
	// rejects, a missing required field): the API's 4xx and the
	// description agree.
	refused bool
}

// conformance checks exchanges with the real stack against the description
// the stack serves, with kin-openapi's openapi3filter.
type conformance struct {
	t       *testing.T
	s       *stack
	doc     *openapi3.T
	router  routers.Router
	session string          // a console session cookie, once logged in
	header  http.Header     // the last answer's headers
	seen    map[string]bool // the operations called, "GET /v1/journeys/{id}"
}

// newConformance reads GET /v1/openapi.json from the stack and routes
// requests with it, its server set to the stack's address.
func newConformance(t *testing.T, s *stack) *conformance {
	t.Helper()
	resp, err := http.Get(s.url + "/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/openapi.json = %d %s", resp.StatusCode, raw)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("the served description does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the served description is not valid: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: s.url}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &conformance{t: t, s: s, doc: doc, router: router, seen: map[string]bool{}}
}

// do sends e, checking the request and the answer against the description,
// and returns the answer's body.
func (c *conformance) do(e exchange) []byte {
	c.t.Helper()
	body, ctype := c.encode(e)
	req := c.request(e, body, ctype)
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		c.t.Errorf("%s %s is not in the description: %v", e.method, e.path, err)
		return nil
	}
	c.seen[e.method+" "+route.Path] = true
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: presentCredentials, MultiError: true}}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	switch {
	case e.refused && reqErr == nil:
		c.t.Errorf("%s %s: the description takes the request the API must refuse (%d): %s", e.method, e.path, e.want, body)
	case !e.refused && reqErr != nil:
		c.t.Errorf("%s %s: the description refuses the request: %v", e.method, e.path, reqErr)
	}
	resp, err := noRedirects.Do(c.request(e, body, ctype))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	c.header = resp.Header
	if resp.StatusCode != e.want {
		c.t.Errorf("%s %s = %d %.600s, want %d", e.method, e.path, resp.StatusCode, raw, e.want)
	}
	in.Options = &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(raw)), Options: in.Options}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		c.t.Errorf("%s %s: the answer %d does not conform to the description: %v\n%.600s", e.method, e.path, resp.StatusCode, err, raw)
	}
	return raw
}

// noRedirects answers redirects as they are, so they are checked too.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (c *conformance) encode(e exchange) ([]byte, string) {
	c.t.Helper()
	switch b := e.body.(type) {
	case nil:
		return nil, e.contentType
	case string:
		return []byte(b), e.contentType
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		if e.contentType == "" {
			return raw, "application/json"
		}
		return raw, e.contentType
	}
}

func (c *conformance) request(e exchange, body []byte, ctype string) *http.Request {
	c.t.Helper()
	req, err := http.NewRequest(e.method, c.s.url+e.path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range e.header {
		req.Header[k] = v
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	switch {
	case e.auth == "admin":
		req.Header.Set("Authorization", "Bearer "+c.s.admin)
	case e.auth == "write":
		req.SetBasicAuth(c.s.write, "")
	case e.auth == "session":
		req.AddCookie(&http.Cookie{Name: "tabiji_session", Value: c.session})
		req.Header.Set("X-CSRF-Token", people.CSRFToken(c.session))
	case strings.HasPrefix(e.auth, "bearer:"):
		req.Header.Set("Authorization", "Bearer "+strings.TrimPrefix(e.auth, "bearer:"))
	}
	return req
}

// presentCredentials holds a request to the description's security
// requirements: the credentials a scheme names must be there (whether the
// key is good is the API's to say).
func presentCredentials(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	req, scheme := in.RequestValidationInput.Request, in.SecurityScheme
	switch {
	case scheme.Type == "http" && scheme.Scheme == "basic":
		if _, _, ok := req.BasicAuth(); ok {
			return nil
		}
	case scheme.Type == "http" && scheme.Scheme == "bearer":
		if strings.HasPrefix(req.Header.Get("Authorization"), "Bearer ") {
			return nil
		}
	case scheme.Type == "apiKey" && scheme.In == "cookie":
		if _, err := req.Cookie(scheme.Name); err == nil {
			return nil
		}
	default:
		return fmt.Errorf("security scheme %s %s is not one the test knows", scheme.Type, scheme.Scheme)
	}
	return errors.New("no " + in.SecuritySchemeName + " credentials")
}

// field reads a string field of a JSON answer.
func field(t *testing.T, raw []byte, name string) string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	s, _ := v[name].(string)
	return s
}

// uncalled lists the described operations no exchange called.
func (c *conformance) uncalled() []string {
	var out []string
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			if !c.seen[method+" "+path] {
				out = append(out, method+" "+path)
			}
		}
	}
	sort.Strings(out)
	return out
}
