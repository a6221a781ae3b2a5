package cli

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tabiji/tabiji/taxonomy"
)

// TaxonomyCmd is `tabiji taxonomy`: the design sheet, applied through and
// exported from a running API, so a sheet passes the API's validation and
// the API's taxonomy cache learns of a change at once.
type TaxonomyCmd struct {
	Apply  TaxonomyApplyCmd  `cmd:"" help:"Replace the workspace's taxonomy with a design sheet (YAML, CSV or JSON by file extension), printing the diff."`
	Export TaxonomyExportCmd `cmd:"" help:"Print the workspace's taxonomy as a design sheet."`
}

// TaxonomyFlags are the taxonomy commands': the API and its admin key, and
// the workspace the key must belong to (a guard against the wrong key).
type TaxonomyFlags struct {
	APIClientFlags
	Workspace string `name:"workspace" short:"w" env:"TABIJI_WORKSPACE" help:"Workspace to work on; it must be the admin key's (empty: the key's)."`
}

// connect returns a client of the API and the admin key's workspace, which
// must be --workspace when that is set.
func (f TaxonomyFlags) connect(rc *runContext) (*apiClient, string, error) {
	api, err := f.client()
	if err != nil {
		return nil, "", err
	}
	var ws struct {
		ID string `json:"id"`
	}
	if err := api.get(rc.ctx, "/v1/workspace", &ws); err != nil {
		return nil, "", fmt.Errorf("ask the API for the admin key's workspace: %w", err)
	}
	if want := strings.TrimSpace(f.Workspace); want != "" && want != ws.ID {
		return nil, "", fmt.Errorf("no workspace %q for this admin key: it belongs to workspace %s", want, ws.ID)
	}
	return api, ws.ID, nil
}

// TaxonomyApplyCmd is `tabiji taxonomy apply`.
type TaxonomyApplyCmd struct {
	TaxonomyFlags
	File   string `name:"file" short:"f" required:"" type:"existingfile" help:"The sheet: .yaml/.yml, .csv or .json."`
	DryRun bool   `name:"dry-run" help:"Print the diff and change nothing."`
}

// Run sends the sheet to PUT /v1/taxonomy (?dry_run=true for --dry-run),
// which validates it, prints what it changes and, unless --dry-run, the
// API applies in one transaction.
func (c *TaxonomyApplyCmd) Run(rc *runContext) error {
	data, err := os.ReadFile(c.File)
	if err != nil {
		return fmt.Errorf("read the sheet: %w", err)
	}
	api, ws, err := c.connect(rc)
	if err != nil {
		return err
	}
	path := "/v1/taxonomy?dry_run=" + strconv.FormatBool(c.DryRun)
	raw, err := api.send(rc.ctx, http.MethodPut, path, sheetType(c.File), data)
	if err != nil {
		return sheetError(c.File, err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var out struct {
		Changes []taxonomy.Change `json:"changes"`
	}
	if err := decodeAnswer(raw, &out); err != nil {
		return err
	}
	for _, ch := range out.Changes {
		fmt.Fprintln(rc.stdout, ch)
	}
	if c.DryRun {
		fmt.Fprintf(rc.stdout, "dry run: %d changes to workspace %s, nothing applied\n", len(out.Changes), ws)
		return nil
	}
	fmt.Fprintf(rc.stdout, "applied %d changes to workspace %s\n", len(out.Changes), ws)
	return nil
}

// sheetType is the content type of a sheet, by its file's extension.
func sheetType(file string) string {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".csv":
		return "text/csv"
	case ".json":
		return "application/json"
	}
	return "application/yaml"
}

// sheetError lists each field the API named in a bad sheet on a line of
// its own.
func sheetError(file string, err error) error {
	var aerr *apiError
	if !errors.As(err, &aerr) || len(aerr.Errors) == 0 ||
		(aerr.Status != http.StatusBadRequest && aerr.Status != http.StatusUnprocessableEntity) {
		return fmt.Errorf("apply %s: %w", file, err)
	}
	lines := []string{file + " is not a valid taxonomy sheet:"}
	for _, fe := range aerr.Errors {
		lines = append(lines, "  "+fe.Field+": "+fe.Message)
	}
	return errors.New(strings.Join(lines, "\n"))
}

// TaxonomyExportCmd is `tabiji taxonomy export`.
type TaxonomyExportCmd struct {
	TaxonomyFlags
	Format string `name:"format" default:"yaml" enum:"yaml,csv" help:"yaml or csv."`
}

// Run prints the sheet the API exports (GET /v1/taxonomy?format=); applying
// it again changes nothing.
func (c *TaxonomyExportCmd) Run(rc *runContext) error {
	api, _, err := c.connect(rc)
	if err != nil {
		return err
	}
	out, err := api.call(rc.ctx, http.MethodGet, "/v1/taxonomy?format="+url.QueryEscape(c.Format), nil)
	if err != nil {
		return fmt.Errorf("export the taxonomy: %w", err)
	}
	_, err = rc.stdout.Write(out)
	return err
}
