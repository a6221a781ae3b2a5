package journey

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func exampleDefinition(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile("examples/cart_abandonment.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Definition json.RawMessage }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Definition
}

func TestParseDuration(t *testing.T) {
	cases := map[string]time.Duration{
		"30m": 30 * time.Minute, "20s": 20 * time.Second, "5d": 5 * 24 * time.Hour,
		"2d12h": 60 * time.Hour, "1h30m": 90 * time.Minute, "-3d": -72 * time.Hour,
	}
	for in, want := range cases {
		got, err := ParseDuration(in)
		if err != nil || time.Duration(got) != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, time.Duration(got), err, want)
		}
	}
	for _, bad := range []string{"", "5", "xd", "--1d", "-", "3 weeks"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted a bad duration", bad)
		}
	}
	if s := Duration(5 * 24 * time.Hour).String(); s != "5d" {
		t.Errorf("String() = %q, want 5d", s)
	}
	if s := Duration(-3 * 24 * time.Hour).String(); s != "-3d" {
		t.Errorf("String() = %q, want -3d", s)
	}
}

func TestParseExample(t *testing.T) {
	d, err := Parse(exampleDefinition(t))
	if err != nil {
		t.Fatalf("the shipped example does not parse: %v", err)
	}
	if d.StartNode() != "wait_for_purchase" {
		t.Errorf("StartNode() = %q", d.StartNode())
	}
	if got := d.Events(); !slices.Equal(got, []string{"cart_add", "purchase"}) {
		t.Errorf("Events() = %v", got)
	}
	n, _ := d.Node("wait_for_purchase")
	if time.Duration(n.Timeout) != 30*time.Minute {
		t.Errorf("timeout = %v", time.Duration(n.Timeout))
	}
}

func TestValidateNamesEveryField(t *testing.T) {
	cases := []struct {
		name, json string
		fields     []string
	}{
		{"MissingEntry", `{"nodes":[{"id":"a","kind":"exit"}]}`, []string{"entry.event"}},
		{"NoNodes", `{"entry":{"event":"x"},"nodes":[]}`, []string{"nodes"}},
		{"DuplicateID", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"exit"},{"id":"a","kind":"exit"}]}`, []string{"nodes[1].id"}},
		{"UnknownKind", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"jump"}]}`, []string{"nodes[0].kind"}},
		{"DanglingNext", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"wait","duration":"1m","next":"b"}]}`, []string{"nodes[0].next"}},
		{"WaitWithoutDuration", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"wait","next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].duration"}},
		{"WaitForIncomplete", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"wait_for"}]}`, []string{"nodes[0].events", "nodes[0].timeout", "nodes[0].on_timeout"}},
		{"SendBadChannel", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channel":"fax","template":{"body":"hi"},"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].channel"}},
		{"SendBadLiquid", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channel":"email","template":{"body":"{% if %}"},"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].template.body"}},
		{"Unreachable", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"exit"},{"id":"b","kind":"exit"}]}`, []string{"nodes[1]"}},
		{"LoopWithoutWait", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channel":"email","template":{"body":"hi"},"next":"a"}]}`, []string{"nodes[0]"}},
		{"UnknownField", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"wait","duraton":"1m"}]}`, []string{"nodes[0].duraton"}},
		{"WrongType", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"wait","duration":"1m","next":7}]}`, []string{"nodes[0].next"}},
		{"WaitUntilBadClock", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"wait_until","at":"9am","weekdays":["monday"],"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].at", "nodes[0].weekdays[0]"}},
		{"WaitUntilOffsetWithoutProperty", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"wait_until","at":"09:00","offset":"-3d","next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].property"}},
		{"BranchIncomplete", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"branch","cases":[{"condition":"","next":"b"}]},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].cases[0].condition", "nodes[0].default"}},
		{"SplitBad", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"split","variants":[{"name":"control","weight":0,"next":"b"}],"control":{"weight":-1,"next":"c"}},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].variants[0].name", "nodes[0].variants[0].weight", "nodes[0].control.weight", "nodes[0].control.next"}},
		{"NamedTemplateWithoutFallbackContent", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channel":"email","fallback_channel":"line","template":{"name":"t"},"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].fallback_template"}},
		{"FallbackTemplateWithoutFallback", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channel":"email","template":{"body":"x"},"fallback_template":{"body":"y"},"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].fallback_template"}},
		{"FallbackTemplateEmpty", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channel":"email","fallback_channel":"line","template":{"name":"t"},"fallback_template":{},"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].fallback_template.body"}},
		{"TopicWithSpaces", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channel":"email","topic":"big sale","template":{"body":"x"},"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].topic"}},
		{"SendFallbackSame", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channel":"email","fallback_channel":"email","template":{"name":"t","body":"x"},"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].fallback_channel", "nodes[0].template.name"}},
		{"ChannelsBesideChannel", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channel":"email","channels":["line","email"],"template":{"body":"x"},"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].channels"}},
		{"ChannelsEmpty", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channels":[],"template":{"body":"x"},"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].channels"}},
		{"ChannelsUnknownAndTwice", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channels":["line","fax","line"],"template":{"body":"x"},"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].channels[1]", "nodes[0].channels[2]"}},
		{"ChannelsNamedTemplateWithoutFallbackContent", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channels":["line","email"],"template":{"name":"t"},"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].fallback_template"}},
		{"ChannelsNamedFallbackForTwoFallbacks", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channels":["line","email","push"],"template":{"body":"x"},"fallback_template":{"name":"t"},"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].fallback_template.name"}},
		{"ChannelsOfOneWithAFallbackTemplate", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channels":["line"],"template":{"body":"x"},"fallback_template":{"body":"y"},"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].fallback_template"}},
		{"UpdateProfileEmpty", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"update_profile","next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0]"}},
		{"UpdateProfileBadTrait", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"update_profile","set":{"bad name":1},"unset":["1x"],"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].set.bad name", "nodes[0].unset[0]"}},
		{"WebhookBad", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"webhook","url":"ftp://x","body":{"a":["{% if %}"]},"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].url", "nodes[0].body.a[0]"}},
		{"WebhookRecipientOnTwoLines", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"webhook","url":"https://crm.example.com","recipient":"Acme\nCRM","next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].recipient"}},
		{"CELDoesNotCompile", `{"entry":{"event":"x","filter":"event.properties.total >"},"nodes":[{"id":"a","kind":"branch","cases":[{"condition":"profile.tgas.size() > 0","next":"b"}],"default":"b"},{"id":"b","kind":"exit"}]}`, []string{"entry.filter", "nodes[0].cases[0].condition"}},
		{"CELNotBool", `{"entry":{"event":"x"},"goal":{"event":"p","match":"event.name"},"exit_criteria":{"condition":"now"},"nodes":[{"id":"b","kind":"exit"}]}`, []string{"goal.match", "exit_criteria.condition"}},
		{"WaitForMatchBadCEL", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"wait_for","events":[{"event":"o","match":"customer.id == 1","next":"b"}],"timeout":"1d","on_timeout":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].events[0].match"}},
		{"RulesBad", `{"entry":{"event":"x","correlation_key":"properties cart"},"timezone":"Mars/Base","reentry":{"mode":"cooldown"},"exit_criteria":{},"goal":{"window":"-1h"},"quiet_hours":{"start":"21:00","end":"25:00","action":"drop"},"variables":{"a.b":1},"nodes":[{"id":"b","kind":"exit"}]}`,
			[]string{"entry.correlation_key", "timezone", "reentry.cooldown", "exit_criteria", "goal.event", "goal.window", "quiet_hours.end", "quiet_hours.action", "variables.a.b"}},
		{"TransactionalNotSend", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"wait","duration":"1h","transactional":true,"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].transactional"}},
		{"StoredTemplateWithInline", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channel":"email","template":{"name":"welcome-1","subject":"hi"},"next":"b"},{"id":"b","kind":"exit"}]}`, []string{"nodes[0].template.name"}},
		{"APIEntryWithEvent", `{"entry":{"api":true,"event":"x"},"nodes":[{"id":"b","kind":"exit"}]}`, []string{"entry.event"}},
		{"ManyUnknownFields", `{"entry":{"event":"x","filtr":"true"},"nodes":[{"id":"a","kind":"exit","nxt":"b"}],"goal":{"evnt":"p"}}`, []string{"entry.filtr", "nodes[0].nxt", "goal.evnt"}},
		{"BadDuration", `{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"wait","duration":"soon","next":"b"}]}`, []string{"nodes[0].duration"}},
		{"HoldoutAll", `{"entry":{"event":"x"},"holdout":{"percent":100},"nodes":[{"id":"b","kind":"exit"}]}`, []string{"holdout.percent"}},
		{"HoldoutNone", `{"entry":{"event":"x"},"holdout":{},"nodes":[{"id":"b","kind":"exit"}]}`, []string{"holdout.percent"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.json))
			var verr ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Parse accepted an invalid definition (err=%v)", err)
			}
			var got []string
			for _, fe := range verr {
				got = append(got, fe.Field)
				if fe.Message == "" {
					t.Errorf("%s has no message", fe.Field)
				}
			}
			for _, f := range tc.fields {
				if !slices.Contains(got, f) {
					t.Errorf("errors %v do not name %s", verr, f)
				}
			}
			if !strings.HasPrefix(err.Error(), "invalid journey definition: ") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestAPIEntryParses(t *testing.T) {
	d, err := Parse([]byte(`{"entry":{"api":true},"nodes":[{"id":"b","kind":"exit"}]}`))
	if err != nil || len(d.Events()) != 0 {
		t.Fatalf("API entry: %v, events %v", err, d.Events())
	}
}

func TestLoopThroughWaitIsAllowed(t *testing.T) {
	raw := `{"entry":{"event":"x"},"nodes":[
		{"id":"a","kind":"send","channel":"email","template":{"body":"hi"},"next":"w"},
		{"id":"w","kind":"wait","duration":"1d","next":"a"}]}`
	if _, err := Parse([]byte(raw)); err != nil {
		t.Fatalf("a loop through a wait was refused: %v", err)
	}
}

func TestParseYAMLEveryKind(t *testing.T) {
	raw, err := os.ReadFile("testdata/every_kind.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseYAML(raw)
	if err != nil {
		t.Fatalf("every_kind.yaml: %v", err)
	}
	kinds := map[string]bool{}
	for _, n := range d.Nodes {
		kinds[n.Kind] = true
	}
	for _, k := range Kinds {
		if !kinds[k] {
			t.Errorf("testdata misses kind %s", k)
		}
	}
	if got := d.Events(); !slices.Equal(got, []string{"cart_add", "email_open", "purchase", "unsubscribe"}) {
		t.Errorf("Events() = %v", got)
	}
	n, _ := d.Node("renewal")
	if time.Duration(n.Offset) != -72*time.Hour || n.Property != "renewal_date" {
		t.Errorf("renewal = %+v", n)
	}
	tag, _ := d.Node("tag")
	if tag.Increment["reminders"] != 1 || tag.AddTags[0] != "reminded" {
		t.Errorf("tag = %+v", tag.ProfileUpdate)
	}
}
func TestParseYAMLErrorPaths(t *testing.T) {
	_, err := ParseYAML([]byte("entry: {event: a}\nnodes:\n  - {id: x, kind: wait, duration: 5m, nxt: y}\n"))
	var verr ValidationError
	if !errors.As(err, &verr) || verr[0].Field != "nodes[0].nxt" {
		t.Fatalf("err = %v, want the unknown field nodes[0].nxt", err)
	}
}

// TestDocsExampleParses keeps the definition example of docs/journeys.md true.
func TestDocsExampleParses(t *testing.T) {
	raw, err := os.ReadFile("../docs/journeys.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i := strings.Index(doc, "```yaml\nentry:\n")
	if i < 0 {
		t.Fatal("docs/journeys.md has no definition example")
	}
	body := doc[i+len("```yaml\n"):]
	body = body[:strings.Index(body, "```")]
	if _, err := ParseYAML([]byte(body)); err != nil {
		t.Errorf("the example of docs/journeys.md: %v", err)
	}
}

// TestStoredTemplateNameParses: a send naming a stored template alone is
// valid here; the API checks the name against the workspace on save.
func TestStoredTemplateNameParses(t *testing.T) {
	d, err := Parse([]byte(`{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channel":"email","template":{"name":"welcome-1"},"next":"b"},{"id":"b","kind":"exit"}]}`))
	if err != nil || d.Nodes[0].Template.Name != "welcome-1" {
		t.Fatalf("named template: %v, %+v", err, d.Nodes)
	}
}

// TestTransactionalSendParses: a send may be transactional.
func TestTransactionalSendParses(t *testing.T) {
	d, err := Parse([]byte(`{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"send","channel":"email","transactional":true,"template":{"body":"receipt"},"next":"b"},{"id":"b","kind":"exit"}]}`))
	if err != nil || !d.Nodes[0].Transactional {
		t.Fatalf("transactional send: %v, %+v", err, d.Nodes)
	}
}
