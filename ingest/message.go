// Package ingest decodes and validates calls of Segment's HTTP Tracking API
// (identify, track, page, screen, group, alias and batch) into Messages:
// field names and rules as Segment documents them, timestamps corrected for
// the sender's clock skew, and every error naming its field. The decoder
// does no I/O, so it can be fuzzed and benchmarked on its own.
//
// Pipeline (pipeline.go) then takes decoded calls to the journeys: the
// workspace's taxonomy, identify and alias on profiles, storage, routing
// (package routing), scoring on ingest (scoring.go) and the segments the
// calls may move (segment_relevance.go, segment_triggers.go).
package ingest

import (
	"strings"
	"sync"
	"time"
)

// The types of call, as Segment names them.
const (
	Identify = "identify"
	Track    = "track"
	Page     = "page"
	Screen   = "screen"
	Group    = "group"
	Alias    = "alias"
)

// Types lists the call types a message may have.
var Types = []string{Identify, Track, Page, Screen, Group, Alias}

// Limits, as Segment sets them.
const (
	MaxCall  = 32 << 10  // bytes of one call, alone or inside a batch
	MaxBatch = 500 << 10 // bytes of one batch
)

// Limits of our own, so that every value fits its column and index.
const (
	maxID    = 256 // userId, anonymousId, groupId, previousId
	maxMsgID = 200
	maxEvent = 200
	maxDepth = 64 // nesting of JSON objects and arrays in one call
)

// Message is one valid call, normalised: its raw JSON parts are kept as sent
// (for storage), and decoded (for checks and routing).
type Message struct {
	Index       int    // position in its batch; 0 for a single call
	Type        string // one of Types
	MessageID   string // as sent, or generated when the call had none
	UserID      string
	AnonymousID string
	Event       string // track: the event; page and screen: the name
	GroupID     string // group
	PreviousID  string // alias

	Properties    map[string]any // never nil
	RawProperties []byte         // a JSON object
	Traits        map[string]any // never nil
	RawTraits     []byte         // a JSON object
	Context       map[string]any // never nil, with the batch's context merged in
	RawContext    []byte         // a JSON object

	Timestamp         time.Time // when it happened, corrected for the sender's clock skew
	OriginalTimestamp time.Time // the sender's own timestamp; zero when it sent none
	SentAt            time.Time // when the sender sent it; zero when it did not say
	ReceivedAt        time.Time
}

// CustomerID is who the message is about: the userId, else the anonymousId.
func (m *Message) CustomerID() string {
	if m.UserID != "" {
		return m.UserID
	}
	return m.AnonymousID
}

// Timezone is the IANA time zone the sender's context gives, if it is one.
func (m *Message) Timezone() string {
	tz, _ := m.Context["timezone"].(string)
	if tz == "" || tz == "Local" || strings.ContainsAny(tz, "\x00") {
		return ""
	}
	if _, ok := knownZones.Load(tz); ok {
		return tz
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return ""
	}
	knownZones.Store(tz, true)
	return tz
}

// knownZones remembers the zone names LoadLocation accepted, since it reads
// the zone database on every call; only valid names are kept, so it holds at
// most the database's few hundred zones.
var knownZones sync.Map

// Locale is the context's locale ("ja-JP"), or "".
func (m *Message) Locale() string {
	l, _ := m.Context["locale"].(string)
	return l
}

// PushToken is the context's device.token (APNs or FCM), or "".
func (m *Message) PushToken() string {
	dev, _ := m.Context["device"].(map[string]any)
	tok, _ := dev["token"].(string)
	return tok
}

// IP is the context's ip, or "".
func (m *Message) IP() string {
	ip, _ := m.Context["ip"].(string)
	return ip
}
