package webcapture

import (
	"net/url"
	"strings"
	"time"

	"github.com/medama-io/go-useragent"
	"github.com/medama-io/go-useragent/agents"
)

// Touch is where a visitor came from on one visit, read from a call's
// context as Segment's libraries fill it: the campaign (context.campaign,
// from the page's utm_* parameters), the referrer and landing page
// (context.page), and the device (context.device and context.os from apps,
// or parsed from context.userAgent in a browser).
type Touch struct {
	Source, Medium, Campaign, Term, Content string
	Referrer, ReferringDomain, LandingPage  string
	Device, OS, Browser                     string
	At                                      time.Time
}

// Touch trait prefixes: a profile keeps its first touch (never replaced)
// and its last attributed touch (a campaign or another site's referrer;
// a direct visit does not replace it) as flat traits, so that segments and
// CEL read them as any trait (profile.traits.first_touch_source).
const (
	FirstTouch = "first_touch_"
	LastTouch  = "last_touch_"
)

// TouchOf reads the touch of a call made at `at` with this context. ok is
// false when the context says nothing of a visit (a server's call has no
// page, campaign or referrer); attributed says whether it names where the
// visitor came from (a campaign, or a referrer on another host).
func TouchOf(context map[string]any, at time.Time) (t Touch, ok, attributed bool) {
	campaign, _ := context["campaign"].(map[string]any)
	page, _ := context["page"].(map[string]any)
	referrer, _ := context["referrer"].(map[string]any)
	if campaign == nil && page == nil && referrer == nil {
		return Touch{}, false, false
	}
	t = Touch{
		Source: str(campaign, "source"), Medium: str(campaign, "medium"), Campaign: str(campaign, "name"),
		Term: str(campaign, "term"), Content: str(campaign, "content"),
		Referrer: str(page, "referrer"), LandingPage: str(page, "url"), At: at.UTC(),
	}
	if t.Referrer == "" {
		t.Referrer = str(referrer, "link")
	}
	t.ReferringDomain = hostOf(t.Referrer)
	t.Device, t.OS, t.Browser = deviceOf(context)
	external := t.ReferringDomain != "" && t.ReferringDomain != hostOf(t.LandingPage)
	return t, true, t.Source != "" || t.Medium != "" || t.Campaign != "" || external
}

// Traits are the touch as flat traits under prefix (FirstTouch or
// LastTouch); empty parts are left out, the time is always there.
func (t Touch) Traits(prefix string) map[string]any {
	out := map[string]any{prefix + "at": t.At.Format(time.RFC3339Nano)}
	for k, v := range map[string]string{
		"source": t.Source, "medium": t.Medium, "campaign": t.Campaign, "term": t.Term, "content": t.Content,
		"referrer": t.Referrer, "referring_domain": t.ReferringDomain, "landing_page": t.LandingPage,
		"device": t.Device, "os": t.OS, "browser": t.Browser,
	} {
		if v != "" {
			out[prefix+k] = v
		}
	}
	return out
}

var uaParser = useragent.NewParser()

// deviceOf is the device class (mobile, tablet, desktop, tv, bot), the
// operating system and the browser: an app's context.device.type and
// context.os.name, else what the user agent says.
func deviceOf(context map[string]any) (device, os, browser string) {
	dev, _ := context["device"].(map[string]any)
	osCtx, _ := context["os"].(map[string]any)
	device, os = strings.ToLower(str(dev, "type")), str(osCtx, "name")
	ua, _ := context["userAgent"].(string)
	if ua == "" {
		return device, os, ""
	}
	agent := uaParser.Parse(ua)
	if device == "" && agent.Device() != agents.Device("") {
		device = strings.ToLower(string(agent.Device()))
	}
	if os == "" {
		os = string(agent.OS())
	}
	return device, os, string(agent.Browser())
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return strings.TrimSpace(s)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// JourneyKeys are the parts of a call's context a journey's CEL reads as
// event.context: where the visitor came from, never an address (a push
// token in context.device is left out).
var JourneyKeys = []string{"campaign", "page", "referrer", "device", "os", "userAgent", "locale"}

// JourneyContext is the part of a context a journey sees (JourneyKeys),
// nil when there is none.
func JourneyContext(context map[string]any) map[string]any {
	var out map[string]any
	for _, k := range JourneyKeys {
		v, ok := context[k]
		if !ok {
			continue
		}
		if k == "device" {
			if dev, isMap := v.(map[string]any); isMap {
				kept := map[string]any{}
				for dk, dv := range dev {
					if dk != "token" && dk != "advertisingId" && dk != "id" {
						kept[dk] = dv
					}
				}
				v = kept
			}
		}
		if out == nil {
			out = map[string]any{}
		}
		out[k] = v
	}
	return out
}
