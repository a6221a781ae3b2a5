package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"sync"
	"time"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/fcm"
	"github.com/tabiji/tabiji/channels/line"
	"github.com/tabiji/tabiji/channels/outbox"
	"github.com/tabiji/tabiji/channels/sendgrid"
	"github.com/tabiji/tabiji/channels/twilio"
	"github.com/tabiji/tabiji/store"
)

// DefaultTTL is how long a Resolver trusts what it read of a workspace's
// settings: a change made through another process (the API, for a worker)
// is in effect within it.
const DefaultTTL = 10 * time.Second

// Options configure a Resolver.
type Options struct {
	// Keyring seals and opens stored secrets; nil stores none (and opens none).
	Keyring *Keyring
	// Defaults are the process's settings by channel (from the environment),
	// used field by field where a workspace has set none. Check them with
	// Validate first.
	Defaults map[string]Values
	// Sandbox sends every SendGrid email in sandbox mode.
	Sandbox bool
	// TTL is how long settings read from the store are cached (DefaultTTL when 0).
	TTL time.Duration
	// Transport carries the SendGrid, LINE and Twilio senders' requests (nil:
	// http.DefaultTransport); the process's tracing wraps it with a span per
	// provider call.
	Transport http.RoundTripper
}

// Resolver answers the settings in effect for a workspace's channel and
// the sender they make: the workspace's stored settings field by field,
// else the environment's; a channel left with no credential at all sends to
// the development outbox. It caches per (workspace, channel) for its TTL;
// Put and Delete through it take effect at once in its own process.
type Resolver struct {
	store  *store.Store
	opts   Options
	outbox *outbox.Sender

	mu    sync.Mutex
	cache map[cacheKey]*entry
}

type cacheKey struct{ workspace, channel string }

type entry struct {
	read   time.Time
	values Values
	sender channels.Sender // built on first use
}

// NewResolver returns a Resolver over st.
func NewResolver(st *store.Store, opts Options) *Resolver {
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	return &Resolver{store: st, opts: opts, outbox: outbox.NewSender(st), cache: map[cacheKey]*entry{}}
}

// Settings returns the settings in effect for the workspace's channel.
func (r *Resolver) Settings(ctx context.Context, workspaceID, channel string) (Values, error) {
	e, err := r.entry(ctx, workspaceID, channel)
	if err != nil {
		return nil, err
	}
	return maps.Clone(e.values), nil
}

// Sender returns the channel's sender for the workspace: the provider when
// its credential (API key, access token, service account) is in effect,
// else the development outbox. A sender is rebuilt only when the settings
// behind it change, so a provider client's connections and tokens last.
func (r *Resolver) Sender(ctx context.Context, workspaceID, channel string) (channels.Sender, error) {
	e, err := r.entry(ctx, workspaceID, channel)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.sender == nil {
		s, err := r.build(ctx, channel, e.values)
		if err != nil {
			return nil, fmt.Errorf("settings: %s sender of %q: %w", channel, workspaceID, err)
		}
		e.sender = s
	}
	return e.sender, nil
}

// build makes the sender the values call for.
func (r *Resolver) build(ctx context.Context, channel string, v Values) (channels.Sender, error) {
	switch {
	case channel == "email" && v[APIKey] != "":
		return sendgrid.NewSender(sendgrid.Config{APIKey: v[APIKey], BaseURL: v[BaseURL], Sandbox: r.opts.Sandbox, HTTPClient: r.httpClient()})
	case channel == "line" && v[ChannelAccessToken] != "":
		return line.NewSender(line.Config{ChannelAccessToken: v[ChannelAccessToken], BaseURL: v[BaseURL], HTTPClient: r.httpClient()})
	case channel == "sms" && v[AuthToken] != "":
		return twilio.NewSender(twilio.Config{AccountSID: v[AccountSID], AuthToken: v[AuthToken], From: v[FromNumber],
			MessagingServiceSID: v[MessagingServiceSID], Region: v[DefaultRegion], BaseURL: v[BaseURL], HTTPClient: r.httpClient()})
	case channel == "push" && v[ServiceAccount] != "":
		// The client outlives this call (it refreshes OAuth tokens later).
		return fcm.NewSender(context.WithoutCancel(ctx), fcm.Config{CredentialsJSON: []byte(v[ServiceAccount]), BaseURL: v[BaseURL]})
	}
	return r.outbox, nil
}

// entry returns the cached settings, reading them again once the TTL has
// passed; the sender is kept when they did not change.
func (r *Resolver) entry(ctx context.Context, workspaceID, channel string) (*entry, error) {
	if !KnownChannel(channel) {
		return nil, fmt.Errorf("settings: unknown channel %q", channel)
	}
	k := cacheKey{workspaceID, channel}
	r.mu.Lock()
	old := r.cache[k]
	r.mu.Unlock()
	if old != nil && time.Since(old.read) < r.opts.TTL {
		return old, nil
	}
	read := time.Now()
	v, err := r.load(ctx, workspaceID, channel)
	if err != nil {
		return nil, err
	}
	e := &entry{read: read, values: v}
	r.mu.Lock()
	defer r.mu.Unlock()
	if cur := r.cache[k]; cur != nil && maps.Equal(cur.values, v) {
		cur.read = read
		return cur, nil
	}
	r.cache[k] = e
	return e, nil
}

// load reads the workspace's settings and lays them over the defaults;
// operator settings are the defaults' alone.
func (r *Resolver) load(ctx context.Context, workspaceID, channel string) (Values, error) {
	v := maps.Clone(r.opts.Defaults[channel])
	if v == nil {
		v = Values{}
	}
	cs, err := r.store.ChannelSettingsOf(ctx, workspaceID, channel)
	if errors.Is(err, store.ErrNotFound) {
		return v, nil
	}
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	stored, err := r.open(cs)
	if err != nil {
		return nil, err
	}
	dropOperatorSettings(channel, stored)
	maps.Copy(v, stored)
	return v, nil
}

// dropOperatorSettings removes from a workspace's stored values what only
// the operator may set (a base URL stored before that rule): the
// environment's value, or the provider's default, applies.
func dropOperatorSettings(channel string, v Values) {
	for _, f := range Fields[channel] {
		if f.Operator {
			delete(v, f.Name)
		}
	}
}

// open returns the stored row's values, secrets opened.
func (r *Resolver) open(cs store.ChannelSettings) (Values, error) {
	v := Values{}
	if err := json.Unmarshal(cs.Config, &v); err != nil {
		return nil, fmt.Errorf("settings: %s settings of %q: %w", cs.Channel, cs.WorkspaceID, err)
	}
	if cs.Secrets == nil {
		return v, nil
	}
	plain, err := r.opts.Keyring.open(cs.WorkspaceID, cs.Channel, cs.Secrets)
	if err != nil {
		return nil, fmt.Errorf("settings: open %s secrets of %q: %w", cs.Channel, cs.WorkspaceID, err)
	}
	secrets := Values{}
	if err := json.Unmarshal(plain, &secrets); err != nil {
		return nil, fmt.Errorf("settings: %s secrets of %q: %w", cs.Channel, cs.WorkspaceID, err)
	}
	maps.Copy(v, secrets)
	return v, nil
}

// Invalidate forgets what was read of the workspace's channel.
func (r *Resolver) Invalidate(workspaceID, channel string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.cache, cacheKey{workspaceID, channel})
}

// ErrNotConfigured says a workspace has no provider credentials for a
// channel: its messages go to the development outbox, and the provider's
// own features (LINE account linking, rich menus, quota) are unavailable.
var ErrNotConfigured = errors.New("the channel has no provider credentials")

// LINE returns the workspace's LINE sender, or ErrNotConfigured when it
// has no channel access token in effect.
func (r *Resolver) LINE(ctx context.Context, workspaceID string) (*line.Sender, error) {
	s, err := r.Sender(ctx, workspaceID, "line")
	if err != nil {
		return nil, err
	}
	ls, ok := s.(*line.Sender)
	if !ok {
		return nil, fmt.Errorf("settings: LINE of %q: %w", workspaceID, ErrNotConfigured)
	}
	return ls, nil
}

// httpClient is a provider client over the Transport (nil when none is set,
// so each sender keeps its own default).
func (r *Resolver) httpClient() *http.Client {
	if r.opts.Transport == nil {
		return nil
	}
	return &http.Client{Timeout: providerTimeout, Transport: r.opts.Transport}
}

// providerTimeout bounds one provider call, as the senders' own clients do.
const providerTimeout = 30 * time.Second
