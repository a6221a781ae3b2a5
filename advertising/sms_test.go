package advertising

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSMSLine(t *testing.T) {
	t.Parallel()
	s := Sender{Name: "旅路\n茶舗", Address: "東京都千代田区千代田1-1", Contact: "stop@shop.example"}
	t.Run("OneLineInTheWorkspaceLanguage", func(t *testing.T) {
		t.Parallel()
		if got := s.SMSLine("ja-JP"); got != "【旅路 茶舗】配信停止はSTOPと返信" {
			t.Errorf("ja line = %q", got)
		}
		if got := s.SMSLine("en"); got != "From 旅路 茶舗. Reply STOP to opt out" {
			t.Errorf("en line = %q", got)
		}
		if got := s.SMSLine(""); strings.Contains(got, "\n") || utf8.RuneCountInString(got) > 60 {
			t.Errorf("line = %q, want one short line", got)
		}
	})
	t.Run("AddedOnceOnItsOwnLine", func(t *testing.T) {
		t.Parallel()
		body := s.AddToSMS("冬のセール開始！\n", "ja")
		if body != "冬のセール開始！\n【旅路 茶舗】配信停止はSTOPと返信" {
			t.Errorf("body = %q", body)
		}
		if again := s.AddToSMS(body, "ja"); again != body {
			t.Errorf("added twice: %q", again)
		}
	})
}
