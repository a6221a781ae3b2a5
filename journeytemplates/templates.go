// Package journeytemplates is Tabiji's library of ready-made journeys: cart
// abandonment, post-purchase, welcome series and the rest. Each template is a
// journey definition written in YAML, embedded in the binary, with typed
// parameters that a marketer sets at launch, and a short doc: its purpose,
// its parameters and the KPI to watch.
package journeytemplates

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/locale"
)

//go:embed library
var files embed.FS

// ErrUnknown is returned for a template name the library does not hold.
var ErrUnknown = errors.New("no such journey template")

// Template is one journey of the library.
type Template struct {
	Name   string  `json:"name"`
	Title  string  `json:"title"`
	Doc    Doc     `json:"doc"`
	Params []Param `json:"parameters"`

	// definition is the journey as written, with "${param}" placeholders.
	definition any
	// translations are its copy in the languages other than English.
	translations map[string]translation
}

// Doc is what a marketer reads before launching a template.
type Doc struct {
	Purpose string `json:"purpose" yaml:"purpose"`
	KPI     string `json:"kpi" yaml:"kpi"`
	// Trigger says what brings customers in when it is not an ordinary
	// event: a segment or a score that another part of Tabiji computes.
	Trigger string `json:"trigger,omitempty" yaml:"trigger"`
}

// file is the YAML form of a template.
type file struct {
	Title      string  `yaml:"title"`
	Doc        Doc     `yaml:"doc"`
	Params     []Param `yaml:"params"`
	Definition any     `yaml:"definition"`
}

// library is parsed once: the files are embedded, so a broken one is a bug
// that the package's tests catch, not a runtime condition.
var library = sync.OnceValue(func() []Template {
	ts, err := load(files)
	if err != nil {
		panic(err)
	}
	return ts
})

// List returns every template, ordered by name.
func List() []Template { return slices.Clone(library()) }

// Get returns the template with the given name.
func Get(name string) (Template, error) {
	for _, t := range library() {
		if t.Name == name {
			return t, nil
		}
	}
	return Template{}, fmt.Errorf("get template %q: %w", name, ErrUnknown)
}

// Render makes a journey definition from a template and parameter values,
// defaults filling the values not given, and validates it. Errors about the
// parameters are a journey.ValidationError whose fields are "params.<name>".
func Render(name string, params map[string]any) (journey.Definition, error) {
	t, err := Get(name)
	if err != nil {
		return journey.Definition{}, err
	}
	return t.Render(params)
}

// Render makes a journey definition from the template; see Render.
func (t Template) Render(params map[string]any) (journey.Definition, error) {
	return t.RenderIn(locale.English, params)
}

// RenderIn is Render with the messages in lang ("ja", "en"; see
// Languages): the journey is the same in every language, its copy is the
// translation's. A template with no translation to lang keeps its own.
// An unknown lang is a field error on "locale".
func (t Template) RenderIn(lang string, params map[string]any) (journey.Definition, error) {
	if err := CheckLanguage(lang, "locale"); err != nil {
		return journey.Definition{}, fmt.Errorf("render template %s: %w", t.Name, err)
	}
	t = t.In(lang) // the language's defaults
	values, err := resolve(t.Params, params)
	if err != nil {
		return journey.Definition{}, err
	}
	def := substitute(t.definition, values)
	if tr, ok := t.translations[lang]; ok {
		tr.localize(def)
	}
	raw, err := json.Marshal(def)
	if err != nil {
		return journey.Definition{}, fmt.Errorf("render template %s: %w", t.Name, err)
	}
	d, err := journey.Parse(raw)
	var verr journey.ValidationError
	if errors.As(err, &verr) {
		// The template is tested with its defaults, so what breaks it here
		// is a parameter value; say where in the definition.
		for i := range verr {
			verr[i].Field = "definition." + verr[i].Field
		}
		return journey.Definition{}, journey.Invalid(verr)
	}
	return d, err
}

// Definition returns the journey as the template writes it, with a
// "${name}" string where each parameter's value goes.
func (t Template) Definition() any { return substitute(t.definition, nil) }

var placeholder = regexp.MustCompile(`^\$\{([a-z][a-z0-9_]*)\}$`)

// substitute copies a decoded YAML tree, replacing each string that is
// exactly "${name}" by the parameter's value. Only whole values are
// replaced: text reaches Liquid and CEL through journey variables, never by
// pasting it into an expression.
func substitute(node any, values map[string]any) any {
	switch n := node.(type) {
	case map[string]any:
		out := make(map[string]any, len(n))
		for k, v := range n {
			out[k] = substitute(v, values)
		}
		return out
	case []any:
		out := make([]any, len(n))
		for i, v := range n {
			out[i] = substitute(v, values)
		}
		return out
	case string:
		if m := placeholder.FindStringSubmatch(n); m != nil && values != nil {
			return values[m[1]]
		}
		return n
	default:
		return n
	}
}

// load parses every template file and checks it is complete.
func load(fsys fs.FS) ([]Template, error) {
	names, err := fs.Glob(fsys, "library/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	var ts []Template
	for _, p := range names {
		t, err := loadOne(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("load template %s: %w", p, err)
		}
		ts = append(ts, t)
	}
	if err := loadTranslations(fsys, ts); err != nil {
		return nil, err
	}
	return ts, nil
}

func loadOne(fsys fs.FS, p string) (Template, error) {
	raw, err := fs.ReadFile(fsys, p)
	if err != nil {
		return Template{}, err
	}
	var f file
	if err := yaml.Unmarshal(raw, &f); err != nil {
		return Template{}, fmt.Errorf("parse: %w", err)
	}
	t := Template{
		Name: strings.TrimSuffix(path.Base(p), ".yaml"), Title: f.Title, Doc: f.Doc,
		Params: f.Params, definition: f.Definition,
	}
	if err := t.check(); err != nil {
		return Template{}, err
	}
	return t, nil
}

// check makes sure the file says everything a marketer needs and that its
// placeholders and parameters match one to one.
func (t *Template) check() error {
	if t.Title == "" || t.Doc.Purpose == "" || t.Doc.KPI == "" || t.definition == nil {
		return errors.New("title, doc.purpose, doc.kpi and definition are required")
	}
	used := map[string]bool{}
	if err := placeholders(t.definition, used); err != nil {
		return err
	}
	for i := range t.Params {
		p := &t.Params[i]
		if !slices.Contains(ParamTypes, p.Type) || p.Description == "" {
			return fmt.Errorf("parameter %q needs a known type and a description", p.Name)
		}
		if !used[p.Name] {
			return fmt.Errorf("parameter %q is never used", p.Name)
		}
		delete(used, p.Name)
		p.Required = p.Default == nil
		if p.Default != nil {
			if _, err := p.check(p.Default); err != nil {
				return fmt.Errorf("default of %q: %w", p.Name, err)
			}
		}
	}
	for name := range used {
		return fmt.Errorf("placeholder ${%s} has no parameter", name)
	}
	return nil
}

// placeholders collects the parameter names used, refusing a "${" that is
// not a whole value (it would never be replaced).
func placeholders(node any, used map[string]bool) error {
	switch n := node.(type) {
	case map[string]any:
		for _, v := range n {
			if err := placeholders(v, used); err != nil {
				return err
			}
		}
	case []any:
		for _, v := range n {
			if err := placeholders(v, used); err != nil {
				return err
			}
		}
	case string:
		if m := placeholder.FindStringSubmatch(n); m != nil {
			used[m[1]] = true
		} else if strings.Contains(n, "${") {
			return fmt.Errorf("%q: a placeholder must be a whole value, as in \"${delay}\"", n)
		}
	}
	return nil
}
