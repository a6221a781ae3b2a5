package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/tabiji/tabiji/jsonfields"
)

// PreferenceLink is what an unsubscribe link names: the customer, and the
// channel and topic of the message it came in.
type PreferenceLink struct {
	WorkspaceID, CustomerID string
	Channel, Topic          string
	MessageID               string
}

// PreferenceRow is one choice on a link's preference page.
type PreferenceRow struct{ Channel, Topic, Status string }

// PreferencesView is a link's preference page: its rows (the link's own
// channel and topic, and the customer's consent recorded so far) and the
// page's locale and purposes.
type PreferencesView struct {
	Rows []PreferenceRow
	Page PreferencePage
}

// PreferencesView reads a link's preference page.
func (s *Store) PreferencesView(ctx context.Context, l PreferenceLink) (PreferencesView, error) {
	rows, err := s.preferenceRows(ctx, l)
	if err != nil {
		return PreferencesView{}, err
	}
	page, err := s.PreferencePage(ctx, l.WorkspaceID, l.CustomerID)
	return PreferencesView{Rows: rows, Page: page}, err
}

// PreferenceChange is a choice made through a link: consent (Status) for
// a channel and topic, from Source (the page or a mail client's one-click
// unsubscribe), with its evidence.
type PreferenceChange struct {
	Channel, Topic, Status, Source string
	Evidence                       json.RawMessage
}

// ChangePreference records a choice made through a link, which must be on
// the link's page (else a Refusal, ErrForbidden, on channel or topic); an
// opt-out of the link's own channel marks its message unsubscribed. It
// returns the page as it now reads unless view is false.
func (s *Store) ChangePreference(ctx context.Context, l PreferenceLink, ch PreferenceChange, view bool) (PreferencesView, error) {
	rows, err := s.preferenceRows(ctx, l)
	if err != nil {
		return PreferencesView{}, err
	}
	if !slices.ContainsFunc(rows, func(r PreferenceRow) bool { return r.Channel == ch.Channel && r.Topic == ch.Topic }) {
		field := "topic"
		if !slices.ContainsFunc(rows, func(r PreferenceRow) bool { return r.Channel == ch.Channel }) {
			field = "channel"
		}
		return PreferencesView{}, Refuse(ErrForbidden, "this link does not cover "+ch.Channel+" messages on this topic",
			jsonfields.Error{Field: field, Message: "is not on this link's preference page"})
	}
	if _, err := s.SetConsent(ctx, Consent{WorkspaceID: l.WorkspaceID, CustomerID: l.CustomerID,
		Channel: ch.Channel, Topic: ch.Topic, Status: ch.Status, Source: ch.Source, Evidence: ch.Evidence}); err != nil {
		return PreferencesView{}, err
	}
	if ch.Status == OptedOut && ch.Channel == l.Channel && l.MessageID != "" {
		_, _, err := s.RecordMessageEvent(ctx, MessageEvent{WorkspaceID: l.WorkspaceID,
			EventID: "unsubscribe:" + l.MessageID, MessageID: l.MessageID, Status: "unsubscribed", ProviderEvent: ch.Source})
		if err != nil && !errors.Is(err, ErrNotFound) {
			return PreferencesView{}, err
		}
	}
	if !view {
		return PreferencesView{}, nil
	}
	return s.PreferencesView(ctx, l)
}

// preferenceRows are what a link's page shows and what its buttons may
// change: the link's own channel and topic, and the customer's consent
// recorded so far.
func (s *Store) preferenceRows(ctx context.Context, l PreferenceLink) ([]PreferenceRow, error) {
	consent, err := s.ListConsent(ctx, l.WorkspaceID, l.CustomerID)
	if err != nil {
		return nil, err
	}
	rows := make([]PreferenceRow, 0, len(consent)+1)
	for _, k := range consent {
		rows = append(rows, PreferenceRow{k.Channel, k.Topic, k.Status})
	}
	if !slices.ContainsFunc(rows, func(r PreferenceRow) bool { return r.Channel == l.Channel && r.Topic == l.Topic }) {
		rows = append([]PreferenceRow{{l.Channel, l.Topic, OptedIn}}, rows...)
	}
	return rows, nil
}
