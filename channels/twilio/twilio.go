// Package twilio sends SMS through Twilio's Programmable Messaging API with
// the official twilio-go client, to numbers normalised to E.164 (package
// phone).
package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	twclient "github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/phone"
)

// DefaultBaseURL is Twilio's REST API host.
const DefaultBaseURL = "https://api.twilio.com"

// Config configures the Twilio sender.
type Config struct {
	AccountSID string // AC…: the account that sends
	AuthToken  string // the account's auth token, which also signs Twilio's webhooks
	// From is the sending number (E.164) or alphanumeric sender ID;
	// MessagingServiceSID (MG…) sends through a Messaging Service instead.
	// One of them is required; the service wins when both are set.
	From, MessagingServiceSID string
	// Region is the region of customers' numbers written without a country
	// code (phone.DefaultRegion when empty).
	Region  string
	BaseURL string // DefaultBaseURL when empty; a fake server in tests
	// HTTPClient is used for requests; a client with a 30 s timeout when nil.
	HTTPClient *http.Client
}

// Sender sends SMS through Twilio.
type Sender struct {
	cfg  Config
	base *url.URL
}

// NewSender returns a Twilio sender.
func NewSender(cfg Config) (*Sender, error) {
	switch {
	case cfg.AccountSID == "" || cfg.AuthToken == "":
		return nil, errors.New("twilio: an account SID and an auth token are required")
	case cfg.From == "" && cfg.MessagingServiceSID == "":
		return nil, errors.New("twilio: a from number or a messaging service SID is required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("twilio: base URL %q: want an http(s) URL with a host", cfg.BaseURL)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &Sender{cfg: cfg, base: base}, nil
}

// Address is raw, a customer's phone number as the profile holds it, in
// E.164 (read in the sender's region when it has no country code); an
// invalid number is an error wrapping phone.ErrInvalid.
func (s *Sender) Address(raw string) (string, error) {
	return phone.E164(raw, s.cfg.Region)
}

// Send sends m.SMS to m.To (E.164). The provider ID is the Message SID.
// Twilio's Messages API has no idempotency key, so Sender is not a
// channels.Deduplicator: a call whose answer was lost is settled by the
// status callback (m.StatusCallback, which names the message) instead.
func (s *Sender) Send(ctx context.Context, m channels.Message) (channels.Result, error) {
	if m.SMS == nil || strings.TrimSpace(m.SMS.Body) == "" {
		return channels.Result{}, &channels.PermanentError{Reason: "twilio: message " + m.ID + " has no SMS body"}
	}
	p := (&api.CreateMessageParams{}).SetTo(m.To).SetBody(m.SMS.Body)
	if s.cfg.MessagingServiceSID != "" {
		p.SetMessagingServiceSid(s.cfg.MessagingServiceSID)
	} else {
		p.SetFrom(s.cfg.From)
	}
	if m.StatusCallback != "" {
		p.SetStatusCallback(m.StatusCallback)
	}
	c, status := s.api(ctx)
	res, err := c.CreateMessage(p)
	if err != nil {
		return channels.Result{RemoveAddress: badNumber(err)}, classify(m.ID, err, status())
	}
	r := channels.Result{}
	if res.Sid != nil {
		r.ProviderID = *res.Sid
	}
	return r, nil
}

// api returns a client whose requests carry ctx and go to the base URL, and
// a function that tells the HTTP status of its last answer (0 for none):
// the SDK builds every request with context.Background and a fixed host,
// and drops the status of an error answer it cannot decode.
func (s *Sender) api(ctx context.Context) (*api.ApiService, func() int) {
	t := &transport{ctx: ctx, base: s.base, next: s.cfg.HTTPClient.Transport}
	hc := *s.cfg.HTTPClient
	hc.Transport = t
	c := &twclient.Client{Credentials: twclient.NewCredentials(s.cfg.AccountSID, s.cfg.AuthToken), HTTPClient: &hc}
	c.SetAccountSid(s.cfg.AccountSID)
	return api.NewApiServiceWithClient(c), t.lastStatus
}

// transport sends the SDK's requests under ctx to the configured host.
type transport struct {
	ctx  context.Context
	base *url.URL
	next http.RoundTripper

	mu     sync.Mutex
	status int
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(t.ctx)
	r.URL.Scheme, r.URL.Host = t.base.Scheme, t.base.Host
	r.URL.Path = strings.TrimRight(t.base.Path, "/") + r.URL.Path
	r.Host = t.base.Host
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	res, err := next.RoundTrip(r)
	if err == nil {
		t.mu.Lock()
		t.status = res.StatusCode
		t.mu.Unlock()
	}
	return res, err
}

func (t *transport) lastStatus() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status
}
