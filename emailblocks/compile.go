package emailblocks

import (
	"fmt"
	"html"
	"regexp"
	"strings"

	"github.com/vanng822/go-premailer/premailer"
)

// liquidTag is one Liquid output or tag, kept as written.
var liquidTag = regexp.MustCompile(`(?s)\{\{.*?\}\}|\{%.*?%\}`)

// escape makes s safe as HTML text or a quoted attribute value while
// keeping its Liquid as written (its outputs are escaped when rendered).
func escape(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range liquidTag.FindAllStringIndex(s, -1) {
		b.WriteString(html.EscapeString(s[last:m[0]]))
		b.WriteString(s[m[0]:m[1]])
		last = m[1]
	}
	b.WriteString(html.EscapeString(s[last:]))
	return b.String()
}

// paragraphs writes text as paragraphs (split on blank lines) whose lines
// break where the text's do.
func paragraphs(text, class string) string {
	var b strings.Builder
	for _, p := range strings.Split(strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		lines := strings.Split(p, "\n")
		for i := range lines {
			lines[i] = escape(lines[i])
		}
		fmt.Fprintf(&b, `<p class="%s">%s</p>`, class, strings.Join(lines, "<br>"))
	}
	return b.String()
}

// Compile makes the email's HTML and text part. The HTML is built from
// tables with a stylesheet, whose rules premailer then inlines into each
// element's style attribute (many mail clients drop <style>); the media
// queries for phones and the dark scheme stay in the head, where the
// clients that read them apply them over the inlined styles.
//
// Premailer re-serialises the document, which would escape the quotes of
// Liquid filters ("default: \"there\""), so each Liquid tag is held as a
// plain token while it works and put back after.
func Compile(e Email) (htmlDoc, text string, err error) {
	doc := document(e)
	var held []string
	doc = liquidTag.ReplaceAllStringFunc(doc, func(tag string) string {
		held = append(held, tag)
		return fmt.Sprintf("tabijiliquid%dx", len(held)-1)
	})
	p, err := premailer.NewPremailerFromString(doc, premailer.NewOptions(premailer.WithKeepBangImportant(true)))
	if err != nil {
		return "", "", fmt.Errorf("emailblocks: read the email's html: %w", err)
	}
	out, err := p.Transform()
	if err != nil {
		return "", "", fmt.Errorf("emailblocks: inline the email's css: %w", err)
	}
	for i := len(held) - 1; i >= 0; i-- {
		out = strings.ReplaceAll(out, fmt.Sprintf("tabijiliquid%dx", i), held[i])
	}
	return "<!DOCTYPE html>\n" + strings.TrimPrefix(out, "<!DOCTYPE html>"), textPart(e), nil
}

// document is the email before its CSS is inlined.
func document(e Email) string {
	var b strings.Builder
	lang := ""
	if e.Lang != "" {
		lang = ` lang="` + escape(e.Lang) + `"`
	}
	fmt.Fprintf(&b, `<!DOCTYPE html><html%s><head><meta charset="utf-8">`+
		`<meta name="viewport" content="width=device-width, initial-scale=1">`+
		`<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark">`+
		`<title>%s</title><style>%s</style></head><body>`, lang, escape(e.Subject), stylesheet)
	if e.Preheader != "" {
		fmt.Fprintf(&b, `<div class="preheader">%s</div>`, escape(e.Preheader))
	}
	b.WriteString(`<table role="presentation" class="wrapper" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td align="center" class="wrapper-cell">`)
	b.WriteString(`<table role="presentation" class="container" width="600" cellpadding="0" cellspacing="0" border="0">`)
	for _, blk := range e.Blocks {
		b.WriteString(block(blk, e.Sender))
	}
	b.WriteString(`</table></td></tr></table></body></html>`)
	return b.String()
}

// block is one block as a row of the container.
func block(b Block, s Sender) string {
	row := func(class, inner string) string {
		return `<tr><td class="block ` + class + `">` + inner + `</td></tr>`
	}
	switch b.Type {
	case Header:
		inner := ""
		if b.URL != "" {
			inner += `<img class="logo" src="` + escape(b.URL) + `" alt="` + escape(b.Text) + `" height="40">`
		}
		if b.Text != "" {
			inner += `<h1 class="title">` + escape(b.Text) + `</h1>`
		}
		return coloured(row("header", inner), b.Color)
	case Text:
		return row("text", paragraphs(b.Text, "para"))
	case Image:
		img := `<img class="image" src="` + escape(b.URL) + `" alt="` + escape(b.Alt) + `" width="552">`
		if b.Link != "" {
			img = `<a href="` + escape(b.Link) + `">` + img + `</a>`
		}
		return row("image-cell", img)
	case Button:
		return row("button-cell", button(b))
	case Products:
		return row("products", products(b))
	case Coupon:
		return row("coupon-cell", `<table role="presentation" class="coupon" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td class="coupon-inner">`+
			paragraphs(b.Text, "coupon-text")+`<p class="code">`+escape(b.Code)+`</p></td></tr></table>`)
	case Footer:
		return row("footer", footer(b, s))
	}
	return ""
}

// coloured sets a block's background colour: the colour was validated.
func coloured(row, c string) string {
	if c == "" {
		return row
	}
	return strings.Replace(row, `<td class="block header">`, `<td class="block header" bgcolor="`+c+`" style="background-color:`+c+`">`, 1)
}

func button(b Block) string {
	style := ""
	if b.Color != "" {
		style = ` style="background-color:` + b.Color + `"`
	}
	return `<table role="presentation" class="button" cellpadding="0" cellspacing="0" border="0" align="center"><tr>` +
		`<td class="button-bg"` + style + `><a class="button-link" href="` + escape(b.URL) + `"` + style + `>` + escape(b.Label) + `</a></td></tr></table>`
}

// products lays the items two to a row; on a phone each takes the width.
func products(b Block) string {
	var s strings.Builder
	s.WriteString(`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">`)
	for i, p := range b.Products {
		if i%2 == 0 {
			s.WriteString(`<tr>`)
		}
		s.WriteString(`<td class="product" width="50%" valign="top">`)
		if p.ImageURL != "" {
			s.WriteString(`<img class="product-image" src="` + escape(p.ImageURL) + `" alt="` + escape(p.Name) + `" width="260">`)
		}
		s.WriteString(`<p class="product-name">` + escape(p.Name) + `</p>`)
		if p.Price != "" {
			s.WriteString(`<p class="product-price">` + escape(p.Price) + `</p>`)
		}
		if p.URL != "" {
			s.WriteString(`<a class="product-link" href="` + escape(p.URL) + `">` + escape(linkLabel(b.Label)) + `</a>`)
		}
		s.WriteString(`</td>`)
		if i%2 == 1 || i == len(b.Products)-1 {
			s.WriteString(`</tr>`)
		}
	}
	s.WriteString(`</table>`)
	return s.String()
}

func linkLabel(l string) string {
	if l == "" {
		return "View"
	}
	return l
}

// footer names the sender (their name and address, then the block's
// text: a postal address, why the customer gets this) and the
// unsubscribe link, the customer's own once rendered.
func footer(b Block, s Sender) string {
	var f strings.Builder
	if line := senderLine(s); line != "" {
		f.WriteString(`<p class="sender">` + escape(line) + `</p>`)
	}
	f.WriteString(paragraphs(b.Text, "footer-text"))
	label := b.Label
	if label == "" {
		label = "Unsubscribe"
	}
	f.WriteString(`<p class="footer-text"><a class="unsubscribe" href="{{ message.unsubscribe_url }}">` + escape(label) + `</a></p>`)
	return f.String()
}

// textPart is the plain text the email is sent with beside its HTML.
func textPart(e Email) string {
	var parts []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	for _, b := range e.Blocks {
		switch b.Type {
		case Header, Text:
			add(b.Text)
		case Image:
			add(strings.TrimSpace(b.Alt + " " + b.Link))
		case Button:
			add(b.Label + ": " + b.URL)
		case Products:
			var items []string
			for _, p := range b.Products {
				items = append(items, strings.TrimSpace(strings.Join([]string{"- " + p.Name, p.Price, p.URL}, " ")))
			}
			add(strings.Join(items, "\n"))
		case Coupon:
			add(strings.TrimSpace(b.Text + "\n" + b.Code))
		case Footer:
			add(senderLine(e.Sender) + "\n" + b.Text)
			add(linkOr(b.Label, "Unsubscribe") + ": {{ message.unsubscribe_url }}")
		}
	}
	return strings.Join(parts, "\n\n") + "\n"
}

// senderLine names the sender: "Shop <news@shop.example>", or either.
func senderLine(s Sender) string {
	switch {
	case s.Name != "" && s.Address != "":
		return s.Name + " <" + s.Address + ">"
	case s.Name != "":
		return s.Name
	}
	return s.Address
}

func linkOr(l, or string) string {
	if l == "" {
		return or
	}
	return l
}
