package emailblocks

import (
	"html"
	"regexp"
)

// preheaderCSS hides the preheader in the body: mail clients show it after
// the subject in the inbox, the reader of the email never sees it.
const preheaderCSS = "display: none; max-height: 0; overflow: hidden; mso-hide: all; font-size: 1px; line-height: 1px; color: #f4f4f7; opacity: 0;"

// bodyTag is the opening tag of an HTML document's body.
var bodyTag = regexp.MustCompile(`(?i)<body(?:\s[^>]*)?>`)

// WithPreheader puts text (plain; escaped here) as the hidden preview line
// at the top of an email's body, as Compile does for an email made of
// blocks: for HTML written by hand, whose preheader is a field of its own.
// A document without a body tag gets it first.
func WithPreheader(doc, text string) string {
	div := `<div class="preheader" style="` + preheaderCSS + `">` + html.EscapeString(text) + `</div>`
	if loc := bodyTag.FindStringIndex(doc); loc != nil {
		return doc[:loc[1]] + div + doc[loc[1]:]
	}
	return div + doc
}
