package msgtemplates

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// lineTypes are the message types a LINE template may hold.
var lineTypes = []string{"text", "image", "flex", "template", "imagemap", "sticker"}

// lineURLFields hold image and video addresses, which LINE fetches over
// https only.
var lineURLFields = []string{"originalContentUrl", "previewImageUrl", "url", "previewUrl", "imageUrl", "thumbnailImageUrl", "baseUrl"}

// validateLINE checks one to five LINE message objects: their type, then
// the whole object (flex containers and components to any depth, actions,
// quick replies) against the Messaging API description: required
// properties, types, enums, lengths and item counts, and no property the
// description does not define. Image, icon and video URLs must be https.
// With template set, strings holding Liquid skip enum, length and URL
// checks; the rendered message is checked again without it.
func validateLINE(errs *Errors, messages []json.RawMessage, template bool) {
	if len(messages) == 0 || len(messages) > 5 {
		errs.Add("content.messages", "must hold 1 to 5 LINE messages")
		return
	}
	schemas, err := lineSchemas()
	if err != nil {
		errs.Add("content.messages", err.Error())
		return
	}
	checker := specChecker{schemas: schemas, liquid: template, errs: errs}
	for i, raw := range messages {
		path := fmt.Sprintf("content.messages[%d]", i)
		var msg map[string]any
		if err := json.Unmarshal(raw, &msg); err != nil || msg == nil {
			errs.Add(path, "must be a LINE message object")
			continue
		}
		typ, _ := msg["type"].(string)
		if !slices.Contains(lineTypes, typ) {
			errs.Add(path+".type", "must be one of "+strings.Join(lineTypes, ", "))
			continue
		}
		checker.check(path, msg, &schema{Ref: "#/components/schemas/Message"}, false)
		checkLINERules(errs, path, msg, template)
	}
}

// checkLINERules adds what the description says only in prose: non-empty
// text and altText, at most 12 bubbles in a carousel, https media, a
// labelled action on each quick reply, and the limits of template,
// imagemap and sticker messages (line_rules.go).
func checkLINERules(errs *Errors, path string, msg map[string]any, template bool) {
	switch msg["type"] {
	case "text":
		if s, _ := msg["text"].(string); strings.TrimSpace(s) == "" && msg["text"] != nil {
			errs.Add(path+".text", "must not be empty")
		}
	case "flex", "template", "imagemap":
		altText(errs, path, msg, template)
	}
	checkTypeRules(errs, path, msg, template)
	if bubbles, _ := dig(msg, "contents", "contents").([]any); dig(msg, "contents", "type") == "carousel" && len(bubbles) > 12 {
		errs.Add(path+".contents.contents", fmt.Sprintf("has %d bubbles, a carousel holds at most 12", len(bubbles)))
	}
	walkJSON(path, msg, func(field, key string, v any) {
		if s, ok := v.(string); ok && slices.Contains(lineURLFields, key) {
			httpsURL(errs, field, s, template)
		}
	})
	items, _ := dig(msg, "quickReply", "items").([]any)
	for i, item := range items {
		field := fmt.Sprintf("%s.quickReply.items[%d]", path, i)
		obj, _ := item.(map[string]any)
		action, _ := obj["action"].(map[string]any)
		if action == nil {
			errs.Add(field+".action", "is required")
			continue
		}
		if label, _ := action["label"].(string); strings.TrimSpace(label) == "" || len([]rune(label)) > 20 {
			errs.Add(field+".action.label", "is required in a quick reply: 1-20 characters")
		}
	}
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// walkJSON visits every value under v with its path and its key.
func walkJSON(path string, v any, visit func(field, key string, v any)) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(v) {
			visit(path+"."+k, k, v[k])
			walkJSON(path+"."+k, v[k], visit)
		}
	case []any:
		for i, item := range v {
			walkJSON(fmt.Sprintf("%s[%d]", path, i), item, visit)
		}
	}
}

// mapStrings returns v with fn applied to every string value (never keys),
// stopping at the first error.
func mapStrings(path string, v any, fn func(field, s string) (string, error)) (any, error) {
	switch v := v.(type) {
	case string:
		return fn(path, v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for _, k := range sortedKeys(v) {
			r, err := mapStrings(path+"."+k, v[k], fn)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			r, err := mapStrings(fmt.Sprintf("%s[%d]", path, i), item, fn)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}
