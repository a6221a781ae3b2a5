package audit

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	before := json.RawMessage(`{"channel":"line","channelSecret":"old-one","settings":{"accessToken":{"writeOnly":true,"set":true,"value":"v1"},
		"baseUrl":{"value":"https://api.line.me"}},"keys":[{"id":"k1","secret":"s1"}],"password":""}`)
	after := json.RawMessage(`{"channel":"line","channelSecret":"new-one","settings":{"accessToken":{"writeOnly":true,"set":true,"value":"v1"},
		"baseUrl":{"value":"https://api.line.me"}},"keys":[{"id":"k1","secret":"s1"},{"id":"k2","secret":"s2"}],"password":""}`)
	b, a := Redact(before, after)
	for _, doc := range []json.RawMessage{b, a} {
		for _, value := range []string{"old-one", "new-one", "v1", `"s1"`, `"s2"`} {
			if strings.Contains(string(doc), value) {
				t.Errorf("%s holds the secret %s", doc, value)
			}
		}
		if !strings.Contains(string(doc), "https://api.line.me") || !strings.Contains(string(doc), `"password":""`) {
			t.Errorf("%s lost what is not a secret", doc)
		}
	}
	var got struct {
		ChannelSecret string
		Settings      struct{ AccessToken struct{ Value string } }
		Keys          []struct{ Secret string }
	}
	if err := json.Unmarshal(a, &got); err != nil {
		t.Fatal(err)
	}
	if got.ChannelSecret != Changed || got.Settings.AccessToken.Value != Set || got.Keys[0].Secret != Set || got.Keys[1].Secret != Set {
		t.Errorf("after = %s: want the changed secret as changed, the others as set", a)
	}
	if !strings.Contains(string(b), `"channelSecret":"set"`) {
		t.Errorf("before = %s: want its secret as set", b)
	}
	if b, a := Redact(json.RawMessage("not json"), nil); b != nil || a != nil {
		t.Errorf("not JSON gave %s %s, want nothing", b, a)
	}
}

func TestCustomerIDs(t *testing.T) {
	t.Parallel()
	ids, whole := CustomerIDs(json.RawMessage(`{"event":{"userId":"u1","anonymousId":"a1"},"rows":[{"customerId":"u2"},{"userId":"u1"}]}`),
		json.RawMessage(`{"id":"j1"}`), nil)
	if !whole || !slices.Equal(ids, []string{"a1", "u1", "u2"}) {
		t.Errorf("ids = %v %v", ids, whole)
	}
}
