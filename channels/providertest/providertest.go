// Package providertest runs fake provider servers (SendGrid, LINE, FCM) for
// tests, like net/http/httptest: each is a local httptest.Server that checks
// every request against the provider's published OpenAPI description (from
// the shared specs directory, ../shared/specs beside the repository), fails
// the test on any deviation, records what it accepted, and can be scripted
// to fail the next requests.
package providertest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Request is one request a fake accepted as valid, and what it answered.
type Request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
	Status       int // the status the fake answered
}

// JSON decodes the request body into v, failing the test if it cannot.
func (r Request) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("providertest: decode body of %s %s: %v", r.Method, r.Path, err)
	}
}

type fault struct {
	status  int
	headers map[string]string
	left    int
}

// Server is a fake provider. Its URL is the provider's base URL.
type Server struct {
	*httptest.Server
	t       testing.TB
	router  routers.Router // nil when the fake checks requests by hand
	formats []openapi3.SchemaValidationOption
	doc     *openapi3.T
	errBody func(status int, msg string) []byte
	// before, when set, may answer a valid request ahead of scripted faults
	// (LINE's 409 for a repeated retry key) and returns its status, or 0.
	before func(http.ResponseWriter, *http.Request) int

	mu       sync.Mutex
	requests []Request
	faults   []*fault
	holds    []*Hold
	invalid  []string
}

// Hold is a request the fake took as the provider would (recorded with the
// status it answers) but does not answer yet: the client sees a provider
// that accepted the message and then went silent, as when the worker dies
// between the provider's acceptance and its answer.
type Hold struct {
	arrived, release chan struct{}
	once             sync.Once
}

// HoldNext makes the next valid request a Hold. Holds queue like faults
// and come before them.
func (s *Server) HoldNext() *Hold {
	h := &Hold{arrived: make(chan struct{}), release: make(chan struct{})}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holds = append(s.holds, h)
	return h
}

// Arrived is closed when the held request has been taken and recorded.
func (h *Hold) Arrived() <-chan struct{} { return h.arrived }

// Release lets the held answer go to the client (if it still waits).
func (h *Hold) Release() { h.once.Do(func() { close(h.release) }) }

func (s *Server) nextHold() *Hold {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.holds) == 0 {
		return nil
	}
	h := s.holds[0]
	s.holds = s.holds[1:]
	return h
}

// hold answers a held request into a buffer, records it, and writes the
// answer once released, or drops it when the client has gone.
func (s *Server) hold(h *Hold, w http.ResponseWriter, r *http.Request, rec Request, body []byte,
	answer func(http.ResponseWriter, *http.Request, []byte) int) {
	buf := httptest.NewRecorder()
	rec.Status = answer(buf, r, body)
	s.record(rec)
	close(h.arrived)
	select {
	case <-h.release:
	case <-r.Context().Done():
		return
	}
	for k, v := range buf.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(buf.Code)
	_, _ = w.Write(buf.Body.Bytes())
}

// FailNext makes the next n valid requests answer status with the given
// headers (e.g. Retry-After) and the provider's error body; requests after
// them are answered normally. Calls queue: FailNext(500, nil, 2) then
// FailNext(429, …, 1) fails two requests with 500 and the third with 429.
func (s *Server) FailNext(status int, headers map[string]string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{status: status, headers: headers, left: n})
}

// Requests returns the valid requests so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Invalid returns what the spec check found wrong with each rejected
// request. A rejected request has already failed the test with t.Errorf.
func (s *Server) Invalid() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.invalid...)
}

// serve reads the request, checks it, applies any scripted fault and else
// calls answer, which writes the provider's normal reply.
func (s *Server) serve(check func(*http.Request, []byte) error, answer func(http.ResponseWriter, *http.Request, []byte) int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := check(r, body); err != nil {
			s.reject(w, r, err)
			return
		}
		rec := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
		if s.before != nil {
			if rec.Status = s.before(w, r); rec.Status != 0 {
				s.record(rec)
				return
			}
		}
		if h := s.nextHold(); h != nil {
			s.hold(h, w, r, rec, body, answer)
			return
		}
		if f := s.nextFault(); f != nil {
			for k, v := range f.headers {
				w.Header().Set(k, v)
			}
			rec.Status = f.status
			s.record(rec)
			writeJSON(w, f.status, s.errBody(f.status, "scripted failure"))
			return
		}
		rec.Status = answer(w, r, body)
		s.record(rec)
	}
}

func (s *Server) reject(w http.ResponseWriter, r *http.Request, err error) {
	msg := r.Method + " " + r.URL.Path + ": " + err.Error()
	s.mu.Lock()
	s.invalid = append(s.invalid, msg)
	s.mu.Unlock()
	s.t.Errorf("providertest: request violates the provider's spec: %s", msg)
	writeJSON(w, http.StatusBadRequest, s.errBody(http.StatusBadRequest, err.Error()))
}

func (s *Server) nextFault() *fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.faults) > 0 {
		f := s.faults[0]
		if f.left > 0 {
			f.left--
			return f
		}
		s.faults = s.faults[1:]
	}
	return nil
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
}

// validate checks a request against the OpenAPI description: route,
// parameters (headers such as X-Line-Retry-Key and their formats), the
// JSON body's schema, and (walker) every discriminated object in the body
// against the schema its type names. Top-level null members are dropped from the body
// before the check: the official SDKs send absent optional members as null
// (line-bot-sdk-go sends "customAggregationUnits": null), which the real
// APIs accept; a null required member is still reported as missing.
func (s *Server) validate(r *http.Request, body []byte) error {
	route, params, err := s.router.FindRoute(r)
	if err != nil {
		return err
	}
	req := r.Clone(context.Background())
	body = dropNulls(body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, SchemaValidationOptions: s.formats,
		},
	})
	if err != nil {
		return err
	}
	return walker{doc: s.doc, opts: s.formats}.check(route.Operation, body)
}

func dropNulls(body []byte) []byte {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return body
	}
	for k, v := range obj {
		if string(bytes.TrimSpace(v)) == "null" {
			delete(obj, k)
		}
	}
	out, _ := json.Marshal(obj)
	return out
}

// bearer checks the Authorization header the specs require.
func bearer(r *http.Request) error {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		return errorString("Authorization: want \"Bearer <token>\"")
	}
	return nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

// newServer starts a fake whose routes come from mux and whose spec, when
// specFile is not empty, is loaded from the shared specs directory.
func newServer(t testing.TB, specFile string, errBody func(int, string) []byte) *Server {
	t.Helper()
	s := &Server{t: t, errBody: errBody}
	if specFile != "" {
		s.router, s.doc = loadRouter(t, specFile)
		s.formats = s.doc.GetSchemaValidationOptions()
	}
	return s
}

// start serves mux and stops the server when the test ends.
func (s *Server) start(mux http.Handler) {
	s.Server = httptest.NewServer(mux)
	s.t.Cleanup(s.Close)
}

// loadRouter loads an OpenAPI description, checks the formats the specs use
// (uuid for X-Line-Retry-Key, email for addresses), strips its servers (the fake
// answers on any host; also those of each path and operation) and its security requirements (the fakes check the
// bearer token themselves: SendGrid's bundled description names a scheme it
// does not define), and routes requests by it.
func loadRouter(t testing.TB, specFile string) (routers.Router, *openapi3.T) {
	t.Helper()
	path := filepath.Join(SpecsDir(t), specFile)
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		t.Fatalf("providertest: load %s: %v", path, err)
	}
	doc.SetStringFormatValidators(map[string]openapi3.StringFormatValidator{
		"uuid":  openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122),
		"email": openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail),
	})
	doc.Servers = openapi3.Servers{{URL: "/"}}
	doc.Security = nil
	for _, item := range doc.Paths.Map() {
		item.Servers = nil // Twilio names its host on every path too
		for _, op := range item.Operations() {
			op.Security, op.Servers = nil, nil
		}
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("providertest: route %s: %v", path, err)
	}
	return router, doc
}

// SpecsDir returns the shared provider specs directory: $TABIJI_SPECS_DIR
// when set, else ../shared/specs beside the module root (the directory
// holding go.mod). It fails the test when the directory is missing.
func SpecsDir(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("TABIJI_SPECS_DIR"); dir != "" {
		return dir
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("providertest: working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("providertest: no go.mod above the working directory: cannot locate ../shared/specs")
		}
		dir = parent
	}
	specs := filepath.Join(filepath.Dir(dir), "shared", "specs")
	if _, err := os.Stat(filepath.Join(specs, "README.md")); err != nil {
		t.Fatalf("providertest: the provider specs are missing: want them at %s (the shared/ directory beside the repository) or in $TABIJI_SPECS_DIR: %v", specs, err)
	}
	return specs
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	if len(body) > 0 {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
