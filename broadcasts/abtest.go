package broadcasts

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/store"
)

// ABTest is a broadcast's A/B test as its author writes it: Variants go to
// Percent of the audience (each customer drawn by a hash of their ID and
// the broadcast's), and after Wait the variant with the best Metric
// (opens or clicks) goes to the rest.
type ABTest struct {
	Variants []Variant `json:"variants"`
	Percent  float64   `json:"percent"`
	Metric   string    `json:"metric"`
	Wait     string    `json:"wait"` // a duration: "4h", "90m"
}

// Variant is one variant: an email's own Subject, or its own whole
// Content in the channel's message-template format, or a stored
// Template of the channel (its latest version is pinned when the
// broadcast is scheduled).
type Variant struct {
	Name     string          `json:"name"`
	Subject  string          `json:"subject,omitempty"`
	Content  json.RawMessage `json:"content,omitempty"`
	Template string          `json:"template,omitempty"`
}

// Limits of an A/B test.
const (
	MaxVariants = 5
	MaxABWait   = 30 * 24 * time.Hour
)

var variantName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// checkABTest checks an A/B test of a broadcast on channel, each fault a
// store.Refusal (ErrMalformed) naming its field under abTest.
func checkABTest(channel string, t *ABTest) error {
	if t == nil {
		return nil
	}
	if n := len(t.Variants); n < 2 || n > MaxVariants {
		return malformed("abTest.variants", fmt.Sprintf("must hold 2 to %d variants", MaxVariants))
	}
	seen := map[string]bool{}
	for i, v := range t.Variants {
		field := fmt.Sprintf("abTest.variants[%d]", i)
		switch {
		case !variantName.MatchString(v.Name):
			return malformed(field+".name", "must be 1 to 32 letters, digits, _ or - (A, B, short_subject)")
		case seen[v.Name]:
			return malformed(field+".name", "is the name of another variant")
		}
		seen[v.Name] = true
		if err := checkVariant(channel, field, v); err != nil {
			return err
		}
	}
	switch {
	case !(t.Percent > 0 && t.Percent < 100):
		return malformed("abTest.percent", "must be a share of the audience above 0 and below 100, such as 20")
	case t.Metric != activities.ABMetricOpens && t.Metric != activities.ABMetricClicks:
		return malformed("abTest.metric", "must be opens or clicks")
	case t.Metric == activities.ABMetricOpens && channel != "email":
		return malformed("abTest.metric", "must be clicks: opens are reported for email only")
	}
	if d, err := time.ParseDuration(t.Wait); err != nil || d < time.Second || d > MaxABWait {
		return malformed("abTest.wait", "must be a duration from 1s to 720h, such as 4h")
	}
	return nil
}

// checkVariant checks one variant's subject (email only, valid Liquid),
// content (the channel's template format) or stored template (whose
// existence checkDraft checks): exactly one of them.
func checkVariant(channel, field string, v Variant) error {
	given := 0
	for _, set := range []bool{v.Subject != "", len(v.Content) > 0, v.Template != ""} {
		if set {
			given++
		}
	}
	switch {
	case given > 1:
		return malformed(field, "give one of subject, content or template")
	case v.Template != "":
		return nil
	case len(v.Content) > 0:
		if _, err := msgtemplates.Parse(channel, v.Content); err != nil {
			return underField(field, "content", err)
		}
		return nil
	case v.Subject == "" && channel == "email":
		return malformed(field+".subject", "is required: the variant's subject (or its own content or template)")
	case v.Subject == "":
		return malformed(field+".content", "is required: the variant's message on "+channel+" (or its template)")
	case channel != "email":
		return malformed(field+".subject", "is for email: give a "+channel+" variant its own content")
	}
	probe, _ := json.Marshal(map[string]string{"subject": v.Subject, "from": "shop@example.com", "html": "<p></p>"})
	if _, err := msgtemplates.Parse(channel, probe); err != nil {
		return underField(field, "subject", err)
	}
	return nil
}

// underField is a content error with its fields moved under field (the
// first word of each, "content.", becomes field's own part).
func underField(field, part string, err error) error {
	var errs jsonfields.Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		return malformed(field+"."+part, err.Error())
	}
	e := errs[0]
	name := field + "." + part
	if rest, ok := strings.CutPrefix(e.Field, "content."); ok && part == "content" {
		name += "." + rest
	}
	return malformed(name, e.Message)
}

// spec is the test as the workflow carries it.
func (t *ABTest) spec() (*activities.BroadcastAB, error) {
	if t == nil {
		return nil, nil
	}
	wait, err := time.ParseDuration(t.Wait)
	if err != nil {
		return nil, fmt.Errorf("broadcasts: read the A/B test's wait %q: %w", t.Wait, err)
	}
	ab := &activities.BroadcastAB{Percent: t.Percent, Metric: t.Metric, Wait: wait}
	for _, v := range t.Variants {
		ab.Variants = append(ab.Variants, activities.BroadcastVariant{Name: v.Name, Subject: v.Subject, Content: v.Content})
	}
	return ab, nil
}

// ReadABTest is the stored A/B test of a broadcast, nil for none.
func ReadABTest(b store.Broadcast) (*ABTest, error) {
	if len(b.ABTest) == 0 {
		return nil, nil
	}
	var t ABTest
	if err := json.Unmarshal(b.ABTest, &t); err != nil {
		return nil, fmt.Errorf("broadcasts: read the A/B test of %s: %w", b.ID, err)
	}
	return &t, nil
}
