package journeytemplates

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/locale"
)

// A translation is a template's copy in another language, in
// library/<lang>/<name>.yaml: the title, doc and parameter descriptions a
// marketer reads, and each send node's messages per channel. The journey
// itself (nodes, waits, parameters) is the English file's alone, so the
// languages cannot drift apart in what they do.
type translation struct {
	Title  string            `yaml:"title"`
	Doc    Doc               `yaml:"doc"`
	Params map[string]string `yaml:"params"` // parameter name → description
	// Defaults replace the template's defaults of text parameters whose
	// value the messages show ("coffee beans" → "コーヒー豆").
	Defaults map[string]any `yaml:"defaults"`
	// Messages holds, per send node ID, the content per channel (email,
	// line, push): each channel's copy is written for it (a LINE message
	// is short and has no subject, a push has a title).
	Messages map[string]map[string]journey.Template `yaml:"messages"`
}

// copyChannels are the channels each translated send node writes copy
// for; the outbox shows the email's.
var copyChannels = []string{"email", "line", "push"}

// Languages lists the languages the library's copy is written in.
func Languages() []string { return slices.Clone(locale.Languages) }

// loadTranslations reads library/<lang>/*.yaml for every language but
// English, the language of the template files themselves.
func loadTranslations(fsys fs.FS, ts []Template) error {
	for _, lang := range locale.Languages {
		if lang == locale.English {
			continue
		}
		for i := range ts {
			p := path.Join("library", lang, ts[i].Name+".yaml")
			raw, err := fs.ReadFile(fsys, p)
			if errors.Is(err, fs.ErrNotExist) {
				continue // Render says which languages a template lacks
			}
			if err != nil {
				return fmt.Errorf("read %s: %w", p, err)
			}
			var tr translation
			if err := yaml.Unmarshal(raw, &tr); err != nil {
				return fmt.Errorf("parse %s: %w", p, err)
			}
			if err := ts[i].checkTranslation(tr); err != nil {
				return fmt.Errorf("translation %s: %w", p, err)
			}
			if ts[i].translations == nil {
				ts[i].translations = map[string]translation{}
			}
			ts[i].translations[lang] = tr
		}
	}
	return nil
}

// checkTranslation makes sure a translation says everything the template
// says: title, doc, every parameter, and every channel's copy of every send
// node, naming no node or parameter the template lacks.
func (t *Template) checkTranslation(tr translation) error {
	if tr.Title == "" || tr.Doc.Purpose == "" || tr.Doc.KPI == "" || (t.Doc.Trigger != "") != (tr.Doc.Trigger != "") {
		return errors.New("title, doc.purpose, doc.kpi (and doc.trigger when the template has one) are required")
	}
	for _, p := range t.Params {
		if tr.Params[p.Name] == "" {
			return fmt.Errorf("parameter %q has no description", p.Name)
		}
	}
	if len(tr.Params) != len(t.Params) {
		return errors.New("describes a parameter the template does not have")
	}
	for name, v := range tr.Defaults {
		i := slices.IndexFunc(t.Params, func(p Param) bool { return p.Name == name })
		if i < 0 || t.Params[i].Default == nil {
			return fmt.Errorf("defaults: %q is not a parameter with a default", name)
		}
		if _, err := t.Params[i].check(v); err != nil {
			return fmt.Errorf("defaults: %q: %w", name, err)
		}
	}
	sends := sendNodes(t.definition)
	for _, id := range sends {
		chs := copyChannels
		if slices.Contains(ownerNodes(t.definition), id) {
			chs = []string{"email"} // an email to the shop's own address: only its copy
		}
		for _, ch := range chs {
			if tr.Messages[id][ch].Body == "" {
				return fmt.Errorf("send node %q has no %s copy", id, ch)
			}
		}
	}
	for id := range tr.Messages {
		if !slices.Contains(sends, id) {
			return fmt.Errorf("messages name %q, which is not a send node of the template", id)
		}
	}
	return nil
}

// ownerNodes lists the IDs of the send nodes that go to the shop's own
// address (to), on email alone.
func ownerNodes(def any) []string {
	var ids []string
	for _, n := range nodesOf(def) {
		if id, _ := n["id"].(string); n["kind"] == "send" && n["to"] != nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// sendNodes lists the IDs of the send nodes of a definition as written.
func sendNodes(def any) []string {
	var ids []string
	for _, n := range nodesOf(def) {
		if n["kind"] == "send" {
			id, _ := n["id"].(string)
			ids = append(ids, id)
		}
	}
	return ids
}

func nodesOf(def any) []map[string]any {
	d, _ := def.(map[string]any)
	list, _ := d["nodes"].([]any)
	var out []map[string]any
	for _, n := range list {
		if m, ok := n.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// CheckLanguage says whether the library writes copy in lang, as a field
// error on field.
func CheckLanguage(lang, field string) error {
	if !slices.Contains(locale.Languages, lang) {
		return jsonfields.Errors{{Field: field, Message: "must be one of " + strings.Join(locale.Languages, ", ")}}
	}
	return nil
}

// In returns the template as a marketer reading lang sees it: title, doc
// and parameter descriptions in that language (English when the template
// has no such translation).
func (t Template) In(lang string) Template {
	tr, ok := t.translations[lang]
	if !ok {
		return t
	}
	t.Title, t.Doc = tr.Title, tr.Doc
	t.Params = slices.Clone(t.Params)
	for i := range t.Params {
		t.Params[i].Description = tr.Params[t.Params[i].Name]
		if v, ok := tr.Defaults[t.Params[i].Name]; ok {
			t.Params[i].Default = v
		}
	}
	return t
}

// localize puts the translation's messages into a definition whose
// parameters are filled: each send node's template is the copy for its
// first channel, and its fallback_template the copy for the second (the
// channel after the first that the message most often goes on).
func (tr translation) localize(def any) {
	for _, n := range nodesOf(def) {
		id, _ := n["id"].(string)
		byChannel, ok := tr.Messages[id]
		if !ok {
			continue
		}
		order := channelsOf(n)
		n["template"] = copyFor(byChannel, order[0])
		delete(n, "fallback_template")
		if len(order) > 1 {
			n["fallback_template"] = copyFor(byChannel, order[1])
		}
	}
}

// channelsOf is a send node's channel order: channels, else channel and
// fallback_channel.
func channelsOf(n map[string]any) []string {
	var out []string
	if list, ok := n["channels"].([]any); ok {
		for _, c := range list {
			if s, ok := c.(string); ok {
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		for _, k := range []string{"channel", "fallback_channel"} {
			if s, _ := n[k].(string); s != "" {
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		out = []string{"email"}
	}
	return out
}

// copyFor is the content of one channel, as the definition writes it.
func copyFor(byChannel map[string]journey.Template, channel string) map[string]any {
	c, ok := byChannel[channel]
	if !ok {
		c = byChannel["email"] // the outbox records what an email would say
	}
	out := map[string]any{"body": c.Body}
	if c.Subject != "" {
		out["subject"] = c.Subject
	}
	return out
}
