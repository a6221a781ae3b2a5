package emailblocks

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func sample() Email {
	return Email{
		Subject: "Spring sale", Preheader: "Up to 30% off, {{ profile.traits.name }}", Lang: "ja",
		Sender: Sender{Name: "Tabiji Shop", Address: "news@shop.example"},
		Blocks: []Block{
			{Type: Header, Text: "Spring sale", URL: "https://cdn.shop.example/logo.png", Color: "#aa3366"},
			{Type: Text, Text: "Hi {{ profile.traits.name | default: \"there\" }},\nour sale starts today.\n\nSee you <soon> & then."},
			{Type: Image, URL: "https://cdn.shop.example/hero.jpg", Alt: "Flowers", Link: "https://shop.example/sale"},
			{Type: Button, Label: "Shop now", URL: "https://shop.example/sale?u={{ profile.id }}"},
			{Type: Products, Label: "View", Products: []Product{
				{Name: "Tea", Price: "¥1,200", ImageURL: "https://cdn.shop.example/tea.jpg", URL: "https://shop.example/tea"},
				{Name: "Cup", Price: "¥800", URL: "https://shop.example/cup"},
				{Name: "Pot"},
			}},
			{Type: Coupon, Text: "10% off your next order", Code: "SPRING10"},
			{Type: Footer, Text: "1-2-3 Shibuya, Tokyo", Label: "配信停止"},
		},
	}
}

// TestCompileInlinesStylesAndKeepsLiquid: the compiled email is tables
// with every style inlined (the header's colour, the button's, the
// paragraphs'), the phone and dark media queries left in the head, the
// block texts escaped, and every Liquid tag exactly as written, quotes
// included, so the send path renders it.
func TestCompileInlinesStylesAndKeepsLiquid(t *testing.T) {
	out, text, err := Compile(sample())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := html.Parse(strings.NewReader(out)); err != nil {
		t.Fatalf("the HTML does not parse: %v", err)
	}
	for _, want := range []string{
		`{{ profile.traits.name | default: "there" }}`,
		`href="https://shop.example/sale?u={{ profile.id }}"`,
		`href="{{ message.unsubscribe_url }}"`,
		`Up to 30% off, {{ profile.traits.name }}`,
		`See you &lt;soon&gt; &amp; then.`,
		`role="presentation"`,
		`@media only screen and (max-width: 620px)`,
		`@media (prefers-color-scheme: dark)`,
		`background-color:#aa3366`,
		`SPRING10`, `Tabiji Shop &lt;news@shop.example&gt;`, `配信停止`, `lang="ja"`,
	} {
		if !strings.Contains(strings.ReplaceAll(out, "background-color: #aa3366", "background-color:#aa3366"), want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
	if strings.Contains(out, "tabijiliquid") || strings.Contains(out, "&#34;there&#34;") {
		t.Errorf("a Liquid tag was not put back as written:\n%s", out)
	}
	if !strings.Contains(out, `<p class="para" style="`) || !strings.Contains(out, `class="button-link" href=`) {
		t.Errorf("the paragraphs' and button's styles are not inlined:\n%s", out)
	}
	for _, want := range []string{"Shop now: https://shop.example/sale?u={{ profile.id }}", "- Tea ¥1,200 https://shop.example/tea",
		"SPRING10", "配信停止: {{ message.unsubscribe_url }}", "Tabiji Shop <news@shop.example>"} {
		if !strings.Contains(text, want) {
			t.Errorf("the text part lacks %q:\n%s", want, text)
		}
	}
}

// TestValidateNamesEachField: hostile or incomplete blocks are refused,
// each at its own field: javascript: and data: URLs, http images, a
// colour that is CSS, an unknown kind, a missing label or code, too many
// products.
func TestValidateNamesEachField(t *testing.T) {
	many := make([]Product, MaxProducts+1)
	for i := range many {
		many[i] = Product{Name: "x"}
	}
	blocks := []Block{
		{Type: Button, Label: "Go", URL: "javascript:alert(1)"},
		{Type: Image, URL: "data:image/png;base64,AAAA"},
		{Type: Image, URL: "http://shop.example/a.png", Link: " JavaScript:alert(1)"},
		{Type: Header, Text: "Hi", Color: "red;background:url(x)"},
		{Type: "script"},
		{Type: Button, URL: "https://shop.example"},
		{Type: Coupon, Text: "off"},
		{Type: Products, Products: many},
		{Type: Products, Products: []Product{{Name: "", URL: "vbscript:x", ImageURL: "https://ok.example/a.png"}}},
		{Type: Text, Text: "fine"},
	}
	got := map[string]bool{}
	for _, e := range Validate("content.blocks", blocks) {
		got[e.Field] = true
	}
	for _, want := range []string{"content.blocks[0].url", "content.blocks[1].url", "content.blocks[2].url", "content.blocks[2].link",
		"content.blocks[3].color", "content.blocks[4].type", "content.blocks[5].label", "content.blocks[6].code",
		"content.blocks[7].products", "content.blocks[8].products[0].name", "content.blocks[8].products[0].url"} {
		if !got[want] {
			t.Errorf("no problem at %s (got %v)", want, got)
		}
	}
	if got["content.blocks[9].text"] || got["content.blocks[8].products[0].imageUrl"] {
		t.Errorf("a valid field was refused: %v", got)
	}
	if errs := Validate("content.blocks", sample().Blocks); len(errs) != 0 {
		t.Errorf("the sample is refused: %v", errs)
	}
}
