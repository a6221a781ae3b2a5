package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// roundTripTaxonomy types traits and properties of every type the builder
// draws; names it does not define (zip, flag, city, score, note, coupon)
// are typed by their values.
var roundTripTaxonomy = map[string]any{
	"events": []any{map[string]any{"name": "purchase", "properties": []any{
		map[string]any{"name": "total", "type": "number"},
		map[string]any{"name": "channel", "type": "string", "enum": []string{"web", "store"}},
		map[string]any{"name": "delivered_at", "type": "timestamp"}}},
		map[string]any{"name": "cart_add"}, map[string]any{"name": "page_view"}},
	"userProperties": []any{
		map[string]any{"name": "plan", "type": "string", "enum": []string{"gold", "silver", "bronze"}},
		map[string]any{"name": "ltv", "type": "number"},
		map[string]any{"name": "visits", "type": "integer"},
		map[string]any{"name": "newsletter", "type": "boolean"},
		map[string]any{"name": "birthday", "type": "timestamp"},
		map[string]any{"name": "interests", "type": "array"}},
}

// roundTripDefinitions cover every condition kind the API accepts: groups
// (a root and or or of one, none of one written both ways, nesting), every
// trait op on every type, values that only their JSON types tell apart,
// tags, references, and events with filters (a context path), each window
// bound alone and together (times of day, offsets), and every measure.
var roundTripDefinitions = []string{
	`{"condition":{"trait":{"name":"plan","op":"eq","value":"gold"}}}`,
	`{"condition":{"and":[{"trait":{"name":"ltv","op":"gte","value":1200.5}},{"trait":{"name":"ltv","op":"lt","value":1000000}},{"trait":{"name":"visits","op":"ne","value":3}},{"trait":{"name":"visits","op":"lte","value":9}},{"trait":{"name":"ltv","op":"gt","value":-1}}]}}`,
	`{"condition":{"or":[{"trait":{"name":"newsletter","op":"eq","value":false}},{"trait":{"name":"birthday","op":"anniversary"}},{"trait":{"name":"birthday","op":"lte","value":"1990-04-12T09:30:00+09:00"}},{"trait":{"name":"birthday","op":"gte","value":"1950-01-01"}}]}}`,
	`{"condition":{"not":{"tag":"staff"}}}`,
	`{"condition":{"not":{"or":[{"tag":"staff"}]}}}`,
	`{"condition":{"not":{"or":[{"tag":"staff"},{"and":[{"trait":{"name":"plan","op":"in","value":["gold","silver"]}},{"trait":{"name":"interests","op":"contains","value":"tea"}}]}]}}}`,
	`{"condition":{"and":[{"trait":{"name":"plan","op":"exists"}}]}}`,
	`{"condition":{"or":[{"segment":"rt_base"}]}}`,
	`{"condition":{"and":[{"trait":{"name":"zip","op":"eq","value":"0123"}},{"trait":{"name":"flag","op":"ne","value":"true"}},{"trait":{"name":"city","op":"in","value":["Tokyo, Japan"," Osaka"]}},{"trait":{"name":"score","op":"in","value":[1,2.5]}},{"trait":{"name":"note","op":"contains","value":" two  spaces "}},{"trait":{"name":"zip","op":"eq","value":""}}]}}`,
	`{"condition":{"and":[{"trait":{"name":"interests","op":"contains","value":5}},{"trait":{"name":"newsletter","op":"exists"}},{"not":{"trait":{"name":"newsletter","op":"ne","value":true}}}]}}`,
	`{"condition":{"event":{"name":"purchase","performed":false,"window":{"last_days":90}}}}`,
	`{"condition":{"event":{"name":"purchase","performed":true,"where":[{"property":"channel","op":"eq","value":"web"},{"property":"total","op":"gte","value":5000},{"property":"context.campaign.source","op":"eq","value":"012"}]}}}`,
	`{"condition":{"event":{"name":"purchase","where":[{"property":"total","op":"in","value":[1000,2000]},{"property":"coupon","op":"exists"},{"property":"delivered_at","op":"gt","value":"2026-01-01"},{"property":"channel","op":"ne","value":"store"}]}}}`,
	`{"condition":{"event":{"name":"purchase","window":{"older_than_days":30},"count":{"op":"eq","value":1}}}}`,
	`{"condition":{"event":{"name":"purchase","window":{"after":"2026-01-01T00:00:00Z","before":"2026-02-01T00:00:00Z"},"sum":{"property":"total","op":"gt","value":0.5}}}}`,
	`{"condition":{"event":{"name":"purchase","window":{"after":"2026-01-01T09:30:00+09:00"},"avg":{"property":"total","op":"lte","value":3000}}}}`,
	`{"condition":{"event":{"name":"purchase","window":{"before":"2026-01-01T00:00:00Z"}}}}`,
	`{"condition":{"event":{"name":"purchase","window":{"last_days":60,"older_than_days":7},"count":{"op":"gte","value":2}}}}`,
	`{"condition":{"event":{"name":"cart_add","window":{"calendar_months":3,"before":"2026-03-15T00:00:00Z"}}}}`,
	`{"condition":{"event":{"name":"purchase","window":{"last_days":400,"older_than_days":1,"after":"2025-06-01T00:00:00Z","before":"2026-12-01T12:00:00Z","calendar_months":12},"count":{"op":"ne","value":0}}}}`,
	`{"condition":{"event":{"name":"purchase","count":{"top_percent":5}}}}`,
	`{"condition":{"event":{"name":"purchase","window":{"calendar_months":2},"sum":{"property":"total","top_percent":12.5}}}}`,
	`{"condition":{"event":{"name":"purchase","avg":{"property":"total","top_percent":100}}}}`,
	`{"condition":{"event":{"name":"purchase","first":{"after":"2025-12-01T00:00:00Z","older_than_days":10}}}}`,
	`{"condition":{"event":{"name":"purchase","last":{"calendar_months":1}}}}`,
	`{"condition":{"event":{"name":"purchase","first":{"last_days":14}}}}`,
	`{"condition":{"event":{"name":"purchase","each_month":{"months":6,"include_current":true}}}}`,
	`{"condition":{"event":{"name":"page_view","each_month":{"months":3}}}}`,
	`{"timezone":"Asia/Tokyo","condition":{"or":[{"and":[{"not":{"not":{"tag":"vip"}}},{"or":[{"event":{"name":"purchase","first":{"calendar_months":1}}}]}]},{"tag":"b2b"}]}}`,
}

// saveInBuilder opens segment id in the builder, waits for it to draw and
// count, presses Save and waits for the page the save leads to, failing
// with what the page shows when the save is refused.
func (b *browser) saveInBuilder(t *testing.T, s *stack, id string, edit func()) {
	t.Helper()
	b.run(t, chromedp.Navigate(s.url+"/ui/segments/"+id))
	b.waitFor(t, `#builder[data-ready="1"]`)
	b.settled(t)
	if edit != nil {
		edit()
		b.settled(t)
	}
	b.run(t, chromedp.Evaluate(`window.roundTrip = 1`, nil), chromedp.Click("#segment-save", chromedp.ByID))
	// Polled with a deadline: while the page navigates, an evaluation
	// fails and is tried again.
	const check = `(() => {
		if (!window.roundTrip && document.querySelector('#builder[data-ready="1"]')) return "saved";
		return [...document.querySelectorAll('.field-error:not([hidden]), #form-error:not([hidden])')].map(e => e.textContent).join(" | "); })()`
	deadline := time.Now().Add(30 * time.Second)
	var outcome string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		err := chromedp.Run(ctx, chromedp.Evaluate(check, &outcome))
		cancel()
		if err == nil && outcome != "" {
			break
		}
		<-time.After(50 * time.Millisecond) // the next look
	}
	if outcome != "saved" {
		t.Fatalf("saving %s in the builder: %q", id, outcome)
	}
}

// TestSegmentBuilderRoundTripsEveryDefinition: every definition of
// roundTripDefinitions, saved through the API, opened in the builder in
// headless Chromium and saved there unchanged, is stored as it was; a
// window with several bounds is drawn as fields, and one made in the
// builder is saved as drawn.
func TestSegmentBuilderRoundTripsEveryDefinition(t *testing.T) {
	s := startStack(t)
	s.call("PUT", "/v1/taxonomy", "admin", roundTripTaxonomy, http.StatusOK, nil)
	s.call("POST", "/v1/segments", "admin", map[string]any{"id": "rt_base", "name": "Base",
		"definition": map[string]any{"condition": map[string]any{"tag": "vip"}}}, http.StatusCreated, nil)
	for i, def := range roundTripDefinitions {
		s.call("POST", "/v1/segments", "admin", map[string]any{"id": fmt.Sprintf("rt_%02d", i), "name": fmt.Sprintf("Round trip %d", i),
			"definition": json.RawMessage(def)}, http.StatusCreated, nil)
	}
	b := newBrowser(t)
	b.login(t, s, "/ui/segments/rt_00", s.ownerEmail("default"), `#builder[data-ready="1"]`)
	for i := range roundTripDefinitions {
		id := fmt.Sprintf("rt_%02d", i)
		var before, after struct {
			Definition json.RawMessage
			Version    int
		}
		s.call("GET", "/v1/segments/"+id, "admin", nil, http.StatusOK, &before)
		b.saveInBuilder(t, s, id, nil)
		s.call("GET", "/v1/segments/"+id, "admin", nil, http.StatusOK, &after)
		if after.Version != before.Version+1 {
			t.Errorf("%s: version %d after the save, was %d", id, after.Version, before.Version)
		}
		if !sameJSON(t, after.Definition, before.Definition) {
			t.Errorf("%s: the builder saved\n%s\nwhere it loaded\n%s", id, after.Definition, before.Definition)
		}
	}

	t.Run("SeveralBoundsAreDrawnAsFields", func(t *testing.T) {
		b.run(t, chromedp.Navigate(s.url+"/ui/segments/rt_17"))
		b.waitFor(t, `#builder[data-ready="1"]`)
		got := b.strings(t, `[...document.querySelectorAll('#builder [id$="-window-type"], #builder [id*="-window-"]:not(select)')].map(e => e.id.replace(/^n\d+/, "") + "=" + e.value)`)
		want := []string{"-window-type=several", "-window-last_days=60", "-window-older_than_days=7", "-window-after=", "-window-before=", "-window-calendar_months="}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("the window is drawn as %v, want %v", got, want)
		}
	})
	t.Run("SeveralBoundsMadeInTheBuilderAreSaved", func(t *testing.T) {
		b.saveInBuilder(t, s, "rt_13", func() { // older than 30 days, counted
			b.setField(t, `#builder select[id$="-window-type"]`, "several")
			b.waitFor(t, `#builder input[id$="-window-last_days"]`)
			b.setField(t, `#builder input[id$="-window-last_days"]`, "365")
			b.setField(t, `#builder input[id$="-window-before"]`, "2026-11-01")
		})
		var seg struct{ Definition json.RawMessage }
		s.call("GET", "/v1/segments/rt_13", "admin", nil, http.StatusOK, &seg)
		want := `{"condition":{"event":{"name":"purchase","window":{"last_days":365,"older_than_days":30,"before":"2026-11-01T00:00:00Z"},"count":{"op":"eq","value":1}}}}`
		if !sameJSON(t, seg.Definition, []byte(want)) {
			t.Errorf("saved %s, want %s", seg.Definition, want)
		}
	})
	b.noConsoleErrors(t)
}
