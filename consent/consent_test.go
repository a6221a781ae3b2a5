package consent

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/jsonfields"
)

var now = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

func fields(err error) []string {
	var out []string
	if errs := (jsonfields.Errors)(nil); errors.As(err, &errs) {
		for _, e := range errs {
			out = append(out, e.Field)
		}
	}
	return out
}

func TestValidate(t *testing.T) {
	t.Parallel()
	good := Record{Channel: "email", Status: OptedIn, Source: "signup_form",
		Evidence: Evidence{Form: "footer", Wording: "ニュースレターを受け取る", IP: "203.0.113.7"}}
	cases := []struct {
		name   string
		change func(*Record)
		want   []string
	}{
		{"AGoodOptInPasses", func(*Record) {}, nil},
		{"AnOptOutNeedsNoEvidence", func(r *Record) { r.Status, r.Evidence = OptedOut, Evidence{} }, nil},
		{"SMSIsAChannel", func(r *Record) { r.Channel = "SMS " }, nil},
		{"AnUnknownChannelIsRefused", func(r *Record) { r.Channel = "fax" }, []string{"channel"}},
		{"AStatusIsOneOfTwo", func(r *Record) { r.Status = "maybe" }, []string{"status"}},
		{"TheSourceIsRequired", func(r *Record) { r.Source = " " }, []string{"source"}},
		{"AnOptInSaysWhere", func(r *Record) { r.Evidence.Form = "" }, []string{"evidence.form"}},
		{"APageServesAsWhere", func(r *Record) { r.Evidence.Form, r.Evidence.Page = "", "https://shop.example/signup" }, nil},
		{"AnOptInSaysWhatWasShown", func(r *Record) { r.Evidence.Wording = "" }, []string{"evidence.wording"}},
		{"TheIPIsAnAddress", func(r *Record) { r.Evidence.IP = "999.1.1.1" }, []string{"evidence.ip"}},
		{"AnIPv6AddressPasses", func(r *Record) { r.Evidence.IP = "2001:db8::1" }, nil},
		{"TheFutureIsRefused", func(r *Record) { r.At = now.Add(time.Hour) }, []string{"at"}},
		{"AnAncientTimeIsRefused", func(r *Record) { r.At = time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC) }, []string{"at"}},
		{"ControlCharactersAreRefused", func(r *Record) { r.Source = "a\x01b" }, []string{"source"}},
		{"AnOverlongTopicIsRefused", func(r *Record) { r.Topic = strings.Repeat("x", 201) }, []string{"topic"}},
		{"AnOverlongWordingIsRefused", func(r *Record) { r.Evidence.Wording = strings.Repeat("同", 10_001) }, []string{"evidence.wording"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := good
			c.change(&r)
			r.Normalize(now)
			if got := fields(r.Validate(now)); !slices.Equal(got, c.want) {
				t.Errorf("fields = %v, want %v", got, c.want)
			}
		})
	}
	t.Run("NormalizeFillsTheTimeAndTrims", func(t *testing.T) {
		t.Parallel()
		r := Record{Channel: " Email ", Source: " form "}
		r.Normalize(now)
		if r.Channel != "email" || r.Source != "form" || !r.At.Equal(now) {
			t.Errorf("normalized = %+v", r)
		}
	})
}

func TestConvention(t *testing.T) {
	t.Parallel()
	ctx := map[string]any{"ip": "198.51.100.4", "userAgent": "Mozilla/5.0", "page": map[string]any{"url": "https://shop.example/join"}}
	t.Run("ATrackCallRecordsConsentWithItsContext", func(t *testing.T) {
		t.Parallel()
		rs, errs := FromTrack(ConsentEvent, map[string]any{"channel": "email", "wording": "お知らせを受け取る", "form": "join"}, ctx, now, now)
		if errs != nil || len(rs) != 1 {
			t.Fatalf("records = %v, %v", rs, errs)
		}
		r := rs[0]
		if r.Status != OptedIn || r.Source != "track" || r.Evidence.IP != "198.51.100.4" || r.Evidence.Page != "https://shop.example/join" ||
			r.Evidence.UserAgent != "Mozilla/5.0" || !r.At.Equal(now) {
			t.Errorf("record = %+v", r)
		}
	})
	t.Run("OtherEventsRecordNothing", func(t *testing.T) {
		t.Parallel()
		if rs, errs := FromTrack("Order Completed", map[string]any{"channel": "email"}, ctx, now, now); rs != nil || errs != nil {
			t.Errorf("records = %v, %v", rs, errs)
		}
		if rs, errs := FromTraits(map[string]any{"email": "a@b.jp"}, ctx, now, now); rs != nil || errs != nil {
			t.Errorf("records = %v, %v", rs, errs)
		}
	})
	t.Run("ABadTrackCallNamesItsProperty", func(t *testing.T) {
		t.Parallel()
		_, errs := FromTrack(ConsentEvent, map[string]any{"channel": "fax", "wording": 3}, map[string]any{"ip": "nope"}, now, now)
		got := fields(errs)
		for _, want := range []string{"properties.wording", "properties.channel", "properties.ip"} {
			if !slices.Contains(got, want) {
				t.Errorf("fields %v lack %s", got, want)
			}
		}
	})
	t.Run("TraitsHoldOneOrManyRecords", func(t *testing.T) {
		t.Parallel()
		one := map[string]any{"channel": "sms", "form": "checkout", "wording": "SMSで受け取る"}
		rs, errs := FromTraits(map[string]any{"consent": one}, ctx, now, now)
		if errs != nil || len(rs) != 1 || rs[0].Source != "identify" || rs[0].Channel != "sms" {
			t.Fatalf("records = %v, %v", rs, errs)
		}
		_, errs = FromTraits(map[string]any{"consent": []any{one, "yes"}}, ctx, now, now)
		if got := fields(errs); !slices.Equal(got, []string{"traits.consent[1]"}) {
			t.Errorf("fields = %v", got)
		}
	})
}

func TestCSV(t *testing.T) {
	t.Parallel()
	in := "customer_id,channel,status,source,at,form,wording,ip\n" +
		"u1,email,opted_in,store_signup,2026-11-01T10:00:00+09:00,paper form #12,ご案内メールを受け取る,\n" +
		"u2,email,opted_in,store_signup,,,,\n" +
		"u3,fax,opted_out,x,yesterday,,,\n" +
		"'=u4,email,opted_out,cleanup,,,,\n"
	rows, err := ReadCSV(strings.NewReader(in), now)
	if err != nil || len(rows) != 4 {
		t.Fatalf("rows = %v, %v", rows, err)
	}
	if rows[0].Err != nil || rows[0].CustomerID != "u1" || rows[0].Record.At.UTC().Hour() != 1 || rows[0].Line != 2 {
		t.Errorf("row 2 = %+v", rows[0])
	}
	if got := fields(rows[1].Err); !slices.Equal(got, []string{"form", "wording"}) {
		t.Errorf("row 3 faults = %v", got)
	}
	if got := fields(rows[2].Err); !slices.Equal(got, []string{"at", "channel"}) {
		t.Errorf("row 4 faults = %v", got)
	}
	if rows[3].Err != nil || rows[3].CustomerID != "=u4" {
		t.Errorf("row 5 = %+v (an apostrophe the export added comes off)", rows[3])
	}
	for _, bad := range []string{"customer_id,channel,status\n", "customer_id,channel,status,source,colour\n", ""} {
		if _, err := ReadCSV(strings.NewReader(bad), now); err == nil {
			t.Errorf("header %q: no error", bad)
		}
	}
	t.Run("WhatTheExportWritesTheImportReads", func(t *testing.T) {
		t.Parallel()
		var b strings.Builder
		w, err := NewCSVWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		r := Record{Channel: "email", Status: OptedIn, Source: "=cmd", At: now, Evidence: Evidence{Form: "f", Wording: "w, \"quoted\""}}
		if err := w.Write(CSVLine("u9", r, now)); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		back := b.String() // as exported, recorded_at and all
		rows, err := ReadCSV(strings.NewReader(back), now)
		if err != nil || len(rows) != 1 || rows[0].Err != nil || rows[0].Record.Source != "=cmd" || rows[0].Record.Evidence != r.Evidence {
			t.Errorf("read back %q = %+v, %v", back, rows, err)
		}
	})
}
