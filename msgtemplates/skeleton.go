package msgtemplates

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/msgtemplates/liquid"
)

// SubstitutionLimit is the most bytes (tags and values together) the
// substitutions of one SendGrid personalization may hold.
const SubstitutionLimit = 10000

// Skeleton is one customer's email split into what customers can share
// and what is theirs: the email's HTML and text with every Liquid output
// ({{ … }}) replaced by a tag -tv0-, -tv1-, … numbered in the order the
// outputs were written, and each tag's value for this customer. Customers
// whose skeletons are equal can share one SendGrid request, each
// personalization carrying its own Values as substitutions; the email
// each receives is then Fill(HTML, Values), byte for byte Message.Email.HTML
// (and the same for Text). RenderSkeleton checks exactly that before
// returning a skeleton.
type Skeleton struct {
	// Message is Render's result: the email this customer receives.
	Message channels.Message
	// HTML and Text are the skeleton; Message.Email's own HTML and Text when
	// Values is nil.
	HTML, Text string
	// Values maps each tag to this customer's value; nil when the skeleton
	// is the full render (nothing varies, or Fallback).
	Values map[string]string
	// Fallback says why the full render stands in for the skeleton ("" when
	// it does not): a tag-like string in the customer's email, an output
	// the skeleton could not reproduce, or substitutions over
	// SubstitutionLimit.
	Fallback string
}

// tagStart is the start of a tag: a text holding it could be taken for
// one, or be completed into one by a tag that follows.
var tagStart = regexp.MustCompile(`-tv[0-9]`)

// RenderSkeleton renders an email content for one customer as Render does
// and as a Skeleton. An error is Render's; when the skeleton cannot stand
// for the customer's email, Values is nil and Fallback says why.
func RenderSkeleton(ctx context.Context, c Content, d Data) (Skeleton, error) {
	m, err := Render(ctx, c, d)
	if err != nil {
		return Skeleton{}, err
	}
	if m.Email == nil {
		return Skeleton{}, errors.New("msgtemplates: a skeleton is made of email content only")
	}
	sk := Skeleton{Message: m, HTML: m.Email.HTML, Text: m.Email.Text}
	html, text, values, why := skeletonOf(ctx, c.Email, d, m.Email)
	if why != "" {
		sk.Fallback = why
		return sk, nil
	}
	if len(values) > 0 {
		sk.HTML, sk.Text, sk.Values = html, text, values
	}
	return sk, nil
}

// skeletonOf renders e's HTML and text with tags and checks that filling
// them gives the full render, and that no tag can be confused with text.
func skeletonOf(ctx context.Context, e *Email, d Data, full *channels.Email) (html, text string, values map[string]string, why string) {
	for _, s := range []string{full.HTML, full.Text, full.Subject, full.From, full.FromName, full.ReplyTo} {
		if tagStart.MatchString(s) {
			return "", "", nil, "the email holds a string like a substitution tag"
		}
	}
	rec := &recorder{}
	bindings := d.Bindings()
	var err error
	if html, err = renderTagged(ctx, e.HTML, bindings, true, rec); err != nil {
		return "", "", nil, "the skeleton cannot be rendered: " + err.Error()
	}
	if e.Text == "" {
		var ok bool
		if text, ok = textLines(TextFromHTML(html), full.Text, rec); !ok {
			return "", "", nil, "the text part made from the HTML does not line up with the full render's"
		}
	} else if text, err = renderTagged(ctx, e.Text, bindings, false, rec); err != nil {
		return "", "", nil, "the skeleton cannot be rendered: " + err.Error()
	}
	values = make(map[string]string, len(rec.values))
	size := 0
	for i, v := range rec.values {
		if tagStart.MatchString(v) {
			return "", "", nil, "a value holds a string like a substitution tag"
		}
		k := tagName(i)
		values[k] = v
		size += len(k) + len(v)
	}
	if size > SubstitutionLimit {
		return "", "", nil, fmt.Sprintf("the substitutions take %d bytes, over SendGrid's %d", size, SubstitutionLimit)
	}
	if countTags(html)+countTags(text) != rec.emitted(html, text) {
		return "", "", nil, "the template's text next to an output reads as a substitution tag"
	}
	if Fill(html, values) != full.HTML || Fill(text, values) != full.Text {
		return "", "", nil, "filling the skeleton does not give the full render"
	}
	return html, text, values, ""
}

// textLines is the text part of a skeleton whose text is made from its
// HTML. The text is made from the HTML by collapsing white space, trimming
// lines and reading entities and markup, so a value does not always come
// out in it as it is: each line of skeleton that holds a tag becomes a tag
// of its own whose value is that line of the full render's text. It fails
// when the two texts do not have the same lines outside those.
func textLines(skeleton, full string, rec *recorder) (string, bool) {
	if !strings.Contains(skeleton, "-tv") {
		return skeleton, skeleton == full
	}
	sl, fl := strings.Split(skeleton, "\n"), strings.Split(full, "\n")
	if len(sl) != len(fl) {
		return "", false
	}
	for i, l := range sl {
		switch {
		case strings.Contains(l, "-tv"):
			sl[i] = rec.tag(fl[i])
		case l != fl[i]:
			return "", false
		}
	}
	return strings.Join(sl, "\n"), true
}

// countTags counts every tag-like string (-tv, digits, -) in s,
// overlapping ones too.
func countTags(s string) int {
	n := 0
	for i := 0; ; i++ {
		j := strings.Index(s[i:], "-tv")
		if j < 0 {
			return n
		}
		i += j
		k := i + 3
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > i+3 && k < len(s) && s[k] == '-' {
			n++
		}
	}
}

// Fill replaces each tag of a skeleton with its value, as SendGrid does
// with a personalization's substitutions.
func Fill(s string, values map[string]string) string {
	if len(values) == 0 {
		return s
	}
	pairs := make([]string, 0, 2*len(values))
	for k, v := range values {
		pairs = append(pairs, k, v)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

func tagName(i int) string { return fmt.Sprintf("-tv%d-", i) }

// recorder collects the values of one render's outputs in order.
type recorder struct {
	values []string
}

func (r *recorder) tag(v string) string {
	r.values = append(r.values, v)
	return tagName(len(r.values) - 1)
}

// emitted counts how many of the recorded tags are in html and text (a
// tag the text part repeats from the HTML counts again).
func (r *recorder) emitted(html, text string) int {
	n := 0
	for i := range r.values {
		k := tagName(i)
		n += strings.Count(html, k) + strings.Count(text, k)
	}
	return n
}

// renderTagged renders src with every output outside a capture written
// as a tag, recorded by rec.
func renderTagged(ctx context.Context, src string, bindings map[string]any, html bool, rec *recorder) (string, error) {
	if src == "" || !hasLiquid(src) {
		return src, nil
	}
	return liquid.Default().RenderWith(ctx, src, bindings, liquid.Options{HTML: html, Record: rec.tag})
}
