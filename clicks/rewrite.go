package clicks

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"mvdan.cc/xurls/v2"

	"github.com/tabiji/tabiji/channels"
)

// Limits of LINE's Messaging API: a link longer than maxLineURI, or a text
// that would grow past maxLineText, keeps its own URL.
const (
	maxLineURI  = 1000
	maxLineText = 5000
)

// webLinks finds http and https URLs in plain text (xurls: the URL grammar,
// trailing punctuation and brackets, not a hand-made pattern).
var webLinks = xurls.Strict()

// Tracking is what a journey asks of its messages' links (journey
// link_tracking): UTM parameters to add, and whether email links go
// through the redirect too (SendGrid tracks email clicks itself).
type Tracking struct {
	UTM   map[string]string
	Email bool
}

// Rewriter puts a message's links through the redirect at Base, the API's
// public URL.
type Rewriter struct {
	Signer *Signer
	Base   string
}

// Message returns m with its links tracked: the web links of a LINE text
// message and every uri action of a LINE message (buttons, Flex, imagemap,
// quick replies, defaultAction), the push's web deep link and data url or
// link, the web links of an SMS body, and, when t.Email, the email's HTML hrefs and text links. Each URL
// gets t.UTM first (a parameter the URL has keeps its value). A nil
// Rewriter leaves m as it is. m's ID, WorkspaceID, CustomerID and Channel
// name the link.
func (r *Rewriter) Message(m channels.Message, t Tracking) channels.Message {
	if r == nil || r.Signer == nil || r.Base == "" {
		return m
	}
	base := Link{WorkspaceID: m.WorkspaceID, CustomerID: m.CustomerID, MessageID: m.ID, Channel: m.Channel}
	switch {
	case m.LINE != nil:
		out := make([]json.RawMessage, len(m.LINE))
		for i, raw := range m.LINE {
			out[i] = r.lineMessage(raw, base, t.UTM)
		}
		m.LINE = out
	case m.Push != nil:
		p := *m.Push
		p.DeepLink = r.link(p.DeepLink, base, t.UTM, 0)
		if p.Data != nil {
			p.Data = maps.Clone(p.Data)
			for _, k := range []string{"url", "link"} {
				if v, ok := p.Data[k]; ok {
					p.Data[k] = r.link(v, base, t.UTM, 0)
				}
			}
		}
		m.Push = &p
	case m.SMS != nil:
		sms := *m.SMS
		sms.Body = r.Text(sms.Body, base, t.UTM)
		m.SMS = &sms
	case m.Email != nil && t.Email:
		e := *m.Email
		e.HTML, e.Text = r.html(e.HTML, base, t.UTM), r.Text(e.Text, base, t.UTM)
		m.Email = &e
	}
	return m
}

// Text returns text with every web link in it through the redirect, for
// the link named by base (an SMS body, a LINE text, an email's text part).
func (r *Rewriter) Text(text string, base Link, utm map[string]string) string {
	if r == nil || r.Signer == nil || r.Base == "" {
		return text
	}
	return webLinks.ReplaceAllStringFunc(text, func(u string) string {
		// A link in Japanese text runs into the sentence ("…/sale。ぜひ"):
		// it ends at the first non-ASCII character, as links are written
		// percent-encoded; the rest stays text.
		if i := strings.IndexFunc(u, func(c rune) bool { return c >= utf8.RuneSelf }); i >= 0 {
			return r.link(u[:i], base, utm, 0) + u[i:]
		}
		return r.link(u, base, utm, 0)
	})
}

// link is the tracked form of raw, or raw itself when it is not a web link,
// is one of Tabiji's own (an unsubscribe link), or would pass limit (0: no
// limit).
func (r *Rewriter) link(raw string, base Link, utm map[string]string, limit int) string {
	if !Trackable(raw) || strings.HasPrefix(raw, strings.TrimSuffix(r.Base, "/")+"/") {
		return raw
	}
	base.URL = WithUTM(raw, utm)
	out := strings.TrimSuffix(r.Base, "/") + "/r/" + r.Signer.Sign(base)
	if limit > 0 && len(out) > limit {
		return raw
	}
	return out
}

// WithUTM adds the parameters raw lacks to its query, in name order,
// leaving the rest of the URL as it was written.
func WithUTM(raw string, utm map[string]string) string {
	if len(utm) == 0 {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	have := u.Query()
	add := url.Values{}
	for k, v := range utm {
		if !have.Has(k) {
			add.Set(k, v)
		}
	}
	if len(add) == 0 {
		return raw
	}
	if u.RawQuery == "" {
		u.RawQuery = add.Encode()
	} else {
		u.RawQuery += "&" + add.Encode()
	}
	return u.String()
}

// lineMessage tracks the links of one LINE message object: a text
// message's web links, and every uri action at any depth.
func (r *Rewriter) lineMessage(raw json.RawMessage, base Link, utm map[string]string) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers stay as written
	var msg map[string]any
	if err := dec.Decode(&msg); err != nil {
		return raw // rendered by msgtemplates: cannot happen; sent as it is
	}
	if typ, _ := msg["type"].(string); typ == "text" || typ == "textV2" {
		if text, ok := msg["text"].(string); ok {
			if tracked := r.Text(text, base, utm); len([]rune(tracked)) <= maxLineText {
				msg["text"] = tracked
			}
		}
	}
	r.uriActions(msg, base, utm)
	out, err := json.Marshal(msg)
	if err != nil {
		return raw
	}
	return out
}

// uriActions tracks the uri (and an imagemap's linkUri) of every uri
// action under v.
func (r *Rewriter) uriActions(v any, base Link, utm map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		if x["type"] == "uri" {
			for _, k := range []string{"uri", "linkUri"} {
				if s, ok := x[k].(string); ok {
					x[k] = r.link(s, base, utm, maxLineURI)
				}
			}
		}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			r.uriActions(x[k], base, utm)
		}
	case []any:
		for _, e := range x {
			r.uriActions(e, base, utm)
		}
	}
}
