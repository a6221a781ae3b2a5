package cli

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tabiji/tabiji/taxonomy"
)

// QuarantineCmd is `tabiji quarantine`: events the quarantine policy kept
// aside, through a running API (/v1/quarantine).
type QuarantineCmd struct {
	List   QuarantineListCmd   `cmd:"" help:"List quarantined events with their violations, oldest first."`
	Replay QuarantineReplayCmd `cmd:"" help:"Submit quarantined events again through the API's ingestion, under the current taxonomy."`
	Drop   QuarantineDropCmd   `cmd:"" help:"Delete quarantined events, counting them as dropped."`
}

// QuarantineListCmd is `tabiji quarantine list`.
type QuarantineListCmd struct {
	TaxonomyFlags
	Event string `name:"event" help:"Only events of this name."`
	Limit int    `name:"limit" default:"50" help:"At most this many (1-500)."`
	After string `name:"after" help:"The cursor a previous page printed."`
}

// quarantinePage is the answer of GET /v1/quarantine.
type quarantinePage struct {
	Events []struct {
		MessageID  string               `json:"messageId"`
		Status     string               `json:"status"`
		Violations []taxonomy.Violation `json:"violations"`
		Event      struct {
			Name string `json:"event"`
		} `json:"event"`
		ReceivedAt time.Time `json:"receivedAt"`
	} `json:"events"`
	Next string `json:"next"`
}

// Run prints one line per event: id, name, status, received, violations.
func (c *QuarantineListCmd) Run(rc *runContext) error {
	if c.Limit < 1 || c.Limit > 500 {
		return errors.New("--limit must be from 1 to 500")
	}
	api, _, err := c.connect(rc)
	if err != nil {
		return err
	}
	q := url.Values{"limit": {strconv.Itoa(c.Limit)}}
	for k, v := range map[string]string{"event": c.Event, "after": c.After} {
		if v != "" {
			q.Set(k, v)
		}
	}
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/quarantine?"+q.Encode(), nil)
	if c.After != "" && isStatus(err, http.StatusBadRequest) {
		return errors.New("--after is not a cursor this command printed")
	}
	if err != nil {
		return fmt.Errorf("list the quarantine: %w", err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var page quarantinePage
	if err := decodeAnswer(raw, &page); err != nil {
		return err
	}
	return printQuarantine(rc, page)
}

func printQuarantine(rc *runContext, page quarantinePage) error {
	w := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "MESSAGE ID\tEVENT\tSTATUS\tRECEIVED\tVIOLATIONS")
	for _, q := range page.Events {
		vs := make([]string, len(q.Violations))
		for i, v := range q.Violations {
			vs[i] = v.Field + " " + v.Rule
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", q.MessageID, q.Event.Name, q.Status,
			q.ReceivedAt.UTC().Format(time.RFC3339), strings.Join(vs, "; "))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if page.Next != "" {
		fmt.Fprintf(rc.stdout, "more: --after %s\n", page.Next)
	}
	return nil
}

// QuarantineReplayCmd is `tabiji quarantine replay`. It goes through the
// running API, because a replayed event must be routed to its journeys in
// Temporal like any event the API receives.
type QuarantineReplayCmd struct {
	APIClientFlags
	IDs []string `arg:"" name:"message-id" help:"Message IDs of the quarantined events."`
}

// Run replays each event and says what became of it; it fails if any
// still breaks the taxonomy.
func (c *QuarantineReplayCmd) Run(rc *runContext) error {
	client, err := c.client()
	if err != nil {
		return err
	}
	failed := 0
	for _, id := range c.IDs {
		raw, err := client.call(rc.ctx, http.MethodPost, "/v1/quarantine/"+url.PathEscape(id)+"/replay", nil)
		if err != nil {
			failed++
			fmt.Fprintf(rc.stdout, "%s: %v\n", id, err)
			continue
		}
		var out struct {
			Action string `json:"action"`
		}
		if err := decodeAnswer(raw, &out); err != nil {
			return err
		}
		what := "replayed"
		if out.Action == "drop" {
			what = "dropped and counted: the taxonomy blocks this event"
		}
		fmt.Fprintf(rc.stdout, "%s: %s\n", id, what)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d events were not replayed", failed, len(c.IDs))
	}
	return nil
}

// QuarantineDropCmd is `tabiji quarantine drop`.
type QuarantineDropCmd struct {
	TaxonomyFlags
	IDs []string `arg:"" name:"message-id" help:"Message IDs of the quarantined events."`
}

// Run drops each event; it fails if any was not in the quarantine.
func (c *QuarantineDropCmd) Run(rc *runContext) error {
	api, ws, err := c.connect(rc)
	if err != nil {
		return err
	}
	var missing []string
	for _, id := range c.IDs {
		_, err := api.call(rc.ctx, http.MethodDelete, "/v1/quarantine/"+url.PathEscape(id), nil)
		switch {
		case isStatus(err, http.StatusNotFound):
			missing = append(missing, id)
		case err != nil:
			return fmt.Errorf("drop %s: %w", id, err)
		default:
			fmt.Fprintf(rc.stdout, "%s: dropped\n", id)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("not in the quarantine of workspace %s: %s", ws, strings.Join(missing, ", "))
	}
	return nil
}
