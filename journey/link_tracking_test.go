package journey

import (
	"errors"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/jsonfields"
)

func TestLinkTracking(t *testing.T) {
	def := func(lt string) []byte {
		return []byte(`{"entry":{"event":"e"},"nodes":[{"id":"s","kind":"send","channel":"line","template":{"body":"hi"},"next":"x"},{"id":"x","kind":"exit"}],"link_tracking":` + lt + `}`)
	}
	t.Run("TakesUTMAndEmail", func(t *testing.T) {
		d, err := Parse(def(`{"utm":{"utm_source":"line","utm_campaign":"spring"},"email":true}`))
		if err != nil || d.LinkTracking.UTM["utm_source"] != "line" || !d.LinkTracking.Email {
			t.Fatalf("Parse = %+v, %v", d.LinkTracking, err)
		}
	})
	t.Run("NamesTheFieldOfABadSetting", func(t *testing.T) {
		for lt, field := range map[string]string{
			`{"utm":{"utm_sorce":"x"}}`:                                 "link_tracking.utm.utm_sorce",
			`{"utm":{"utm_source":" "}}`:                                "link_tracking.utm.utm_source",
			`{"utm":{"utm_medium":"` + strings.Repeat("m", 101) + `"}}`: "link_tracking.utm.utm_medium",
			`{"utm":{"utm_term":"a\nb"}}`:                               "link_tracking.utm.utm_term",
			`{"utm":{"utm_source":1}}`:                                  "link_tracking.utm",
			`{"track":true}`:                                            "link_tracking.track",
		} {
			_, err := Parse(def(lt))
			var errs jsonfields.Errors
			if !errors.As(err, &errs) || len(errs) == 0 || !strings.HasPrefix(errs[0].Field, field) {
				t.Errorf("%s: %v, want an error at %s", lt, err, field)
			}
		}
	})
}
