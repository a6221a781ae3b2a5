package msgtemplates

import (
	"context"
	"fmt"
	"strings"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/msgtemplates/liquid"
)

// Bindings are what a journey's inline content and webhook bodies
// see: customer (id, and with a profile its traits, tags, email, phone,
// timezone, locale), event (the entry event) and journey (id, version,
// variables). A stored template sees Data.Bindings, a superset.
func Bindings(customerID string, p *journey.Profile, entry journey.Event, journeyID string, version int, vars map[string]any) map[string]any {
	customer := map[string]any{"id": customerID}
	if p != nil {
		customer["traits"], customer["tags"] = p.Traits, p.Tags
		customer["email"], customer["phone"] = p.Email, p.Phone
		customer["timezone"], customer["locale"] = p.Timezone, p.Locale
	}
	return map[string]any{
		"customer": customer,
		"event": map[string]any{
			"name":       entry.Name,
			"properties": entry.Properties,
			"timestamp":  entry.Timestamp,
		},
		"journey": map[string]any{"id": journeyID, "version": version, "variables": vars},
	}
}

// RenderMessage fills a journey node's inline template (subject and body)
// with d, as a send does: on the email channel the body is HTML and its
// outputs are escaped; the subject is one line (CR and LF become spaces).
// node names the node in errors.
func RenderMessage(ctx context.Context, node, channel string, t journey.Template, d Data) (subject, body string, err error) {
	if t.Name != "" {
		return "", "", fmt.Errorf("template %q of %s: a stored template is rendered by Render, not RenderMessage", t.Name, node)
	}
	bindings := Bindings(d.CustomerID, d.Profile, d.Entry, d.JourneyID, d.Version, d.Variables)
	bindings["message"] = map[string]any{"id": d.MessageID, "confirm_url": d.ConfirmURL}
	if d.Lead != nil {
		bindings["lead"] = d.Lead
	}
	engine := liquid.Default()
	if subject, err = engine.Render(ctx, t.Subject, bindings); err != nil {
		return "", "", fmt.Errorf("render subject of %s: %w", node, err)
	}
	render := engine.Render
	if channel == ChannelEmail {
		render = engine.RenderHTML
	}
	if body, err = render(ctx, t.Body, bindings); err != nil {
		return "", "", fmt.Errorf("render body of %s: %w", node, err)
	}
	return OneLine(subject), body, nil
}

// OneLine is s with every CR and LF replaced by a space: what a subject or
// a header may carry.
func OneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}

// RenderJSON renders every string of a JSON value as a Liquid template
// (text: nothing is escaped), as a webhook body is.
func RenderJSON(ctx context.Context, v any, bindings map[string]any) (any, error) {
	switch v := v.(type) {
	case string:
		out, err := liquid.Default().Render(ctx, v, bindings)
		if err != nil {
			return nil, fmt.Errorf("render %q: %w", v, err)
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			r, err := RenderJSON(ctx, x, bindings)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			r, err := RenderJSON(ctx, x, bindings)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}
