package console

import (
	"io"
	"time"

	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/lineusage"
)

// LoginPage is the login form, with an error message when a key was refused.
type LoginPage struct {
	Frame
	Next  string
	Error string // already in the page's language
	// SSOURL starts single sign-on to a workspace ("Sign in with SSO"); "" shows no button.
	SSOURL string
}

// Login renders the login form.
func Login(w io.Writer, p LoginPage) error { return render(w, "login.html", p) }

// FunnelStep is one bar of the funnel.
type FunnelStep struct {
	Label string // a catalog key
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
	Frame
	ID, Name, Status string
	Version          int
	Timezone         string
	Graph            Graph
	Funnel           []FunnelStep
	Entered          int64
	InProgress       int64
	Converted        int64
	Revenue          float64
	CVR              float64
	Daily            []Day
	Experiments      []Experiment
	Launched         bool // just launched from the gallery: say so
	// Activation is the journey's newest activation request, when its
	// activation waited for an approver (the page shows it pending, or
	// rejected with the comment, while the journey is not active).
	Activation     *ApprovalRow
	StatsURL       string // the API answering the same numbers
	ExperimentsURL string
	// EntryEvent and EntryProperties are the journey's entry event and the
	// properties of it that its entry filter reads: the preview form's
	// typed inputs, sent as the preview's entry.properties.
	EntryEvent      string
	EntryProperties []EntryInput
}

// EntryInput is one property of the entry event as the preview form asks
// for it: Type is number, integer, boolean or string (the taxonomy's type
// of it, else what the entry filter reads it as).
type EntryInput struct {
	Name, Type, Description string
}

// LINEPage is what /ui/line shows: the month's LINE use and forecast, or
// why it cannot be read (no LINE channel, LINE not answering).
type LINEPage struct {
	Frame
	Usage   *lineusage.Usage
	Problem string // already in the page's language
}

// LINE renders the LINE usage page.
func LINE(w io.Writer, p LINEPage) error {
	return render(w, "line.html", p)
}

// Journey renders a journey's report page.
func Journey(w io.Writer, p JourneyPage) error {
	return render(w, "journey.html", p)
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
	At      time.Time
	Kind    string // event, message, step
	Channel string // a message's
	Title   string
	Detail  string
	Status  string
	Link    string // into the Temporal Web UI, for steps
}

// CustomerPage is what /ui/customers/{id} shows.
type CustomerPage struct {
	Frame
	ID, Email   string
	Profile     *CustomerProfile // nil when only events name the customer
	Runs        []Run
	Timeline    []Entry
	RunsWebURL  string // every run of the customer in the Web UI
	TemporalErr string // why runs could not be listed, when they could not (Temporal's words)
}

// CustomerProfile is what the customer page shows of the stored profile;
// consent, lead score and segments are read by its script from the API.
type CustomerProfile struct {
	Traits           map[string]any
	Tags             []string
	Email, Phone     string
	LineUserID       string
	PushTokens       int
	Timezone, Locale string
}

// Customer renders a customer's timeline page.
func Customer(w io.Writer, p CustomerPage) error {
	return render(w, "customer.html", p)
}

// CustomerMatch is one profile a search found.
type CustomerMatch struct {
	ID, Email, Phone, LineUserID string
}

// CustomersPage is the customer search: what was asked and what it found.
type CustomersPage struct {
	Frame
	Query string
	Found []CustomerMatch
}

// Customers renders the customer search.
func Customers(w io.Writer, p CustomersPage) error { return render(w, "customers.html", p) }

// SettingsPage is the workspace's settings.
type SettingsPage struct {
	Frame
	WorkspaceLang string // the workspace's language (the frame's is the reader's)
	// ApprovalsRequired and ApproverRole are the workspace's approval rule;
	// ApproverRoles the roles it may name.
	ApprovalsRequired bool
	ApproverRole      string
	ApproverRoles     []string
}

// Settings renders the settings page.
func Settings(w io.Writer, p SettingsPage) error { return render(w, "settings.html", p) }

// AwaitingApproval says whether the journey's activation waits for an approver.
func (p JourneyPage) AwaitingApproval() bool {
	return p.Activation != nil && p.Activation.State == ApprovalPending
}
