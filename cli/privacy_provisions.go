package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// PrivacyProvisionsCmd is `tabiji privacy provisions`: the records of
// third-party provision, as a table, JSON (-o json) or CSV (--csv).
type PrivacyProvisionsCmd struct {
	APIClientFlags
	Customer string `name:"customer" help:"Only the records of this customer (found by its id after an erasure too)."`
	Since    string `name:"since" help:"Only records from this time on (RFC 3339, as 2026-12-01T00:00:00+09:00)."`
	Until    string `name:"until" help:"Only records before this time (RFC 3339)."`
	CSV      bool   `name:"csv" help:"Write every record as CSV (id, provided_at, customer, journey, recipient, host, items)."`
	Out      string `name:"out" default:"-" help:"The file to write; - for stdout."`
}

// provisionRecord is one record as the API shows it.
type provisionRecord struct {
	ID         int64     `json:"id"`
	Customer   string    `json:"customer"`
	Journey    string    `json:"journey"`
	Recipient  string    `json:"recipient"`
	Host       string    `json:"host"`
	Items      []string  `json:"items"`
	ProvidedAt time.Time `json:"providedAt"`
}

// Run lists (or exports) the records, following the API's pages.
func (c *PrivacyProvisionsCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	q := url.Values{}
	for k, v := range map[string]string{"customer": c.Customer, "since": c.Since, "until": c.Until} {
		if v != "" {
			q.Set(k, v)
		}
	}
	out, closeOut, err := openOut(rc, c.Out)
	if err != nil {
		return err
	}
	err = c.write(rc, api, q, out)
	if cerr := closeOut(); err == nil && cerr != nil {
		return fmt.Errorf("privacy provisions: write %s: %w", c.Out, cerr)
	}
	return err
}

// write streams the CSV, or reads every page and prints them.
func (c *PrivacyProvisionsCmd) write(rc *runContext, api *apiClient, q url.Values, out io.Writer) error {
	if c.CSV {
		q.Set("format", "csv")
		if _, err := api.stream(rc.ctx, "/v1/provisions?"+q.Encode(), out); err != nil {
			return fmt.Errorf("privacy provisions: %w", err)
		}
		return nil
	}
	var all []provisionRecord
	for {
		var page struct {
			Provisions []provisionRecord `json:"provisions"`
			Next       string            `json:"next"`
		}
		if err := api.get(rc.ctx, "/v1/provisions?"+q.Encode(), &page); err != nil {
			return fmt.Errorf("privacy provisions: %w", err)
		}
		all = append(all, page.Provisions...)
		if page.Next == "" {
			break
		}
		q.Set("after", page.Next)
	}
	return printProvisions(out, all, api.output == "json")
}

func printProvisions(w io.Writer, all []provisionRecord, asJSON bool) error {
	if asJSON {
		if all == nil {
			all = []provisionRecord{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"provisions": all})
	}
	if len(all) == 0 {
		_, err := fmt.Fprintln(w, "No records of third-party provision.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDED AT\tCUSTOMER\tJOURNEY\tRECIPIENT\tHOST\tITEMS")
	for _, p := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.ProvidedAt.UTC().Format(time.RFC3339), p.Customer, p.Journey,
			oneLine(p.Recipient), p.Host, strings.Join(p.Items, " "))
	}
	return tw.Flush()
}

// oneLine keeps a user's text on its table row.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// openOut is the file to write (stdout for -) and how to close it: a
// file's close error says the export may be incomplete.
func openOut(rc *runContext, path string) (io.Writer, func() error, error) {
	if path == "-" {
		return rc.stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", path, err)
	}
	return f, f.Close, nil
}
