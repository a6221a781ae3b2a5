package activities

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"

	"go.temporal.io/sdk/activity"

	"github.com/tabiji/tabiji/secrets"
	"github.com/tabiji/tabiji/store"
)

// recordProvision records, before the call, that the webhook sends the
// customer's data to a third party: when, to whom, whose and which items
// (the body's field paths, not their values). Recorded first, so that no
// call leaves without its record; once per step, however often retried.
// The host is redacted of the secrets filled into the URL.
func (a *Activities) recordProvision(ctx context.Context, in WebhookInput, req *http.Request, vals map[string]string) error {
	if in.CustomerID == "" {
		return nil // not a journey's call about a customer
	}
	host := secrets.Redact(req.URL.Hostname(), vals)
	recipient := in.Recipient
	if recipient == "" {
		recipient = host
	}
	var items []string
	if req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			raw, _ := io.ReadAll(body) // a bytes.Reader: no error
			items = bodyItems(raw)
		}
	}
	return a.store.RecordProvision(ctx, store.Provision{WorkspaceID: in.WorkspaceID, StepKey: provisionKey(in),
		CustomerID: in.CustomerID, JourneyID: in.JourneyID, Recipient: recipient, Host: host, Items: items})
}

// provisionKey is the record's key: a hash of the step's idempotency key,
// which holds the workflow ID and so the customer id.
func provisionKey(in WebhookInput) string {
	sum := sha256.Sum256([]byte(in.IdempotencyKey))
	return hex.EncodeToString(sum[:])
}

// bodyItems lists the field paths of a JSON body that hold values:
// {"email": …, "order": {"items": [{"sku": …}]}} gives email and
// order.items[].sku; a body that is one value is "(body)".
func bodyItems(raw []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || v == nil {
		return []string{}
	}
	seen := map[string]bool{}
	walkItems(v, "", seen)
	items := make([]string, 0, len(seen))
	for k := range seen {
		items = append(items, k)
	}
	slices.Sort(items)
	return items
}

func walkItems(v any, path string, seen map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			walkItems(e, p, seen)
		}
	case []any:
		for _, e := range x {
			walkItems(e, path+"[]", seen)
		}
	default:
		if path == "" {
			path = "(body)"
		}
		seen[path] = true
	}
}

// forgetRefusedProvision deletes the record of a call the outbound policy
// refused on the step's first attempt: nothing left. A later attempt
// follows one that may have reached the receiver (a 5xx, a cut
// connection), so its record stays.
func (a *Activities) forgetRefusedProvision(ctx context.Context, in WebhookInput) error {
	if in.CustomerID == "" || activity.GetInfo(ctx).Attempt > 1 {
		return nil
	}
	return a.store.ForgetProvision(ctx, in.WorkspaceID, provisionKey(in))
}
