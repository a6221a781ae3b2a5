package ingest_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/ingest"
)

var received = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func example(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/segment/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode(t *testing.T, typ, body string) ingest.Message {
	t.Helper()
	m, err := ingest.Decode(typ, []byte(body), received)
	if err != nil {
		t.Fatalf("Decode(%s, %s) = %v", typ, body, err)
	}
	return m
}

// firstField is the field the first error names, or "" for no error.
func firstField(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var errs ingest.Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		t.Fatalf("error %v is not ingest.Errors", err)
	}
	return errs[0].Field
}

func TestDecodeSegmentExamples(t *testing.T) {
	t.Run("Identify", func(t *testing.T) {
		m, err := ingest.Decode("identify", example(t, "identify"), received)
		if err != nil {
			t.Fatal(err)
		}
		if m.Type != "identify" || m.UserID != "97980cfea0067" || m.AnonymousID != "507f191e810c19729de860ea" ||
			m.MessageID != "022bb90c-bbac-11e4-8dfc-aa07a5b093db" || m.Traits["email"] != "peter@example.com" ||
			m.Traits["logins"] != 5.0 || m.IP() != "8.8.8.8" {
			t.Errorf("identify = %+v", m)
		}
		// sentAt equals the timestamp: no skew, so the event happened as we received it.
		if !m.Timestamp.Equal(received) {
			t.Errorf("timestamp = %v, want %v (receivedAt - (sentAt - timestamp))", m.Timestamp, received)
		}
	})
	t.Run("Track", func(t *testing.T) {
		m, err := ingest.Decode("track", example(t, "track"), received)
		if err != nil {
			t.Fatal(err)
		}
		if m.Event != "Course Clicked" || m.Properties["title"] != "Intro to Analytics" || m.CustomerID() != "AiUGstSDIg" {
			t.Errorf("track = %+v", m)
		}
		// originalTimestamp .152 was sent at .169: it happened 17 ms before we received it.
		if want := received.Add(-17 * time.Millisecond); !m.Timestamp.Equal(want) {
			t.Errorf("timestamp = %v, want %v", m.Timestamp, want)
		}
	})
	for _, typ := range []string{"page", "screen"} {
		t.Run(typ, func(t *testing.T) {
			m, err := ingest.Decode(typ, example(t, typ), received)
			if err != nil || m.Type != typ || m.Event != "Home" || len(m.Properties) == 0 {
				t.Errorf("%s = %+v, %v", typ, m, err)
			}
		})
	}
	t.Run("Group", func(t *testing.T) {
		m, err := ingest.Decode("group", example(t, "group"), received)
		if err != nil || m.GroupID != "0e8c78ea9d97a7b8185e8632" || m.Traits["employees"] != 329.0 {
			t.Errorf("group = %+v, %v", m, err)
		}
	})
	t.Run("Alias", func(t *testing.T) {
		m, err := ingest.Decode("alias", example(t, "alias"), received)
		if err != nil || m.PreviousID != "39239-239239-239239-23923" || m.UserID != "507f191e81" {
			t.Errorf("alias = %+v, %v", m, err)
		}
	})
	t.Run("Batch", func(t *testing.T) {
		ms, err := ingest.DecodeBatch(example(t, "batch"), received)
		if err != nil || len(ms) != 4 {
			t.Fatalf("batch = %d messages, %v", len(ms), err)
		}
		for i, m := range ms {
			dev, _ := m.Context["device"].(map[string]any)
			if m.Index != i || dev["name"] != "Apple iPhone 6" || m.MessageID == "" {
				t.Errorf("batch[%d] = %+v: want its index, the batch context and a generated messageId", i, m)
			}
		}
		if ms[1].Event != "Song Played" || !ms[1].Timestamp.Equal(time.Date(2012, 12, 2, 0, 30, 14, 984e6, time.UTC)) {
			t.Errorf("batch[1] = %+v", ms[1])
		}
		if ms[0].MessageID == ms[2].MessageID {
			t.Error("generated messageIds repeat")
		}
	})
}

func TestDecodeNormalises(t *testing.T) {
	t.Run("ContextFieldsForProfiles", func(t *testing.T) {
		m := decode(t, "track", `{"userId":"u","event":"e","context":{"timezone":"Asia/Tokyo","locale":"ja-JP","device":{"token":"apns-1"}}}`)
		if m.Timezone() != "Asia/Tokyo" || m.Locale() != "ja-JP" || m.PushToken() != "apns-1" {
			t.Errorf("context = %q %q %q", m.Timezone(), m.Locale(), m.PushToken())
		}
		if m := decode(t, "track", `{"userId":"u","event":"e","context":{"timezone":"Mars/Olympus"}}`); m.Timezone() != "" {
			t.Errorf("an unknown zone = %q, want none", m.Timezone())
		}
	})
	t.Run("CallContextWinsOverBatchContext", func(t *testing.T) {
		ms, err := ingest.DecodeBatch([]byte(`{"context":{"locale":"en-US","ip":"1.1.1.1"},"batch":[{"type":"track","userId":"u","event":"e","context":{"locale":"ja-JP"}}]}`), received)
		if err != nil || ms[0].Locale() != "ja-JP" || ms[0].IP() != "1.1.1.1" {
			t.Fatalf("= %+v, %v", ms, err)
		}
		var c map[string]any
		if err := json.Unmarshal(ms[0].RawContext, &c); err != nil || c["ip"] != "1.1.1.1" || c["locale"] != "ja-JP" {
			t.Errorf("raw context %s", ms[0].RawContext)
		}
	})
	t.Run("TimestampWithoutSentAtStands", func(t *testing.T) {
		m := decode(t, "track", `{"userId":"u","event":"e","timestamp":"2026-01-02T03:04:05+09:00"}`)
		if !m.Timestamp.Equal(time.Date(2026, 1, 1, 18, 4, 5, 0, time.UTC)) {
			t.Errorf("timestamp = %v", m.Timestamp)
		}
	})
	t.Run("SkewOfASlowClockIsCorrected", func(t *testing.T) {
		// The device's clock is an hour behind: it says it sent at 09:00:05 what we received at 10:00.
		m := decode(t, "track", `{"userId":"u","event":"e","timestamp":"2026-11-23T09:00:00Z","sentAt":"2026-11-23T09:00:05Z"}`)
		if want := received.Add(-5 * time.Second); !m.Timestamp.Equal(want) {
			t.Errorf("timestamp = %v, want %v", m.Timestamp, want)
		}
	})
	t.Run("NoTimestampIsReceivedAt", func(t *testing.T) {
		if m := decode(t, "track", `{"userId":"u","event":"e","sentAt":"2026-11-23T09:00:05Z"}`); !m.Timestamp.Equal(received) {
			t.Errorf("timestamp = %v", m.Timestamp)
		}
	})
	t.Run("NumericIDsAreText", func(t *testing.T) {
		if m := decode(t, "identify", `{"userId":12345}`); m.UserID != "12345" {
			t.Errorf("userId = %q", m.UserID)
		}
	})
	t.Run("PageCategoryJoinsProperties", func(t *testing.T) {
		m := decode(t, "page", `{"userId":"u","name":"Shoes","category":"Catalog"}`)
		if m.Properties["category"] != "Catalog" || !strings.Contains(string(m.RawProperties), "Catalog") {
			t.Errorf("properties = %v %s", m.Properties, m.RawProperties)
		}
	})
	t.Run("PathTypeWins", func(t *testing.T) {
		if m := decode(t, "track", `{"type":"identify","userId":"u","event":"e"}`); m.Type != "track" {
			t.Errorf("type = %q", m.Type)
		}
	})
}

func TestDecodeRejects(t *testing.T) {
	cases := []struct {
		name, typ, body, field string
	}{
		{"NoID", "track", `{"event":"e"}`, "userId"},
		{"BlankIDs", "identify", `{"userId":"  ","anonymousId":""}`, "userId"},
		{"IDNotAString", "track", `{"userId":true,"event":"e"}`, "userId"},
		{"IDTooLong", "track", `{"userId":"` + strings.Repeat("u", 257) + `","event":"e"}`, "userId"},
		{"NoEvent", "track", `{"userId":"u"}`, "event"},
		{"EventNotAString", "track", `{"userId":"u","event":5}`, "event"},
		{"GroupWithoutGroupID", "group", `{"userId":"u"}`, "groupId"},
		{"AliasWithoutPreviousID", "alias", `{"userId":"u"}`, "previousId"},
		{"AliasWithoutUserID", "alias", `{"anonymousId":"a","previousId":"p"}`, "userId"},
		{"PropertiesNotAnObject", "track", `{"userId":"u","event":"e","properties":[1]}`, "properties"},
		{"TraitsNotAnObject", "identify", `{"userId":"u","traits":"vip"}`, "traits"},
		{"ContextNotAnObject", "track", `{"userId":"u","event":"e","context":"web"}`, "context"},
		{"HugeNumber", "track", `{"userId":"u","event":"e","properties":{"n":1e999}}`, "properties"},
		{"BadTimestamp", "track", `{"userId":"u","event":"e","timestamp":"yesterday"}`, "timestamp"},
		{"TimestampWithoutZone", "track", `{"userId":"u","event":"e","timestamp":"2026-11-23T10:00:00"}`, "timestamp"},
		{"AncientTimestamp", "track", `{"userId":"u","event":"e","timestamp":"0001-01-01T00:00:00Z"}`, "timestamp"},
		{"BadSentAt", "track", `{"userId":"u","event":"e","sentAt":"soon"}`, "sentAt"},
		{"MessageIDTooLong", "track", `{"userId":"u","event":"e","messageId":"` + strings.Repeat("m", 201) + `"}`, "messageId"},
		{"NotJSON", "track", `{"userId":`, "body"},
		{"Empty", "track", ``, "body"},
		{"NotAnObject", "track", `[1,2]`, "body"},
		{"NUL", "track", `{"userId":"u\u0000","event":"e"}`, "body"},
		{"InvalidUTF8", "track", "{\"userId\":\"\xff\",\"event\":\"e\"}", "body"},
		{"TooDeep", "track", `{"userId":"u","event":"e","properties":{"a":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}}`, "body"},
		{"TooBig", "track", `{"userId":"u","event":"e","properties":{"x":"` + strings.Repeat("a", 33<<10) + `"}}`, "body"},
		{"UnknownType", "purchase", `{"userId":"u"}`, "type"},
		{"ConsentWithoutWording", "track", `{"userId":"u","event":"Consent Recorded","properties":{"channel":"email","form":"footer"}}`, "properties.wording"},
		{"ConsentTraitOfAnUnknownChannel", "identify", `{"userId":"u","traits":{"consent":{"channel":"fax","status":"opted_out"}}}`, "traits.consent.channel"},
		{"ConsentWithABadIP", "track", `{"userId":"u","event":"Consent Recorded","properties":{"channel":"email","status":"opted_out"},"context":{"ip":"nope"}}`, "properties.ip"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ingest.Decode(tc.typ, []byte(tc.body), received)
			if got := firstField(t, err); got != tc.field {
				t.Errorf("Decode = %+v, %v; want an error naming %q", m, err, tc.field)
			}
		})
	}
}

func TestDecodeBatchNamesEveryBadCall(t *testing.T) {
	body := `{"batch":[
		{"type":"track","userId":"u","event":"ok"},
		{"type":"track","event":"no user"},
		{"type":"purchase","userId":"u"},
		null,
		{"type":"identify","userId":"u","timestamp":"bad","traits":[]}
	]}`
	ms, err := ingest.DecodeBatch([]byte(body), received)
	var errs ingest.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v", err)
	}
	if len(ms) != 1 || ms[0].Event != "ok" || ms[0].Index != 0 {
		t.Errorf("valid calls = %+v", ms)
	}
	want := []string{"batch[1].userId", "batch[2].type", "batch[3]", "batch[4].traits", "batch[4].timestamp"}
	var got []string
	for _, e := range errs {
		got = append(got, e.Field)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("fields = %v, want %v", got, want)
	}
	for _, b := range []string{`{}`, `{"batch":[]}`, `{"batch":{}}`, `{"batch":[1],"context":5}`} {
		if ms, err := ingest.DecodeBatch([]byte(b), received); err == nil || len(ms) != 0 {
			t.Errorf("DecodeBatch(%s) = %v, %v; want an error", b, ms, err)
		}
	}
	big := `{"batch":[{"type":"track","userId":"u","event":"e","properties":{"x":"` + strings.Repeat("a", 33<<10) + `"}}]}`
	if _, err := ingest.DecodeBatch([]byte(big), received); firstField(t, err) != "batch[0]" {
		t.Errorf("a 33 KB call in a batch = %v", err)
	}
}
