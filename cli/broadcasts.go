package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// BroadcastsCmd is `tabiji broadcasts`: one-off or scheduled messages to a
// segment, through a running API.
type BroadcastsCmd struct {
	Create   BroadcastsCreateCmd `cmd:"" help:"Create a draft broadcast from a JSON file (segment, channel, template or content, topic, quietHours)."`
	List     BroadcastsListCmd   `cmd:"" help:"List broadcasts with their status and progress."`
	Show     BroadcastsShowCmd   `cmd:"" help:"Show one broadcast: status, progress (sent, failed, skipped by reason, deferred, remaining)."`
	Schedule BroadcastsSendCmd   `cmd:"" help:"Send a broadcast now, or at --at; on a scheduled one, move its send time."`
	Watch    BroadcastsWatchCmd  `cmd:"" help:"Show a broadcast's progress until it ends."`
	Pause    BroadcastControlCmd `cmd:"" help:"Pause a broadcast between batches."`
	Resume   BroadcastResumeCmd  `cmd:"" help:"Resume a paused broadcast."`
	Cancel   BroadcastsCancelCmd `cmd:"" help:"Cancel a broadcast: nothing more is sent."`
}

// broadcastView is the part of the API's answer the CLI shows.
type broadcastView struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Segment  string     `json:"segment"`
	Channel  string     `json:"channel"`
	Status   string     `json:"status"`
	SendAt   *time.Time `json:"sendAt"`
	Error    string     `json:"error"`
	Progress struct {
		Audience  int            `json:"audience"`
		Sent      int            `json:"sent"`
		Sending   int            `json:"sending"`
		Failed    int            `json:"failed"`
		Skipped   map[string]int `json:"skipped"`
		Deferred  int            `json:"deferred"`
		Remaining int            `json:"remaining"`
	} `json:"progress"`
}

func (b broadcastView) ended() bool {
	return b.Status == "completed" || b.Status == "cancelled" || b.Status == "failed"
}

func (b broadcastView) skipped() int {
	n := 0
	for _, v := range b.Progress.Skipped {
		n += v
	}
	return n
}

// BroadcastsCreateCmd is `tabiji broadcasts create FILE`.
type BroadcastsCreateCmd struct {
	APIClientFlags
	File string `arg:"" type:"existingfile" help:"JSON file of the broadcast, as POST /v1/broadcasts takes it."`
}

// Run creates the draft.
func (c *BroadcastsCreateCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(c.File)
	if err != nil {
		return fmt.Errorf("read %s: %w", c.File, err)
	}
	if !json.Valid(raw) {
		return fmt.Errorf("%s is not JSON: write the broadcast as a JSON object (see docs/broadcasts.md)", c.File)
	}
	out, err := api.call(rc.ctx, http.MethodPost, "/v1/broadcasts", json.RawMessage(raw))
	if err != nil {
		return fmt.Errorf("create broadcast from %s: %w", c.File, err)
	}
	return showBroadcast(rc.stdout, api.output, out, "created (a draft: `tabiji broadcasts schedule ID` sends it)")
}

// BroadcastsListCmd is `tabiji broadcasts list`.
type BroadcastsListCmd struct {
	APIClientFlags
}

// Run lists the workspace's broadcasts, page after page.
func (c *BroadcastsListCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	var all []broadcastView
	for after := ""; ; {
		var page struct {
			Broadcasts []broadcastView `json:"broadcasts"`
			Next       string          `json:"next"`
		}
		if err := api.get(rc.ctx, "/v1/broadcasts?limit=500&after="+url.QueryEscape(after), &page); err != nil {
			return fmt.Errorf("list broadcasts: %w", err)
		}
		all = append(all, page.Broadcasts...)
		if after = page.Next; after == "" {
			break
		}
	}
	if api.output == "json" {
		raw, _ := json.Marshal(all)
		return printJSON(rc.stdout, raw)
	}
	tw := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCHANNEL\tSEGMENT\tSTATUS\tSENT\tFAILED\tSKIPPED\tDEFERRED\tREMAINING")
	for _, b := range all {
		p := b.Progress
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\n", b.ID, b.Channel, b.Segment, b.Status, p.Sent, p.Failed, b.skipped(), p.Deferred, p.Remaining)
	}
	return tw.Flush()
}

// BroadcastsShowCmd is `tabiji broadcasts show ID`.
type BroadcastsShowCmd struct {
	APIClientFlags
	ID string `arg:"" help:"Broadcast ID."`
}

// Run shows one broadcast.
func (c *BroadcastsShowCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/broadcasts/"+url.PathEscape(c.ID), nil)
	if err != nil {
		return fmt.Errorf("show broadcast %s: %w", c.ID, err)
	}
	return showBroadcast(rc.stdout, api.output, raw, "")
}

func showBroadcast(w io.Writer, output string, raw json.RawMessage, note string) error {
	if output == "json" {
		return printJSON(w, raw)
	}
	var b broadcastView
	if err := decodeAnswer(raw, &b); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s (%s): %s on %s to segment %s\n", b.ID, b.Name, b.Status, b.Channel, b.Segment)
	if b.SendAt != nil {
		fmt.Fprintf(w, "  send at   %s\n", b.SendAt.Local().Format(time.RFC3339))
	}
	if b.Error != "" {
		fmt.Fprintf(w, "  error     %s\n", b.Error)
	}
	fmt.Fprintln(w, "  "+progressLine(b))
	for _, reason := range slices.Sorted(maps.Keys(b.Progress.Skipped)) {
		fmt.Fprintf(w, "  skipped   %6d  %s\n", b.Progress.Skipped[reason], reason)
	}
	if note != "" {
		fmt.Fprintln(w, note)
	}
	return nil
}

// progressLine is a bar of the audience done, then the counts.
func progressLine(b broadcastView) string {
	p := b.Progress
	done := p.Sent + p.Failed + b.skipped()
	bar, pct := strings.Repeat("-", 20), 0
	if p.Audience > 0 {
		pct = min(100, done*100/p.Audience)
		bar = strings.Repeat("#", pct/5) + strings.Repeat("-", 20-pct/5)
	}
	return fmt.Sprintf("[%s] %3d%%  audience %d  sent %d  failed %d  skipped %d  deferred %d  remaining %d",
		bar, pct, p.Audience, p.Sent, p.Failed, b.skipped(), p.Deferred, p.Remaining)
}

// BroadcastsSendCmd is `tabiji broadcasts schedule ID [--at TIME]`.
type BroadcastsSendCmd struct {
	APIClientFlags
	ID    string `arg:"" help:"Broadcast ID."`
	At    string `name:"at" help:"When to send: RFC 3339 (2026-12-01T09:00:00+09:00), or a local time in the workspace's zone (2026-12-01T09:00); now when omitted."`
	Watch bool   `name:"watch" help:"Then show progress until the broadcast ends."`
	// AllowOverQuota sends a LINE broadcast past the month's quota.
	AllowOverQuota bool `name:"allow-over-quota" help:"LINE: schedule even when the audience is past what remains of the month's LINE message quota (LINE bills the messages over it; without this flag that is refused, naming the numbers)."`
}

// Run schedules the broadcast.
func (c *BroadcastsSendCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	body := map[string]any{}
	if c.At != "" {
		body["sendAt"] = c.At
	}
	if c.AllowOverQuota {
		body["allowOverQuota"] = true
	}
	raw, err := api.call(rc.ctx, http.MethodPost, "/v1/broadcasts/"+url.PathEscape(c.ID)+"/schedule", body)
	if err != nil {
		return fmt.Errorf("schedule broadcast %s: %w", c.ID, err)
	}
	var warned struct {
		QuotaWarning string `json:"quotaWarning"`
	}
	_ = json.Unmarshal(raw, &warned)
	if warned.QuotaWarning != "" {
		fmt.Fprintln(rc.stderr, "warning: "+warned.QuotaWarning)
	}
	if !c.Watch {
		return showBroadcast(rc.stdout, api.output, raw, "")
	}
	return watchBroadcast(rc, api, c.ID, 2*time.Second)
}

// BroadcastsWatchCmd is `tabiji broadcasts watch ID`.
type BroadcastsWatchCmd struct {
	APIClientFlags
	ID       string        `arg:"" help:"Broadcast ID."`
	Interval time.Duration `name:"interval" default:"2s" help:"How often to read the progress."`
}

// Run prints the progress until the broadcast ends.
func (c *BroadcastsWatchCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	return watchBroadcast(rc, api, c.ID, c.Interval)
}

func watchBroadcast(rc *runContext, api *apiClient, id string, every time.Duration) error {
	tick := time.NewTicker(max(every, 100*time.Millisecond))
	defer tick.Stop()
	last := ""
	for {
		var b broadcastView
		if err := api.get(rc.ctx, "/v1/broadcasts/"+url.PathEscape(id), &b); err != nil {
			return fmt.Errorf("watch broadcast %s: %w", id, err)
		}
		if line := b.Status + " " + progressLine(b); line != last {
			fmt.Fprintln(rc.stdout, time.Now().Format("15:04:05"), line)
			last = line
		}
		if b.ended() {
			return nil
		}
		select {
		case <-rc.ctx.Done():
			return rc.ctx.Err()
		case <-tick.C:
		}
	}
}

// BroadcastControlCmd is `tabiji broadcasts pause ID`.
type BroadcastControlCmd struct {
	APIClientFlags
	ID string `arg:"" help:"Broadcast ID."`
}

// Run pauses the broadcast.
func (c *BroadcastControlCmd) Run(rc *runContext) error {
	return control(rc, c.APIClientFlags, c.ID, "pause")
}

// BroadcastResumeCmd is `tabiji broadcasts resume ID`.
type BroadcastResumeCmd struct{ BroadcastControlCmd }

// Run resumes the broadcast.
func (c *BroadcastResumeCmd) Run(rc *runContext) error {
	return control(rc, c.APIClientFlags, c.ID, "resume")
}

// BroadcastsCancelCmd is `tabiji broadcasts cancel ID`.
type BroadcastsCancelCmd struct{ BroadcastControlCmd }

// Run cancels the broadcast.
func (c *BroadcastsCancelCmd) Run(rc *runContext) error {
	return control(rc, c.APIClientFlags, c.ID, "cancel")
}

func control(rc *runContext, flags APIClientFlags, id, action string) error {
	api, err := flags.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodPost, "/v1/broadcasts/"+url.PathEscape(id)+"/"+action, nil)
	if err != nil {
		return fmt.Errorf("%s broadcast %s: %w", action, id, err)
	}
	return showBroadcast(rc.stdout, api.output, raw, action+" sent: it takes effect between batches (`tabiji broadcasts watch "+id+"`)")
}
