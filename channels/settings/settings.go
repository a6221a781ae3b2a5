// Package settings holds each workspace's provider settings per channel
// (SendGrid for email, the LINE Messaging API, FCM for push, Twilio for
// SMS): which fields
// each channel has, how a value is checked before it is stored, how secrets
// are sealed at rest, and the Resolver that turns the settings in effect —
// the workspace's, else the process environment's — into a channel sender.
package settings

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/tabiji/tabiji/jsonfields"

	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"
)

// Channels are the channels that have provider settings.
var Channels = []string{"email", "line", "push", "sms"}

// Field names.
const (
	APIKey              = "apiKey"              // email: SendGrid API key (secret)
	WebhookPublicKey    = "webhookPublicKey"    // email: SendGrid Signed Event Webhook public key (base64)
	ChannelAccessToken  = "channelAccessToken"  // line: channel access token (secret)
	ChannelSecret       = "channelSecret"       // line: channel secret, which signs webhooks (secret)
	RelayURLs           = "relayUrls"           // line: the shop's other webhook endpoints, comma-separated, that get every verified webhook
	ServiceAccount      = "serviceAccount"      // push: Firebase service account key, JSON (secret)
	AccountSID          = "accountSid"          // sms: Twilio account SID (AC…)
	AuthToken           = "authToken"           // sms: Twilio auth token, which also signs Twilio's webhooks (secret)
	FromNumber          = "fromNumber"          // sms: the sending number (E.164) or alphanumeric sender ID
	MessagingServiceSID = "messagingServiceSid" // sms: a Twilio Messaging Service (MG…), used instead of fromNumber
	DefaultRegion       = "defaultRegion"       // sms: region of customers' numbers without a country code (JP unless set)
	BaseURL             = "baseUrl"             // every channel: the provider API's base URL (operator only)
)

// BaseURLEnv names, per channel, the environment variable that sets the
// provider's base URL: an endpoint is operator configuration, so the
// operator's credentials never go to a host a workspace chose.
var BaseURLEnv = map[string]string{"email": "SENDGRID_BASE_URL", "line": "LINE_API_BASE_URL", "push": "FCM_BASE_URL",
	"sms": "TWILIO_API_BASE_URL"}

// Field is one setting of a channel.
type Field struct {
	Name   string
	Secret bool // write-only: never shown, only whether it is set and a fingerprint
	// Operator settings come from the environment only: a workspace cannot
	// set them, and a value stored before that rule is ignored.
	Operator bool
	check    func(string) string
}

// Fields lists each channel's settings.
var Fields = map[string][]Field{
	"email": {{APIKey, true, false, token}, {WebhookPublicKey, false, false, sendgridPublicKey}, {BaseURL, false, true, httpURL}},
	"line":  {{ChannelAccessToken, true, false, token}, {ChannelSecret, true, false, token}, {RelayURLs, false, false, relayURLs}, {BaseURL, false, true, httpURL}},
	"push":  {{ServiceAccount, true, false, serviceAccount}, {BaseURL, false, true, httpURL}},
	"sms": {{AccountSID, false, false, sid("AC", "account SID")}, {AuthToken, true, false, authToken},
		{FromNumber, false, false, fromNumber}, {MessagingServiceSID, false, false, sid("MG", "Messaging Service SID")},
		{DefaultRegion, false, false, region}, {BaseURL, false, true, httpURL}},
}

// Values are settings by field name.
type Values map[string]string

// KnownChannel says whether channel has settings.
func KnownChannel(channel string) bool { return slices.Contains(Channels, channel) }

// field returns the channel's field named name.
func field(channel, name string) (Field, bool) {
	for _, f := range Fields[channel] {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Validate checks values a workspace gives for channel: every field must
// be one of the channel's, not an operator setting (an empty value, which
// clears what a workspace stored before, excepted), and hold a value its
// provider accepts. Errors come sorted by field name.
func Validate(channel string, v Values) jsonfields.Errors {
	var errs jsonfields.Errors
	for _, name := range sortedKeys(v) {
		if f, ok := field(channel, name); ok && f.Operator && v[name] != "" {
			errs.Add(name, "is operator configuration: the provider's endpoint is set by "+
				BaseURLEnv[channel]+" in the environment of the API and the workers, so the operator's credentials never go to an endpoint a workspace chose")
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return ValidateDefaults(channel, v)
}

// ValidateDefaults checks the operator's values for channel (from the
// environment), operator settings included.
func ValidateDefaults(channel string, v Values) jsonfields.Errors {
	var errs jsonfields.Errors
	for _, name := range sortedKeys(v) {
		f, ok := field(channel, name)
		if !ok {
			errs.Add(name, "is not a "+channel+" setting; the settings are "+names(channel))
			continue
		}
		if v[name] == "" && !f.Secret {
			continue // clears the workspace's value: the environment's applies
		}
		if msg := f.check(v[name]); msg != "" {
			errs.Add(name, msg)
		}
	}
	return errs
}

func names(channel string) string {
	out := make([]string, len(Fields[channel]))
	for i, f := range Fields[channel] {
		out[i] = f.Name
	}
	return strings.Join(out, ", ")
}

func sortedKeys(v Values) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// token checks an API key, access token or secret: it goes into a header
// or an HMAC, so it must be one non-empty run of printable characters.
func token(s string) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "must not be empty (DELETE the channel's settings to clear them)"
	case strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return "must not contain spaces, line breaks or control characters"
	}
	return ""
}

func httpURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "must be an http:// or https:// URL with a host, as https://api.sendgrid.com"
	}
	return ""
}

// MaxRelayURLs is how many endpoints a LINE channel relays its webhooks to.
const MaxRelayURLs = 5

// SplitRelayURLs reads a relayUrls value: the URLs between its commas,
// trimmed, empty ones left out.
func SplitRelayURLs(s string) []string {
	var out []string
	for _, u := range strings.Split(s, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// relayURLs checks the shop's other LINE webhook endpoints: at most
// MaxRelayURLs distinct http(s) URLs with a host and no credentials in
// them. Whether a host may be dialled is decided when it is (package
// outbound): a name can resolve elsewhere later.
func relayURLs(s string) string {
	urls := SplitRelayURLs(s)
	if len(urls) > MaxRelayURLs {
		return fmt.Sprintf("must name at most %d URLs, comma-separated; it names %d", MaxRelayURLs, len(urls))
	}
	for i, raw := range urls {
		u, err := url.Parse(raw)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || len(raw) > 2048:
			return fmt.Sprintf("URL %d must be an http:// or https:// URL with a host, at most 2048 characters, as https://shop.example/line/webhook", i+1)
		case u.User != nil:
			return fmt.Sprintf("URL %d must not hold a user name or password", i+1)
		case slices.Contains(urls[:i], raw):
			return fmt.Sprintf("URL %d is named twice", i+1)
		}
	}
	return ""
}

func sendgridPublicKey(s string) string {
	if _, err := eventwebhook.ConvertPublicKeyBase64ToECDSA(s); err != nil {
		return "must be the base64 ECDSA public key SendGrid shows for the Signed Event Webhook: " + err.Error()
	}
	return ""
}

// serviceAccount checks a Firebase service account key as the Google
// console downloads it: type service_account, a project, a client email
// and a PEM private key.
func serviceAccount(s string) string {
	var key struct {
		Type        string `json:"type"`
		ProjectID   string `json:"project_id"`
		ClientEmail string `json:"client_email"`
		PrivateKey  string `json:"private_key"`
	}
	if err := json.Unmarshal([]byte(s), &key); err != nil {
		return "must be a service account key (JSON): " + err.Error()
	}
	var missing []string
	for name, v := range map[string]string{"project_id": key.ProjectID, "client_email": key.ClientEmail, "private_key": key.PrivateKey} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	switch {
	case key.Type != "service_account":
		return `must be a service account key: "type" is "` + key.Type + `", not "service_account"`
	case len(missing) > 0:
		return "must be a service account key: it has no " + strings.Join(missing, ", ")
	}
	if block, _ := pem.Decode([]byte(key.PrivateKey)); block == nil {
		return "must be a service account key: private_key is not a PEM key"
	}
	return ""
}

// Fingerprint is what is shown of a secret: the first 8 hex digits of its
// SHA-256, enough to tell two keys apart and useless to recover one.
func Fingerprint(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "sha256:" + hex.EncodeToString(sum[:4])
}
