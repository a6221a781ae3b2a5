package msgtemplates_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/msgtemplates"
)

// bubble is a valid Flex bubble with a hero image, a body and a footer button.
const bubble = `{"type":"bubble",
	"hero":{"type":"image","url":"https://cdn.example/{{ event.properties.sku }}.jpg","size":"full","aspectMode":"cover"},
	"body":{"type":"box","layout":"vertical","contents":[
		{"type":"text","text":"{{ profile.traits.name }}さん、お忘れではありませんか?","weight":"bold","wrap":true},
		{"type":"separator"},
		{"type":"box","layout":"baseline","contents":[{"type":"text","text":"{{ event.properties.product }}","flex":1}]}]},
	"footer":{"type":"box","layout":"vertical","contents":[
		{"type":"button","style":"primary","action":{"type":"uri","label":"カートを見る","uri":"https://shop.example/cart"}}]}}`

func flex(contents string) string {
	return `{"messages":[{"type":"flex","altText":"Your cart","contents":` + contents + `}]}`
}

// fields returns the fields an error names, or nil for no error.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var errs msgtemplates.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v is not msgtemplates.Errors", err)
	}
	out := make([]string, len(errs))
	for i, fe := range errs {
		out[i] = fe.Field
	}
	return out
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, channel, content string
		wantFields             []string // nil: valid
	}{
		// email
		{"EmailWithHTMLOnly", "email", `{"subject":"Hi {{ profile.traits.name }}","html":"<p>Hi</p>","from":"news@shop.example","categories":["cart"]}`, nil},
		{"EmailWithTextOnly", "email", `{"subject":"Hi","text":"Hi","from":"news@shop.example","replyTo":"help@shop.example"}`, nil},
		{"EmailWithoutSubject", "email", `{"html":"<p>Hi</p>","from":"news@shop.example"}`, []string{"content.subject"}},
		{"EmailWithoutBody", "email", `{"subject":"Hi","from":"news@shop.example"}`, []string{"content.html"}},
		{"EmailWithoutFrom", "email", `{"subject":"Hi","html":"x"}`, []string{"content.from"}},
		{"EmailWithABadFrom", "email", `{"subject":"Hi","html":"x","from":"not an address"}`, []string{"content.from"}},
		{"EmailWithANamedFrom", "email", `{"subject":"Hi","html":"x","from":"Shop <news@shop.example>"}`, []string{"content.from"}},
		{"EmailWithABadReplyTo", "email", `{"subject":"Hi","html":"x","from":"a@b.example","replyTo":"nope"}`, []string{"content.replyTo"}},
		{"EmailWithTooManyCategories", "email", `{"subject":"Hi","html":"x","from":"a@b.example","categories":["1","2","3","4","5","6","7","8","9","10","11"]}`, []string{"content.categories"}},
		{"EmailWithAnEmptyCategory", "email", `{"subject":"Hi","html":"x","from":"a@b.example","categories":["a"," "]}`, []string{"content.categories[1]"}},
		{"EmailWithBadLiquid", "email", `{"subject":"Hi","html":"<p>{% if x %}</p>","from":"a@b.example"}`, []string{"content.html"}},
		{"EmailWithBadLiquidInTheSubject", "email", `{"subject":"Hi {{ ","html":"x","from":"a@b.example"}`, []string{"content.subject"}},
		{"EmailWithAnUnknownField", "email", `{"subject":"Hi","html":"x","from":"a@b.example","bcc":"x"}`, []string{"content.bcc"}},
		{"EmailWithASubjectOfTheWrongType", "email", `{"subject":1,"html":"x","from":"a@b.example"}`, []string{"content.subject"}},
		// push
		{"Push", "push", `{"title":"Cart","body":"{{ event.properties.product }}","imageUrl":"https://cdn.example/a.png","deepLink":"shop://cart","data":{"cart":"{{ event.properties.cart_id }}"}}`, nil},
		{"PushWithoutTitleAndBody", "push", `{"imageUrl":"https://cdn.example/a.png"}`, []string{"content.title", "content.body"}},
		{"PushWithAnHTTPImage", "push", `{"title":"a","body":"b","imageUrl":"http://cdn.example/a.png"}`, []string{"content.imageUrl"}},
		{"PushWithALiquidImage", "push", `{"title":"a","body":"b","imageUrl":"https://cdn.example/{{ event.properties.sku }}.png"}`, nil},
		{"PushWithADeepLinkWithoutScheme", "push", `{"title":"a","body":"b","deepLink":"cart/1"}`, []string{"content.deepLink"}},
		{"PushWithBadLiquidInData", "push", `{"title":"a","body":"b","data":{"k":"{{ x"}}`, []string{"content.data.k"}},
		// LINE
		{"LINEText", "line", `{"messages":[{"type":"text","text":"こんにちは {{ profile.traits.name }}"}]}`, nil},
		{"LINEImage", "line", `{"messages":[{"type":"image","originalContentUrl":"https://cdn.example/a.jpg","previewImageUrl":"https://cdn.example/a_s.jpg"}]}`, nil},
		{"LINEImageOverHTTP", "line", `{"messages":[{"type":"image","originalContentUrl":"http://cdn.example/a.jpg","previewImageUrl":"https://cdn.example/a_s.jpg"}]}`, []string{"content.messages[0].originalContentUrl"}},
		{"LINEImageWithoutPreview", "line", `{"messages":[{"type":"image","originalContentUrl":"https://cdn.example/a.jpg"}]}`, []string{"content.messages[0].previewImageUrl"}},
		{"LINENoMessages", "line", `{"messages":[]}`, []string{"content.messages"}},
		{"LINESixMessages", "line", `{"messages":[{"type":"text","text":"1"},{"type":"text","text":"2"},{"type":"text","text":"3"},{"type":"text","text":"4"},{"type":"text","text":"5"},{"type":"text","text":"6"}]}`, []string{"content.messages"}},
		{"LINEUnsupportedType", "line", `{"messages":[{"type":"audio","originalContentUrl":"https://cdn.example/a.m4a","duration":1000}]}`, []string{"content.messages[0].type"}},
		{"LINETextWithoutText", "line", `{"messages":[{"type":"text"}]}`, []string{"content.messages[0].text"}},
		{"LINETextWithAnUnknownField", "line", `{"messages":[{"type":"text","text":"a","txet":"b"}]}`, []string{"content.messages[0].txet"}},
		{"LINETextWithBadLiquid", "line", `{"messages":[{"type":"text","text":"{% for %}"}]}`, []string{"content.messages[0].text"}},
		{"LINEQuickReplies", "line", `{"messages":[{"type":"text","text":"Size?","quickReply":{"items":[
			{"type":"action","action":{"type":"message","label":"S","text":"S"}},
			{"type":"action","imageUrl":"https://cdn.example/m.png","action":{"type":"postback","label":"M","data":"size=m"}}]}}]}`, nil},
		{"LINEQuickReplyWithoutLabel", "line", `{"messages":[{"type":"text","text":"Size?","quickReply":{"items":[{"type":"action","action":{"type":"message","text":"S"}}]}}]}`, []string{"content.messages[0].quickReply.items[0].action.label"}},
		{"LINEQuickReplyWithAnUnknownAction", "line", `{"messages":[{"type":"text","text":"Size?","quickReply":{"items":[{"type":"action","action":{"type":"teleport","label":"S"}}]}}]}`, []string{"content.messages[0].quickReply.items[0].action.type"}},
		{"LINEFourteenQuickReplies", "line", `{"messages":[{"type":"text","text":"Size?","quickReply":{"items":[` +
			strings.TrimSuffix(strings.Repeat(`{"type":"action","action":{"type":"message","label":"S","text":"S"}},`, 14), ",") + `]}}]}`,
			[]string{"content.messages[0].quickReply.items"}},
		{"FlexBubble", "line", flex(bubble), nil},
		{"FlexCarousel", "line", flex(`{"type":"carousel","contents":[` + bubble + `,` + bubble + `]}`), nil},
		{"FlexWithoutAltText", "line", `{"messages":[{"type":"flex","contents":` + bubble + `}]}`, []string{"content.messages[0].altText"}},
		{"FlexBoxWithoutLayout", "line", flex(`{"type":"bubble","body":{"type":"box","contents":[{"type":"text","text":"a"}]}}`), []string{"content.messages[0].contents.body.layout"}},
		{"FlexBoxWithoutContents", "line", flex(`{"type":"bubble","body":{"type":"box","layout":"vertical"}}`), []string{"content.messages[0].contents.body.contents"}},
		{"FlexBoxWithABadLayout", "line", flex(`{"type":"bubble","body":{"type":"box","layout":"diagonal","contents":[]}}`), []string{"content.messages[0].contents.body.layout"}},
		{"FlexButtonWithoutActionDeepInside", "line", flex(`{"type":"bubble","body":{"type":"box","layout":"vertical","contents":[{"type":"box","layout":"horizontal","contents":[{"type":"button","style":"link"}]}]}}`),
			[]string{"content.messages[0].contents.body.contents[0].contents[0].action"}},
		{"FlexImageWithoutURL", "line", flex(`{"type":"bubble","hero":{"type":"image","size":"full"}}`), []string{"content.messages[0].contents.hero.url"}},
		{"FlexTextWithAWrongType", "line", flex(`{"type":"bubble","body":{"type":"box","layout":"vertical","contents":[{"type":"text","text":"a","wrap":"yes"}]}}`),
			[]string{"content.messages[0].contents.body.contents[0].wrap"}},
		{"FlexUnknownComponent", "line", flex(`{"type":"bubble","body":{"type":"box","layout":"vertical","contents":[{"type":"marquee"}]}}`),
			[]string{"content.messages[0].contents.body.contents[0].type"}},
		{"FlexCarouselWithoutContents", "line", flex(`{"type":"carousel"}`), []string{"content.messages[0].contents.contents"}},
		{"FlexUnknownContainer", "line", flex(`{"type":"bundle"}`), []string{"content.messages[0].contents.type"}},
		{"FlexCarouselOfThirteenBubbles", "line", flex(`{"type":"carousel","contents":[` + strings.Repeat(bubble+",", 12) + bubble + `]}`), []string{"content.messages[0].contents.contents"}},
		// channel
		{"UnknownChannel", "fax", `{}`, []string{"channel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := msgtemplates.Parse(tt.channel, json.RawMessage(tt.content))
			if got := fields(t, err); !slices.Equal(got, tt.wantFields) {
				t.Errorf("Parse errors name %v, want %v (%v)", got, tt.wantFields, err)
			}
		})
	}
}

func TestContentRoundTrips(t *testing.T) {
	t.Parallel()
	for channel, content := range map[string]string{
		"email": `{"subject":"Hi","html":"<p>Hi</p>","from":"a@b.example","categories":["x"]}`,
		"line":  flex(bubble),
		"push":  `{"title":"a","body":"b","data":{"k":"v"}}`,
	} {
		c, err := msgtemplates.Parse(channel, json.RawMessage(content))
		if err != nil {
			t.Fatalf("%s: %v", channel, err)
		}
		raw, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := msgtemplates.Parse(channel, raw); err != nil {
			t.Errorf("%s: the stored form %s does not parse again: %v", channel, raw, err)
		}
	}
}
