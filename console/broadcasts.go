package console

import (
	"io"
	"time"
)

// BroadcastRow is one broadcast of the list, with its progress.
type BroadcastRow struct {
	ID, Name, Channel, Segment, Status string
	SendAt                             *time.Time
	Audience, Done                     int
	ABTest                             bool
}

// BroadcastsPage is what /ui/broadcasts shows.
type BroadcastsPage struct {
	Frame
	Broadcasts []BroadcastRow
	Next       string // the cursor of the next page, "" after the last
}

// Broadcasts renders the broadcast list.
func Broadcasts(w io.Writer, p BroadcastsPage) error { return render(w, "broadcasts.html", p) }

// Choice is one option of a select: its value and what the reader sees.
type Choice struct {
	Value, Label, Group string
}

// BroadcastNewPage is what /ui/broadcasts/new shows: the form, with the
// workspace's segments and stored message templates to pick from.
type BroadcastNewPage struct {
	Frame
	Segments  []Choice
	Templates []Choice // Group is the template's channel
	Timezone  string   // the workspace's: a send time is read in it
	// Variants are the names of the A/B variants the form starts with
	// (its script adds up to five).
	Variants []string
}

// BroadcastNew renders the new-broadcast form.
func BroadcastNew(w io.Writer, p BroadcastNewPage) error { return render(w, "broadcast_new.html", p) }

// VariantRow is one variant of an A/B test with its counts.
type VariantRow struct {
	Name, Subject         string
	Sent, Opened, Clicked int64
}

// BroadcastPage is what /ui/broadcasts/{id} shows; its script polls
// GET /v1/broadcasts/{id} and redraws the progress and the A/B results.
type BroadcastPage struct {
	Frame
	ID, Name, Channel, Segment, Status, Error string
	SendAt                                    *time.Time
	Audience, Done, Sent, Failed, Skipped     int
	Deferred, Remaining                       int
	Ended                                     bool
	// Approval is a draft's newest request to schedule it: pending (who
	// asked, when, the send time asked), rejected or failed.
	Approval *ApprovalRow
	// AB is the A/B test's variants (nil without a test); Winner, Rule
	// and Metric once the winner is picked.
	AB                   []VariantRow
	Metric, Winner, Rule string
	Percent              float64
	Wait                 string
}

// Broadcast renders one broadcast's page.
func Broadcast(w io.Writer, p BroadcastPage) error { return render(w, "broadcast.html", p) }
