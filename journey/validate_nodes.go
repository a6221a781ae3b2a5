package journey

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tabiji/tabiji/msgtemplates/liquid"
)

// Weekdays a wait_until node may name, Sunday first as time.Weekday counts.
var Weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

var (
	clockPattern    = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	propertyPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
	topicPattern    = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
)

type addFunc func(field, format string, args ...any)

func (d *Definition) validateNode(path string, n Node, add addFunc, ref func(string, string)) {
	if n.Transactional && n.Kind != KindSend {
		add(path+".transactional", "applies to send nodes only")
	}
	if n.Kind != KindSend && (n.Topic != "" || n.FallbackTemplate != nil || n.To != "") {
		add(path, "topic, fallback_template and to apply to send nodes only")
	}
	if n.Lead && n.Kind != KindSend && n.Kind != KindWebhook {
		add(path+".lead", "applies to send and webhook nodes only")
	}
	switch n.Kind {
	case KindWait:
		if n.Duration <= 0 {
			add(path+".duration", "is required and must be positive, as in \"30m\"")
		}
		ref(path+".next", n.Next)
	case KindWaitUntil:
		validateWaitUntil(path, n, add)
		ref(path+".next", n.Next)
	case KindWaitFor:
		validateWaitFor(path, n, add, ref)
	case KindBranch:
		if len(n.Cases) == 0 {
			add(path+".cases", "needs at least one case")
		}
		for j, c := range n.Cases {
			if strings.TrimSpace(c.Condition) == "" {
				add(fmt.Sprintf("%s.cases[%d].condition", path, j), "is required: a CEL condition")
			}
			ref(fmt.Sprintf("%s.cases[%d].next", path, j), c.Next)
		}
		ref(path+".default", n.Default)
	case KindSplit:
		validateSplit(path, n, add, ref)
	case KindSend:
		validateSend(path, n, add)
		ref(path+".next", n.Next)
	case KindUpdateProfile:
		validateProfileUpdate(path, n.ProfileUpdate, add)
		ref(path+".next", n.Next)
	case KindWebhook:
		validateWebhook(path, n, add)
		ref(path+".next", n.Next)
	case KindExit:
		if n.Next != "" {
			add(path+".next", "an exit node ends the run and has no next")
		}
	case "":
		add(path+".kind", "is required: one of %s", strings.Join(Kinds, ", "))
	default:
		add(path+".kind", "unknown kind %q: use one of %s", n.Kind, strings.Join(Kinds, ", "))
	}
}

func validateWaitUntil(path string, n Node, add addFunc) {
	if !clockPattern.MatchString(n.At) {
		add(path+".at", "is required: a time of day as HH:MM, as in \"09:00\"")
	}
	for j, w := range n.Weekdays {
		if !slices.Contains(Weekdays, w) {
			add(fmt.Sprintf("%s.weekdays[%d]", path, j), "must be one of %s", strings.Join(Weekdays, ", "))
		}
	}
	if n.Property == "" {
		if n.Offset != 0 || n.Yearly {
			add(path+".property", "is required with offset or yearly: the date trait to wait for")
		}
		return
	}
	if !propertyPattern.MatchString(n.Property) {
		add(path+".property", "must be a trait name such as \"renewal_date\"")
	}
	if len(n.Weekdays) > 0 {
		add(path+".weekdays", "applies to a time of day, not to a date property")
	}
}

func validateWaitFor(path string, n Node, add addFunc, ref func(string, string)) {
	if len(n.Events) == 0 {
		add(path+".events", "needs at least one event to wait for")
	}
	for j, b := range n.Events {
		if !eventNamePattern.MatchString(b.Event) {
			add(fmt.Sprintf("%s.events[%d].event", path, j), "is required")
		}
		ref(fmt.Sprintf("%s.events[%d].next", path, j), b.Next)
	}
	if n.Timeout <= 0 {
		add(path+".timeout", "is required and must be positive, as in \"30m\"")
	}
	ref(path+".on_timeout", n.OnTimeout)
}

func validateSplit(path string, n Node, add addFunc, ref func(string, string)) {
	if len(n.Variants) == 0 {
		add(path+".variants", "needs at least one variant")
	}
	names := map[string]bool{ControlVariant: true}
	for j, v := range n.Variants {
		vp := fmt.Sprintf("%s.variants[%d]", path, j)
		if !nodeIDPattern.MatchString(v.Name) {
			add(vp+".name", "is required: a short name such as \"a\"")
		} else if names[v.Name] {
			add(vp+".name", "%q is taken: names are unique and \"control\" is the control group's", v.Name)
		}
		names[v.Name] = true
		if v.Weight <= 0 {
			add(vp+".weight", "must be a positive whole number")
		}
		ref(vp+".next", v.Next)
	}
	if n.Control != nil {
		if n.Control.Weight <= 0 {
			add(path+".control.weight", "must be a positive whole number")
		}
		ref(path+".control.next", n.Control.Next)
	}
}

func validateSend(path string, n Node, add addFunc) {
	if n.Channels != nil {
		validateChannels(path, n, add)
	} else if !slices.Contains(Channels, n.Channel) {
		add(path+".channel", "must be one of %s (or give channels, an ordered list)", strings.Join(Channels, ", "))
	}
	if n.FallbackChannel != "" && n.Channels == nil {
		if !slices.Contains(Channels, n.FallbackChannel) {
			add(path+".fallback_channel", "must be one of %s", strings.Join(Channels, ", "))
		} else if n.FallbackChannel == n.Channel {
			add(path+".fallback_channel", "must differ from channel")
		}
	}
	validateTemplate(path+".template", n.Template, add)
	switch later := len(n.ChannelOrder()) - 1; {
	case n.FallbackTemplate != nil && later < 1:
		add(path+".fallback_template", "needs a fallback_channel (or a second entry in channels) to send on")
	case n.FallbackTemplate != nil && n.FallbackTemplate.Name != "" && later > 1:
		add(path+".fallback_template.name", "a stored template is one channel's content, but channels has %d fallbacks: use inline content", later)
	case n.FallbackTemplate != nil:
		validateTemplate(path+".fallback_template", n.FallbackTemplate, add)
	case later > 0 && n.Template != nil && n.Template.Name != "":
		add(path+".fallback_template", "is required: a stored template is one channel's content, so the %s fallback needs its own, inline or stored",
			strings.Join(n.ChannelOrder()[1:], ", "))
	}
	if n.Topic != "" && !topicPattern.MatchString(n.Topic) {
		add(path+".topic", "must be 1 to 64 letters, digits, '_', '.', ':' or '-', as in \"promotions\"")
	}
	if n.To != "" {
		validateTo(path, n, add)
	}
}

// validateTo checks a send's own recipient: one plain email address, or
// Liquid that gives one at send time ("{{ journey.variables.owner }}"),
// sent on email alone (no fallback would reach the owner).
func validateTo(path string, n Node, add addFunc) {
	if strings.Contains(n.To, "{{") {
		if err := liquid.Default().Check(n.To); err != nil {
			add(path+".to", "is not valid Liquid: %v", err)
		}
	} else if a, err := mail.ParseAddress(n.To); err != nil || a.Address != n.To || a.Name != "" || len(n.To) > 254 {
		add(path+".to", "must be one email address such as \"sales@shop.example.jp\" (without a name), or Liquid giving one")
	}
	if order := n.ChannelOrder(); len(order) != 1 || order[0] != "email" {
		add(path+".to", "goes on email only: give channel \"email\" (or channels [\"email\"]) and no fallback")
	}
}

func validateProfileUpdate(path string, u ProfileUpdate, add addFunc) {
	if len(u.Set)+len(u.Unset)+len(u.Increment)+len(u.AddTags)+len(u.RemoveTags) == 0 {
		add(path, "an update_profile node needs at least one of set, unset, increment, add_tags, remove_tags")
	}
	for k := range u.Set {
		if !propertyPattern.MatchString(k) {
			add(path+".set."+k, "is not a valid trait name")
		}
	}
	for j, k := range u.Unset {
		if !propertyPattern.MatchString(k) {
			add(fmt.Sprintf("%s.unset[%d]", path, j), "is not a valid trait name")
		}
	}
	for k := range u.Increment {
		if !propertyPattern.MatchString(k) {
			add(path+".increment."+k, "is not a valid trait name")
		}
	}
	for _, tags := range []struct {
		field string
		list  []string
	}{{"add_tags", u.AddTags}, {"remove_tags", u.RemoveTags}} {
		for j, tag := range tags.list {
			if strings.TrimSpace(tag) == "" {
				add(fmt.Sprintf("%s.%s[%d]", path, tags.field, j), "must not be empty")
			}
		}
	}
}

func validateWebhook(path string, n Node, add addFunc) {
	u, err := url.Parse(n.URL)
	if n.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add(path+".url", "is required: an http or https URL")
	}
	validateLiquidJSON(path+".body", n.Body, add)
	if utf8.RuneCountInString(n.Recipient) > 200 || strings.IndexFunc(n.Recipient, unicode.IsControl) >= 0 {
		add(path+".recipient", "must be a name of at most 200 characters, on one line")
	}
	for k := range n.Headers {
		if k == "" || strings.ContainsAny(k, " :\r\n") {
			add(path+".headers", "%q is not a valid header name", k)
		}
	}
}

// validateClockField checks an "HH:MM" time of day.
func validateClockField(field, v string, add addFunc) {
	if !clockPattern.MatchString(v) {
		add(field, "must be a time of day as HH:MM, as in \"21:00\"")
	}
}

// validateZone checks an IANA time zone name.
func validateZone(field, zone string, add addFunc) {
	if zone == "" {
		return
	}
	if _, err := time.LoadLocation(zone); err != nil {
		add(field, "%q is not an IANA time zone such as \"Asia/Tokyo\"", zone)
	}
}

// validateChannels checks an ordered fallback: one to as many channels as
// there are, each known and named once, and no channel or
// fallback_channel beside it.
func validateChannels(path string, n Node, add addFunc) {
	if n.Channel != "" || n.FallbackChannel != "" {
		add(path+".channels", "replaces channel and fallback_channel: give one or the other")
	}
	if len(n.Channels) == 0 || len(n.Channels) > len(Channels) {
		add(path+".channels", "must list 1 to %d channels in the order to try them, as [\"line\", \"email\"]", len(Channels))
	}
	for i, ch := range n.Channels {
		switch {
		case !slices.Contains(Channels, ch):
			add(fmt.Sprintf("%s.channels[%d]", path, i), "must be one of %s", strings.Join(Channels, ", "))
		case slices.Index(n.Channels, ch) < i:
			add(fmt.Sprintf("%s.channels[%d]", path, i), "%s is listed twice", ch)
		}
	}
}
