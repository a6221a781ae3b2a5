package cli

import (
	"encoding/json"
	"fmt"
	"net/url"
	"text/tabwriter"
	"time"
)

// AuditCmd is `tabiji audit`: the workspace's audit log, through the API
// (owners and admin keys only).
type AuditCmd struct {
	List   AuditListCmd   `cmd:"" help:"List the changes made through the API and the console, newest first: who, what, the outcome, when and from where."`
	Export AuditExportCmd `cmd:"" help:"Export the changes the filters select as CSV, with before and after (secrets as set or changed)."`
}

// AuditFilterFlags are the filters of both commands.
type AuditFilterFlags struct {
	Actor      string `name:"actor" help:"Only changes by this key (id or name) or person (id or email)."`
	Resource   string `name:"resource" help:"Only changes to this kind of resource (journeys, channels, workspace/timezone, ...)."`
	ResourceID string `name:"resource-id" help:"Only changes to the resource with this id."`
	Action     string `name:"action" help:"Only this action (create, update, delete, activate, schedule, ...)."`
	Outcome    string `name:"outcome" enum:",unknown,succeeded,refused,failed" default:"" help:"Only this outcome: succeeded, refused, failed or unknown."`
	Since      string `name:"since" help:"Only changes at or after this time (RFC 3339, such as 2026-12-01T00:00:00+09:00)."`
	Until      string `name:"until" help:"Only changes before this time (RFC 3339)."`
}

// query is the filters as the API's query string (without "?").
func (f AuditFilterFlags) query() (url.Values, error) {
	q := url.Values{}
	for name, v := range map[string]string{"actor": f.Actor, "resource": f.Resource, "resourceId": f.ResourceID,
		"action": f.Action, "outcome": f.Outcome, "since": f.Since, "until": f.Until} {
		if v != "" {
			q.Set(name, v)
		}
	}
	for flag, v := range map[string]string{"--since": f.Since, "--until": f.Until} {
		if _, err := time.Parse(time.RFC3339, v); v != "" && err != nil {
			return nil, fmt.Errorf("%s: %q is not a time in RFC 3339 (2026-12-01T00:00:00+09:00)", flag, v)
		}
	}
	return q, nil
}

// AuditListCmd is `tabiji audit list`.
type AuditListCmd struct {
	APIClientFlags
	AuditFilterFlags
	Limit int `name:"limit" default:"50" help:"How many records at most (1 to 500)."`
}

// auditRecord is what the list prints of a record of GET /v1/audit.
type auditRecord struct {
	ID    string    `json:"id"`
	At    time.Time `json:"at"`
	Actor struct {
		Kind string `json:"kind"`
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"actor"`
	Resource   string `json:"resource"`
	ResourceID string `json:"resourceId"`
	Action     string `json:"action"`
	Outcome    string `json:"outcome"`
	Status     int    `json:"status"`
	ClientIP   string `json:"clientIp"`
}

// Run prints the newest records.
func (c *AuditListCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	q, err := c.query()
	if err != nil {
		return fmt.Errorf("audit list: %w", err)
	}
	q.Set("limit", fmt.Sprint(c.Limit))
	raw, err := api.call(rc.ctx, "GET", "/v1/audit?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("audit list: %w", err)
	}
	if api.output == "json" {
		_, err := fmt.Fprintln(rc.stdout, string(raw))
		return err
	}
	var page struct{ Records []auditRecord }
	if err := json.Unmarshal(raw, &page); err != nil {
		return fmt.Errorf("audit list: %w", err)
	}
	tw := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tACTOR\tRESOURCE\tID\tACTION\tOUTCOME\tFROM")
	for _, r := range page.Records {
		who := r.Actor.Kind + " " + r.Actor.ID
		if r.Actor.Name != "" {
			who += " (" + r.Actor.Name + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s %d\t%s\n", r.At.Local().Format(time.DateTime), who, r.Resource, r.ResourceID,
			r.Action, r.Outcome, r.Status, r.ClientIP)
	}
	return tw.Flush()
}

// AuditExportCmd is `tabiji audit export`.
type AuditExportCmd struct {
	APIClientFlags
	AuditFilterFlags
	Out string `name:"out" default:"-" help:"The file to write; - for stdout."`
}

// Run streams the CSV.
func (c *AuditExportCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	q, err := c.query()
	if err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	out, closeOut, err := openOut(rc, c.Out)
	if err != nil {
		return err
	}
	_, err = api.stream(rc.ctx, "/v1/audit.csv?"+q.Encode(), out)
	if cerr := closeOut(); err == nil && cerr != nil {
		return fmt.Errorf("audit export: write %s: %w", c.Out, cerr)
	}
	if err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	return nil
}
