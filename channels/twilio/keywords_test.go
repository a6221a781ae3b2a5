package twilio_test

import (
	"testing"

	"github.com/tabiji/tabiji/channels/twilio"
)

func TestKeyword(t *testing.T) {
	for body, want := range map[string]string{
		"STOP": twilio.KeywordStop, " stop ": twilio.KeywordStop, "Stop.": twilio.KeywordStop, "ＳＴＯＰ": twilio.KeywordStop,
		"unsubscribe": twilio.KeywordStop, "停止": twilio.KeywordStop, "配信停止": twilio.KeywordStop, "配信停止。": twilio.KeywordStop,
		"ストップ": twilio.KeywordStop, "start": twilio.KeywordStart, "UNSTOP": twilio.KeywordStart, "再開": twilio.KeywordStart,
		"please stop sending": "", "ありがとう": "", "": "", "STOP IT": "",
	} {
		if got := twilio.Keyword(body, ""); got != want {
			t.Errorf("Keyword(%q) = %q, want %q", body, got, want)
		}
	}
	if twilio.Keyword("やめて", "STOP") != twilio.KeywordStop || twilio.Keyword("stop", "HELP") != twilio.KeywordStop ||
		twilio.Keyword("hello", "START") != twilio.KeywordStart {
		t.Error("Twilio's OptOutType should win over the words")
	}
}
