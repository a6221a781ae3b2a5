package taxonomy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Change is one difference between two sheets. Path names definitions by
// name, not position ("events.purchase.properties.total.type"), so a
// reordered sheet has no changes.
type Change struct {
	Op   string `json:"op"` // "add", "remove" or "change"
	Path string `json:"path"`
	Old  string `json:"old,omitempty"`
	New  string `json:"new,omitempty"`
}

func (c Change) String() string {
	switch c.Op {
	case "add":
		return "+ " + c.Path
	case "remove":
		return "- " + c.Path
	default:
		return fmt.Sprintf("~ %s: %s → %s", c.Path, quoteEmpty(c.Old), quoteEmpty(c.New))
	}
}

func quoteEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

// Diff lists what applying next over prev would change, sorted by path:
// whole events and properties added or removed, and each changed field.
func Diff(prev, next *Taxonomy) []Change {
	a, b := flatten(prev), flatten(next)
	var out []Change
	for _, k := range sortedKeys(a, b) {
		va, inA := a[k]
		vb, inB := b[k]
		switch {
		case coveredBy(k, out):
		case inA && !inB && va == entity:
			out = append(out, Change{Op: "remove", Path: k})
		case inB && !inA && vb == entity:
			out = append(out, Change{Op: "add", Path: k})
		case va != vb:
			out = append(out, Change{Op: "change", Path: k, Old: va, New: vb})
		}
	}
	return out
}

// entity marks a path that is a definition rather than a field.
const entity = "\x00"

// coveredBy says whether k is a field of a definition already added or removed.
func coveredBy(k string, changes []Change) bool {
	for i := len(changes) - 1; i >= 0; i-- {
		c := changes[i]
		if c.Op != "change" && strings.HasPrefix(k, c.Path+".") {
			return true
		}
	}
	return false
}

func sortedKeys(a, b map[string]string) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func flatten(t *Taxonomy) map[string]string {
	n := t.Clone()
	n.Normalize()
	m := map[string]string{
		"unknownEvents":       string(n.UnknownEvents),
		"invalidTraits":       string(n.InvalidTraits),
		"naming.events":       string(n.Naming.Events),
		"naming.properties":   string(n.Naming.Properties),
		"naming.objectAction": strconv.FormatBool(n.Naming.ObjectAction),
		"naming.onViolation":  string(n.Naming.OnViolation),
	}
	for _, e := range n.Events {
		p := "events." + e.Name
		m[p] = entity
		m[p+".description"] = e.Description
		m[p+".owner"] = e.Owner
		m[p+".status"] = string(e.Status)
		m[p+".onInvalid"] = string(e.OnInvalid)
		m[p+".strict"] = strconv.FormatBool(e.Strict)
		for _, pr := range e.Properties {
			flattenProp(m, p+".properties."+pr.Name, pr)
		}
	}
	for _, pr := range n.UserProperties {
		flattenProp(m, "userProperties."+pr.Name, pr)
	}
	return m
}

func flattenProp(m map[string]string, p string, pr PropertyDef) {
	m[p] = entity
	m[p+".type"] = string(pr.Type)
	m[p+".required"] = strconv.FormatBool(pr.Required)
	m[p+".enum"] = strings.Join(pr.Enum, "|")
	m[p+".format"] = string(pr.Format)
	m[p+".pii"] = strconv.FormatBool(pr.PII)
	m[p+".description"] = pr.Description
}
