package journeytemplates

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
)

// ParamType is the type of a template parameter; it decides which values are
// accepted and how they are written into the definition.
type ParamType string

// Parameter types.
const (
	TypeDuration ParamType = "duration" // "30m", "72h", "5d"
	TypeString   ParamType = "string"
	TypeNumber   ParamType = "number"
	TypeEvent    ParamType = "event" // an event name, such as "purchase"
	// TypeURL is an absolute http or https URL; a URL parameter whose
	// default is "" is optional, and "" then means none.
	TypeURL ParamType = "url"
	// TypeChannels is an ordered channel fallback: a list such as
	// ["line", "email"] or the text "line, email".
	TypeChannels ParamType = "channels"
	// TypeEmail is one email address of the shop's own (a sales owner's),
	// or "" for none.
	TypeEmail ParamType = "email"
)

// ParamTypes lists every parameter type.
var ParamTypes = []ParamType{TypeDuration, TypeString, TypeNumber, TypeEvent, TypeURL, TypeChannels, TypeEmail}

// Param is one parameter of a template. A parameter without a default is
// required.
type Param struct {
	Name        string    `json:"name" yaml:"name"`
	Type        ParamType `json:"type" yaml:"type"`
	Default     any       `json:"default,omitempty" yaml:"default"`
	Required    bool      `json:"required" yaml:"-"`
	Description string    `json:"description" yaml:"description"`
}

// resolve checks the given values against the template's parameters and
// returns the value of every parameter, defaults filled in, in the form the
// definition takes. Every error names its parameter as "params.<name>".
func resolve(params []Param, given map[string]any) (map[string]any, error) {
	var errs jsonfields.Errors
	declared := make([]string, len(params))
	for i, p := range params {
		declared[i] = p.Name
	}
	for _, name := range sortedKeys(given) {
		if !slices.Contains(declared, name) {
			errs.Add("params."+name, "unknown parameter: this template takes "+strings.Join(declared, ", "))
		}
	}
	values := make(map[string]any, len(params))
	for _, p := range params {
		v, ok := given[p.Name]
		if !ok || v == nil {
			if p.Default == nil {
				errs.Add("params."+p.Name, "is required: "+p.Description)
				continue
			}
			v = p.Default
		}
		canonical, err := p.check(v)
		if err != nil {
			errs.Add("params."+p.Name, err.Error())
			continue
		}
		values[p.Name] = canonical
	}
	if len(errs) > 0 {
		return nil, journey.Invalid(errs)
	}
	return values, nil
}

// check reports whether v is a value of the parameter, in the form written
// into a definition: a value of its type, or "" for an optional URL (one
// whose default is "").
func (p Param) check(v any) (any, error) {
	if p.Type == TypeURL && p.Default == "" && v == "" {
		return "", nil
	}
	canonical, err := p.Type.check(v)
	if err != nil && p.Type == TypeURL && p.Default == "" {
		return nil, fmt.Errorf("%w (or \"\" for none)", err)
	}
	return canonical, err
}

// check reports whether v is a value of type t, and returns it in the form
// written into a definition.
func (t ParamType) check(v any) (any, error) {
	switch t {
	case TypeNumber:
		return number(v)
	case TypeChannels:
		return channelList(v)
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("must be a %s, written as a string", describe(t))
	}
	switch t {
	case TypeDuration:
		d, err := journey.ParseDuration(s)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("must be a positive duration such as \"30m\", \"72h\" or \"5d\", not %q", s)
		}
		return d.String(), nil
	case TypeEvent:
		if strings.TrimSpace(s) != s || s == "" || len(s) > 200 {
			return nil, fmt.Errorf("must be an event name such as \"purchase\": 1-200 characters, no leading or trailing spaces")
		}
		return s, nil
	case TypeURL:
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("must be an absolute http or https URL, not %q", s)
		}
		return s, nil
	case TypeString:
		return s, nil
	case TypeEmail:
		if a, err := mail.ParseAddress(s); s != "" && (err != nil || a.Address != s || a.Name != "") {
			return nil, fmt.Errorf("must be one email address such as \"sales@shop.example.jp\" (or \"\" for none), not %q", s)
		}
		return s, nil
	default:
		return nil, fmt.Errorf("has unknown type %q", t)
	}
}

func number(v any) (any, error) {
	switch n := v.(type) {
	case float64:
		return n, nil
	case int:
		return float64(n), nil
	case int64:
		return float64(n), nil
	case json.Number:
		f, err := n.Float64()
		if err == nil {
			return f, nil
		}
	}
	return nil, fmt.Errorf("must be a number, such as 80 (not a string)")
}

func describe(t ParamType) string {
	switch t {
	case TypeDuration:
		return "duration such as \"30m\""
	case TypeEvent:
		return "event name"
	case TypeURL:
		return "URL"
	case TypeChannels:
		return "channel list"
	case TypeEmail:
		return "email address"
	default:
		return string(t)
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// channelList reads an ordered channel fallback, given as a list or as
// comma-separated text, into the list a send node's channels take: one to
// as many channels as journeys have, each known and named once.
func channelList(v any) (any, error) {
	var names []string
	switch l := v.(type) {
	case string:
		for _, part := range strings.Split(l, ",") {
			names = append(names, strings.TrimSpace(part))
		}
	case []any:
		for _, item := range l {
			name, ok := item.(string)
			if !ok {
				return nil, fmt.Errorf("must list channel names, as [\"line\", \"email\"]")
			}
			names = append(names, name)
		}
	case []string:
		names = l
	default:
		return nil, fmt.Errorf("must be a list of channels in the order to try them, as [\"line\", \"email\"] or \"line, email\"")
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("must name at least one channel, as [\"line\", \"email\"]")
	}
	out := make([]any, len(names))
	for i, name := range names {
		if !slices.Contains(journey.Channels, name) {
			return nil, fmt.Errorf("names %q: the channels are %s", name, strings.Join(journey.Channels, ", "))
		}
		if slices.Contains(names[:i], name) {
			return nil, fmt.Errorf("names %s twice", name)
		}
		out[i] = name
	}
	return out, nil
}
