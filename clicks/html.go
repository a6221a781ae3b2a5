package clicks

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// html returns an email body with the href of every <a> through the
// redirect; the rest of the document is copied byte for byte (the
// tokenizer of golang.org/x/net/html finds the tags, as a browser would).
func (r *Rewriter) html(body string, base Link, utm map[string]string) string {
	if !strings.Contains(body, "href") {
		return body
	}
	z := html.NewTokenizer(strings.NewReader(body))
	var out bytes.Buffer
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if !errors.Is(z.Err(), io.EOF) {
				return body // cannot happen on a string; sent as it was
			}
			return out.String()
		}
		raw := z.Raw()
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			out.Write(raw)
			continue
		}
		tok := z.Token()
		if tok.Data != "a" || !r.trackHref(&tok, base, utm) {
			out.Write(raw)
			continue
		}
		out.WriteString(tok.String())
	}
}

// trackHref tracks the tag's href; it says whether it changed it.
func (r *Rewriter) trackHref(tok *html.Token, base Link, utm map[string]string) bool {
	for i, a := range tok.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, "href") {
			if tracked := r.link(a.Val, base, utm, 0); tracked != a.Val {
				tok.Attr[i].Val = tracked
				return true
			}
		}
	}
	return false
}
