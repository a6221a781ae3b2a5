package tests

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/store"
)

// TestJapaneseWorkspace: a workspace made Japanese (Asia/Tokyo, ja, JPY)
// gets its defaults from that alone: the birthday template's greeting is
// scheduled at 09:00 Tokyo time, the cart-abandonment reminder is the
// Japanese one (the customer's name with 様, the price in yen), and the
// journey's daily statistics are cut at Tokyo's midnight, not UTC's.
func TestJapaneseWorkspace(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.startDeliveryWorkers(sg, ln)
	s.runSweeper()
	s.call("PATCH", "/v1/workspace", "admin", map[string]any{"timezone": "Asia/Tokyo", "locale": "ja", "currency": "JPY"}, http.StatusOK, nil)
	// A ja workspace enforces the advertising-mail law: its sender identity, and each customer's opt-in.
	s.call("PUT", "/v1/workspace/advertising", "admin", map[string]any{"sender": map[string]any{
		"name": "旅路商店株式会社", "address": "〒100-0001 東京都千代田区千代田1-1", "contact": "support@shop.example"}}, http.StatusOK, nil)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	customer := func(id, birthday string) {
		s.segment("/v1/identify", `{"userId":"`+id+`","messageId":"id-`+id+`","traits":{"email":"`+id+`@example.jp",`+
			`"last_name":"山田","first_name":"花子","birthday":"`+birthday+`"}}`)
		s.call("POST", "/v1/profiles/"+id+"/consent", "admin", map[string]any{"channel": "email", "status": "opted_in",
			"source": "signup_form", "evidence": map[string]any{"form": "会員登録", "wording": "メールマガジンを受け取る"}}, http.StatusCreated, nil)
	}

	t.Run("BirthdayGreetingAt0900Tokyo", func(t *testing.T) {
		now := time.Now().In(tokyo)
		if now.Hour() == 8 && now.Minute() >= 58 || now.Hour() == 9 && now.Minute() < 2 {
			t.Skip("within two minutes of 09:00 in Tokyo: whether today's greeting is due depends on the second the sweep runs")
		}
		customer("bd_today", "1990-"+now.Format("01-02"))
		s.call("POST", "/v1/journey-templates/birthday/launch", "admin", map[string]any{"id": "bday"}, http.StatusCreated, nil)
		// No timezone parameter: the date trigger's schedule runs in the workspace's zone, at the template's 09:00.
		id := "ws_default/trigger/date/birthday@09:00/yearly/Asia/Tokyo"
		res := s.sweepsDone(id, 1)
		due := now.Hour() >= 9 // today in Tokyo, and 09:00 there has passed
		if want := map[bool]int{true: 1, false: 0}[due]; res.Emitted != want {
			t.Fatalf("first sweep at %s Tokyo = %+v, want %d greeting", now.Format("15:04"), res, want)
		}
		if !due {
			return
		}
		eventually(t, 30*time.Second, "the birthday greeting sent", func() bool {
			m := s.messagesOf("bd_today")
			return len(m) == 1 && m[0].Status == activities.MessageSent
		})
		if m := s.messagesOf("bd_today"); !strings.Contains(m[0].Subject, "誕生日") {
			t.Errorf("greeting subject = %q, want the Japanese one", m[0].Subject)
		}
	})

	t.Run("CartReminderInJapaneseWithHonorificAndYen", func(t *testing.T) {
		customer("cart_hana", "1991-01-01")
		s.call("POST", "/v1/journey-templates/cart-abandonment/launch", "admin",
			map[string]any{"id": "cart_ja", "params": map[string]any{"delay": "1s"}}, http.StatusCreated, nil)
		s.trackProps("cart_hana", "cart_add", "ja-cart-1", map[string]any{"product": "有田焼の湯呑み", "price": 4800})
		eventually(t, 30*time.Second, "the reminder sent", func() bool {
			m := s.messagesOf("cart_hana")
			return len(m) == 1 && m[0].Status == activities.MessageSent
		})
		var html string
		for _, r := range sg.Requests() {
			if r.Status/100 == 2 && strings.Contains(string(r.Body), "cart_hana@example.jp") {
				var mail struct {
					Content []struct{ Type, Value string } `json:"content"`
				}
				r.JSON(t, &mail)
				for _, c := range mail.Content {
					if c.Type == "text/html" {
						html = c.Value
					}
				}
			}
		}
		for _, want := range []string{"山田 花子 様", "¥4,800", "有田焼の湯呑み", "お買い物かご"} {
			if !strings.Contains(html, want) {
				t.Errorf("the reminder SendGrid received lacks %q:\n%s", want, html)
			}
		}

		// Daily statistics: an entry at 16:00 UTC on 30 November is 1 December in Tokyo.
		s.exec(`UPDATE journey_stat_counters SET bucket = '2026-11-30T16:00:00Z' WHERE workspace_id = 'default' AND journey_id = 'cart_ja' AND metric = 'entered'`)
		day := func(query string) []store.DayStats {
			var st store.JourneyStats
			s.call("GET", "/v1/journeys/cart_ja/stats?from=2026-11-01"+query, "admin", nil, http.StatusOK, &st)
			var days []store.DayStats
			for _, d := range st.Daily {
				if d.Entered > 0 {
					days = append(days, d)
				}
			}
			return days
		}
		if d := day(""); len(d) != 1 || d[0].Day != "2026-12-01" || d[0].Entered != 1 {
			t.Errorf("daily entries in the workspace's zone = %+v, want one on 2026-12-01 (Tokyo)", d)
		}
		if d := day("&tz=UTC"); len(d) != 1 || d[0].Day != "2026-11-30" {
			t.Errorf("daily entries in UTC = %+v, want one on 2026-11-30", d)
		}
	})
}
