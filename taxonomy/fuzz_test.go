package taxonomy_test

import (
	"cmp"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/taxonomy"
)

// FuzzCheckEvent feeds arbitrary JSON properties (corpus in
// testdata/fuzz/FuzzCheckEvent) through the validator: it must never panic,
// must answer one of the four actions, and must give the same, sorted
// verdict however often it is asked.
func FuzzCheckEvent(f *testing.F) {
	f.Add("purchase", []byte(`{"total": 4800, "currency": "JPY"}`))
	f.Add("cart_add", []byte(`{"product": "tea", "extra": [1, {"a": null}]}`))
	tx := shop()
	f.Fuzz(func(t *testing.T, name string, body []byte) {
		var props map[string]any
		if json.Unmarshal(body, &props) != nil {
			return
		}
		v := tx.CheckEvent(name, props)
		if !slices.Contains([]taxonomy.Action{"allow", "reject", "quarantine", "drop"}, v.Action) {
			t.Fatalf("action %q", v.Action)
		}
		if v.Action != taxonomy.ActionAllow && len(v.Violations) == 0 {
			t.Fatalf("%s without a violation", v.Action)
		}
		if !slices.IsSortedFunc(v.Violations, func(a, b taxonomy.Violation) int {
			return cmp.Compare(a.Field, b.Field)
		}) {
			t.Fatalf("violations not sorted: %+v", v.Violations)
		}
		if again := tx.CheckEvent(name, props); !reflect.DeepEqual(again, v) {
			t.Fatalf("second verdict %+v differs from %+v", again, v)
		}
		if tv := tx.CheckTraits(props); tv.Action != taxonomy.ActionAllow && len(tv.Violations) == 0 {
			t.Fatalf("traits: %s without a violation", tv.Action)
		}
	})
}

// FuzzDecodeAndCheck runs the whole of ingestion's screening on arbitrary
// bodies: ingest.Decode as Segment calls, then the verdict on the decoded
// call (corpus in testdata/fuzz/FuzzDecodeAndCheck, seeded with Segment's
// example payloads). Whatever the decoder accepts, the validator must judge
// without panicking, the same way twice.
func FuzzDecodeAndCheck(f *testing.F) {
	for _, name := range []string{"track", "identify"} {
		body, err := os.ReadFile("../ingest/testdata/segment/" + name + ".json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(name == "identify", body)
	}
	tx := shop()
	received := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, identify bool, body []byte) {
		typ := ingest.Track
		if identify {
			typ = ingest.Identify
		}
		m, err := ingest.Decode(typ, body, received)
		if err != nil {
			return
		}
		verdict := func() taxonomy.Verdict {
			if identify {
				return tx.CheckTraits(m.Traits)
			}
			return tx.CheckEvent(m.Event, m.Properties)
		}
		v := verdict()
		if v.Action != taxonomy.ActionAllow && len(v.Violations) == 0 {
			t.Fatalf("%s without a violation", v.Action)
		}
		if again := verdict(); !reflect.DeepEqual(again, v) {
			t.Fatalf("second verdict %+v differs from %+v", again, v)
		}
	})
}
