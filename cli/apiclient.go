package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tabiji/tabiji/jsonfields"
)

// APIClientFlags are the flags of the commands that talk to a running
// Tabiji API (journeys, templates, segments, the taxonomy) rather than to
// Postgres and Temporal.
type APIClientFlags struct {
	APIURL   string `name:"api-url" env:"TABIJI_API_URL" default:"http://127.0.0.1:8080" help:"Base URL of the Tabiji API."`
	AdminKey string `name:"admin-key" env:"TABIJI_ADMIN_KEY" help:"An admin key of the workspace (tabiji dev prints one)."`
	Output   string `name:"output" short:"o" env:"TABIJI_OUTPUT" default:"table" enum:"table,json" help:"Output: table or json."`
}

// apiClient calls the management API with an admin key.
type apiClient struct {
	base   string
	key    string
	http   *http.Client
	output string
}

func (f APIClientFlags) client() (*apiClient, error) {
	u, err := url.Parse(f.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("TABIJI_API_URL %q is not an http or https URL (set --api-url)", f.APIURL)
	}
	if strings.TrimSpace(f.AdminKey) == "" {
		return nil, errors.New("TABIJI_ADMIN_KEY is not set: pass --admin-key or set TABIJI_ADMIN_KEY (tabiji dev prints an admin key)")
	}
	return &apiClient{
		base: strings.TrimRight(f.APIURL, "/"), key: strings.TrimSpace(f.AdminKey),
		http: &http.Client{Timeout: 30 * time.Second}, output: f.Output,
	}, nil
}

// apiError is a problem-details answer of the API.
type apiError struct {
	Status int
	Title  string            `json:"title"`
	Detail string            `json:"detail"`
	Errors jsonfields.Errors `json:"errors"`
}

// Error is the title and, when the API named fields, one line per field;
// otherwise the detail.
func (e *apiError) Error() string {
	head := fmt.Sprintf("%d %s", e.Status, e.Title)
	if len(e.Errors) == 0 {
		return head + ": " + e.Detail
	}
	lines := []string{head}
	for _, fe := range e.Errors {
		lines = append(lines, "  "+fe.Field+": "+fe.Message)
	}
	return strings.Join(lines, "\n")
}

// call sends body as JSON and returns the answer's body; an answer that is
// not 2xx becomes an *apiError.
func (c *apiClient) call(ctx context.Context, method, path string, body any) (json.RawMessage, error) {
	if body == nil {
		return c.send(ctx, method, path, "", nil)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	return c.send(ctx, method, path, "application/json", raw)
}

// send sends body as contentType (no body when nil) and returns the
// answer's body; an answer that is not 2xx becomes an *apiError.
func (c *apiClient) send(ctx context.Context, method, path, contentType string, body []byte) (json.RawMessage, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the Tabiji API at %s (set --api-url or TABIJI_API_URL): %w", c.base, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("read answer of %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 == 2 {
		return raw, nil
	}
	e := &apiError{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode)}
	if json.Unmarshal(raw, e) != nil || (e.Detail == "" && len(e.Errors) == 0) {
		e.Detail = strings.TrimSpace(string(raw))
	}
	return nil, e
}

// get calls and decodes the answer into out.
func (c *apiClient) get(ctx context.Context, path string, out any) error {
	raw, err := c.call(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	return decodeAnswer(raw, out)
}

// report calls GET path with the non-empty values of query and either
// prints the JSON answer (asJSON or --output json) or decodes it into out
// and returns true, for the caller to print a table; what names the
// request in errors.
func (f APIClientFlags) report(rc *runContext, what, path string, query map[string]string, asJSON bool, out any) (table bool, err error) {
	api, err := f.client()
	if err != nil {
		return false, err
	}
	q := url.Values{}
	for k, v := range query {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	raw, err := api.call(rc.ctx, http.MethodGet, path, nil)
	if err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	if asJSON || api.output == "json" {
		return false, printJSON(rc.stdout, raw)
	}
	return true, decodeAnswer(raw, out)
}

func decodeAnswer(raw json.RawMessage, out any) error {
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode the API's answer: %w", err)
	}
	return nil
}

// printJSON writes an answer indented, for --output json.
func printJSON(w io.Writer, raw json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return fmt.Errorf("format the API's answer: %w", err)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

func isStatus(err error, status int) bool {
	var e *apiError
	return errors.As(err, &e) && e.Status == status
}
