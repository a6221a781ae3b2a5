package store

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/taxonomy"
)

// TemplateContent validates a message template's content for channel and
// returns it as stored. Its faults are field errors as msgtemplates gives
// them, or Refusals (ErrMalformed) on channel or content.
func TemplateContent(channel string, raw json.RawMessage) (json.RawMessage, error) {
	if channel == "" {
		msg := "is required: one of " + strings.Join(msgtemplates.Channels, ", ")
		return nil, Refuse(ErrMalformed, "channel: "+msg, jsonfields.Error{Field: "channel", Message: msg})
	}
	if len(raw) == 0 || string(raw) == "null" {
		msg := "is required: the message in Liquid"
		return nil, Refuse(ErrMalformed, "content: "+msg, jsonfields.Error{Field: "content", Message: msg})
	}
	content, err := msgtemplates.Parse(channel, raw)
	if err != nil {
		return nil, ContentRefusal(err)
	}
	// An email made of blocks is stored with the HTML and text compiled
	// from them, which the send path renders.
	if err := content.CompileBlocks(""); err != nil {
		return nil, err
	}
	canonical, err := json.Marshal(content)
	if err != nil {
		return nil, ContentRefusal(err)
	}
	return canonical, nil
}

// ContentRefusal is a template's validation or rendering error as the
// client reads it: field errors as they are, anything else a Refusal
// (ErrMalformed) on content.
func ContentRefusal(err error) error {
	var fields jsonfields.Errors
	var unreadable taxonomy.DecodeError
	if err == nil || errors.As(err, &fields) || errors.As(err, &unreadable) {
		return err
	}
	return Refuse(ErrMalformed, "content: "+err.Error(), jsonfields.Error{Field: "content", Message: err.Error()})
}

// ReviseMessageTemplate stores content raw (validated as TemplateContent
// does, on the template's channel) as the template's next version, and
// its name when given. channel, when given, must be the template's: a
// template does not change channel. It returns ErrNotFound for a template
// the workspace lacks.
func (s *Store) ReviseMessageTemplate(ctx context.Context, workspaceID, id, channel, name string, raw json.RawMessage) (MessageTemplate, error) {
	current, err := s.GetMessageTemplate(ctx, workspaceID, id, 0)
	if err != nil {
		return current, err
	}
	if channel != "" && channel != current.Channel {
		msg := "cannot change: this is a " + current.Channel + " template (make a new one)"
		return current, Refuse(ErrMalformed, "channel: "+msg, jsonfields.Error{Field: "channel", Message: msg})
	}
	content, err := TemplateContent(current.Channel, raw)
	if err != nil {
		return current, err
	}
	return s.NewMessageTemplateVersion(ctx, workspaceID, current.ID, name, content)
}
