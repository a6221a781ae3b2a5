package ingest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// wire is a call as Segment's libraries send it. Unknown fields
// (integrations, version, _metadata, writeKey, channel…) are ignored.
type wire struct {
	Type              string          `json:"type"`
	MessageID         string          `json:"messageId"`
	UserID            json.RawMessage `json:"userId"`
	AnonymousID       json.RawMessage `json:"anonymousId"`
	Event             string          `json:"event"`
	Name              string          `json:"name"`
	Category          string          `json:"category"`
	GroupID           json.RawMessage `json:"groupId"`
	PreviousID        json.RawMessage `json:"previousId"`
	Properties        json.RawMessage `json:"properties"`
	Traits            json.RawMessage `json:"traits"`
	Context           json.RawMessage `json:"context"`
	Timestamp         string          `json:"timestamp"`
	OriginalTimestamp string          `json:"originalTimestamp"`
	SentAt            string          `json:"sentAt"`
}

// batchWire is a /v1/batch body: the calls, and a context and sentAt that
// apply to each call that lacks its own.
type batchWire struct {
	Batch   json.RawMessage `json:"batch"`
	Context json.RawMessage `json:"context"`
	SentAt  string          `json:"sentAt"`
}

// Decode reads the body of a single call to /v1/<typ>; the path gives the
// type, whatever the body's type says. Its error is Errors.
func Decode(typ string, body []byte, receivedAt time.Time) (Message, error) {
	m, errs := decodeOne(typ, body, receivedAt)
	return m, invalid(errs)
}

func decodeOne(typ string, body []byte, receivedAt time.Time) (Message, Errors) {
	if !slices.Contains(Types, typ) {
		return Message{}, fieldErr("type", "must be one of %s", strings.Join(Types, ", "))
	}
	m, errs := decodeCall(body, typ, nil, "", receivedAt)
	if errs != nil {
		return Message{}, errs
	}
	return m, nil
}

// DecodeBatch reads a /v1/batch body. It returns the valid calls (each with
// its Index) and, as Errors, the faults of the others, named "batch[i].field";
// a body that is not a batch at all is one error and no calls.
func DecodeBatch(body []byte, receivedAt time.Time) ([]Message, error) {
	ms, errs := decodeBatch(body, receivedAt)
	return ms, invalid(errs)
}

func decodeBatch(body []byte, receivedAt time.Time) ([]Message, Errors) {
	if errs := checkRaw(body); errs != nil {
		return nil, errs
	}
	var b batchWire
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, jsonError(err)
	}
	items, errs := batchItems(b.Batch)
	if errs != nil {
		return nil, errs
	}
	bctx, err := object(b.Context)
	if err != nil {
		return nil, fieldErr("context", "must be a JSON object")
	}
	var all Errors
	out := make([]Message, 0, len(items))
	for i, raw := range items {
		m, errs := decodeCall(raw, "", bctx.decoded, b.SentAt, receivedAt)
		if errs != nil {
			all = append(all, prefixed(errs, "batch["+strconv.Itoa(i)+"]")...)
			continue
		}
		m.Index = i
		out = append(out, m)
	}
	return out, all
}

func batchItems(raw json.RawMessage) ([]json.RawMessage, Errors) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, fieldErr("batch", "is required: an array of calls")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fieldErr("batch", "must be a JSON array of calls")
	}
	if len(items) == 0 {
		return nil, fieldErr("batch", "must hold at least one call")
	}
	return items, nil
}

// decodeCall reads one call; typ is "" inside a batch, where each call names its own.
func decodeCall(raw []byte, typ string, batchCtx map[string]any, batchSentAt string, receivedAt time.Time) (Message, Errors) {
	if len(raw) > MaxCall {
		return Message{}, fieldErr("body", "is larger than %d KB", MaxCall>>10)
	}
	if errs := checkRaw(raw); errs != nil {
		return Message{}, errs
	}
	if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 && trimmed[0] != '{' {
		return Message{}, fieldErr("body", "must be a JSON object")
	}
	var w wire
	if err := json.Unmarshal(raw, &w); err != nil {
		return Message{}, jsonError(err)
	}
	if typ == "" {
		if !slices.Contains(Types, w.Type) {
			return Message{}, fieldErr("type", "must be one of %s", strings.Join(Types, ", "))
		}
		typ = w.Type
	}
	if w.SentAt == "" {
		w.SentAt = batchSentAt
	}
	m := Message{Type: typ, ReceivedAt: receivedAt}
	errs := m.fill(&w, batchCtx)
	if errs != nil {
		return Message{}, errs
	}
	return m, nil
}

// fill validates w into m, collecting every fault.
func (m *Message) fill(w *wire, batchCtx map[string]any) Errors {
	var errs Errors
	add := func(e Errors) { errs = append(errs, e...) }
	m.UserID, m.AnonymousID = id(w.UserID, "userId", add), id(w.AnonymousID, "anonymousId", add)
	m.GroupID, m.PreviousID = id(w.GroupID, "groupId", add), id(w.PreviousID, "previousId", add)
	if m.UserID == "" && m.AnonymousID == "" && len(errs) == 0 {
		add(fieldErr("userId", "userId or anonymousId is required"))
	}
	add(m.fillType(w))
	add(m.fillMessageID(w.MessageID))
	m.fillObjects(w, batchCtx, add)
	add(m.fillTimes(w))
	if len(errs) == 0 {
		_, e := m.consentRecords()
		add(e)
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// fillType checks what each type of call requires.
func (m *Message) fillType(w *wire) Errors {
	switch m.Type {
	case Track:
		m.Event = strings.TrimSpace(w.Event)
		if m.Event == "" || len(m.Event) > maxEvent {
			return fieldErr("event", "is required: the event's name, at most %d bytes, such as \"Order Completed\"", maxEvent)
		}
	case Page, Screen:
		m.Event = strings.TrimSpace(w.Name)
		if len(m.Event) > maxEvent {
			return fieldErr("name", "is longer than %d bytes", maxEvent)
		}
	case Group:
		if m.GroupID == "" {
			return fieldErr("groupId", "is required in a group call")
		}
	case Alias:
		if m.PreviousID == "" {
			return fieldErr("previousId", "is required in an alias call: the id to merge into userId")
		}
		if m.UserID == "" {
			return fieldErr("userId", "is required in an alias call: the id previousId becomes")
		}
	}
	return nil
}

func (m *Message) fillMessageID(s string) Errors {
	m.MessageID = strings.TrimSpace(s)
	if m.MessageID == "" {
		m.MessageID = "tbj-" + rand.Text()
	}
	if len(m.MessageID) > maxMsgID {
		return fieldErr("messageId", "is longer than %d bytes", maxMsgID)
	}
	return nil
}

// fillObjects decodes properties, traits and context, merging the batch's
// context under the call's own.
func (m *Message) fillObjects(w *wire, batchCtx map[string]any, add func(Errors)) {
	parts := []struct {
		name   string
		raw    json.RawMessage
		decode *map[string]any
		keep   *[]byte
	}{
		{"properties", w.Properties, &m.Properties, &m.RawProperties},
		{"traits", w.Traits, &m.Traits, &m.RawTraits},
		{"context", w.Context, &m.Context, &m.RawContext},
	}
	for _, p := range parts {
		o, err := object(p.raw)
		if err != nil {
			add(fieldErr(p.name, "%s", err.Error()))
			continue
		}
		*p.decode, *p.keep = o.decoded, o.raw
	}
	if w.Category != "" && (m.Type == Page || m.Type == Screen) {
		if _, ok := m.Properties["category"]; !ok && m.Properties != nil {
			m.Properties["category"] = w.Category
			m.RawProperties, _ = json.Marshal(m.Properties)
		}
	}
	if len(batchCtx) > 0 && m.Context != nil {
		merged := false
		for k, v := range batchCtx {
			if _, ok := m.Context[k]; !ok {
				m.Context[k], merged = v, true
			}
		}
		if merged {
			m.RawContext, _ = json.Marshal(m.Context)
		}
	}
}

type decodedObject struct {
	raw     []byte
	decoded map[string]any
}

// object decodes a JSON object that may be absent or null.
func object(raw json.RawMessage) (decodedObject, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return decodedObject{raw: []byte("{}"), decoded: map[string]any{}}, nil
	}
	if raw[0] != '{' {
		return decodedObject{}, errors.New("must be a JSON object")
	}
	var o map[string]any
	if err := json.Unmarshal(raw, &o); err != nil {
		return decodedObject{}, errors.New("must be a JSON object whose numbers fit a float64")
	}
	return decodedObject{raw: raw, decoded: o}, nil
}

// id reads an identifier: a string, or a number (analytics-python sends
// integers as they are), as text.
func id(raw json.RawMessage, field string, add func(Errors)) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	switch {
	case raw[0] == '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			add(fieldErr(field, "must be a string"))
			return ""
		}
		s = strings.TrimSpace(s)
	case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
		s = string(raw)
	default:
		add(fieldErr(field, "must be a string"))
		return ""
	}
	if len(s) > maxID {
		add(fieldErr(field, "is longer than %d bytes", maxID))
		return ""
	}
	return s
}

// checkRaw refuses what Postgres cannot store or would choke on, before decoding.
func checkRaw(raw []byte) Errors {
	if !utf8.Valid(raw) {
		return fieldErr("body", "is not valid UTF-8")
	}
	if bytes.Contains(raw, []byte(`\u0000`)) {
		return fieldErr("body", `must not contain \u0000 (NUL), which Postgres cannot store`)
	}
	if depth(raw) > maxDepth {
		return fieldErr("body", "nests objects and arrays deeper than %d levels", maxDepth)
	}
	return nil
}

// depth is the deepest nesting of objects and arrays in raw JSON.
func depth(raw []byte) int {
	d, deepest, inString, escaped := 0, 0, false, false
	for _, c := range raw {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			d++
			deepest = max(deepest, d)
		case c == '}' || c == ']':
			d--
		}
	}
	return deepest
}

// jsonError names the field of a decoding error where it can.
func jsonError(err error) Errors {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fieldErr(typeErr.Field, "must be a %s", jsonKind(typeErr.Type.Kind().String()))
	}
	if errors.As(err, &typeErr) {
		return fieldErr("body", "must be a JSON object")
	}
	return fieldErr("body", "is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func jsonKind(kind string) string {
	switch kind {
	case "map", "struct":
		return "JSON object"
	case "slice", "array":
		return "JSON array"
	case "string":
		return "string"
	default:
		return kind
	}
}
