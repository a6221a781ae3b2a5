package msgtemplates

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// blockTags end a line of the text part.
var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "tr": true, "li": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "table": true, "ul": true, "ol": true, "hr": true, "blockquote": true,
}

var spaces = regexp.MustCompile(`[ \t\r\f\v]+`)

// TextFromHTML is the text part of an email whose template gives only
// HTML: the visible text (no script, style or head), a line per block,
// links as "text (href)", white space collapsed and no blank lines. It reads HTML with
// golang.org/x/net/html's tokenizer, which never fails on bad markup.
func TextFromHTML(doc string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(doc))
	var hrefs []string
	hidden := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return tidyText(b.String())
		case html.TextToken:
			if hidden == 0 {
				b.WriteString(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tok := z.Token()
			start, end := tok.Type != html.EndTagToken, tok.Type != html.StartTagToken
			switch tok.Data {
			case "script", "style", "head", "title":
				if tok.Type == html.StartTagToken {
					hidden++
				} else if tok.Type == html.EndTagToken && hidden > 0 {
					hidden--
				}
			case "a":
				if start {
					hrefs = append(hrefs, attr(tok, "href"))
				}
				if end && tok.Type == html.EndTagToken && len(hrefs) > 0 {
					if href := hrefs[len(hrefs)-1]; href != "" && !strings.HasPrefix(href, "#") {
						b.WriteString(" (" + href + ")")
					}
					hrefs = hrefs[:len(hrefs)-1]
				}
			}
			if blockTags[tok.Data] {
				b.WriteString("\n")
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

// tidyText collapses spaces and drops blank lines: a block is one line.
func tidyText(s string) string {
	var lines []string
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(spaces.ReplaceAllString(l, " ")); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}
