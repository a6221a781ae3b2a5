// Package console renders Tabiji's browser console at /ui/: the layout and
// its navigation (Home, Journeys, Customers, Settings), the Japanese and
// English message catalogs every page string comes from, and the pages —
// the home dashboard, journeys with a journey's report (graph with counts,
// funnel, daily series, experiments), customers with their timeline,
// settings and LINE use. It turns data the API has already read into HTML
// (html/template) and SVG in the reader's language, zone and currency; the
// scripts it serves are embedded files (no inline script, nothing fetched
// from elsewhere: uPlot is vendored in assets/ with its licence).
package console

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"math"
	"time"

	"github.com/tabiji/tabiji/locale"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Assets are the files the pages load from /ui/assets/: the stylesheets,
// the scripts and uPlot (with its licence).
func Assets() fs.FS {
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err) // the embedded tree always has assets/
	}
	return sub
}

// sets are the templates parsed once per language, each with the
// functions that write in it.
var sets = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, lang := range locale.Languages {
		out[lang] = template.Must(template.New("").Funcs(funcs(lang)).ParseFS(templateFS, "templates/*.html"))
	}
	return out
}()

// funcs are the template functions of one language: t for catalog
// messages, and numbers, money, rates and times written its way.
func funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t":       func(key string, args ...any) string { return T(lang, key, args...) },
		"lang":    func() string { return lang },
		"pct":     pct,
		"count":   func(n int64) string { return locale.Number(lang, float64(n), 0) },
		"money":   func(currency string, x float64) string { return locale.Money(lang, currency, x) },
		"fixed":   func(x float64) string { return fmt.Sprintf("%.4f", x) },
		"when":    func(zone *time.Location, t time.Time) string { return when(t, zone, lang) },
		"day":     func(t time.Time) string { return locale.Date(lang, t) },
		"scriptT": func() map[string]string { return scriptMessages(lang) }, // html/template writes it as a JSON object in the script
		"half":    func(x float64) float64 { return x / 2 },
		"barW":    barWidth,
		"barY":    func(i int) int { return i * 34 },
		"labelX":  func(n, of int64) float64 { return 118 + barWidth(n, of) },
		"funnelH": func(n int) int { return n*34 + 4 },
		"ratio":   func(n, of int64) float64 { return float64(n) / float64(of) },
		"useHref": UseHref,
		"list":    func(xs ...string) []string { return xs },
	}
}

// Page is what every page's data is: it carries the frame (embedding
// Frame gives it the method).
type Page interface{ frame() Frame }

// render writes the named template in the page's language.
func render(w io.Writer, name string, p Page) error {
	if err := sets[Lang(p.frame().Lang, "")].ExecuteTemplate(w, name, p); err != nil {
		return fmt.Errorf("console: render %s: %w", name, err)
	}
	return nil
}

// pct writes a rate in [0, 1] as a percentage with two decimals.
func pct(x float64) string {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return "–"
	}
	return fmt.Sprintf("%.2f%%", x*100)
}

// when writes a time in the page's zone (UTC when nil) and language:
// "2026-12-07 09:00:05 JST", or "2026年12月7日(月) 09:00:05 JST" in Japanese.
func when(t time.Time, zone *time.Location, lang string) string {
	if zone == nil {
		zone = time.UTC
	}
	t = t.In(zone)
	if lang == locale.Japanese {
		return locale.Date(lang, t) + t.Format(" 15:04:05 MST")
	}
	return t.Format("2006-01-02 15:04:05 MST")
}

// barWidth is a funnel bar's width in a 600-unit drawing: its share of
// the entered customers (messages can outnumber them: capped at the full width).
func barWidth(n, of int64) float64 {
	if of <= 0 {
		return 0
	}
	return 600 * math.Min(1, float64(n)/float64(of))
}
