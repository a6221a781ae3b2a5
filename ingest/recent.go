package ingest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// The event debugger (store.RecentCall): Submit records every call it is
// given with its verdict, in the statement that stores the events
// (store.InsertEvents) or, when a request stores none, in one statement of
// its own. Calls of a request that did not decode come with the Undecoded
// option, so the developer sees those too.

// maxPayload is the most bytes of a call the debugger keeps; a longer one
// is kept as the JSON string of its first maxPayload bytes.
const maxPayload = 8 << 10

// maxStoredSample is the most calls of one request the debugger records
// among those stored (or found duplicate) by InsertEvents: a batch of 100
// shows its last 10, beside every call refused, quarantined, dropped or
// repeated within it. Like Segment's debugger it shows a sample, so that
// recording costs ingestion little (a row per stored call cost a fifth of
// the batch rate).
const maxStoredSample = 10

// FromKey names the API key the calls came with, shown beside them.
func FromKey(keyID string) SubmitOption {
	return func(o *submitOptions) { o.keyID = keyID }
}

// Undecoded hands Submit the request's body and its decoding error (Decode's
// or DecodeBatch's, or why the body could not be read): each call it names
// (batch[i]. in a batch), or the body as a whole, is recorded as rejected.
func Undecoded(body []byte, err error) SubmitOption {
	return func(o *submitOptions) { o.body, o.undecoded = body, err }
}

// recorder collects a request's calls with their verdicts, by index.
type recorder struct {
	workspaceID, keyID string
	calls              []indexed
	written            bool
}

type indexed struct {
	index int
	call  store.RecentCall
}

func newRecorder(workspaceID string, o submitOptions) *recorder {
	r := &recorder{workspaceID: workspaceID, keyID: o.keyID}
	if o.undecoded != nil {
		r.undecoded(o.body, o.undecoded)
	}
	return r
}

// add records m with its verdict ("" for InsertEvents to decide) and reason.
func (r *recorder) add(m *Message, verdict, reason string) {
	c := store.RecentCall{
		WorkspaceID: r.workspaceID, ReceivedAt: m.ReceivedAt, Verdict: verdict, Reason: reason, Type: m.Type,
		Event: m.Event, UserID: m.UserID, AnonymousID: m.AnonymousID, MessageID: m.MessageID, KeyID: r.keyID,
		Library: library(m.Context),
	}
	if verdict != "" { // a stored call's payload is read from its event
		raw, _ := json.Marshal(ToEvent(r.workspaceID, m, nil).ToJSON()) // plain fields always encode
		c.Payload, c.Truncated = payload(raw)
	}
	r.calls = append(r.calls, indexed{m.Index, c})
}

// erased records a call of an erased customer: a duplicate, without the
// customer's ids or payload.
func (r *recorder) erased(m *Message) {
	r.calls = append(r.calls, indexed{m.Index, store.RecentCall{
		WorkspaceID: r.workspaceID, ReceivedAt: m.ReceivedAt, Verdict: store.VerdictDuplicate,
		Reason: "the customer was erased", Type: m.Type, Event: m.Event, KeyID: r.keyID,
	}})
}

// refused records the calls of msgs that a client key's screening kept out.
func (r *recorder) refused(msgs, kept []Message, refusals Errors, err error, batch bool) {
	var single *store.Refusal
	if errors.As(err, &single) {
		refusals = single.Fields
	}
	in := make(map[int]bool, len(kept))
	for _, m := range kept {
		in[m.Index] = true
	}
	for i := range msgs {
		if m := &msgs[i]; !in[m.Index] {
			r.add(m, store.VerdictRejected, reasonOf(refusals, m.Index, batch))
		}
	}
}

// undecoded records the calls a decoding error names, or the body.
func (r *recorder) undecoded(body []byte, err error) {
	now := time.Now().UTC()
	var errs Errors
	errors.As(err, &errs)
	items := batchCalls(body)
	seen := map[int]bool{}
	for _, e := range errs {
		i, ok := batchIndex(e.Field)
		if !ok || i >= len(items) {
			continue
		}
		if !seen[i] {
			seen[i] = true
			c := sentIDs(items[i])
			c.WorkspaceID, c.ReceivedAt, c.Verdict, c.Reason, c.KeyID = r.workspaceID, now, store.VerdictRejected, reasonOf(errs, i, true), r.keyID
			c.Payload, c.Truncated = rawPayload(items[i])
			r.calls = append(r.calls, indexed{i, c})
		}
	}
	if len(seen) == 0 {
		c := sentIDs(body)
		c.WorkspaceID, c.ReceivedAt, c.Verdict, c.KeyID = r.workspaceID, now, store.VerdictRejected, r.keyID
		c.Reason = cmp.Or(reasonOf(errs, 0, false), err.Error())
		c.Payload, c.Truncated = rawPayload(body)
		r.calls = append(r.calls, indexed{0, c})
	}
}

// sentIDs is what a call that did not decode says of itself, as far as
// it is a JSON object: its type, event and ids, where they are strings.
func sentIDs(raw []byte) store.RecentCall {
	var w map[string]any
	if json.Unmarshal(raw, &w) != nil {
		return store.RecentCall{}
	}
	str := func(k string) string {
		s, _ := w[k].(string)
		return truncate(strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", ""), maxID)
	}
	return store.RecentCall{Type: str("type"), Event: str("event"), UserID: str("userId"),
		AnonymousID: str("anonymousId"), MessageID: str("messageId")}
}

// sorted is the calls in the order of the request.
// sampled is sorted with at most maxStoredSample of the calls whose
// verdict InsertEvents decides (the last ones), and every other call.
func (r *recorder) sampled() []store.RecentCall {
	all := r.sorted()
	undecided := 0
	for _, c := range all {
		if c.Verdict == "" {
			undecided++
		}
	}
	out := all[:0:0]
	for _, c := range all {
		if c.Verdict == "" && undecided > maxStoredSample {
			undecided--
			continue
		}
		out = append(out, c)
	}
	return out
}

func (r *recorder) sorted() []store.RecentCall {
	slices.SortStableFunc(r.calls, func(a, b indexed) int { return a.index - b.index })
	out := make([]store.RecentCall, len(r.calls))
	for i, c := range r.calls {
		out[i] = c.call
	}
	return out
}

// violationsReason reads a taxonomy verdict's violations.
func violationsReason(vs []taxonomy.Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Field + ": " + v.Rule + ": " + v.Message
	}
	return strings.Join(parts, "; ")
}

// reasonOf reads the errors of call index (those under batch[index]. when
// inBatch, all of them when not).
func reasonOf(errs Errors, index int, inBatch bool) string {
	prefix := "batch[" + strconv.Itoa(index) + "]"
	var parts []string
	for _, e := range errs {
		if !inBatch || e.Field == prefix || strings.HasPrefix(e.Field, prefix+".") {
			parts = append(parts, e.Field+": "+e.Message)
		}
	}
	return strings.Join(parts, "; ")
}

// batchIndex reads i from a field batch[i]....
func batchIndex(field string) (int, bool) {
	rest, ok := strings.CutPrefix(field, "batch[")
	if !ok {
		return 0, false
	}
	n, _, ok := strings.Cut(rest, "]")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(n)
	return i, err == nil && i >= 0
}

// batchCalls is a batch body's calls as sent, nil when it is none.
func batchCalls(body []byte) []json.RawMessage {
	var b struct {
		Batch []json.RawMessage `json:"batch"`
	}
	if json.Unmarshal(body, &b) != nil {
		return nil
	}
	return b.Batch
}

// library is context.library's name and version.
func library(ctx map[string]any) string {
	lib, _ := ctx["library"].(map[string]any)
	name, _ := lib["name"].(string)
	version, _ := lib["version"].(string)
	return truncate(strings.TrimSpace(name+" "+version), 200)
}

// payload keeps raw JSON of at most maxPayload bytes as it is, and a
// longer one as the JSON string of its first bytes (truncated).
func payload(raw []byte) (json.RawMessage, bool) {
	if len(raw) <= maxPayload {
		return raw, false
	}
	s, _ := json.Marshal(truncate(string(raw), maxPayload)) // a string always encodes
	return s, true
}

// rawPayload is what the debugger keeps of a call that did not decode: a
// JSON object as sent (Postgres's jsonb takes no \u0000), else its text.
func rawPayload(raw []byte) (json.RawMessage, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' && json.Valid(raw) && !bytes.Contains(raw, []byte(`\u0000`)) {
		return payload(raw)
	}
	text := strings.ReplaceAll(strings.ToValidUTF8(string(raw), "\uFFFD"), "\x00", "\uFFFD")
	trunc := len(text) > maxPayload
	s, _ := json.Marshal(truncate(text, maxPayload)) // a string always encodes
	return s, trunc
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
