package console

import (
	"encoding/json"
	"io"

	"github.com/tabiji/tabiji/schemas"
)

// EditorPage is the journey canvas at /ui/journeys/new and
// /ui/journeys/{id}/edit: the definition drawn as boxes and arrows, a form
// per node generated from the journey JSON Schema, and a JSON view of the
// same definition. Its script (assets/editor*.js) does the drawing and
// saves through the API: POST or PUT /v1/journeys, then PUT
// /v1/journeys/{id}/layout with the positions.
type EditorPage struct {
	Frame
	// ID is the journey's, empty for a new one.
	ID, Name, Status string
	Version          int
	// Definition is the latest version's, as stored (nil for a new journey).
	Definition json.RawMessage
	// Editable is false for a reader whose role may not change journeys:
	// the canvas is drawn read-only.
	Editable bool
}

// Schema is the journey JSON Schema the editor's forms are generated from.
func (EditorPage) Schema() json.RawMessage { return schemas.JourneySchema }

// DefinitionJSON is the definition for the page's script: an empty
// journey for a new one.
func (p EditorPage) DefinitionJSON() json.RawMessage {
	if len(p.Definition) == 0 {
		return json.RawMessage(`{"entry": {}, "nodes": []}`)
	}
	return p.Definition
}

// Editor renders the journey canvas.
func Editor(w io.Writer, p EditorPage) error { return render(w, "editor.html", p) }
