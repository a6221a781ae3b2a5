package msgtemplates_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/msgtemplates"
)

func TestSMSTemplates(t *testing.T) {
	t.Run("RendersTheBodyAsTextWithTheTopic", func(t *testing.T) {
		c := mustParse(t, "sms", `{"body":"{{ customer.traits.name }}様、カートに {{ event.properties.product }} が残っています <b>", "topic":"promotions"}`)
		m, err := msgtemplates.Render(context.Background(), c, data())
		if err != nil {
			t.Fatal(err)
		}
		if m.SMS == nil || m.SMS.Body != `Hana "H" Sato様、カートに tea set が残っています <b>` || m.Topic != "promotions" || m.Channel != "sms" {
			t.Errorf("rendered %+v %+v: want the text unescaped, the topic and the channel", m, m.SMS)
		}
	})
	for name, tc := range map[string]struct{ content, field string }{
		"NoBody":         {`{"topic":"promotions"}`, "content.body"},
		"BlankBody":      {`{"body":"   "}`, "content.body"},
		"TooLong":        {`{"body":"` + strings.Repeat("あ", msgtemplates.SMSBodyLimit+1) + `"}`, "content.body"},
		"UnknownField":   {`{"body":"hi","subject":"no"}`, "content.subject"},
		"BadLiquid":      {`{"body":"{% if %}"}`, "content.body"},
		"UnclosedLiquid": {`{"body":"hello {{ customer.id"}`, "content.body"},
	} {
		t.Run("Refuses"+name, func(t *testing.T) {
			_, err := msgtemplates.Parse("sms", json.RawMessage(tc.content))
			var errs msgtemplates.Errors
			if !errors.As(err, &errs) || len(errs) == 0 || errs[0].Field != tc.field {
				t.Errorf("Parse(%s) = %v; want an error on %s", tc.content, err, tc.field)
			}
		})
	}
	t.Run("ARenderedBodyOverTheLimitIsAnError", func(t *testing.T) {
		c := mustParse(t, "sms", `{"body":"{% for i in (1..1700) %}x{% endfor %}"}`)
		_, err := msgtemplates.Render(context.Background(), c, data())
		var errs msgtemplates.Errors
		if !errors.As(err, &errs) || errs[0].Field != "content.body" {
			t.Errorf("Render = %v; want an error on content.body", err)
		}
	})
	t.Run("StoresAsItsOwnJSON", func(t *testing.T) {
		c := mustParse(t, "sms", `{"body":"hi"}`)
		b, err := json.Marshal(c)
		if err != nil || string(b) != `{"body":"hi"}` {
			t.Errorf("Marshal = %s, %v", b, err)
		}
	})
}
