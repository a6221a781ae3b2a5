package consent

import (
	"errors"
	"strconv"
	"time"

	"github.com/tabiji/tabiji/jsonfields"
)

// The identify/track convention: a call that records consent as it
// happens, from the page or app where the customer agreed.
//
//   - track with event ConsentEvent ("Consent Recorded"): properties
//     channel, topic, status (opted_in when absent), source ("track" when
//     absent), form, page, wording, ip, userAgent;
//   - identify with a trait TraitName ("consent"): one such object, or an
//     array of them (source "identify" when absent).
//
// The call's timestamp is the record's time; page, ip and userAgent fall
// back to the call's context (context.page.url, context.ip,
// context.userAgent), as Segment's browser library fills them in.
const (
	ConsentEvent = "Consent Recorded"
	TraitName    = "consent"
)

// FromTrack reads the records a track call makes: none unless its event is
// ConsentEvent. A fault is a field error under "properties".
func FromTrack(event string, properties, context map[string]any, at, now time.Time) ([]Record, jsonfields.Errors) {
	if event != ConsentEvent {
		return nil, nil
	}
	r, errs := fromObject(properties, "properties", "track", context, at, now)
	if errs != nil {
		return nil, errs
	}
	return []Record{r}, nil
}

// FromTraits reads the records an identify call makes: none unless its
// traits hold TraitName. A fault is a field error under "traits.consent".
func FromTraits(traits, context map[string]any, at, now time.Time) ([]Record, jsonfields.Errors) {
	v, ok := traits[TraitName]
	if !ok {
		return nil, nil
	}
	const path = "traits." + TraitName
	items, isList := v.([]any)
	if !isList {
		items = []any{v}
	}
	var out []Record
	var errs jsonfields.Errors
	for i, item := range items {
		p := path
		if isList {
			p += "[" + strconv.Itoa(i) + "]"
		}
		obj, ok := item.(map[string]any)
		if !ok {
			errs.Add(p, "must be an object naming channel, status, form and wording (see the consent convention)")
			continue
		}
		r, e := fromObject(obj, p, "identify", context, at, now)
		errs = append(errs, e...)
		out = append(out, r)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// fromObject reads one record from a convention object at path.
func fromObject(obj map[string]any, path, source string, context map[string]any, at, now time.Time) (Record, jsonfields.Errors) {
	var errs jsonfields.Errors
	str := func(key string) string {
		v, ok := obj[key]
		if !ok || v == nil {
			return ""
		}
		s, ok := v.(string)
		if !ok {
			errs.Add(path+"."+key, "must be a string")
		}
		return s
	}
	r := Record{Channel: str("channel"), Topic: str("topic"), Status: str("status"), Source: str("source"), At: at,
		Evidence: Evidence{Form: str("form"), Page: str("page"), Wording: str("wording"), IP: str("ip"), UserAgent: str("userAgent")}}
	if r.Status == "" {
		r.Status = OptedIn
	}
	if r.Source == "" {
		r.Source = source
	}
	fromContext(&r.Evidence, context)
	if err := r.Prepare(now); err != nil {
		var invalid jsonfields.Errors // Prepare's only error
		errors.As(err, &invalid)
		for _, fe := range invalid {
			errs.Add(path+"."+conventionField(fe.Field), fe.Message)
		}
	}
	return r, errs
}

// fromContext fills the evidence the call's context holds and the object
// did not give.
func fromContext(e *Evidence, context map[string]any) {
	if e.IP == "" {
		e.IP, _ = context["ip"].(string)
	}
	if e.UserAgent == "" {
		e.UserAgent, _ = context["userAgent"].(string)
	}
	if page, ok := context["page"].(map[string]any); ok && e.Page == "" {
		e.Page, _ = page["url"].(string)
	}
}

// conventionField is the convention's name of a record's field: the
// evidence's fields sit beside the others ("evidence.ip" is "ip").
func conventionField(field string) string {
	if len(field) > len("evidence.") && field[:len("evidence.")] == "evidence." {
		return field[len("evidence."):]
	}
	return field
}
