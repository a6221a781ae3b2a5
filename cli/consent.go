package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"text/tabwriter"
	"time"
)

// ConsentCmd is `tabiji consent`: customers' consent records with their
// proof (source, time, evidence), through the API.
type ConsentCmd struct {
	Record ConsentRecordCmd `cmd:"" help:"Record one change of a customer's consent with its proof (an opt-in needs --form or --page, and --wording)."`
	List   ConsentListCmd   `cmd:"" help:"Show a customer's current consent and every recorded change with its evidence."`
	Import ConsentImportCmd `cmd:"" help:"Import consent records from a CSV file (customer_id, channel, status, source, and optional topic, at, form, page, wording, ip, user_agent, message_id)."`
	Export ConsentExportCmd `cmd:"" help:"Export every consent record (or one customer's) as CSV, with when Tabiji stored it."`
}

// ConsentRecordCmd is `tabiji consent record`.
type ConsentRecordCmd struct {
	APIClientFlags
	Customer  string `arg:"" help:"The customer's id."`
	Channel   string `name:"channel" required:"" help:"The channel: email, sms, line or push."`
	Status    string `name:"status" required:"" enum:"opted_in,opted_out" help:"opted_in or opted_out."`
	Source    string `name:"source" required:"" help:"Where the choice was made: signup_form, double_opt_in, import, support, …"`
	Topic     string `name:"topic" help:"The topic (promotions, newsletter, …); empty for the whole channel."`
	At        string `name:"at" help:"When the customer chose (RFC 3339); now when empty."`
	Form      string `name:"form" help:"The form's name or id."`
	Page      string `name:"page" help:"The page's URL."`
	Wording   string `name:"wording" help:"The consent text as shown to the customer."`
	IP        string `name:"ip" help:"The customer's IP address when they chose."`
	UserAgent string `name:"user-agent" help:"The customer's browser."`
}

// Run posts the record and says whether it is now the current consent.
func (c *ConsentRecordCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	body := map[string]any{"channel": c.Channel, "status": c.Status, "source": c.Source, "topic": c.Topic,
		"evidence": map[string]string{"form": c.Form, "page": c.Page, "wording": c.Wording, "ip": c.IP, "userAgent": c.UserAgent}}
	if c.At != "" {
		body["at"] = c.At
	}
	raw, err := api.call(rc.ctx, http.MethodPost, "/v1/profiles/"+url.PathEscape(c.Customer)+"/consent", body)
	if err != nil {
		return fmt.Errorf("consent record: %w", err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var ans struct{ Current bool }
	if err := decodeAnswer(raw, &ans); err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "Recorded %s on %s for %s.\n", c.Status, c.Channel, c.Customer)
	if !ans.Current {
		fmt.Fprintln(rc.stdout, "A later record stays the customer's current consent (this one is kept in the history).")
	}
	return nil
}

// consentNow is one of a customer's current consents.
type consentNow struct {
	Channel   string    `json:"channel"`
	Topic     string    `json:"topic"`
	Status    string    `json:"status"`
	Source    string    `json:"source"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// consentChange is one recorded change, with its evidence.
type consentChange struct {
	Channel    string            `json:"channel"`
	Topic      string            `json:"topic"`
	Status     string            `json:"status"`
	Source     string            `json:"source"`
	At         time.Time         `json:"at"`
	Evidence   map[string]string `json:"evidence"`
	RecordedAt time.Time         `json:"recordedAt"`
}

// ConsentListCmd is `tabiji consent list`.
type ConsentListCmd struct {
	APIClientFlags
	Customer string `arg:"" help:"The customer's id."`
}

// Run prints the current consent and the history.
func (c *ConsentListCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/profiles/"+url.PathEscape(c.Customer)+"/consent", nil)
	if err != nil {
		return fmt.Errorf("consent list: %w", err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var ans struct {
		Current []consentNow
		History []consentChange
	}
	if err := decodeAnswer(raw, &ans); err != nil {
		return err
	}
	if err := printConsentNow(rc.stdout, ans.Current); err != nil {
		return err
	}
	fmt.Fprintln(rc.stdout, "\nHistory:")
	tw := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tCHANNEL\tTOPIC\tSTATUS\tSOURCE\tEVIDENCE")
	for _, h := range ans.History {
		ev, _ := json.Marshal(h.Evidence)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", h.At.UTC().Format(time.RFC3339), h.Channel, dash(h.Topic), h.Status,
			oneLine(h.Source), oneLine(string(ev)))
	}
	return tw.Flush()
}

func printConsentNow(w io.Writer, now []consentNow) error {
	if len(now) == 0 {
		_, err := fmt.Fprintln(w, "No consent recorded.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANNEL\tTOPIC\tSTATUS\tSOURCE\tSINCE")
	for _, n := range now {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", n.Channel, dash(n.Topic), n.Status, oneLine(n.Source), n.UpdatedAt.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ConsentImportCmd is `tabiji consent import`.
type ConsentImportCmd struct {
	APIClientFlags
	File string `arg:"" type:"existingfile" help:"The CSV file (UTF-8, a header row; at most 16 MB)."`
}

// Run sends the file and prints what was imported and each refused line;
// any refused line makes the command fail after the good ones are in.
func (c *ConsentImportCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	data, err := os.ReadFile(c.File)
	if err != nil {
		return fmt.Errorf("consent import: read %s: %w", c.File, err)
	}
	raw, err := api.send(rc.ctx, http.MethodPost, "/v1/consent/import", "text/csv", data)
	if err != nil {
		return fmt.Errorf("consent import: %w", err)
	}
	var ans struct {
		Imported int
		Rejected []struct {
			Line           int
			Field, Message string
		}
	}
	if err := decodeAnswer(raw, &ans); err != nil {
		return err
	}
	if api.output == "json" {
		if err := printJSON(rc.stdout, raw); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(rc.stdout, "Imported %d consent records.\n", ans.Imported)
		for _, r := range ans.Rejected {
			fmt.Fprintf(rc.stdout, "line %d: %s: %s\n", r.Line, r.Field, r.Message)
		}
	}
	if len(ans.Rejected) > 0 {
		return fmt.Errorf("consent import: %d lines refused", len(ans.Rejected))
	}
	return nil
}

// ConsentExportCmd is `tabiji consent export`.
type ConsentExportCmd struct {
	APIClientFlags
	Customer string `name:"customer" help:"Only this customer's records."`
	Out      string `name:"out" default:"-" help:"The file to write; - for stdout."`
}

// Run streams the CSV.
func (c *ConsentExportCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	out, closeOut, err := openOut(rc, c.Out)
	if err != nil {
		return err
	}
	path := "/v1/consent/export"
	if c.Customer != "" {
		path += "?customer=" + url.QueryEscape(c.Customer)
	}
	_, err = api.stream(rc.ctx, path, out)
	if cerr := closeOut(); err == nil && cerr != nil {
		return fmt.Errorf("consent export: write %s: %w", c.Out, cerr)
	}
	if err != nil {
		return fmt.Errorf("consent export: %w", err)
	}
	return nil
}
