package advertising

import (
	"html"
	"regexp"
	"strings"

	"github.com/tabiji/tabiji/channels"
)

// BlockMarker opens the sender block in both parts of an email, so a
// test or an audit can find it (and so it is added only once).
const BlockMarker = "tabiji-sender-identity"

// bodyEnd is the closing tag of an HTML body, in any case.
var bodyEnd = regexp.MustCompile(`(?i)</body\s*>`)

// labels are the block's words, by language.
var labels = map[string][3]string{
	"ja": {"送信者", "住所", "配信停止・お問い合わせ"},
	"en": {"Sent by", "Address", "To stop these messages or ask about them"},
}

// lang is the block's language for a locale: Japanese for ja, else English.
func lang(locale string) string {
	if locale == "ja" || strings.HasPrefix(locale, "ja-") {
		return "ja"
	}
	return "en"
}

// TextBlock is the sender's identity as plain text. It is the same for
// every customer (the unsubscribe link is the template's and the
// List-Unsubscribe header's), so a broadcast's shared skeleton carries it.
func (s Sender) TextBlock(locale string) string {
	l := labels[lang(locale)]
	return strings.Join([]string{"-- " + BlockMarker,
		l[0] + ": " + s.Name,
		l[1] + ": " + strings.Join(strings.Fields(s.Address), " "),
		l[2] + ": " + s.Contact}, "\n")
}

// HTMLBlock is the sender's identity as an HTML footer, every value
// escaped (the address keeps its line breaks).
func (s Sender) HTMLBlock(locale string) string {
	l := labels[lang(locale)]
	e := html.EscapeString
	address := strings.ReplaceAll(e(strings.ReplaceAll(s.Address, "\r", "")), "\n", "<br>")
	return `<div class="` + BlockMarker + `" style="margin-top:24px;font-size:12px;color:#555"><p>` +
		e(l[0]) + `: ` + e(s.Name) + `<br>` + e(l[1]) + `: ` + address + `<br>` + e(l[2]) + `: ` + e(s.Contact) + `</p></div>`
}

// AddBlock adds the sender's identity to both parts of a promotional
// email: to the HTML before its closing </body> (at its end when it has
// none), to the text at its end. A part that has it already is left alone.
func (s Sender) AddBlock(m *channels.Email, locale string) {
	if m != nil {
		m.HTML, m.Text = s.AddTo(m.HTML, m.Text, locale)
	}
}

// AddTo is AddBlock on an email's HTML and text ("" HTML stays "").
func (s Sender) AddTo(htmlPart, text, locale string) (string, string) {
	if !strings.Contains(text, BlockMarker) {
		text = strings.TrimRight(text, "\n") + "\n\n" + s.TextBlock(locale) + "\n"
	}
	if htmlPart == "" || strings.Contains(htmlPart, BlockMarker) {
		return htmlPart, text
	}
	block := s.HTMLBlock(locale)
	if ends := bodyEnd.FindAllStringIndex(htmlPart, -1); len(ends) > 0 {
		i := ends[len(ends)-1][0]
		return htmlPart[:i] + block + htmlPart[i:], text
	}
	return htmlPart + block, text
}
