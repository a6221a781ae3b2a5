package console

import (
	"encoding/json"
	"io"
)

// DebuggerPage is /ui/data/debugger: the latest calls the workspace
// received with their verdicts; the page's script draws Calls and then
// asks GET /v1/events/recent every 2 s for the calls after Cursor.
type DebuggerPage struct {
	Frame
	// Calls are the latest calls as GET /v1/events/recent answers them.
	Calls  json.RawMessage
	Cursor string
}

// ZoneName is the workspace's zone, in which the script writes times.
func (p DebuggerPage) ZoneName() string {
	if p.Zone == nil {
		return "UTC"
	}
	return p.Zone.String()
}

// Debugger renders the event debugger page.
func Debugger(w io.Writer, p DebuggerPage) error { return render(w, "debugger.html", p) }
