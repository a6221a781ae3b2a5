// Package emailblocks compiles an email made of blocks (header, text,
// image, button, product list, coupon, footer with the sender identity)
// into responsive, email-client-safe HTML — nested tables, CSS inlined
// into style attributes, a phone layout and a dark scheme in media
// queries — and into its text part. Every string of a block may hold
// Liquid, which the compiled HTML keeps as it is: the result is a Liquid
// template the send path renders. It does no I/O.
package emailblocks

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/tabiji/tabiji/jsonfields"
)

// Kinds of block.
const (
	Header   = "header"
	Text     = "text"
	Image    = "image"
	Button   = "button"
	Products = "products"
	Coupon   = "coupon"
	Footer   = "footer"
)

// Kinds lists every kind of block, in the order problems name them.
var Kinds = []string{Header, Text, Image, Button, Products, Coupon, Footer}

// Limits of an email's blocks.
const (
	MaxBlocks   = 60
	MaxProducts = 12
	MaxText     = 20000 // characters of one string
)

// Block is one block of an email. Which fields it uses depends on Type:
//   - header: Text (the title), URL (a logo image, optional), Color (the band)
//   - text: Text (paragraphs split on blank lines)
//   - image: URL (the image), Alt, Link (optional)
//   - button: Label, URL (where it leads), Color
//   - products: Products, Label (each product's link text)
//   - coupon: Text (what it gives), Code
//   - footer: Text (the sender's address and note), Label (the unsubscribe link's text)
type Block struct {
	Type     string    `json:"type"`
	Text     string    `json:"text,omitempty"`
	URL      string    `json:"url,omitempty"`
	Alt      string    `json:"alt,omitempty"`
	Link     string    `json:"link,omitempty"`
	Label    string    `json:"label,omitempty"`
	Code     string    `json:"code,omitempty"`
	Color    string    `json:"color,omitempty"`
	Products []Product `json:"products,omitempty"`
}

// Product is one item of a product list.
type Product struct {
	Name     string `json:"name"`
	Price    string `json:"price,omitempty"`
	ImageURL string `json:"imageUrl,omitempty"`
	URL      string `json:"url,omitempty"`
}

// Sender is who the email is from, drawn in the footer.
type Sender struct {
	Name    string
	Address string
}

// Email is what Compile makes a message of.
type Email struct {
	Subject   string // the document's title
	Preheader string // the hidden line mail clients show after the subject
	Blocks    []Block
	Sender    Sender
	Lang      string // the html element's lang; "" for none
}

var colour = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// Validate checks blocks, naming each field at fault from prefix
// ("content.blocks[2].url"): the kind, what each kind needs, sizes, and
// URLs — a link must start http:// or https:// and an image https://, so
// no javascript: or data: URL ever reaches a mail client; Liquid may follow
// the scheme and host.
func Validate(prefix string, blocks []Block) jsonfields.Errors {
	var errs jsonfields.Errors
	if len(blocks) > MaxBlocks {
		errs.Add(prefix, fmt.Sprintf("has %d blocks: at most %d", len(blocks), MaxBlocks))
		return errs
	}
	for i, b := range blocks {
		at := fmt.Sprintf("%s[%d]", prefix, i)
		for _, name := range fieldNames {
			if utf8.RuneCountInString(b.strings()[name]) > MaxText {
				errs.Add(at+"."+name, fmt.Sprintf("is longer than %d characters", MaxText))
			}
		}
		validateBlock(&errs, at, b)
	}
	return errs
}

func validateBlock(errs *jsonfields.Errors, at string, b Block) {
	need := func(field, v string) {
		if strings.TrimSpace(v) == "" {
			errs.Add(at+"."+field, "is required for a "+b.Type+" block")
		}
	}
	switch b.Type {
	case Header:
		if b.Text == "" && b.URL == "" {
			errs.Add(at+".text", "is required for a header block (or url, a logo)")
		}
		optionalImage(errs, at+".url", b.URL)
	case Text:
		need("text", b.Text)
	case Image:
		need("url", b.URL)
		optionalImage(errs, at+".url", b.URL)
		optionalLink(errs, at+".link", b.Link)
	case Button:
		need("label", b.Label)
		need("url", b.URL)
		optionalLink(errs, at+".url", b.URL)
	case Products:
		validateProducts(errs, at, b.Products)
	case Coupon:
		need("code", b.Code)
	case Footer:
	default:
		errs.Add(at+".type", "must be one of "+strings.Join(Kinds, ", "))
	}
	if b.Color != "" && !colour.MatchString(b.Color) {
		errs.Add(at+".color", "must be a colour such as #1a73e8")
	}
}

func validateProducts(errs *jsonfields.Errors, at string, ps []Product) {
	if len(ps) == 0 || len(ps) > MaxProducts {
		errs.Add(at+".products", fmt.Sprintf("must list 1 to %d products", MaxProducts))
		return
	}
	for j, p := range ps {
		pat := fmt.Sprintf("%s.products[%d]", at, j)
		if strings.TrimSpace(p.Name) == "" {
			errs.Add(pat+".name", "is required")
		}
		for _, v := range []string{p.Name, p.Price, p.ImageURL, p.URL} {
			if utf8.RuneCountInString(v) > MaxText {
				errs.Add(pat, fmt.Sprintf("has a field longer than %d characters", MaxText))
				break
			}
		}
		optionalImage(errs, pat+".imageUrl", p.ImageURL)
		optionalLink(errs, pat+".url", p.URL)
	}
}

// optionalLink checks a link: empty, or http(s) with a host.
func optionalLink(errs *jsonfields.Errors, field, v string) {
	if v == "" {
		return
	}
	if !schemeAndHost(v, "https://") && !schemeAndHost(v, "http://") {
		errs.Add(field, "must be an http:// or https:// URL")
	}
}

// optionalImage checks an image URL: empty, or https with a host.
func optionalImage(errs *jsonfields.Errors, field, v string) {
	if v != "" && !schemeAndHost(v, "https://") {
		errs.Add(field, "must be an https:// URL")
	}
}

// schemeAndHost says whether v starts with scheme and something after
// it: Liquid may make the rest ("https://{{ host }}/p"), never the scheme.
func schemeAndHost(v, scheme string) bool {
	rest, ok := strings.CutPrefix(strings.ToLower(v), scheme)
	return ok && strings.TrimSpace(rest) != ""
}

// fieldNames are a block's own strings, in the order problems name them.
var fieldNames = []string{"text", "url", "alt", "link", "label", "code"}

// strings gives the block's own strings by JSON name.
func (b Block) strings() map[string]string {
	return map[string]string{"text": b.Text, "url": b.URL, "alt": b.Alt, "link": b.Link, "label": b.Label, "code": b.Code}
}

// Strings calls fn with every string of the blocks (Liquid to check) and
// its field from prefix.
func Strings(prefix string, blocks []Block, fn func(field, s string)) {
	for i, b := range blocks {
		at := fmt.Sprintf("%s[%d]", prefix, i)
		for _, name := range fieldNames {
			if v := b.strings()[name]; v != "" {
				fn(at+"."+name, v)
			}
		}
		for j, p := range b.Products {
			pat := fmt.Sprintf("%s.products[%d]", at, j)
			for _, f := range [][2]string{{"name", p.Name}, {"price", p.Price}, {"imageUrl", p.ImageURL}, {"url", p.URL}} {
				if f[1] != "" {
					fn(pat+"."+f[0], f[1])
				}
			}
		}
	}
}
