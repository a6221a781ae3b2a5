package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/store"
)

// profileEvents is how many of the latest events GET /v1/profiles/{id} shows.
const profileEvents = 20

type profileResponse struct {
	ID             string               `json:"id"`
	AnonymousIDs   []string             `json:"anonymousIds"`
	Traits         map[string]any       `json:"traits"`
	TraitUpdatedAt map[string]time.Time `json:"traitUpdatedAt"`
	Tags           []string             `json:"tags"`
	Addresses      addressesResponse    `json:"addresses"`
	Timezone       string               `json:"timezone,omitempty"`
	Locale         string               `json:"locale,omitempty"`
	Consent        []consentResponse    `json:"consent"`
	Events         []eventResponse      `json:"events"`
	Journeys       []runResponse        `json:"journeys"`
	Suppressions   []suppressionBody    `json:"suppressions"`
	CreatedAt      time.Time            `json:"createdAt"`
	UpdatedAt      time.Time            `json:"updatedAt"`
}

// suppressionBody is one of the customer's addresses Tabiji will not send
// to: on which channel, why and since when.
type suppressionBody struct {
	Channel string    `json:"channel"`
	Address string    `json:"address"`
	Reason  string    `json:"reason"`
	Since   time.Time `json:"since"`
}

type addressesResponse struct {
	Email      string   `json:"email,omitempty"`
	Phone      string   `json:"phone,omitempty"`
	LineUserID string   `json:"lineUserId,omitempty"`
	PushTokens []string `json:"pushTokens"`
}

// eventResponse is a stored event in the Segment spec's field names.
type eventResponse struct {
	MessageID   string          `json:"messageId"`
	Type        string          `json:"type"`
	UserID      string          `json:"userId"`
	AnonymousID string          `json:"anonymousId,omitempty"`
	Event       string          `json:"event,omitempty"`
	Properties  json.RawMessage `json:"properties"`
	Traits      json.RawMessage `json:"traits,omitempty"`
	Context     json.RawMessage `json:"context"`
	GroupID     string          `json:"groupId,omitempty"`
	PreviousID  string          `json:"previousId,omitempty"`
	Violations  json.RawMessage `json:"violations,omitempty"`
	Timestamp   time.Time       `json:"timestamp"`
	ReceivedAt  time.Time       `json:"receivedAt"`
	RoutedAt    *time.Time      `json:"routedAt,omitempty"`
}

func toEventResponse(e store.Event) eventResponse {
	r := eventResponse{
		MessageID: e.MessageID, Type: e.Type, UserID: e.UserID, AnonymousID: e.AnonymousID, Event: e.Name,
		Properties: e.Properties, Context: e.Context, GroupID: e.GroupID, PreviousID: e.PreviousID,
		Violations: e.Violations, Timestamp: e.Timestamp, ReceivedAt: e.ReceivedAt, RoutedAt: e.RoutedAt,
	}
	if string(e.Traits) != "{}" {
		r.Traits = e.Traits
	}
	return r
}

// consentResponse is the customer's choice for a channel (and topic; "" is
// the whole channel), as webhooks and the preference page recorded it.
type consentResponse struct {
	Channel   string    `json:"channel"`
	Topic     string    `json:"topic,omitempty"`
	Status    string    `json:"status"`
	Source    string    `json:"source,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func toConsent(cs []store.Consent) []consentResponse {
	out := make([]consentResponse, len(cs))
	for i, c := range cs {
		out[i] = consentResponse{Channel: c.Channel, Topic: c.Topic, Status: c.Status, Source: c.Source, UpdatedAt: c.UpdatedAt}
	}
	return out
}

// getProfile answers a customer's profile by its id or a merged id: traits,
// addresses, consent, latest events and running journeys.
func (s *server) getProfile(c *gin.Context) {
	v, err := s.profiles.View(c.Request.Context(), workspace(c), c.Param("id"), profileEvents)
	if s.answered(c, err, noCustomer(c)) {
		return
	}
	p := v.Profile
	out := profileResponse{
		ID: p.ID, AnonymousIDs: nonNil(p.AnonymousIDs), Traits: p.Traits, TraitUpdatedAt: p.TraitUpdatedAt,
		Tags: nonNil(p.Tags), Timezone: p.Timezone, Locale: p.Locale, Consent: toConsent(v.Consent),
		Addresses: addressesResponse{Email: p.Email, Phone: p.Phone, LineUserID: p.LineUserID, PushTokens: nonNil(p.PushTokens)},
		Events:    make([]eventResponse, len(v.Events)), Journeys: toRunResponses(v.Runs),
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
	for i, e := range v.Events {
		out.Events[i] = toEventResponse(e)
	}
	out.Suppressions = make([]suppressionBody, len(v.Suppressions))
	for i, sp := range v.Suppressions {
		out.Suppressions[i] = suppressionBody{Channel: sp.Channel, Address: sp.Address, Reason: sp.Reason, Since: sp.CreatedAt}
	}
	c.JSON(http.StatusOK, out)
}

// profileTimeline answers a page of the customer's events, newest first.
func (s *server) profileTimeline(c *gin.Context) {
	f := store.TimelineFilter{After: c.Query("after")}
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	f.Limit = limit
	p, events, next, err := s.Store.ProfileTimeline(c.Request.Context(), workspace(c), c.Param("id"), f)
	if s.answered(c, err, noCustomer(c)) {
		return
	}
	out := make([]eventResponse, len(events))
	for i, e := range events {
		out[i] = toEventResponse(e)
	}
	body := gin.H{"profileId": p.ID, "events": out}
	if next != "" {
		body["next"] = next
	}
	c.JSON(http.StatusOK, body)
}

// eraseProfile erases a customer under GDPR and APPI: its journey runs are
// ended (terminated with reason "erasure", then deleted from Temporal with
// their histories), and its profile, merged ids, events, quarantined events
// and messages are deleted; an audit record without personal data stays.
func (s *server) eraseProfile(c *gin.Context) {
	e, err := s.profiles.Erase(c.Request.Context(), workspace(c), c.Param("id"), actor(c))
	if s.answered(c, err, noCustomer(c)) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"erased": true, "erasureId": e.ID, "counts": e.Counts, "runsEnded": e.RunsEnded, "erasedAt": e.ErasedAt})
}

// noCustomer is the 404 of a path naming a customer the workspace lacks.
func noCustomer(c *gin.Context) outcome {
	return notFound("no customer " + c.Param("id") + " in this workspace")
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
