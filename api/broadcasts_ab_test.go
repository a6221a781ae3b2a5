package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
)

func TestBroadcastABTestAPI(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, _ := b.keys(t, "w")
	admin["Content-Type"] = "application/json"
	_, err := b.store.CreateSegment(context.Background(), "w", store.Segment{ID: "vip", Name: "VIP", Definition: json.RawMessage(`{"condition": {"tag": "vip"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	const content = `"content": {"subject": "Spring sale", "from": "shop@example.com", "html": "<p>20% off</p>"}`
	t.Run("StoresTheTestAndShowsEveryVariant", func(t *testing.T) {
		status, body := b.do(t, "POST", "/v1/broadcasts", admin, `{"id": "spring", "name": "Spring", "segment": "vip", "channel": "email", `+content+`,
			"abTest": {"variants": [{"name": "A", "subject": "Spring sale"}, {"name": "B", "subject": "{{ profile.traits.name }}, 20% off"}],
			           "percent": 20, "metric": "opens", "wait": "4h"}}`)
		if status != 201 || !strings.Contains(body, `"percent":20`) || !strings.Contains(body, `{"name":"A","subject":"Spring sale"}`) {
			t.Fatalf("create: %d %s", status, body)
		}
		status, body = b.do(t, "GET", "/v1/broadcasts/spring", admin, "")
		var got struct {
			ABResults struct {
				Variants []struct {
					Name string
					Sent int
				}
				Winner string
			}
		}
		if err := json.Unmarshal([]byte(body), &got); status != 200 || err != nil || len(got.ABResults.Variants) != 2 ||
			got.ABResults.Variants[1].Name != "B" || got.ABResults.Winner != "" {
			t.Fatalf("get: %d %s", status, body)
		}
	})
	t.Run("AVariantMayBeAStoredTemplateOfTheChannel", func(t *testing.T) {
		if _, err := b.store.CreateMessageTemplate(context.Background(), "w", "spring_b", "email", "B",
			json.RawMessage(`{"subject": "B", "from": "shop@example.com", "html": "<p>B</p>"}`)); err != nil {
			t.Fatal(err)
		}
		status, body := b.do(t, "POST", "/v1/broadcasts", admin, `{"id": "tpl_ab", "name": "Tpl", "segment": "vip", "channel": "email", `+content+`,
			"abTest": {"variants": [{"name": "A", "content": {"subject": "A", "from": "shop@example.com", "html": "<p>A</p>"}}, {"name": "B", "template": "spring_b"}],
			           "percent": 20, "metric": "opens", "wait": "4h"}}`)
		if status != 201 || !strings.Contains(body, `"template":"spring_b"`) {
			t.Fatalf("create: %d %s", status, body)
		}
	})
	t.Run("BadTestsNameTheField", func(t *testing.T) {
		for field, test := range map[string]string{
			"abTest.variants":                 `{"variants": [{"name": "A", "subject": "x"}], "percent": 20, "metric": "opens", "wait": "4h"}`,
			"abTest.variants[1].name":         `{"variants": [{"name": "A", "subject": "x"}, {"name": "A", "subject": "y"}], "percent": 20, "metric": "opens", "wait": "4h"}`,
			"abTest.variants[0].name":         `{"variants": [{"name": "A B", "subject": "x"}, {"name": "B", "subject": "y"}], "percent": 20, "metric": "opens", "wait": "4h"}`,
			"abTest.variants[1].subject":      `{"variants": [{"name": "A", "subject": "x"}, {"name": "B", "subject": "{{ oops"}], "percent": 20, "metric": "opens", "wait": "4h"}`,
			"abTest.variants[0].subject":      `{"variants": [{"name": "A"}, {"name": "B", "subject": "y"}], "percent": 20, "metric": "opens", "wait": "4h"}`,
			"abTest.variants[1].content.from": `{"variants": [{"name": "A", "subject": "x"}, {"name": "B", "content": {"subject": "s", "from": "nobody", "html": "x"}}], "percent": 20, "metric": "opens", "wait": "4h"}`,
			"abTest.percent":                  `{"variants": [{"name": "A", "subject": "x"}, {"name": "B", "subject": "y"}], "percent": 100, "metric": "opens", "wait": "4h"}`,
			"abTest.metric":                   `{"variants": [{"name": "A", "subject": "x"}, {"name": "B", "subject": "y"}], "percent": 20, "metric": "revenue", "wait": "4h"}`,
			"abTest.wait":                     `{"variants": [{"name": "A", "subject": "x"}, {"name": "B", "subject": "y"}], "percent": 20, "metric": "opens", "wait": "forever"}`,
			"abTest.variants[1].template":     `{"variants": [{"name": "A", "subject": "x"}, {"name": "B", "template": "nope"}], "percent": 20, "metric": "opens", "wait": "4h"}`,
			"abTest.variants[0]":              `{"variants": [{"name": "A", "subject": "x", "template": "spring_b"}, {"name": "B", "subject": "y"}], "percent": 20, "metric": "opens", "wait": "4h"}`,
		} {
			status, body := b.do(t, "POST", "/v1/broadcasts", admin, `{"name": "x", "segment": "vip", "channel": "email", `+content+`, "abTest": `+test+`}`)
			if status < 400 || status >= 500 || !strings.Contains(body, `"field":"`+field+`"`) {
				t.Errorf("%s: %d %s, want a 4xx naming %s", test, status, body, field)
			}
		}
		status, body := b.do(t, "POST", "/v1/broadcasts", admin, `{"name": "x", "segment": "vip", "channel": "line",
			"content": {"messages": [{"type": "text", "text": "hi"}]},
			"abTest": {"variants": [{"name": "A", "content": {"messages": [{"type": "text", "text": "a"}]}}, {"name": "B", "content": {"messages": [{"type": "text", "text": "b"}]}}],
			           "percent": 20, "metric": "opens", "wait": "4h"}}`)
		if status != 400 || !strings.Contains(body, `"field":"abTest.metric"`) {
			t.Errorf("a LINE test by opens: %d %s, want 400 naming abTest.metric", status, body)
		}
	})
}
