package console

import (
	"fmt"
	"io"
	"strings"

	"github.com/tabiji/tabiji/journeytemplates"
	"github.com/tabiji/tabiji/store"
)

// JourneysPage is the list of journeys with what each did in the last
// seven days.
type JourneysPage struct {
	Frame
	Journeys []store.JourneyOverview
}

// Journeys renders the list of journeys.
func Journeys(w io.Writer, p JourneysPage) error { return render(w, "journeys.html", p) }

// GalleryPage is the template library, in the page's language.
type GalleryPage struct {
	Frame
	Templates []journeytemplates.Template
}

// Gallery renders the template gallery.
func Gallery(w io.Writer, p GalleryPage) error { return render(w, "gallery.html", p) }

// TemplatePage is one template: what it is for and its launch form, each
// parameter a typed field.
type TemplatePage struct {
	Frame
	Template journeytemplates.Template
	Fields   []Field
	// Events are the taxonomy's event names, offered by event fields.
	Events []string
}

// Field is one parameter's form field.
type Field struct {
	journeytemplates.Param
	Input string // the input's type: text, number, url, email
	Value string // the default, written as the field takes it
	Hint  string // a catalog key saying what the field takes
}

// NewTemplatePage lays out t's launch form.
func NewTemplatePage(f Frame, t journeytemplates.Template, events []string) TemplatePage {
	p := TemplatePage{Frame: f, Template: t, Events: events}
	for _, prm := range t.Params {
		fl := Field{Param: prm, Input: "text", Hint: "param." + string(prm.Type)}
		switch prm.Type {
		case journeytemplates.TypeNumber:
			fl.Input = "number"
		case journeytemplates.TypeURL:
			fl.Input = "url"
		case journeytemplates.TypeEmail:
			fl.Input = "email"
		}
		switch v := prm.Default.(type) {
		case nil:
		case []any:
			parts := make([]string, len(v))
			for i, x := range v {
				parts[i] = fmt.Sprint(x)
			}
			fl.Value = strings.Join(parts, ", ")
		default:
			fl.Value = fmt.Sprint(v)
		}
		p.Fields = append(p.Fields, fl)
	}
	return p
}

// TemplateForm renders a template's page and launch form.
func TemplateForm(w io.Writer, p TemplatePage) error { return render(w, "template.html", p) }
