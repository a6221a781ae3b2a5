package msgtemplates_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/msgtemplates"
)

// TestPreheaderInHTMLMode: an email whose HTML is written by hand gets
// its preheader, rendered and escaped, as the hidden preview line at the
// top of the body, as an email made of blocks does; the text part does not
// repeat it.
func TestPreheaderInHTMLMode(t *testing.T) {
	t.Parallel()
	hidden := `<div class="preheader" style="display: none; max-height: 0; overflow: hidden; mso-hide: all;`
	for _, c := range []struct {
		name, html, want string
	}{
		{"AfterTheBodyTag", `<html><body class="x"><p>Hi</p></body></html>`, `<html><body class="x">` + hidden},
		{"FirstInAFragment", `<p>Hi</p>`, hidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			content := mustParse(t, "email", `{"subject":"s","from":"news@shop.example","preheader":"Up to 30% off, {{ profile.traits.name }} <b>",
				"html":`+quote(c.html)+`}`)
			m, err := msgtemplates.Render(context.Background(), content, data())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(m.Email.HTML, c.want) || !strings.Contains(m.Email.HTML, `opacity: 0;">Up to 30% off, Hana &#34;H&#34; Sato &lt;b&gt;</div><p>Hi</p>`) {
				t.Errorf("the HTML is %s", m.Email.HTML)
			}
			if m.Email.Text != "Hi" {
				t.Errorf("the text part is %q, want the body's text alone", m.Email.Text)
			}
		})
	}
	t.Run("BlocksKeepTheirCompiledOne", func(t *testing.T) {
		t.Parallel()
		content := mustParse(t, "email", `{"subject":"s","from":"news@shop.example","preheader":"Sale","blocks":[{"type":"text","text":"Hi"}]}`)
		if err := content.CompileBlocks(""); err != nil {
			t.Fatal(err)
		}
		m, err := msgtemplates.Render(context.Background(), content, data())
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(m.Email.HTML, `class="preheader"`); n != 1 {
			t.Errorf("the compiled email has %d preheaders, want 1: %s", n, m.Email.HTML)
		}
	})
	t.Run("InvalidLiquidNamesTheField", func(t *testing.T) {
		t.Parallel()
		_, err := msgtemplates.Parse("email", []byte(`{"subject":"s","from":"news@shop.example","preheader":"{% if %}","html":"<p>x</p>"}`))
		if err == nil || !strings.Contains(err.Error(), "content.preheader") {
			t.Errorf("Parse = %v, want an error naming content.preheader", err)
		}
	})
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
