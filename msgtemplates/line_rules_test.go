package msgtemplates_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/msgtemplates"
)

const (
	uriAction      = `{"type":"uri","label":"Open","uri":"https://shop.example/cart"}`
	postbackAction = `{"type":"postback","label":"Yes","data":"answer=yes"}`
	buttons        = `{"type":"template","altText":"Your cart","template":{"type":"buttons","thumbnailImageUrl":"https://cdn.example/{{ event.properties.sku }}.jpg",
		"title":"{{ event.properties.product }}","text":"Still thinking?","actions":[` + uriAction + `]}}`
	confirm = `{"type":"template","altText":"Confirm","template":{"type":"confirm","text":"Keep the reservation?","actions":[` +
		postbackAction + `,{"type":"message","label":"No","text":"no"}]}}`
	imagemap = `{"type":"imagemap","baseUrl":"https://cdn.example/sale","altText":"Sale","baseSize":{"width":1040,"height":1040},
		"actions":[{"type":"uri","linkUri":"https://shop.example/sale","area":{"x":0,"y":0,"width":520,"height":1040}},
		{"type":"message","text":"more","area":{"x":520,"y":0,"width":520,"height":1040}}]}`
	sticker = `{"type":"sticker","packageId":"446","stickerId":"1988"}`
)

func column(text string, actions ...string) string {
	return `{"thumbnailImageUrl":"https://cdn.example/a.jpg","title":"Tea","text":"` + text + `","actions":[` + strings.Join(actions, ",") + `]}`
}

func carousel(columns ...string) string {
	return `{"type":"template","altText":"Picks","template":{"type":"carousel","columns":[` + strings.Join(columns, ",") + `]}}`
}

func lineMessages(msgs ...string) string { return `{"messages":[` + strings.Join(msgs, ",") + `]}` }

func TestLINEMessageTypes(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("あ", 61)
	tests := []struct {
		name, content string
		wantFields    []string // nil: valid
	}{
		{"ButtonsTemplate", lineMessages(buttons), nil},
		{"ConfirmTemplate", lineMessages(confirm), nil},
		{"CarouselTemplate", lineMessages(carousel(column("Green", uriAction), column("Black", postbackAction))), nil},
		{"Imagemap", lineMessages(imagemap), nil},
		{"Sticker", lineMessages(sticker), nil},
		{"AllTypesInOneTemplate", lineMessages(`{"type":"text","text":"Hi"}`, buttons, imagemap, sticker, confirm), nil},
		{"TemplateWithoutAltText", lineMessages(`{"type":"template","template":{"type":"confirm","text":"a","actions":[` + postbackAction + `,` + postbackAction + `]}}`),
			[]string{"content.messages[0].altText"}},
		{"TemplateWithAnUnknownKind", lineMessages(`{"type":"template","altText":"a","template":{"type":"slideshow"}}`), []string{"content.messages[0].template.type"}},
		{"ButtonsWithFiveActions", lineMessages(`{"type":"template","altText":"a","template":{"type":"buttons","text":"a","actions":[` +
			strings.TrimSuffix(strings.Repeat(uriAction+",", 5), ",") + `]}}`), []string{"content.messages[0].template.actions"}},
		{"ButtonsWithATitleAndALongText", lineMessages(`{"type":"template","altText":"a","template":{"type":"buttons","title":"t","text":"` + long + `","actions":[` + uriAction + `]}}`),
			[]string{"content.messages[0].template.text"}},
		{"ButtonsActionWithoutType", lineMessages(`{"type":"template","altText":"a","template":{"type":"buttons","text":"a","actions":[{"label":"x"}]}}`),
			[]string{"content.messages[0].template.actions[0].type"}},
		{"ButtonsActionWithALongLabel", lineMessages(`{"type":"template","altText":"a","template":{"type":"buttons","text":"a","actions":[{"type":"message","label":"` +
			strings.Repeat("x", 21) + `","text":"x"}]}}`), []string{"content.messages[0].template.actions[0].label"}},
		{"ButtonsWithAnHTTPThumbnail", lineMessages(`{"type":"template","altText":"a","template":{"type":"buttons","thumbnailImageUrl":"http://cdn.example/a.jpg","text":"a","actions":[` + uriAction + `]}}`),
			[]string{"content.messages[0].template.thumbnailImageUrl"}},
		{"ConfirmWithOneAction", lineMessages(`{"type":"template","altText":"a","template":{"type":"confirm","text":"a","actions":[` + postbackAction + `]}}`),
			[]string{"content.messages[0].template.actions"}},
		{"CarouselOfElevenColumns", lineMessages(carousel(strings.Split(strings.Repeat(column("a", uriAction)+"|", 11), "|")[:11]...)),
			[]string{"content.messages[0].template.columns"}},
		{"CarouselColumnsWithDifferentActionCounts", lineMessages(carousel(column("a", uriAction), column("b", uriAction, postbackAction))),
			[]string{"content.messages[0].template.columns[1].actions"}},
		{"CarouselColumnWithoutText", lineMessages(carousel(`{"actions":[` + uriAction + `]}`)), []string{"content.messages[0].template.columns[0].text"}},
		{"ImagemapNot1040Wide", lineMessages(strings.Replace(imagemap, `"width":1040,"height":1040`, `"width":700,"height":700`, 1)),
			[]string{"content.messages[0].baseSize.width"}},
		{"ImagemapAreaOutsideTheImage", lineMessages(strings.Replace(imagemap, `"x":520,"y":0`, `"x":600,"y":0`, 1)), []string{"content.messages[0].actions[1].area"}},
		{"ImagemapOverHTTP", lineMessages(strings.Replace(imagemap, "https://cdn.example/sale", "http://cdn.example/sale", 1)), []string{"content.messages[0].baseUrl"}},
		{"ImagemapWithoutBaseSize", lineMessages(`{"type":"imagemap","baseUrl":"https://cdn.example/a","altText":"a","actions":[]}`),
			[]string{"content.messages[0].baseSize", "content.messages[0].actions"}},
		{"ImagemapActionOfAnUnknownType", lineMessages(`{"type":"imagemap","baseUrl":"https://cdn.example/a","altText":"a","baseSize":{"width":1040,"height":520},"actions":[{"type":"teleport","area":{"x":0,"y":0,"width":1,"height":1}}]}`),
			[]string{"content.messages[0].actions[0].type"}},
		{"StickerWithoutStickerID", lineMessages(`{"type":"sticker","packageId":"446"}`), []string{"content.messages[0].stickerId"}},
		{"StickerWithANameForAnID", lineMessages(`{"type":"sticker","packageId":"446","stickerId":"smile"}`), []string{"content.messages[0].stickerId"}},
		{"StickerIDOfTheWrongType", lineMessages(`{"type":"sticker","packageId":"446","stickerId":1988}`), []string{"content.messages[0].stickerId"}},
		{"LocationIsNotATabijiType", lineMessages(`{"type":"location","title":"a","address":"b","latitude":1,"longitude":2}`), []string{"content.messages[0].type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := msgtemplates.Parse("line", json.RawMessage(tt.content))
			if got := fields(t, err); !slices.Equal(got, tt.wantFields) {
				t.Errorf("Parse errors name %v, want %v (%v)", got, tt.wantFields, err)
			}
		})
	}
}
