package workflows

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/journeytemplates"
)

// The main paths of every template in the library, run by the real
// interpreter with time skipped and activities mocked.

func template(t *testing.T, name string, params map[string]any) journey.Definition {
	t.Helper()
	d, err := journeytemplates.Render(name, params)
	if err != nil {
		t.Fatalf("render %s: %v", name, err)
	}
	return d
}

// runTemplate executes d for u_1, entered by entry at start.
func (b *bundle) runTemplate(t *testing.T, d journey.Definition, entry journey.Event, start time.Time) JourneyResult {
	t.Helper()
	b.env.SetStartTime(start)
	in := input(d)
	in.Entry = entry
	b.env.ExecuteWorkflow(Journey, in)
	return b.result(t)
}

// sent lists "node@offset" for every send, offsets from start.
func (b *bundle) sent(start time.Time) string {
	var out []string
	for i, s := range b.sends {
		out = append(out, s.NodeID+"@"+b.sentAt[i].Sub(start).String())
	}
	return strings.Join(out, ",")
}

func emailProfile(b *bundle) { b.profile = journey.Profile{ID: "u_1", Email: "u1@example.com"} }

var day = 24 * time.Hour

func TestTemplateCartAbandonment(t *testing.T) {
	d := template(t, "cart-abandonment", map[string]any{"coupon": "TEA10"})
	entry := journey.Event{MessageID: "m_cart", Name: "cart_add", Properties: map[string]any{"product": "tea set"}}
	t.Run("RemindsWithTheCouponAfterTheDelayAndWaitsForTheConversion", func(t *testing.T) {
		b := setup(t)
		emailProfile(b)
		b.sendSucceeds()
		b.signal(5*time.Hour, journey.Event{MessageID: "m_buy", Name: "purchase"})
		res := b.runTemplate(t, d, entry, saturdayNight)
		if res.Outcome != "converted" || b.sent(saturdayNight) != "send_reminder@30m0s" {
			t.Errorf("outcome %q, sent %s", res.Outcome, b.sent(saturdayNight))
		}
		if !strings.Contains(b.sends[0].Template.Body, "journey.variables.coupon") || b.sends[0].Variables["coupon"] != "TEA10" {
			t.Errorf("send = %+v", b.sends[0])
		}
		if st := b.state(t); st.Goal == nil || st.Goal.MessageID != "m_buy" {
			t.Errorf("goal = %+v", st.Goal)
		}
	})
	t.Run("SendsNothingToACustomerWhoBuysDuringTheDelay", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.signal(10*time.Minute, journey.Event{MessageID: "m_buy", Name: "purchase"})
		if res := b.runTemplate(t, d, entry, saturdayNight); res.Outcome != "purchased" || len(b.sends) != 0 {
			t.Errorf("outcome %q, %d sends", res.Outcome, len(b.sends))
		}
	})
	t.Run("EndsNotConvertedAfterTheGoalWindow", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		if res := b.runTemplate(t, d, entry, saturdayNight); res.Outcome != "not_converted" || b.state(t).Goal != nil {
			t.Errorf("outcome %q", res.Outcome)
		}
	})
}

func TestTemplatePostPurchase(t *testing.T) {
	d := template(t, "post-purchase", map[string]any{"guide_url": "https://shop.test/guide", "review_url": "https://shop.test/review"})
	entry := journey.Event{MessageID: "m_order", Name: "purchase"}
	t.Run("SendsOnDays1_5_10_30", func(t *testing.T) {
		b := setup(t)
		emailProfile(b)
		b.sendSucceeds()
		res := b.runTemplate(t, d, entry, saturdayNight)
		want := "send_thanks@24h0m0s,send_guide@120h0m0s,send_review_request@240h0m0s,send_coupon@720h0m0s"
		if res.Outcome != "done" || b.sent(saturdayNight) != want {
			t.Errorf("outcome %q, sent %s, want %s", res.Outcome, b.sent(saturdayNight), want)
		}
	})
	t.Run("TheNextPurchaseEndsTheSeries", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.signal(7*day, journey.Event{MessageID: "m_order2", Name: "purchase"})
		res := b.runTemplate(t, d, entry, saturdayNight)
		if res.Outcome != OutcomeExitCriteria || len(b.sends) != 2 {
			t.Errorf("outcome %q, sent %s", res.Outcome, b.sent(saturdayNight))
		}
	})
}

func TestTemplateWelcome(t *testing.T) {
	d := template(t, "welcome", nil)
	entry := journey.Event{MessageID: "m_signup", Name: "signed_up"}
	t.Run("OpenedTheFirstGetsTipsThenTheOffer", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		// As the SendGrid webhook records it: email_opened, naming the step that sent the email.
		b.signal(3*time.Hour, journey.Event{MessageID: "m_open", Name: "email_opened", Properties: map[string]any{"node_id": "send_welcome"}})
		res := b.runTemplate(t, d, entry, saturdayNight)
		want := "send_welcome@0s,send_tips@27h0m0s,send_offer_engaged@123h0m0s"
		if res.Outcome != "engaged" || b.sent(saturdayNight) != want {
			t.Errorf("outcome %q, sent %s, want %s", res.Outcome, b.sent(saturdayNight), want)
		}
	})
	t.Run("AnotherEmailsOpenDoesNotCount", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.signal(3*time.Hour, journey.Event{MessageID: "m_other", Name: "email_opened", Properties: map[string]any{"node_id": "newsletter"}})
		res := b.runTemplate(t, d, entry, saturdayNight)
		want := "send_welcome@0s,send_resend@48h0m0s,send_offer_resent@168h0m0s"
		if res.Outcome != "not_engaged" || b.sent(saturdayNight) != want {
			t.Errorf("outcome %q, sent %s, want %s", res.Outcome, b.sent(saturdayNight), want)
		}
	})
	t.Run("ClickedTheFirstOnLINEGetsTipsThenTheOffer", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		// As Tabiji's click redirect records it: line_clicked, naming the step that sent the message.
		b.signal(3*time.Hour, journey.Event{MessageID: "m_click", Name: "line_clicked",
			Properties: map[string]any{"node_id": "send_welcome", "url": "https://shop.example.jp/start"}})
		res := b.runTemplate(t, d, entry, saturdayNight)
		want := "send_welcome@0s,send_tips@27h0m0s,send_offer_engaged@123h0m0s"
		if res.Outcome != "engaged" || b.sent(saturdayNight) != want {
			t.Errorf("outcome %q, sent %s, want %s", res.Outcome, b.sent(saturdayNight), want)
		}
	})
	t.Run("AClickOnAnotherMessageDoesNotCount", func(t *testing.T) {
		for _, props := range []map[string]any{{"node_id": "broadcast", "broadcast_id": "spring"}, {"url": "https://shop.example.jp/"}} {
			b := setup(t)
			b.sendSucceeds()
			b.signal(3*time.Hour, journey.Event{MessageID: "m_click", Name: "line_clicked", Properties: props})
			res := b.runTemplate(t, d, entry, saturdayNight)
			want := "send_welcome@0s,send_resend@48h0m0s,send_offer_resent@168h0m0s"
			if res.Outcome != "not_engaged" || b.sent(saturdayNight) != want {
				t.Errorf("%v: outcome %q, sent %s, want %s", props, res.Outcome, b.sent(saturdayNight), want)
			}
		}
	})
	t.Run("UnopenedGetsItAgainThenTheOfferOnDay7", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		res := b.runTemplate(t, d, entry, saturdayNight)
		want := "send_welcome@0s,send_resend@48h0m0s,send_offer_resent@168h0m0s"
		if res.Outcome != "not_engaged" || b.sent(saturdayNight) != want {
			t.Errorf("outcome %q, sent %s, want %s", res.Outcome, b.sent(saturdayNight), want)
		}
	})
}

func TestTemplateDormantReengagement(t *testing.T) {
	d := template(t, "dormant-reengagement", nil)
	entry := journey.Event{MessageID: "m_seg", Name: "segment_entered", Properties: map[string]any{"segment": "dormant_21d"}}
	t.Run("AMessageThenAnOfferSevenDaysLater", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		res := b.runTemplate(t, d, entry, saturdayNight)
		if res.Outcome != "done" || b.sent(saturdayNight) != "send_miss_you@0s,send_offer@168h0m0s" {
			t.Errorf("outcome %q, sent %s", res.Outcome, b.sent(saturdayNight))
		}
	})
	t.Run("AnAppOpenEndsIt", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.signal(2*day, journey.Event{MessageID: "m_app", Name: "app_open"})
		if res := b.runTemplate(t, d, entry, saturdayNight); res.Outcome != OutcomeExitCriteria || len(b.sends) != 1 {
			t.Errorf("outcome %q, sent %s", res.Outcome, b.sent(saturdayNight))
		}
	})
}

func TestTemplateBirthday(t *testing.T) {
	d := template(t, "birthday", nil)
	b := setup(t)
	b.profile = journey.Profile{ID: "u_1", Email: "u1@example.com", Timezone: "Asia/Tokyo", Traits: map[string]any{"birthday": "1990-04-12"}}
	b.sendSucceeds()
	// The date trigger's sweep enters the customer at 09:00 in Tokyo on
	// 12 April (00:00 UTC): the greeting goes at once, and the run ends a
	// week later, after the goal window, so next year's entry starts anew.
	birthday := time.Date(2027, 4, 12, 0, 0, 0, 0, time.UTC)
	b.env.SetStartTime(birthday)
	in := input(d)
	in.Entry = journey.Event{MessageID: "date:birthday@09:00/yearly:u_1:2027-04-12", Name: journey.DateReachedEvent,
		Properties: map[string]any{"trigger": "birthday@09:00/yearly", "property": "birthday", "date": "2027-04-12"}}
	b.env.ExecuteWorkflow(Journey, in)
	var res JourneyResult
	if err := b.env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Outcome != "done" || b.sent(birthday) != "send_greeting@0s" {
		t.Errorf("outcome %q, sent %s, want the greeting at entry", res.Outcome, b.sent(birthday))
	}
	if ended := b.env.Now().Sub(birthday); ended != 7*day {
		t.Errorf("the run ended %v after entry, want 7 days", ended)
	}
}

func TestTemplateVIPEarlyAccess(t *testing.T) {
	d := template(t, "vip-early-access", map[string]any{"early_access_url": "https://shop.test/early"})
	entry := journey.Event{MessageID: "seg:vip_6m:u_1:in:2026-11-21", Name: journey.SegmentEnteredEvent, Properties: map[string]any{"segment": "vip_6m"}}
	t.Run("InvitesThenRemindsThoseWhoHaveNotBought", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		res := b.runTemplate(t, d, entry, saturdayNight)
		if res.Outcome != "reminded" || b.sent(saturdayNight) != "send_invitation@0s,send_last_chance@36h0m0s" {
			t.Errorf("outcome %q, sent %s", res.Outcome, b.sent(saturdayNight))
		}
	})
	t.Run("ABuyerIsNotReminded", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.signal(5*time.Hour, journey.Event{MessageID: "m_buy", Name: "purchase"})
		res := b.runTemplate(t, d, entry, saturdayNight)
		if res.Outcome != "purchased" || len(b.sends) != 1 || b.state(t).Goal == nil {
			t.Errorf("outcome %q, sent %s", res.Outcome, b.sent(saturdayNight))
		}
	})
}

func TestTemplateLeadScore(t *testing.T) {
	d := template(t, "lead-score", map[string]any{"sales_webhook_url": "https://crm.test/hook",
		"sales_owner_email": "sato@shop.example.jp", "response_time": "4h"})
	entry := journey.Event{MessageID: "m_score", Name: "lead_score_changed", Properties: map[string]any{"score": 91.0}}
	run := func(t *testing.T, signals ...journey.Event) (*bundle, JourneyResult) {
		b := setup(t)
		b.sendSucceeds()
		b.env.OnActivity("Webhook", mock.Anything, mock.Anything).Return(
			func(_ context.Context, in activities.WebhookInput) (activities.WebhookResult, error) {
				b.webhooks = append(b.webhooks, in)
				return activities.WebhookResult{Status: 200}, nil
			})
		for _, e := range signals {
			b.signal(time.Hour, e)
		}
		return b, b.runTemplate(t, d, entry, saturdayNight)
	}
	t.Run("AlertsSalesWithTheLeadAndEndsWhenContacted", func(t *testing.T) {
		b, res := run(t, journey.Event{MessageID: "m_contacted", Name: "lead_contacted"})
		if res.Outcome != "contacted" || len(b.webhooks) != 1 || b.sent(saturdayNight) != "email_owner@0s,send_offer_call@0s" {
			t.Fatalf("outcome %q, %d webhooks, sent %s", res.Outcome, len(b.webhooks), b.sent(saturdayNight))
		}
		if w := b.webhooks[0]; w.URL != "https://crm.test/hook" || !w.Lead || w.NodeID != "alert_sales" || w.RunID == "" ||
			w.Body.(map[string]any)["score"] != "{{ event.properties.score }}" {
			t.Errorf("webhook = %+v", w)
		}
	})
	t.Run("EscalatesWhenNobodyCallsWithinTheResponseTime", func(t *testing.T) {
		b, res := run(t)
		if res.Outcome != "not_contacted" || len(b.webhooks) != 2 || b.sent(saturdayNight) != "email_owner@0s,send_offer_call@0s,remind_owner@4h0m0s" {
			t.Fatalf("outcome %q, %d webhooks, sent %s", res.Outcome, len(b.webhooks), b.sent(saturdayNight))
		}
		if esc := b.webhooks[1]; esc.Body.(map[string]any)["escalated"] != true || !esc.Lead {
			t.Errorf("escalation = %+v", esc)
		}
	})
}

func TestTemplateCrossSell(t *testing.T) {
	d := template(t, "cross-sell", map[string]any{"recommendation_url": "https://shop.test/beans"})
	entry := journey.Event{MessageID: "m_buy", Name: "purchase", Properties: map[string]any{"category": "coffee makers"}}
	beans := journey.Event{MessageID: "m_beans", Name: "purchase", Properties: map[string]any{"category": "coffee beans"}}
	t.Run("RecommendsAfter14DaysAndCountsThePurchaseOfTheOtherCategory", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.signal(3*day, journey.Event{MessageID: "m_mug", Name: "purchase", Properties: map[string]any{"category": "mugs"}})
		b.signal(15*day, beans)
		res := b.runTemplate(t, d, entry, saturdayNight)
		if res.Outcome != "converted" || b.sent(saturdayNight) != "send_recommendation@336h0m0s" {
			t.Errorf("outcome %q, sent %s", res.Outcome, b.sent(saturdayNight))
		}
	})
	t.Run("DoesNotRecommendWhatWasBoughtMeanwhile", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.signal(3*day, beans)
		if res := b.runTemplate(t, d, entry, saturdayNight); res.Outcome != "already_bought" || len(b.sends) != 0 {
			t.Errorf("outcome %q, sent %s", res.Outcome, b.sent(saturdayNight))
		}
	})
}
