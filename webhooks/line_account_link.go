package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/store"
)

// The last step of LINE account linking: LINE's accountLink event carries
// back the nonce the shop's site had Tabiji bind to its customer (POST
// /v1/line/account-links), and Tabiji joins the LINE user to that customer,
// once.

// lineEventCustomer is the customer a LINE event belongs to: for an
// accountLink event, the customer it links (property linked says whether it
// did), else the holder of the LINE user ID (lineCustomer).
func (s *Service) lineEventCustomer(ctx context.Context, ws string, e lineEvent) (string, error) {
	if e.name != "line_account_linked" {
		return s.lineCustomer(ctx, ws, e)
	}
	id, linked, err := s.lineAccountLinked(ctx, ws, e)
	e.props["linked"] = linked
	return id, err
}

// lineAccountLinked takes an accountLink event: with a nonce Tabiji bound,
// unused and unexpired, issued for this LINE user, the LINE user's own
// profile (line:<userId>) is merged into the customer by an alias call and
// the customer gets the trait lineUserId, both through the pipeline as
// identify and alias do. It returns the customer the event belongs to, and
// whether the link was made.
func (s *Service) lineAccountLinked(ctx context.Context, ws string, e lineEvent) (string, bool, error) {
	if e.props["result"] != "ok" {
		id, err := s.lineCustomer(ctx, ws, e)
		return id, false, err
	}
	link, err := s.Store.UseLineLinkNonce(ctx, ws, e.nonce, e.userID, time.Now().UTC())
	if errors.Is(err, store.ErrNotFound) { // forged, replayed or late: link nobody
		id, err := s.lineCustomer(ctx, ws, e)
		return id, false, err
	}
	if err != nil {
		return "", false, err
	}
	var bodies []map[string]any
	old, err := s.Store.CustomerByAddress(ctx, ws, "line", e.userID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", false, err
	}
	if old == "line:"+e.userID && old != link.CustomerID { // the LINE user's own profile: it becomes the customer's
		bodies = append(bodies, map[string]any{"type": ingest.Alias, "previousId": old, "userId": link.CustomerID,
			"messageId": "line-link-alias:" + e.id, "timestamp": e.at})
	}
	bodies = append(bodies, map[string]any{"type": ingest.Identify, "userId": link.CustomerID,
		"messageId": "line-link-identify:" + e.id, "timestamp": e.at, "traits": map[string]any{"lineUserId": e.userID}})
	calls := make([]ingest.Message, len(bodies))
	for i, b := range bodies {
		kind := b["type"].(string)
		delete(b, "type")
		raw, _ := json.Marshal(b)
		if calls[i], err = ingest.Decode(kind, raw, time.Now().UTC()); err != nil {
			return "", false, fmt.Errorf("decode the %s call joining a LINE user: %w", kind, err)
		}
	}
	if _, err := s.Pipeline.Submit(ctx, ws, calls); err != nil {
		return "", false, fmt.Errorf("join LINE user to %s: %w", link.CustomerID, err)
	}
	return link.CustomerID, true, nil
}
