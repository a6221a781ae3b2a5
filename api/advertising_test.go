package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
)

func TestAdvertisingAPI(t *testing.T) {
	t.Parallel()

	t.Run("SetsThePolicyAndRefusesBadFields", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		admin, _ := b.keys(t, "w")
		admin["Content-Type"] = "application/json"
		if status, body := b.do(t, "GET", "/v1/workspace/advertising", admin, ""); status != 200 ||
			body != `{"optInRequired":null,"enforced":false,"sender":{"name":"","address":"","contact":""}}` {
			t.Fatalf("before any PUT: %d %s", status, body)
		}
		if status, body := b.do(t, "PATCH", "/v1/workspace", admin, `{"locale":"ja"}`); status != 200 {
			t.Fatalf("PATCH locale: %d %s", status, body)
		}
		if _, body := b.do(t, "GET", "/v1/workspace/advertising", admin, ""); !strings.Contains(body, `"optInRequired":null,"enforced":true`) {
			t.Errorf("a ja workspace does not enforce the policy by default: %s", body)
		}
		if _, body := b.do(t, "PUT", "/v1/workspace/advertising", admin, `{"optInRequired":false}`); !strings.Contains(body, `"optInRequired":false,"enforced":false`) {
			t.Errorf("a ja workspace cannot turn it off: %s", body)
		}
		status, body := b.do(t, "PUT", "/v1/workspace/advertising", admin,
			`{"optInRequired":true,"sender":{"name":" 旅路商店 ","address":"〒100-0001\n東京都千代田区","contact":"stop@shop.example"}}`)
		if status != 200 || !strings.Contains(body, `"enforced":true`) || !strings.Contains(body, `"name":"旅路商店"`) || !strings.Contains(body, `"updatedAt"`) {
			t.Fatalf("PUT: %d %s", status, body)
		}
		for req, field := range map[string]string{
			`{"sender":{"name":"a\nb"}}`:         `"field":"sender.name"`,
			`{"enforced":true}`:                  `"field":"enforced"`,
			`{"optInRequired":"yes"}`:            `optInRequired`,
			`{"sender":{"contact":"x","fax":1}}`: `fax`,
		} {
			if status, body := b.do(t, "PUT", "/v1/workspace/advertising", admin, req); status < 400 || status >= 500 || !strings.Contains(body, field) {
				t.Errorf("PUT %s = %d %s, want a 4xx naming %s", req, status, body, field)
			}
		}
	})

	t.Run("APromotionalBroadcastIsNotScheduledWithoutASender", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		admin, _ := b.keys(t, "w")
		admin["Content-Type"] = "application/json"
		_, err := b.store.CreateSegment(context.Background(), "w", store.Segment{ID: "vip", Name: "VIP", Definition: json.RawMessage(`{"condition": {"tag": "vip"}}`)})
		if err != nil {
			t.Fatal(err)
		}
		b.do(t, "PUT", "/v1/workspace/advertising", admin, `{"optInRequired":true,"sender":{"name":"Shop"}}`)
		content := `"content": {"subject": "Sale", "from": "shop@example.com", "html": "<p>20% off</p>"}`
		b.do(t, "POST", "/v1/broadcasts", admin, `{"id":"sale","name":"Sale","segment":"vip","channel":"email",`+content+`}`)
		status, body := b.do(t, "POST", "/v1/broadcasts/sale/schedule", admin, "")
		if status != 422 || !strings.Contains(body, `"field":"advertising.sender.address"`) || !strings.Contains(body, `"field":"advertising.sender.contact"`) ||
			strings.Contains(body, `"field":"advertising.sender.name"`) {
			t.Errorf("schedule without a sender = %d %s", status, body)
		}
		if got, _ := b.store.GetBroadcast(context.Background(), "w", "sale"); got.Status != store.BroadcastDraft {
			t.Errorf("the refused broadcast is %s", got.Status)
		}
		status, body = b.do(t, "POST", "/v1/broadcasts", admin, `{"id":"notice","name":"Notice","segment":"vip","channel":"email","transactional":true,`+content+`}`)
		if status != 201 || !strings.Contains(body, `"transactional":true`) {
			t.Errorf("a transactional broadcast = %d %s", status, body)
		}
	})
}
