package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/store"
)

// TestBroadcastBatchSharesRequestsForPersonalisedEmails: a template that
// greets each customer by name and shows VIPs their points sends
// ⌈N/1,000⌉ SendGrid requests per skeleton (plain and VIP), a customer
// whose name reads as a substitution tag gets a request of their own with
// no substitutions, and every customer receives exactly what Render gives
// for them.
func TestBroadcastBatchSharesRequestsForPersonalisedEmails(t *testing.T) {
	b := broadcastSetup(t)
	ctx := context.Background()
	const plain, vip = 2100, 300
	var updates []store.ProfileUpdate
	var ids []string
	for i := range plain + vip + 1 {
		id := fmt.Sprintf("c%04d", i)
		traits := map[string]any{"email": id + "@example.com", "first_name": fmt.Sprintf("名前 %d & co", i)}
		if i >= plain {
			traits["vip"], traits["points"] = true, i*10
		}
		if i == plain+vip {
			traits["first_name"] = "x-tv0-"
		}
		updates = append(updates, store.ProfileUpdate{ID: id, At: broadcastNow.Add(-time.Hour), Change: store.ProfileChange{Set: traits}})
		ids = append(ids, id)
	}
	must(t, b.store.ChangeProfiles(ctx, "default", updates))
	in := emailBroadcast()
	in.Spec.QuietHours, in.CustomerIDs = nil, ids
	in.Spec.Content = json.RawMessage(`{"subject": "{{ profile.traits.first_name }}, winter sale", "from": "shop@example.com",
		"html": "<p>Hi {{ profile.traits.first_name | default: \"there\" }},</p>{% if profile.traits.vip %}<p>VIP: {{ profile.traits.points }} points</p>{% endif %}<p><a href=\"{{ message.unsubscribe_url }}\">Unsubscribe</a></p>"}`)
	res, err := b.batch(t, in)
	if err != nil || res.Sent != len(ids) || res.Failed != 0 {
		t.Fatalf("result = %+v, %v; want %d sent", res, err, len(ids))
	}
	reqs := b.fake.Requests()
	if want := (plain+999)/1000 + (vip+999)/1000 + 1; len(reqs) != want || len(b.fake.Invalid()) > 0 {
		t.Fatalf("SendGrid got %d requests (invalid: %v), want %d", len(reqs), b.fake.Invalid(), want)
	}
	c, err := msgtemplates.Parse("email", in.Spec.Content)
	must(t, err)
	profiles, err := b.store.GetProfiles(ctx, "default", ids)
	must(t, err)
	byEmail := map[string]store.Profile{}
	for _, p := range profiles {
		byEmail[p.Email] = p
	}
	seen, alone := map[string]bool{}, 0
	for _, r := range reqs {
		mails := providertest.Mails(t, r)
		if len(mails) > 1000 {
			t.Fatalf("a request of %d personalizations", len(mails))
		}
		if len(mails) == 1 {
			alone++
		}
		for _, mail := range mails {
			p, ok := byEmail[mail.To]
			if !ok || seen[p.ID] {
				t.Fatalf("%s: unknown or sent twice", mail.To)
			}
			seen[p.ID] = true
			jp := store.ToJourneyProfile(p)
			full, err := msgtemplates.Render(context.Background(), c, msgtemplates.Data{CustomerID: p.ID, Profile: &jp, MessageID: mail.CustomArgs["message_id"],
				UnsubscribeURL: strings.Trim(mail.Headers["List-Unsubscribe"], "<>")})
			must(t, err)
			if mail.Content["text/html"] != full.Email.HTML || mail.Content["text/plain"] != full.Email.Text || mail.Subject != full.Email.Subject {
				t.Fatalf("%s receives\n%q\n%q\n%q\nwant the full render\n%q\n%q\n%q", p.ID, mail.Subject, mail.Content["text/html"], mail.Content["text/plain"],
					full.Email.Subject, full.Email.HTML, full.Email.Text)
			}
		}
	}
	if len(seen) != len(ids) || alone != 1 {
		t.Errorf("%d customers received, %d alone in a request; want %d and the one whose name reads as a tag", len(seen), alone, len(ids))
	}
}
