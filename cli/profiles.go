package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// ProfilesCmd is `tabiji profiles`: customers in and out, through the API.
type ProfilesCmd struct {
	Import ProfilesImportCmd `cmd:"" help:"Import customers from a CSV or JSONL file: mapped columns become traits, checked against the taxonomy; refused rows go to a rejects file; an interrupted import resumes where it stopped."`
	Export ProfilesExportCmd `cmd:"" help:"Export the customers of a segment (or all) as JSONL or CSV; with an ID, everything held about that customer as one JSON document (a disclosure under APPI and the GDPR)."`
}

// ProfilesExportCmd is `tabiji profiles export --segment ID`, or
// `tabiji profiles export ID` for one customer's disclosure.
type ProfilesExportCmd struct {
	APIClientFlags
	ID         string   `arg:"" optional:"" help:"A customer id: export everything held about this customer (profile, ids, events, messages and their history, consent, runs, scores, segments, provision records) as one JSON document."`
	Segment    string   `name:"segment" help:"The segment whose members to export; every customer when empty."`
	Format     string   `name:"format" default:"jsonl" enum:"jsonl,csv" help:"jsonl (id, traits, tags, addresses, zone) or csv (id and trait columns)."`
	Fields     []string `name:"fields" help:"CSV: the trait columns, separated by commas (default: the taxonomy's user properties)."`
	Out        string   `name:"out" default:"-" help:"The file to write; - for stdout."`
	NoProgress bool     `name:"no-progress" help:"No progress bar or lines."`
}

// Run streams the export into the file.
func (c *ProfilesExportCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	if c.ID != "" {
		return c.disclose(rc, api)
	}
	q := url.Values{"format": {c.Format}}
	if c.Segment != "" {
		q.Set("segment", c.Segment)
	}
	if len(c.Fields) > 0 {
		q.Set("fields", strings.Join(c.Fields, ","))
	}
	var total int64
	if c.Segment != "" {
		var count struct{ Count int64 }
		if err := api.get(rc.ctx, "/v1/segments/"+url.PathEscape(c.Segment)+"/count", &count); err != nil {
			return fmt.Errorf("export segment %s: %w", c.Segment, err)
		}
		total = count.Count
	}
	n, err := c.write(rc, func(out io.Writer) (int64, error) {
		bar := newProgress(rc.ctx, rc.stderr, "export", total, "customers", c.NoProgress)
		defer bar.done()
		return api.stream(rc.ctx, "/v1/profiles/export?"+q.Encode(), &lineCounter{w: out, moved: bar.set})
	})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if c.Out != "-" {
		fmt.Fprintf(rc.stderr, "Exported %d bytes to %s.\n", n, c.Out)
	}
	return nil
}

// disclose streams one customer's disclosure into the file.
func (c *ProfilesExportCmd) disclose(rc *runContext, api *apiClient) error {
	if c.Segment != "" || len(c.Fields) > 0 || c.Format != "jsonl" {
		return errors.New("export ID: --segment, --format and --fields are for exports of many customers")
	}
	n, err := c.write(rc, func(out io.Writer) (int64, error) {
		return api.stream(rc.ctx, "/v1/profiles/"+url.PathEscape(c.ID)+"/export", out)
	})
	if err != nil {
		return fmt.Errorf("export %s: %w", c.ID, err)
	}
	if c.Out != "-" {
		fmt.Fprintf(rc.stderr, "Exported customer %s (%d bytes) to %s.\n", c.ID, n, c.Out)
	}
	return nil
}

// write runs export into the file (stdout for -) and closes it; a failed
// close is a failed write (the last bytes may not have reached the disk).
func (c *ProfilesExportCmd) write(rc *runContext, export func(io.Writer) (int64, error)) (int64, error) {
	if c.Out == "-" {
		return export(rc.stdout)
	}
	f, err := os.Create(c.Out)
	if err != nil {
		return 0, fmt.Errorf("create %s: %w", c.Out, err)
	}
	n, err := export(f)
	if closeErr := f.Close(); err == nil && closeErr != nil {
		err = fmt.Errorf("write %s: %w", c.Out, closeErr)
	}
	return n, err
}

// stream copies the answer of a GET into w as it comes, without the
// client's overall timeout (an export can take minutes).
func (c *apiClient) stream(ctx context.Context, path string, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := (&http.Client{Transport: c.http.Transport}).Do(req)
	if err != nil {
		return 0, fmt.Errorf("cannot reach the Tabiji API at %s (set --api-url or TABIJI_API_URL): %w", c.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		e := &apiError{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode)}
		if decodeAnswer(raw, e) != nil {
			e.Detail = strings.TrimSpace(string(raw))
		}
		return 0, e
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, fmt.Errorf("read the export: %w", err)
	}
	return n, nil
}

// lineCounter counts the lines written through it.
type lineCounter struct {
	w     io.Writer
	n     int64
	moved func(int64)
}

func (l *lineCounter) Write(p []byte) (int, error) {
	n, err := l.w.Write(p)
	for _, b := range p[:n] {
		if b == '\n' {
			l.n++
		}
	}
	l.moved(l.n)
	return n, err
}
