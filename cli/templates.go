package cli

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tabiji/tabiji/journeytemplates"
)

// TemplatesCmd is `tabiji templates`: the journey template library of a
// running API.
type TemplatesCmd struct {
	List   TemplatesListCmd   `cmd:"" help:"List the journey templates: name, title and parameters."`
	Show   TemplatesShowCmd   `cmd:"" help:"Show a template: purpose, KPI to watch, trigger and parameters."`
	Launch TemplatesLaunchCmd `cmd:"" help:"Create a journey from a template and activate it."`
}

// TemplatesListCmd is `tabiji templates list`.
type TemplatesListCmd struct {
	APIClientFlags
}

// Run lists the library.
func (c *TemplatesListCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/journey-templates", nil)
	if err != nil {
		return fmt.Errorf("list templates: %w", err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var out struct{ Templates []journeytemplates.Template }
	if err := decodeAnswer(raw, &out); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTITLE\tPARAMETERS")
	for _, t := range out.Templates {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", t.Name, t.Title, paramSummary(t.Params))
	}
	return tw.Flush()
}

func paramSummary(ps []journeytemplates.Param) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		if p.Required {
			parts[i] = p.Name + " (required)"
		} else {
			parts[i] = fmt.Sprintf("%s=%v", p.Name, p.Default)
		}
	}
	return strings.Join(parts, ", ")
}

// TemplatesShowCmd is `tabiji templates show NAME`.
type TemplatesShowCmd struct {
	APIClientFlags
	Name string `arg:"" help:"Template name, as in cart-abandonment."`
}

// Run prints one template's doc and parameters.
func (c *TemplatesShowCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/journey-templates/"+url.PathEscape(c.Name), nil)
	if err != nil {
		return fmt.Errorf("show template %s: %w", c.Name, err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var t journeytemplates.Template
	if err := decodeAnswer(raw, &t); err != nil {
		return err
	}
	writeTemplate(rc.stdout, t)
	return nil
}

func writeTemplate(w io.Writer, t journeytemplates.Template) {
	fmt.Fprintf(w, "%s: %s\n\n%s\n\nKPI: %s\n", t.Name, t.Title, t.Doc.Purpose, t.Doc.KPI)
	if t.Doc.Trigger != "" {
		fmt.Fprintf(w, "\nTrigger: %s\n", t.Doc.Trigger)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PARAMETER\tTYPE\tDEFAULT\tDESCRIPTION")
	for _, p := range t.Params {
		def := fmt.Sprint(p.Default)
		if p.Required {
			def = "(required)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, p.Type, def, p.Description)
	}
	_ = tw.Flush()
}

// TemplatesLaunchCmd is `tabiji templates launch NAME --param k=v`.
type TemplatesLaunchCmd struct {
	APIClientFlags
	Name   string   `arg:"" help:"Template name, as in cart-abandonment."`
	Params []string `name:"param" short:"p" help:"A parameter as name=value; repeat for each (see tabiji templates show NAME)."`
	ID     string   `name:"id" help:"ID of the new journey; from its name when empty."`
	Title  string   `name:"name" help:"Name of the new journey; the template's title when empty."`
	Locale string   `name:"locale" help:"Language of the journey's messages, ja or en; the workspace's when empty."`
}

// Run launches the template: the parameters are typed from the template's
// own description, so numbers travel as JSON numbers.
func (c *TemplatesLaunchCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	var t journeytemplates.Template
	if err := api.get(rc.ctx, "/v1/journey-templates/"+url.PathEscape(c.Name), &t); err != nil {
		return fmt.Errorf("launch %s: %w", c.Name, err)
	}
	params, err := typedParams(t, c.Params)
	if err != nil {
		return fmt.Errorf("launch %s: %w", c.Name, err)
	}
	body := map[string]any{"params": params}
	if c.ID != "" {
		body["id"] = c.ID
	}
	if c.Title != "" {
		body["name"] = c.Title
	}
	if c.Locale != "" {
		body["locale"] = c.Locale
	}
	raw, err := api.call(rc.ctx, http.MethodPost, "/v1/journey-templates/"+url.PathEscape(c.Name)+"/launch", body)
	if err != nil {
		return fmt.Errorf("launch %s: %w", c.Name, err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var j journeySummary
	if err := decodeAnswer(raw, &j); err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "Launched %s as journey %s (%s, version %d).\n", c.Name, j.ID, j.Status, j.Version)
	return nil
}

// typedParams turns name=value pairs into the JSON values the template's
// parameter types take. Names the template does not have are passed on as
// text, for the API to name in its answer.
func typedParams(t journeytemplates.Template, pairs []string) (map[string]any, error) {
	types := map[string]journeytemplates.ParamType{}
	for _, p := range t.Params {
		types[p.Name] = p.Type
	}
	out := map[string]any{}
	for _, pair := range pairs {
		name, value, ok := strings.Cut(pair, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("--param %q: write it as name=value", pair)
		}
		if types[name] != journeytemplates.TypeNumber {
			out[name] = value
			continue
		}
		n, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return nil, fmt.Errorf("params.%s: must be a number, not %q", name, value)
		}
		out[name] = n
	}
	return out, nil
}
