package msgtemplates_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/msgtemplates"
)

// customer is the data of one customer for skeleton tests.
func customer(id string, traits map[string]any) msgtemplates.Data {
	return msgtemplates.Data{CustomerID: id, Profile: &journey.Profile{ID: id, Email: id + "@example.com", Traits: traits},
		MessageID: "msg_" + id, UnsubscribeURL: "https://t.example/u/" + id + "?a=1&b=2"}
}

var skeletonCustomers = []msgtemplates.Data{
	customer("ann", map[string]any{"first_name": "Ann", "vip": true, "points": 1200, "items": []any{"tea", "cups"}}),
	customer("bob", map[string]any{"first_name": "Bob", "vip": false, "points": 3, "items": []any{}}),
	customer("chie", map[string]any{"first_name": "千恵", "vip": true, "points": 0.5, "items": []any{"急須", "湯呑み", "茶葉"}}),
	customer("dan", map[string]any{"first_name": "Dan <b>&amp;</b> \"Co\"", "items": []any{"a & b"}}),
	customer("eve", map[string]any{}),
}

// TestRenderSkeletonFillsToTheFullRender: for every template and customer,
// the skeleton filled with the customer's values is byte for byte what
// Render gives, in HTML and text, and customers whose email differs only
// by values share a skeleton.
func TestRenderSkeletonFillsToTheFullRender(t *testing.T) {
	t.Parallel()
	templates := map[string]struct {
		content   string
		skeletons int // distinct skeletons over skeletonCustomers
	}{
		"Greeting": {`{"subject":"Hi {{ profile.traits.first_name }}","from":"a@shop.example",
			"html":"<p>Hi {{ profile.traits.first_name | default: \"there\" }},</p><p><a href=\"{{ message.unsubscribe_url }}\">Unsubscribe</a> {{ message.id }}</p>"}`, 1},
		"Conditional": {`{"subject":"s","from":"a@shop.example",
			"html":"{% if profile.traits.vip %}<p>VIP {{ profile.traits.first_name | upcase }}</p>{% else %}<p>Hello {{ profile.traits.first_name }}</p>{% endif %}<p>{{ profile.traits.points | times: 2 }} points</p>"}`, 2},
		"Loop": {`{"subject":"s","from":"a@shop.example",
			"html":"<ul>{% for i in profile.traits.items %}<li>{{ forloop.index }}. {{ i | capitalize }}</li>{% endfor %}</ul>{{ profile.traits.items | join: \", \" }}"}`, 4},
		"Capture": {`{"subject":"s","from":"a@shop.example",
			"html":"{% capture greeting %}Dear {{ profile.traits.first_name | default: \"friend\" }}{% endcapture %}<h1>{{ greeting }}</h1>{% if greeting contains \"Bob\" %}<p>Bob!</p>{% endif %}"}`, 2},
		"GivenText": {`{"subject":"s","from":"a@shop.example","html":"<p>{{ profile.traits.first_name }}</p>",
			"text":"Hi {{ profile.traits.first_name }} — {% raw %}{{ not liquid }}{% endraw %} {{- \"  trimmed\" }}\n{{ message.unsubscribe_url }}"}`, 1},
		"AssignAndFilters": {`{"subject":"s","from":"a@shop.example",
			"html":"{% assign n = profile.traits.first_name | size %}<p>{{ n }} letters, {{ profile.traits.first_name | truncate: 3 }} {{ \"now\" | date: \"%Y\" | size }}</p>"}`, 1},
		"NothingVaries": {`{"subject":"s","from":"a@shop.example","html":"<p>Sale!</p>"}`, 1},
	}
	for name, tc := range templates {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := mustParse(t, "email", tc.content)
			distinct := map[string]bool{}
			for _, d := range skeletonCustomers {
				sk, err := msgtemplates.RenderSkeleton(context.Background(), c, d)
				if err != nil {
					t.Fatal(err)
				}
				full, err := msgtemplates.Render(context.Background(), c, d)
				if err != nil {
					t.Fatal(err)
				}
				if *sk.Message.Email != *full.Email {
					t.Fatalf("%s: the skeleton's message differs from Render's", d.CustomerID)
				}
				if got := msgtemplates.Fill(sk.HTML, sk.Values); got != full.Email.HTML {
					t.Errorf("%s: filled HTML\n%q, want\n%q", d.CustomerID, got, full.Email.HTML)
				}
				if got := msgtemplates.Fill(sk.Text, sk.Values); got != full.Email.Text {
					t.Errorf("%s: filled text\n%q, want\n%q", d.CustomerID, got, full.Email.Text)
				}
				distinct[sk.HTML+"\x00"+sk.Text] = true
				if name != "NothingVaries" && (sk.Values == nil) != (sk.Fallback != "") {
					t.Errorf("%s: values %v with fallback %q", d.CustomerID, sk.Values, sk.Fallback)
				}
			}
			if len(distinct) != tc.skeletons {
				t.Errorf("%d distinct skeletons over %d customers, want %d", len(distinct), len(skeletonCustomers), tc.skeletons)
			}
		})
	}
}

func TestRenderSkeletonFallsBack(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		content string
		traits  map[string]any
		why     string
	}{
		"AValueLikeATag": {`{"subject":"s","from":"a@shop.example","html":"<p>{{ profile.traits.n }}</p>"}`,
			map[string]any{"n": "x-tv0-y"}, "like a substitution tag"},
		"AValueThatStartsATag": {`{"subject":"s","from":"a@shop.example","html":"<p>{{ profile.traits.n }}</p>"}`,
			map[string]any{"n": "a-tv9"}, "like a substitution tag"},
		"AValueThatCompletesATag": {`{"subject":"s","from":"a@shop.example","html":"<p>{{ profile.traits.n }}{{ profile.traits.m }}</p>"}`,
			map[string]any{"n": "a-tv", "m": "1-"}, "like a substitution tag"},
		"TemplateTextBeforeAnOutputReadsAsATag": {`{"subject":"s","from":"a@shop.example","html":"<p>-tv7{{ profile.traits.n }}</p>"}`,
			map[string]any{"n": "x"}, "like a substitution tag"},
		"ATagLikeSubject": {`{"subject":"Hi -tv1- {{ profile.traits.n }}","from":"a@shop.example","html":"<p>{{ profile.traits.n }}</p>"}`,
			map[string]any{"n": "x"}, "like a substitution tag"},
		"OverTheSubstitutionLimit": {`{"subject":"s","from":"a@shop.example","html":"<p>{{ profile.traits.n }}</p>"}`,
			map[string]any{"n": strings.Repeat("é", 5000)}, "over SendGrid's 10000"},
		"AValueThatAddsALineToADerivedText": {`{"subject":"s","from":"a@shop.example","html":"<p>Hi {{ profile.traits.n | raw }}</p>"}`,
			map[string]any{"n": "Bo</p><p>co"}, "does not line up"},
		"AValueTrimmedByATagAfterIt": {`{"subject":"s","from":"a@shop.example","html":"<p>{{ profile.traits.n }}{%- if true %}!{% endif %}</p>"}`,
			map[string]any{"n": "Bob  "}, "does not give the full render"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := mustParse(t, "email", tc.content)
			d := customer("zed", tc.traits)
			sk, err := msgtemplates.RenderSkeleton(context.Background(), c, d)
			if err != nil {
				t.Fatal(err)
			}
			full, err := msgtemplates.Render(context.Background(), c, d)
			if err != nil {
				t.Fatal(err)
			}
			if sk.Values != nil || !strings.Contains(sk.Fallback, tc.why) {
				t.Errorf("values %v, fallback %q; want the full render because %q", sk.Values, sk.Fallback, tc.why)
			}
			if sk.HTML != full.Email.HTML || sk.Text != full.Email.Text {
				t.Errorf("a fallback's skeleton is the full render: %q / %q", sk.HTML, sk.Text)
			}
		})
	}
	t.Run("AValueWithDashTVAndNoDigitStillBatches", func(t *testing.T) {
		t.Parallel()
		c := mustParse(t, "email", `{"subject":"s","from":"a@shop.example","html":"<a href=\"{{ message.unsubscribe_url }}\">x</a>"}`)
		d := customer("zed", nil)
		d.UnsubscribeURL = "https://t.example/u/IUPu4phB-tvfW_gUDdwsawrdn" // a signed token can hold "-tv"
		sk, err := msgtemplates.RenderSkeleton(context.Background(), c, d)
		if err != nil || sk.Values == nil {
			t.Errorf("values %v, fallback %q, %v; want a skeleton", sk.Values, sk.Fallback, err)
		}
	})
	t.Run("JustUnderTheLimitStillBatches", func(t *testing.T) {
		t.Parallel()
		c := mustParse(t, "email", `{"subject":"s","from":"a@shop.example","html":"<p>{{ profile.traits.n }}</p>","text":"t"}`)
		sk, err := msgtemplates.RenderSkeleton(context.Background(), c, customer("zed", map[string]any{"n": strings.Repeat("x", msgtemplates.SubstitutionLimit-len("-tv0-"))}))
		if err != nil || sk.Values == nil {
			t.Errorf("values %d, fallback %q, %v; want a skeleton at exactly the limit", len(sk.Values), sk.Fallback, err)
		}
	})
}

// TestRenderSkeletonConcurrently: renders in parallel keep their values
// apart (run with -race).
func TestRenderSkeletonConcurrently(t *testing.T) {
	t.Parallel()
	c := mustParse(t, "email", `{"subject":"s","from":"a@shop.example",
		"html":"{% for i in (1..3) %}<p>{{ profile.traits.n }}-{{ i }}</p>{% endfor %}{% capture x %}{{ profile.id }}{% endcapture %}{{ x }}"}`)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := range 64 {
		wg.Go(func() {
			d := customer(fmt.Sprintf("c%d", i), map[string]any{"n": fmt.Sprintf("N%d", i)})
			sk, err := msgtemplates.RenderSkeleton(context.Background(), c, d)
			if err != nil {
				errs <- err.Error()
				return
			}
			want := fmt.Sprintf("<p>N%[1]d-1</p><p>N%[1]d-2</p><p>N%[1]d-3</p>c%[1]d", i)
			if got := msgtemplates.Fill(sk.HTML, sk.Values); got != want || sk.Fallback != "" {
				errs <- fmt.Sprintf("%d: %q (fallback %q), want %q", i, got, sk.Fallback, want)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// BenchmarkRenderSkeleton is the cost per customer of the skeleton beside
// the full render it includes (BenchmarkRenderFull), on the broadcast
// bench's personalised email.
func BenchmarkRenderSkeleton(b *testing.B) {
	c, err := msgtemplates.Parse("email", []byte(`{"subject": "{{ profile.traits.first_name }}, winter sale", "from": "shop@example.com",
		"html": "<p>Hi {{ profile.traits.first_name | default: \"there\" }},</p>{% if profile.traits.vip %}<p>As a VIP you get 30% off.</p>{% else %}<p>20% off everything.</p>{% endif %}<p><a href=\"{{ message.unsubscribe_url }}\">Unsubscribe</a></p>"}`))
	if err != nil {
		b.Fatal(err)
	}
	d := customer("ann", map[string]any{"first_name": "Ann", "vip": true})
	b.Run("Full", func(b *testing.B) {
		for b.Loop() {
			if _, err := msgtemplates.Render(context.Background(), c, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Skeleton", func(b *testing.B) {
		for b.Loop() {
			if sk, err := msgtemplates.RenderSkeleton(context.Background(), c, d); err != nil || sk.Values == nil {
				b.Fatal(err, sk.Fallback)
			}
		}
	})
}
