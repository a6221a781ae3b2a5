package ingest_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/tabiji/tabiji/ingest"
)

// FuzzDecode feeds any bytes to Decode as any call type. It must never
// panic, and whatever it accepts must have an id, a customer and parts that
// Postgres can store.
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/segment/*.json")
	for _, path := range seeds {
		body, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(slices.Index(ingest.Types, filepath.Base(path[:len(path)-5]))), body)
	}
	f.Fuzz(func(t *testing.T, typ uint8, body []byte) {
		m, err := ingest.Decode(ingest.Types[int(typ)%len(ingest.Types)], body, received)
		if err != nil {
			return
		}
		checkAccepted(t, m)
	})
}

// FuzzDecodeBatch does the same for /v1/batch bodies.
func FuzzDecodeBatch(f *testing.F) {
	f.Add(example(f, "batch"))
	f.Add([]byte(`{"batch":[{"type":"alias","userId":"u","previousId":"p"},{"type":"group"}],"sentAt":"2026-11-23T10:00:00Z"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ms, _ := ingest.DecodeBatch(body, received)
		for _, m := range ms {
			checkAccepted(t, m)
		}
	})
}

func checkAccepted(t *testing.T, m ingest.Message) {
	t.Helper()
	if m.MessageID == "" || m.CustomerID() == "" || !slices.Contains(ingest.Types, m.Type) {
		t.Fatalf("accepted a message without an id, a customer or a type: %+v", m)
	}
	if m.Type == ingest.Track && m.Event == "" {
		t.Fatalf("accepted a track call without an event: %+v", m)
	}
	if y := m.Timestamp.Year(); y < 1900 || y > 9999 {
		t.Fatalf("accepted a timestamp Postgres should not get: %v", m.Timestamp)
	}
	for _, raw := range [][]byte{m.RawProperties, m.RawTraits, m.RawContext} {
		var o map[string]any
		if err := json.Unmarshal(raw, &o); err != nil || o == nil || !utf8.Valid(raw) || bytes.Contains(raw, []byte(`\u0000`)) {
			t.Fatalf("accepted a part Postgres cannot store as a jsonb object: %q (%v)", raw, err)
		}
	}
	for _, s := range []string{m.MessageID, m.UserID, m.AnonymousID, m.Event, m.GroupID, m.PreviousID} {
		if !utf8.ValidString(s) || bytes.ContainsRune([]byte(s), 0) {
			t.Fatalf("accepted text Postgres cannot store: %q", s)
		}
	}
}
