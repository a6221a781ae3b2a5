package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/tabiji/tabiji/store"
)

// Where a setting in effect comes from.
const (
	FromWorkspace   = "workspace"
	FromEnvironment = "environment"
)

// View is what an admin sees of a channel's settings: never a secret, only
// whether it is set and its fingerprint.
type View struct {
	Channel  string `json:"channel"`
	Provider string `json:"provider"` // sendgrid, line or fcm
	// SendsThrough is the provider when its credential is in effect, else "outbox".
	SendsThrough string               `json:"sendsThrough"`
	Settings     map[string]FieldView `json:"settings"`
	UpdatedAt    *time.Time           `json:"updatedAt,omitempty"` // when the workspace's settings last changed
}

// FieldView is one setting as a View shows it.
type FieldView struct {
	Set         bool   `json:"set"`
	Secret      bool   `json:"writeOnly,omitempty"`   // a secret: never shown
	Value       string `json:"value,omitempty"`       // non-secret settings only
	Fingerprint string `json:"fingerprint,omitempty"` // secret settings only
	Source      string `json:"source,omitempty"`      // FromWorkspace or FromEnvironment
	// Ignored says that the workspace stored a value of an operator setting
	// (a base URL, before endpoints became operator configuration) and that
	// it is not used.
	Ignored string `json:"ignored,omitempty"`
}

var providers = map[string]string{"email": "sendgrid", "line": "line", "push": "fcm", "sms": "twilio"}

var credentials = map[string]string{"email": APIKey, "line": ChannelAccessToken, "push": ServiceAccount, "sms": AuthToken}

// View shows the workspace's channel settings in effect. It reads the
// stored fingerprints, not the secrets, so it needs no key.
func (r *Resolver) View(ctx context.Context, workspaceID, channel string) (View, error) {
	cs, err := r.store.ChannelSettingsOf(ctx, workspaceID, channel)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return View{}, fmt.Errorf("settings: %w", err)
	}
	return r.view(channel, cs)
}

// List shows every channel's settings in effect for the workspace.
func (r *Resolver) List(ctx context.Context, workspaceID string) ([]View, error) {
	rows, err := r.store.ListChannelSettings(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	byChannel := map[string]store.ChannelSettings{}
	for _, cs := range rows {
		byChannel[cs.Channel] = cs
	}
	out := make([]View, 0, len(Channels))
	for _, ch := range Channels {
		v, err := r.view(ch, byChannel[ch])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// view lays a stored row (zero when none) over the defaults.
func (r *Resolver) view(channel string, cs store.ChannelSettings) (View, error) {
	stored := Values{}
	if len(cs.Config) > 0 {
		if err := json.Unmarshal(cs.Config, &stored); err != nil {
			return View{}, fmt.Errorf("settings: %s settings of %q: %w", channel, cs.WorkspaceID, err)
		}
	}
	v := View{Channel: channel, Provider: providers[channel], SendsThrough: "outbox", Settings: map[string]FieldView{}}
	if !cs.UpdatedAt.IsZero() {
		v.UpdatedAt = &cs.UpdatedAt
	}
	for _, f := range Fields[channel] {
		v.Settings[f.Name] = r.fieldView(channel, f, cs.Fingerprints[f.Name], stored[f.Name])
	}
	if v.Settings[credentials[channel]].Set {
		v.SendsThrough = v.Provider
	}
	return v, nil
}

// fieldView shows one setting: the workspace's (its fingerprint fp for a
// secret, val otherwise), else the environment's.
func (r *Resolver) fieldView(channel string, f Field, fp, val string) FieldView {
	fv := FieldView{Secret: f.Secret}
	if f.Operator && val != "" {
		fv.Ignored = "the workspace's value " + val + " is ignored: the endpoint is operator configuration (" +
			BaseURLEnv[channel] + "); PUT \"" + f.Name + "\": \"\" clears it"
		val = ""
	}
	switch def := r.opts.Defaults[channel][f.Name]; {
	case f.Secret && fp != "":
		fv.Set, fv.Fingerprint, fv.Source = true, fp, FromWorkspace
	case !f.Secret && val != "":
		fv.Set, fv.Value, fv.Source = true, val, FromWorkspace
	case def != "":
		fv.Set, fv.Source = true, FromEnvironment
		if f.Secret {
			fv.Fingerprint = Fingerprint(def)
		} else {
			fv.Value = def
		}
	}
	return fv
}

// Put stores values as the workspace's settings for the channel, field by
// field over what it had: a field not given keeps its value. Check them
// with Validate first. Secrets are sealed (ErrNoKey without a Keyring).
// Settings left incomplete (a Twilio account SID without its auth token)
// are refused with jsonfields.Errors naming what is missing, and nothing
// is stored.
func (r *Resolver) Put(ctx context.Context, workspaceID, channel string, values Values) (View, error) {
	public, secret := Values{}, Values{}
	for name, val := range values {
		if f, ok := field(channel, name); ok && f.Secret {
			secret[name] = val
		} else {
			public[name] = val
		}
	}
	if len(secret) > 0 && r.opts.Keyring == nil {
		return View{}, ErrNoKey
	}
	cs, err := r.store.UpdateChannelSettings(ctx, workspaceID, channel, func(old store.ChannelSettings, _ bool) (store.ChannelSettings, error) {
		return r.merge(old, public, secret)
	})
	r.Invalidate(workspaceID, channel)
	if err != nil {
		return View{}, fmt.Errorf("settings: %w", err)
	}
	return r.view(channel, cs)
}

// merge lays public and secret values over the old row.
func (r *Resolver) merge(old store.ChannelSettings, public, secret Values) (store.ChannelSettings, error) {
	config := Values{}
	if len(old.Config) > 0 {
		if err := json.Unmarshal(old.Config, &config); err != nil {
			return old, err
		}
	}
	for name, val := range public {
		if val == "" {
			delete(config, name)
		} else {
			config[name] = val
		}
	}
	next := old
	next.Config, _ = json.Marshal(config)
	if len(secret) > 0 {
		var err error
		if next, err = r.mergeSecrets(next, secret); err != nil {
			return old, err
		}
	}
	defaults := r.opts.Defaults[old.Channel]
	if errs := complete(old.Channel, func(name string) bool {
		return config[name] != "" || next.Fingerprints[name] != "" || defaults[name] != ""
	}); len(errs) > 0 {
		return old, fmt.Errorf("settings: the %s settings are incomplete: %w", old.Channel, errs)
	}
	return next, nil
}

// mergeSecrets lays secret values over the row's sealed ones.
func (r *Resolver) mergeSecrets(old store.ChannelSettings, secret Values) (store.ChannelSettings, error) {
	next := old
	secrets := Values{}
	if old.Secrets != nil {
		plain, err := r.opts.Keyring.open(old.WorkspaceID, old.Channel, old.Secrets)
		if err != nil {
			return old, err
		}
		if err := json.Unmarshal(plain, &secrets); err != nil {
			return old, err
		}
	}
	maps.Copy(secrets, secret)
	plain, _ := json.Marshal(secrets)
	sealed, err := r.opts.Keyring.seal(old.WorkspaceID, old.Channel, plain)
	if err != nil {
		return old, err
	}
	next.Secrets, next.Fingerprints = sealed, map[string]string{}
	for name, val := range secrets {
		next.Fingerprints[name] = Fingerprint(val)
	}
	return next, nil
}

// Delete removes the workspace's settings for the channel: the
// environment's apply again. store.ErrNotFound when it had none.
func (r *Resolver) Delete(ctx context.Context, workspaceID, channel string) error {
	err := r.store.DeleteChannelSettings(ctx, workspaceID, channel)
	r.Invalidate(workspaceID, channel)
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	return nil
}
