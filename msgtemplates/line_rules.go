package msgtemplates

import (
	"fmt"
	"regexp"
	"strings"
)

// The limits LINE documents in prose for template, imagemap and sticker
// messages (developers.line.biz, Messaging API reference); the OpenAPI
// description gives their fields and types but not these.
const (
	altTextMax        = 1500 // every altText
	buttonsTextMax    = 160  // 60 with a thumbnail or a title
	confirmTextMax    = 240
	columnTextMax     = 120 // 60 with a thumbnail or a title
	templateTitleMax  = 40
	actionLabelMax    = 20
	imagemapBaseWidth = 1040
	imagemapActionMax = 50
)

// stickerID is a LINE package or sticker ID: digits.
var stickerID = regexp.MustCompile(`^[0-9]{1,20}$`)

func altText(errs *Errors, path string, msg map[string]any, template bool) {
	s, ok := msg["altText"].(string)
	switch {
	case !ok:
		return // the description's check reports it missing or mistyped
	case strings.TrimSpace(s) == "":
		errs.Add(path+".altText", "must not be empty")
	case !(template && hasLiquid(s)) && len([]rune(s)) > altTextMax:
		errs.Add(path+".altText", fmt.Sprintf("is longer than %d characters", altTextMax))
	}
}

// checkTypeRules checks the prose limits of the message's type.
func checkTypeRules(errs *Errors, path string, msg map[string]any, template bool) {
	switch msg["type"] {
	case "template":
		tpl, _ := msg["template"].(map[string]any)
		checkTemplate(errs, path+".template", tpl, template)
	case "imagemap":
		checkImagemap(errs, path, msg)
	case "sticker":
		for _, k := range []string{"packageId", "stickerId"} {
			if s, ok := msg[k].(string); ok && !(template && hasLiquid(s)) && !stickerID.MatchString(s) {
				errs.Add(path+"."+k, "must be a LINE sticker "+strings.TrimSuffix(k, "Id")+" ID: digits, as in \"446\"")
			}
		}
	}
}

// checkTemplate holds buttons, confirm and carousel templates to their
// text lengths and action counts.
func checkTemplate(errs *Errors, path string, tpl map[string]any, template bool) {
	switch tpl["type"] {
	case "buttons":
		textMax := buttonsTextMax
		if tpl["thumbnailImageUrl"] != nil || tpl["title"] != nil {
			textMax = 60
		}
		maxRunes(errs, path+".text", tpl["text"], textMax, template)
		maxRunes(errs, path+".title", tpl["title"], templateTitleMax, template)
		checkActions(errs, path+".actions", tpl["actions"], 1, 4, template)
	case "confirm":
		maxRunes(errs, path+".text", tpl["text"], confirmTextMax, template)
		checkActions(errs, path+".actions", tpl["actions"], 2, 2, template)
	case "carousel":
		checkCarousel(errs, path, tpl, template)
	}
}

func checkCarousel(errs *Errors, path string, tpl map[string]any, template bool) {
	columns, _ := tpl["columns"].([]any)
	if n := len(columns); n < 1 || n > 10 {
		errs.Add(path+".columns", fmt.Sprintf("has %d columns, a carousel holds 1 to 10", n))
	}
	actions := -1
	for i, c := range columns {
		col, _ := c.(map[string]any)
		cp := fmt.Sprintf("%s.columns[%d]", path, i)
		textMax := columnTextMax
		if col["thumbnailImageUrl"] != nil || col["title"] != nil {
			textMax = 60
		}
		maxRunes(errs, cp+".text", col["text"], textMax, template)
		maxRunes(errs, cp+".title", col["title"], templateTitleMax, template)
		checkActions(errs, cp+".actions", col["actions"], 1, 3, template)
		n := len(asList(col["actions"]))
		if actions >= 0 && n != actions {
			errs.Add(cp+".actions", fmt.Sprintf("has %d actions, but column 0 has %d: every column of a carousel has the same number", n, actions))
		}
		if actions < 0 {
			actions = n
		}
	}
}

// checkActions counts a template's actions and checks their labels.
func checkActions(errs *Errors, path string, v any, least, most int, template bool) {
	actions := asList(v)
	if n := len(actions); n < least || n > most {
		want := fmt.Sprintf("%d to %d", least, most)
		if least == most {
			want = fmt.Sprint(least)
		}
		errs.Add(path, fmt.Sprintf("has %d actions; this template takes %s", n, want))
	}
	for i, a := range actions {
		action, _ := a.(map[string]any)
		maxRunes(errs, fmt.Sprintf("%s[%d].label", path, i), action["label"], actionLabelMax, template)
	}
}

// checkImagemap holds an imagemap to LINE's base width and keeps each
// action's area inside the image.
func checkImagemap(errs *Errors, path string, msg map[string]any) {
	width, _ := dig(msg, "baseSize", "width").(float64)
	height, _ := dig(msg, "baseSize", "height").(float64)
	if msg["baseSize"] != nil && width != imagemapBaseWidth {
		errs.Add(path+".baseSize.width", fmt.Sprintf("must be %d: LINE scales imagemaps from a 1040-pixel-wide base", imagemapBaseWidth))
	}
	actions := asList(msg["actions"])
	if n := len(actions); msg["actions"] != nil && (n < 1 || n > imagemapActionMax) {
		errs.Add(path+".actions", fmt.Sprintf("has %d actions, an imagemap takes 1 to %d", n, imagemapActionMax))
	}
	for i, a := range actions {
		area, _ := dig(a, "area").(map[string]any)
		x, _ := area["x"].(float64)
		y, _ := area["y"].(float64)
		w, _ := area["width"].(float64)
		h, _ := area["height"].(float64)
		if area != nil && width == imagemapBaseWidth && height > 0 && (x < 0 || y < 0 || w <= 0 || h <= 0 || x+w > imagemapBaseWidth || y+h > height) {
			errs.Add(fmt.Sprintf("%s.actions[%d].area", path, i), fmt.Sprintf("must lie inside the %dx%d base image", imagemapBaseWidth, int(height)))
		}
	}
}

func maxRunes(errs *Errors, field string, v any, most int, template bool) {
	s, ok := v.(string)
	if !ok || (template && hasLiquid(s)) {
		return
	}
	if strings.TrimSpace(s) == "" {
		errs.Add(field, "must not be empty")
	} else if len([]rune(s)) > most {
		errs.Add(field, fmt.Sprintf("is longer than %d characters", most))
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
