package console

import (
	"io"
	"time"
)

// MessageTemplateRow is one message template in the list.
type MessageTemplateRow struct {
	ID, Name, Channel string
	Version           int
	UpdatedAt         time.Time
}

// MessageTemplatesPage is what /ui/message-templates shows: the
// workspace's message templates, of one channel when Channel is set.
type MessageTemplatesPage struct {
	Frame
	Channel   string
	Channels  []string
	Templates []MessageTemplateRow
}

// MessageTemplates renders the list of message templates.
func MessageTemplates(w io.Writer, p MessageTemplatesPage) error {
	return render(w, "message_templates.html", p)
}

// MessageTemplatePage is the editor of one message template (ID "" for a
// new one); its script reads and saves the template through the API.
type MessageTemplatePage struct {
	Frame
	ID      string
	Channel string // a new template's channel, from ?channel=
}

// MessageTemplate renders the message template editor.
func MessageTemplate(w io.Writer, p MessageTemplatePage) error {
	return render(w, "message_template.html", p)
}
