// Package report renders Tabiji's report pages: a journey drawn as a graph
// with its counts, funnel, daily series and experiments, and one customer's
// timeline. It turns data the API has already read into HTML (html/template)
// and SVG; the one script it serves draws the daily chart with uPlot, which
// is vendored in assets/ so that nothing is fetched from elsewhere.
package report

import (
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"math"
	"time"

	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/lineusage"
	"github.com/tabiji/tabiji/locale"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Assets are the files the pages load from /ui/assets/: the stylesheet,
// the chart script and uPlot (with its licence).
func Assets() fs.FS {
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err) // the embedded tree always has assets/
	}
	return sub
}

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"pct":     pct,
	"num":     num,
	"count":   func(lang string, n int64) string { return locale.Number(lang, float64(n), 0) },
	"money":   func(lang, currency string, x float64) string { return locale.Money(lang, cmp.Or(currency, "USD"), x) },
	"fixed":   func(x float64) string { return fmt.Sprintf("%.4f", x) },
	"when":    when,
	"half":    func(x float64) float64 { return x / 2 },
	"barW":    barWidth,
	"barY":    func(i int) int { return i * 34 },
	"labelX":  func(n, of int64) float64 { return 118 + barWidth(n, of) },
	"funnelH": func(n int) int { return n*34 + 4 },
	"ratio":   func(n, of int64) float64 { return float64(n) / float64(of) },
}).ParseFS(templateFS, "templates/*.html"))

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

// num writes a count.
func num(n int64) string { return fmt.Sprintf("%d", n) }

// barWidth is a funnel bar's width in a 600-unit drawing: its share of
// the entered customers (messages can outnumber them: capped at the full width).
func barWidth(n, of int64) float64 {
	if of <= 0 {
		return 0
	}
	return 600 * math.Min(1, float64(n)/float64(of))
}

// Login renders the login form, with an error message when a key was refused.
func Login(w io.Writer, next, errMsg string) error {
	return pages.ExecuteTemplate(w, "login.html", map[string]string{"Next": next, "Error": errMsg})
}

// FunnelStep is one bar of the funnel.
type FunnelStep struct {
	Label string
	Count int64
}

// Day is one day of the daily series.
type Day struct {
	Day       string  `json:"day"` // 2026-11-23
	Entered   int64   `json:"entered"`
	Sent      int64   `json:"sent"`
	Opened    int64   `json:"opened"`
	Converted int64   `json:"converted"`
	Revenue   float64 `json:"revenue"`
}

// Experiment is one experiment's table: a split node's variants against
// its control, or the journey's holdout against the customers it messaged.
type Experiment struct {
	Kind   string            `json:"kind"`           // split, holdout, global_control
	Node   string            `json:"node,omitempty"` // the split node
	Title  string            `json:"title"`
	Result experiment.Result `json:"result"`
}

// JourneyPage is what /ui/journeys/{id} shows.
type JourneyPage struct {
	ID, Name, Status string
	Version          int
	Timezone         string
	// Locale and Currency are the workspace's: how numbers and revenue
	// are written ("en" and "USD" when empty).
	Locale, Currency string
	Graph            Graph
	Funnel           []FunnelStep
	Entered          int64
	InProgress       int64
	Converted        int64
	Revenue          float64
	CVR              float64
	Daily            []Day
	Experiments      []Experiment
	StatsURL         string // the API answering the same numbers
	ExperimentsURL   string
}

// LINEPage is what /ui/line shows: the month's LINE use and forecast, or
// why it cannot be read (no LINE channel, LINE not answering).
type LINEPage struct {
	Usage   *lineusage.Usage
	Problem string
	Locale  string // the workspace's: how numbers are written
}

// LINE renders the LINE usage page.
func LINE(w io.Writer, p LINEPage) error {
	return pages.ExecuteTemplate(w, "line.html", p)
}

// Journey renders a journey's report page.
func Journey(w io.Writer, p JourneyPage) error {
	return pages.ExecuteTemplate(w, "journey.html", p)
}

// Run is one journey run of a customer.
type Run struct {
	JourneyID, WorkflowID, Status, Step, Outcome string
	StartedAt                                    time.Time
	WebURL                                       string
}

// Entry is one line of a customer's timeline: an event they sent, a message
// sent to them, or a journey step they took.
type Entry struct {
	At     time.Time
	Kind   string // event, message, step
	Title  string
	Detail string
	Status string
	Link   string // into the Temporal Web UI, for steps
}

// CustomerPage is what /ui/customers/{id} shows.
type CustomerPage struct {
	ID, Email string
	// Zone and Locale are the workspace's: times are written in them.
	Zone        *time.Location
	Locale      string
	Runs        []Run
	Timeline    []Entry
	RunsWebURL  string // every run of the customer in the Web UI
	TemporalErr string // why runs could not be listed, when they could not
}

// Customer renders a customer's timeline page.
func Customer(w io.Writer, p CustomerPage) error {
	return pages.ExecuteTemplate(w, "customer.html", p)
}

// JourneyLink is a journey in the index.
type JourneyLink struct {
	ID, Name, Status string
	Version          int
}

// Index renders the list of journeys.
func Index(w io.Writer, journeys []JourneyLink) error {
	return pages.ExecuteTemplate(w, "index.html", journeys)
}
