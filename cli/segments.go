package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// SegmentsCmd is `tabiji segments`: the segments of a running API.
type SegmentsCmd struct {
	Apply   SegmentsApplyCmd   `cmd:"" help:"Create a segment from a JSON file, or save the file as its new version."`
	List    SegmentsListCmd    `cmd:"" help:"List the workspace's segments."`
	Show    SegmentsShowCmd    `cmd:"" help:"Show a segment: its definition and version."`
	Count   SegmentsCountCmd   `cmd:"" help:"Count a segment's members now."`
	Members SegmentsMembersCmd `cmd:"" help:"List a segment's members (profile IDs) in ID order, a page at a time or all."`
	Delete  SegmentsDeleteCmd  `cmd:"" help:"Delete a segment no other segment references."`
	Of      SegmentsOfCmd      `cmd:"" name:"of" help:"List the segments a customer is in now."`
}

// segmentFile is a segment as a file (and the API) holds it.
type segmentFile struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Description   string          `json:"description,omitempty"`
	Definition    json.RawMessage `json:"definition"`
	TimeDependent bool            `json:"timeDependent,omitempty"`
	Version       int             `json:"version,omitempty"`
	UpdatedAt     time.Time       `json:"updatedAt,omitzero"`
}

// SegmentsApplyCmd is `tabiji segments apply -f segment.json`.
type SegmentsApplyCmd struct {
	APIClientFlags
	File string `name:"file" short:"f" required:"" type:"existingfile" help:"The segment: {id, name, description, definition} in JSON (see examples/segments)."`
}

// Run creates the segment, or saves a new version when it exists.
func (c *SegmentsApplyCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(c.File)
	if err != nil {
		return fmt.Errorf("read segment file: %w", err)
	}
	var f segmentFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return fmt.Errorf("%s: a segment file is a JSON object {id, name, description, definition}: %w", c.File, err)
	}
	if f.ID == "" {
		return fmt.Errorf("%s: id is required: the segment's stable ID, which apply uses to find it again", c.File)
	}
	body := map[string]any{"id": f.ID, "name": f.Name, "description": f.Description, "definition": f.Definition}
	answer, err := api.call(rc.ctx, http.MethodPost, "/v1/segments", body)
	verb := "Created"
	if isStatus(err, http.StatusConflict) {
		verb = "Updated"
		answer, err = api.call(rc.ctx, http.MethodPut, "/v1/segments/"+url.PathEscape(f.ID), body)
	}
	if err != nil {
		return fmt.Errorf("apply %s: %w", c.File, err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, answer)
	}
	var g segmentFile
	if err := decodeAnswer(answer, &g); err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "%s segment %s: version %d%s.\n", verb, g.ID, g.Version, timeNote(g.TimeDependent))
	return nil
}

func timeNote(dependent bool) string {
	if dependent {
		return " (time-dependent: membership changes as time passes)"
	}
	return ""
}

// SegmentsListCmd is `tabiji segments list`.
type SegmentsListCmd struct {
	APIClientFlags
}

// Run lists the segments.
func (c *SegmentsListCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/segments", nil)
	if err != nil {
		return fmt.Errorf("list segments: %w", err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var out struct{ Segments []segmentFile }
	if err := decodeAnswer(raw, &out); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tVERSION\tTIME-DEPENDENT\tUPDATED")
	for _, g := range out.Segments {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%v\t%s\n", g.ID, g.Name, g.Version, g.TimeDependent, g.UpdatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

// SegmentsShowCmd is `tabiji segments show ID`.
type SegmentsShowCmd struct {
	APIClientFlags
	ID string `arg:"" help:"Segment ID."`
}

// Run prints the segment, its definition indented.
func (c *SegmentsShowCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/segments/"+url.PathEscape(c.ID), nil)
	if err != nil {
		return fmt.Errorf("show segment %s: %w", c.ID, err)
	}
	return printJSON(rc.stdout, raw)
}

// SegmentsCountCmd is `tabiji segments count ID`.
type SegmentsCountCmd struct {
	APIClientFlags
	ID string `arg:"" help:"Segment ID."`
}

// Run prints the number of members and how long counting took.
func (c *SegmentsCountCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	start := time.Now()
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/segments/"+url.PathEscape(c.ID)+"/count", nil)
	if err != nil {
		return fmt.Errorf("count segment %s: %w", c.ID, err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var out struct{ Count int64 }
	if err := decodeAnswer(raw, &out); err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "%s: %d members (counted in %s)\n", c.ID, out.Count, time.Since(start).Round(time.Millisecond))
	return nil
}

// SegmentsMembersCmd is `tabiji segments members ID`.
type SegmentsMembersCmd struct {
	APIClientFlags
	ID    string `arg:"" help:"Segment ID."`
	Limit int    `name:"limit" default:"100" help:"Members per page, 1 to 500."`
	After string `name:"after" help:"Start after this profile ID (the last of the previous page)."`
	All   bool   `name:"all" help:"Follow the pages to the end, printing every member."`
}

// Run prints member IDs, one a line.
func (c *SegmentsMembersCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	after := c.After
	for {
		path := "/v1/segments/" + url.PathEscape(c.ID) + "/members?limit=" + strconv.Itoa(c.Limit)
		if after != "" {
			path += "&after=" + url.QueryEscape(after)
		}
		var page struct {
			Members []string
			Next    string
		}
		if err := api.get(rc.ctx, path, &page); err != nil {
			return fmt.Errorf("members of segment %s: %w", c.ID, err)
		}
		if len(page.Members) > 0 {
			fmt.Fprintln(rc.stdout, strings.Join(page.Members, "\n"))
		}
		if !c.All || page.Next == "" {
			if page.Next != "" {
				fmt.Fprintf(rc.stdout, "# more: --after %s (or --all)\n", page.Next)
			}
			return nil
		}
		after = page.Next
	}
}

// SegmentsDeleteCmd is `tabiji segments delete ID`.
type SegmentsDeleteCmd struct {
	APIClientFlags
	ID string `arg:"" help:"Segment ID."`
}

// Run deletes the segment.
func (c *SegmentsDeleteCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	if _, err := api.call(rc.ctx, http.MethodDelete, "/v1/segments/"+url.PathEscape(c.ID), nil); err != nil {
		return fmt.Errorf("delete segment %s: %w", c.ID, err)
	}
	fmt.Fprintf(rc.stdout, "Deleted segment %s.\n", c.ID)
	return nil
}

// SegmentsOfCmd is `tabiji segments of PROFILE`.
type SegmentsOfCmd struct {
	APIClientFlags
	Profile string `arg:"" help:"Customer (profile) ID, or an anonymous ID merged into it."`
}

// Run lists the segments the customer is in.
func (c *SegmentsOfCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/profiles/"+url.PathEscape(c.Profile)+"/segments", nil)
	if err != nil {
		return fmt.Errorf("segments of %s: %w", c.Profile, err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var out struct {
		Profile  string
		Segments []string
	}
	if err := decodeAnswer(raw, &out); err != nil {
		return err
	}
	if len(out.Segments) == 0 {
		fmt.Fprintf(rc.stdout, "%s is in no segment.\n", out.Profile)
		return nil
	}
	fmt.Fprintln(rc.stdout, strings.Join(out.Segments, "\n"))
	return nil
}
