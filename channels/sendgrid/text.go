package sendgrid

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// breaks are the elements that break the text: paragraphs ("\n\n" before
// and after) and lines ("\n" before).
var breaks = map[string]string{
	"p": "\n\n", "div": "\n\n", "ul": "\n\n", "ol": "\n\n", "table": "\n\n", "blockquote": "\n\n", "hr": "\n\n",
	"h1": "\n\n", "h2": "\n\n", "h3": "\n\n", "h4": "\n\n", "h5": "\n\n", "h6": "\n\n",
	"br": "\n", "li": "\n", "tr": "\n",
}

var (
	spaces   = regexp.MustCompile(`[ \t\r\f\v]+`)
	newlines = regexp.MustCompile(`\n\s*\n\s*\n+`)
)

// HTMLToText derives the text/plain part from an email's HTML: it walks the
// golang.org/x/net/html tokenizer (the standard HTML5 tokenizer), drops
// <head>, <script> and <style>, breaks lines at block elements, keeps a
// link's address after its text ("text (url)"), and collapses whitespace.
// It is a tag stripper, not a layout engine: good enough for the plain part
// that spam filters and text-only clients read.
func HTMLToText(s string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip, href := 0, ""
	for {
		switch z.Next() {
		case html.ErrorToken:
			return tidy(b.String())
		case html.TextToken:
			if skip == 0 {
				b.WriteString(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			switch t.Data {
			case "script", "style", "head":
				skip++
			case "a":
				href = attr(t, "href")
			default:
				b.WriteString(breaks[t.Data])
			}
		case html.EndTagToken:
			t := z.Token()
			switch {
			case t.Data == "script" || t.Data == "style" || t.Data == "head":
				skip = max(0, skip-1)
			case t.Data == "a" && href != "" && !strings.HasPrefix(href, "#"):
				b.WriteString(" (" + href + ")")
				href = ""
			case breaks[t.Data] == "\n\n":
				b.WriteString("\n\n")
			}
		}
	}
}

func attr(t html.Token, name string) string {
	for _, a := range t.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// tidy collapses runs of spaces, trims every line and keeps at most one
// blank line between paragraphs.
func tidy(s string) string {
	lines := strings.Split(spaces.ReplaceAllString(s, " "), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(newlines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}
