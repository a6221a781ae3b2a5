package signupforms

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/tabiji/tabiji/consent"
	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
)

// Submission is what a visitor sent through a form's page, with what the
// request says of them (the evidence of their opt-in).
type Submission struct {
	Email, Name string
	Consent     bool   // the consent checkbox was ticked
	Language    string // the page's language: its wording is the one shown
	Page        string // the page the form was on (its Referer), when known
	IP          string
	UserAgent   string
	MessageID   string // unique per submission
	// Trapped says the form's honeypot field was filled in (people never
	// see it): a bot, answered as if it had signed up, with nothing stored.
	Trapped bool
}

// Result is what a submission did.
type Result struct {
	CustomerID string
	New        bool // the form made a new customer
	OptedIn    bool // the opt-in was recorded (not so under double opt-in)
}

const maxName = 100

// Validate checks a submission; its error is jsonfields.Errors naming the
// form's fields (email, name, consent).
func (s Submission) Validate() error {
	var errs jsonfields.Errors
	a, err := mail.ParseAddress(s.Email)
	switch {
	case s.Email == "":
		errs.Add("email", "is required")
	case err != nil || a.Name != "" || a.Address != s.Email || len(s.Email) > 254:
		errs.Add("email", "must be an email address, such as hanako@example.jp")
	}
	checkText(&errs, "name", s.Name, maxName)
	if !s.Consent {
		errs.Add("consent", "must be ticked to sign up")
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Service runs submissions through the store and the ingestion pipeline.
type Service struct {
	Store    *store.Store
	Pipeline *ingest.Pipeline
}

// Submit identifies the submission's customer (the profile holding the
// address, else a new one whose id derives from it), records the opt-in
// with the wording shown as its evidence unless the form asks a double
// opt-in, and records the form's event, which journeys enter on (the
// double opt-in template among them). A known customer's traits are left
// as they are: the form is public, and must not change another's name.
func (s Service) Submit(ctx context.Context, f store.SignupForm, in Submission, now time.Time) (Result, error) {
	in.Email, in.Name = strings.TrimSpace(in.Email), strings.TrimSpace(in.Name)
	if err := in.Validate(); err != nil {
		return Result{}, err
	}
	res, err := s.customer(ctx, f.WorkspaceID, in.Email)
	if err != nil {
		return Result{}, err
	}
	wording := f.Wording[in.Language]
	if !f.DoubleOptIn {
		if err := s.optIn(ctx, f, in, res.CustomerID, wording, now); err != nil {
			return Result{}, err
		}
		res.OptedIn = true
	}
	msgs, err := calls(f, in, res, wording, now)
	if err != nil {
		return Result{}, err
	}
	if _, err := s.Pipeline.Submit(ctx, f.WorkspaceID, msgs); err != nil {
		return Result{}, fmt.Errorf("signupforms: unable to record the sign-up: %w", err)
	}
	return res, nil
}

func (s Service) customer(ctx context.Context, workspaceID, email string) (Result, error) {
	id, err := s.Store.CustomerByAddress(ctx, workspaceID, "email", email)
	if err == nil {
		return Result{CustomerID: id}, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return Result{}, fmt.Errorf("signupforms: unable to find the customer: %w", err)
	}
	return Result{CustomerID: CustomerID(workspaceID, email), New: true}, nil
}

// CustomerID is the id a form gives a new customer: derived from the
// address (so two sign-ups with it are one customer) without showing it.
func CustomerID(workspaceID, email string) string {
	sum := sha256.Sum256([]byte(workspaceID + "\x00" + strings.ToLower(email)))
	return "signup_" + hex.EncodeToString(sum[:12])
}

func (s Service) optIn(ctx context.Context, f store.SignupForm, in Submission, customer, wording string, now time.Time) error {
	r := consent.Record{Channel: "email", Topic: f.Topic, Status: consent.OptedIn, Source: Source, At: now,
		Evidence: consent.Evidence{Form: f.PublicID, Page: in.Page, Wording: wording, IP: in.IP, UserAgent: in.UserAgent}}
	r.Normalize(now)
	if err := r.Validate(now); err != nil {
		return fmt.Errorf("signupforms: the opt-in lacks its proof: %w", err)
	}
	_, err := s.Store.SetConsent(ctx, store.Consent{WorkspaceID: f.WorkspaceID, CustomerID: customer, Channel: r.Channel,
		Topic: r.Topic, Status: r.Status, Source: r.Source, UpdatedAt: r.At, Evidence: r.Evidence.EvidenceJSON()})
	if err != nil {
		return fmt.Errorf("signupforms: unable to record the opt-in: %w", err)
	}
	return nil
}

// calls are the submission as Segment calls: an identify for a new
// customer (email, name), and the form's track event.
func calls(f store.SignupForm, in Submission, res Result, wording string, now time.Time) ([]ingest.Message, error) {
	context := map[string]any{"ip": in.IP, "userAgent": in.UserAgent, "locale": in.Language}
	if in.Page != "" {
		context["page"] = map[string]any{"url": in.Page}
	}
	var raws []map[string]any
	if res.New {
		traits := map[string]any{"email": in.Email}
		if in.Name != "" {
			traits["name"] = in.Name
		}
		raws = append(raws, map[string]any{"type": ingest.Identify, "userId": res.CustomerID, "messageId": in.MessageID + ":identify",
			"timestamp": now, "traits": traits, "context": context})
	}
	raws = append(raws, map[string]any{"type": ingest.Track, "userId": res.CustomerID, "messageId": in.MessageID, "event": f.Event,
		"timestamp": now, "context": context, "properties": map[string]any{"form": f.PublicID, "topic": f.Topic,
			"double_opt_in": f.DoubleOptIn, "opted_in": res.OptedIn, "wording": wording, "language": in.Language}})
	msgs := make([]ingest.Message, 0, len(raws))
	for _, raw := range raws {
		body, _ := json.Marshal(raw) // plain values: cannot fail
		m, err := ingest.Decode(raw["type"].(string), body, now)
		if err != nil {
			return nil, fmt.Errorf("signupforms: unable to build the %s call: %w", raw["type"], err)
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}
