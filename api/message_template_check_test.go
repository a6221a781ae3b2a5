package api

import (
	"encoding/json"
	"testing"
)

// TestRenderDraftCheck: with check, a draft the rules refuse is answered
// 200 with valid false and the fields at fault (the editor's live check
// makes no failing request), one they accept 200 with valid true and the
// rendered content; without check the refusal stays a 422; a request that
// is itself wrong stays a 4xx either way.
func TestRenderDraftCheck(t *testing.T) {
	t.Parallel()
	b := setupChannels(t)
	bad := `{"channel":"email","content":{"subject":"x","from":"news@shop.example","blocks":[{"type":"button","label":"Go","url":"javascript:alert(1)"}]}`
	for _, c := range []struct {
		name, body string
		status     int
		valid      any
		field      string
	}{
		{"RefusedDraftIsAVerdict", bad + `,"check":true}`, 200, false, "content.blocks[0].url"},
		{"UnknownCustomerIsAVerdict", `{"channel":"sms","content":{"body":"hi"},"profileId":"nobody","check":true}`, 200, false, "profileId"},
		{"AcceptedDraftIsValid", `{"channel":"sms","content":{"body":"Hi {{ profile.traits.name }}"},"profileId":"u1","check":true}`, 200, true, ""},
		{"WithoutCheckA422", bad + `}`, 422, nil, "content.blocks[0].url"},
		{"ToStaysA400", `{"channel":"sms","content":{"body":"hi"},"check":true,"to":"x"}`, 400, nil, "to"},
		{"CheckMustBeABoolean", `{"channel":"sms","content":{"body":"hi"},"check":"yes"}`, 400, nil, "check"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, raw := b.do(t, "POST", "/v1/templates/render", b.admin, c.body)
			var got struct {
				Valid   any
				Errors  []struct{ Field string }
				Content struct{ SMS *struct{ Body string } }
			}
			_ = json.Unmarshal([]byte(raw), &got)
			if code != c.status || got.Valid != c.valid {
				t.Fatalf("%d %s, want %d with valid %v", code, raw, c.status, c.valid)
			}
			if c.field != "" && (len(got.Errors) == 0 || got.Errors[0].Field != c.field) {
				t.Errorf("the errors are %+v, want %s first", got.Errors, c.field)
			}
			if c.valid == true && (got.Content.SMS == nil || got.Content.SMS.Body != "Hi Hana") {
				t.Errorf("the accepted draft is rendered %s", raw)
			}
		})
	}
}
