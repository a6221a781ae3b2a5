package liquid

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	osteele "github.com/osteele/liquid"
)

// testEngine has a time cap of a minute, so that a loaded machine cannot
// make a test's render stop on time (TestTimeCap tests the cap).
var testEngine = newEngine(time.Minute)

// TestRendersAsLiquid checks that the sandbox renders what the stock
// engine renders, whitespace control and captures included.
func TestRendersAsLiquid(t *testing.T) {
	bindings := map[string]any{
		"name": "Ada", "n": 3, "items": []any{"a", "b", "c"}, "none": nil, "empty": "",
		"when": time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "list": []any{1, []any{2, 3}},
	}
	for _, src := range []string{
		"Hello {{ name }}!",
		"{{ name | upcase | append: '!' }}",
		"{% for i in items %}[{{ i }}{% if forloop.last %}.{% endif %}]{% else %}none{% endfor %}",
		"{% for i in none %}x{% else %}none{% endfor %}",
		"a  {{- name -}}  b",
		"a {{ none -}}  b",
		"x {%- for i in items -%}  {{ i }}  {%- endfor -%}  y",
		"{% capture c %}<{{ name }}>{% endcapture %}{{ c }}{{ c | size }}",
		"{{ empty }}|{{ none }}|{{ when }}|{{ list }}|{{ n | times: 2 }}",
		"{% raw %}{{ name }}{% endraw %} {{ name }}",
		"{% assign x = items | join: '-' %}{{ x }}",
		"{% tablerow i in items cols:2 %}{{ i }}{% endtablerow %}",
		"{% comment %}{{ name }}{% for i in items %}{% endcomment %}ok",
		"{{\n name \n}}\n{{ name }}",
		"{% for i in (1..3) %}{% for j in (1..2) %}{{ i }}{{ j }}{% endfor %}{% endfor %}",
	} {
		want, err := osteele.NewEngine().ParseAndRenderString(src, bindings)
		if err != nil {
			t.Fatalf("stock engine on %q: %v", src, err)
		}
		got, gerr := testEngine.Render(context.Background(), src, bindings)
		if gerr != nil {
			t.Fatalf("sandbox on %q: %v", src, gerr)
		}
		if got != want {
			t.Errorf("%q: sandbox %q, stock %q", src, got, want)
		}
	}
}

func TestRefusesInclude(t *testing.T) {
	for _, src := range []string{
		`{% include "../../../../../../proc/self/environ" %}`,
		`{%- include 'x.html' -%}`,
		`{% if true %}{% include p %}{% endif %}`,
	} {
		err := testEngine.Check(src)
		if !errors.Is(err, ErrFileTag) {
			t.Errorf("%q: Check = %v, want ErrFileTag", src, err)
		}
		if _, err := testEngine.Render(context.Background(), src, map[string]any{"p": "/etc/passwd"}); !errors.Is(err, ErrFileTag) {
			t.Errorf("%q: Render = %v, want ErrFileTag", src, err)
		}
	}
}

// TestBudgets: each budget stops the template that would exceed it. The
// engine's time cap is a minute here, so that a loaded machine cannot
// make the time cap stop a template before the budget under test does.
func TestBudgets(t *testing.T) {
	e := newEngine(time.Minute)
	double := "{% assign a = 'xxxxxxxxxxxxxxxx' %}" + strings.Repeat("{% assign a = a | append: a %}", 14) // 256 KB
	for name, tc := range map[string]struct{ src, says string }{
		"a long loop":             {"{% for i in (1..1000000000) %}{% endfor %}", "more than 10000 iterations"},
		"nested loops":            {"{% for i in (1..200) %}{% for j in (1..200) %}{% endfor %}{% endfor %}", "more than 10000 iterations"},
		"a long tablerow":         {"{% tablerow i in (1..1000000000) %}{% endtablerow %}", "more than 10000 iterations"},
		"doubling assigns":        {double + strings.Repeat("{% assign a = a | append: a %}", 30), "append made a string longer than 512 KB"},
		"doubling captures":       {double + strings.Repeat("{% capture a %}{{ a }}{{ a }}{% endcapture %}", 30), "longer than 512 KB"},
		"doubling arrays":         {"{% assign a = 'x,y' | split: ',' %}" + strings.Repeat("{% assign a = a | concat: a %}", 40), "more than 100000 items"},
		"long output":             {double + "{% for i in (1..100) %}{{ a }}{% endfor %}", "output is longer than 512 KB"},
		"copies of a large value": {double + strings.Repeat("{% assign b = a | append: '' %}", 1000), "filters made more than 32 MB"},
	} {
		err := e.Check(tc.src)
		if !errors.Is(err, ErrBudget) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: Check = %v, want a budget error saying %q", name, err, tc.says)
		}
	}
}

// TestTimeCap: a render stops at the engine's time cap.
func TestTimeCap(t *testing.T) {
	_, err := newEngine(time.Nanosecond).Render(context.Background(), "{% for i in (1..10) %}{{ i }}{% endfor %}", nil)
	if !errors.Is(err, ErrBudget) || !strings.Contains(err.Error(), "took longer than 1ns") {
		t.Errorf("Render with a 1 ns cap = %v", err)
	}
}

// TestRecoversWhatPanics: a template that makes the library panic is an
// error (refused at save when it panics with no data), not a crash.
func TestRecoversWhatPanics(t *testing.T) {
	src := `{% assign forloop = "x" %}{% cycle "a", "b" %}`
	if _, err := testEngine.Render(context.Background(), src, nil); !errors.Is(err, ErrBroken) {
		t.Errorf("Render = %v, want ErrBroken", err)
	}
	if err := testEngine.Check(src); !errors.Is(err, ErrBroken) {
		t.Errorf("Check = %v, want ErrBroken", err)
	}
	if out, err := testEngine.Render(context.Background(), "{{ 1 }}", nil); out != "1" || err != nil {
		t.Errorf("the engine after a panic renders %q, %v", out, err)
	}
}

func TestHonoursTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := testEngine.Render(ctx, "{% for i in (1..10) %}{{ i }}{% endfor %}", nil)
	if !errors.Is(err, ErrBudget) || !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("Render with a canceled context = %v", err)
	}
}

func TestEscapesHTML(t *testing.T) {
	b := map[string]any{"n": `<a href="https://evil.example">reset</a> & co`, "html": "<b>hi</b>"}
	for src, want := range map[string]string{
		"<p>{{ n }}</p>":                     `<p>&lt;a href=&#34;https://evil.example&#34;&gt;reset&lt;/a&gt; &amp; co</p>`,
		"{{ html | raw }}":                   "<b>hi</b>",
		"{{ html | escape }}":                "&lt;b&gt;hi&lt;/b&gt;",
		"{% assign h = html | raw %}{{ h }}": "<b>hi</b>",
		"{{ html | raw | upcase }}":          "&lt;B&gt;HI&lt;/B&gt;",
		"{% capture c %}<i>{{ html }}</i>{% endcapture %}{{ c }}":                                    "<i>&lt;b&gt;hi&lt;/b&gt;</i>",
		"{% capture c %}<i>{{ html }}</i>{% endcapture %}{% assign d = c %}{{ d }}":                  "<i>&lt;b&gt;hi&lt;/b&gt;</i>",
		"{% capture c %}<i>{{ html }}</i>{% endcapture %}{{ c | upcase }}":                           "&lt;I&gt;&amp;LT;B&amp;GT;HI&amp;LT;/B&amp;GT;&lt;/I&gt;",
		"{% capture c %}{{ html }}{% endcapture %}{% if c contains 'hi' %}{{ c | size }}{% endif %}": "21",
		"<i>{% raw %}{{ html }}{% endraw %}</i>":                                                     "<i>{{ html }}</i>",
	} {
		got, err := testEngine.RenderHTML(context.Background(), src, b)
		if err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", src, got, err, want)
		}
	}
	got, err := testEngine.Render(context.Background(), "{{ html }}", b)
	if err != nil || got != "<b>hi</b>" {
		t.Errorf("text: %q, %v", got, err)
	}
}
