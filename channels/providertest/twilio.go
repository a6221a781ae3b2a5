package providertest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // G505: Twilio signs its callbacks with HMAC-SHA1; the fake signs as Twilio does
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// TwilioSpec is the Programmable Messaging description, relative to SpecsDir.
const TwilioSpec = "twilio/twilio-messages.openapi.json"

// Twilio is a fake Twilio REST API (Messages): POST
// /2010-04-01/Accounts/{AccountSid}/Messages.json is checked against the
// description (path, form parameters and their formats, no parameter the
// description lacks) and the account's Basic credentials, and answers 201
// with a queued message. As Twilio, it can also post signed status
// callbacks and inbound messages to Tabiji.
type Twilio struct {
	*Server
	AccountSID, AuthToken string
	messages              []TwilioMessage
}

// TwilioMessage is one message the fake accepted.
type TwilioMessage struct {
	SID, To, From, MessagingServiceSID, Body, StatusCallback string
}

// e164 is an E.164 number; alphanumeric is a sender ID (letters, digits
// and spaces, at most 11, at least one letter), which From may be.
var (
	e164         = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	alphanumeric = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)
)

// NewTwilio starts a fake Twilio for a new account with a random SID and
// auth token.
func NewTwilio(t testing.TB) *Twilio {
	t.Helper()
	tw := &Twilio{Server: newServer(t, TwilioSpec, twilioError), AccountSID: "AC" + randomHex(16), AuthToken: randomHex(16)}
	tw.doc.SetStringFormatValidator("phone-number", openapi3.NewCallbackValidator(func(s string) error {
		if e164.MatchString(s) || (alphanumeric.MatchString(s) && strings.ContainsAny(strings.ToLower(s), "abcdefghijklmnopqrstuvwxyz")) {
			return nil
		}
		return fmt.Errorf("%q is neither an E.164 number nor an alphanumeric sender ID", s)
	}))
	tw.doc.SetStringFormatValidator("uri", openapi3.NewCallbackValidator(func(s string) error {
		if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%q is not an absolute http(s) URL", s)
		}
		return nil
	}))
	tw.formats = tw.doc.GetSchemaValidationOptions()
	mux := http.NewServeMux()
	mux.HandleFunc("/", tw.serve(tw.check, tw.create))
	tw.start(mux)
	return tw
}

// check checks the credentials, then the request against the description,
// then that every form parameter is one the description names.
func (tw *Twilio) check(r *http.Request, body []byte) error {
	user, pass, ok := r.BasicAuth()
	if !ok || user != tw.AccountSID || pass != tw.AuthToken {
		return errorString("Authorization: want Basic credentials of the account (SID and auth token)")
	}
	if err := tw.validate(r, body); err != nil {
		return err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return fmt.Errorf("body: %w", err)
	}
	route, _, _ := tw.router.FindRoute(r)
	props := route.Operation.RequestBody.Value.Content.Get("application/x-www-form-urlencoded").Schema.Value.Properties
	for name := range form {
		if _, known := props[name]; !known {
			return fmt.Errorf("body: parameter %q is not in the description", name)
		}
	}
	if !strings.Contains(r.URL.Path, "/Accounts/"+tw.AccountSID+"/") {
		return errorString("path: the account SID is not the authenticated account's")
	}
	return nil
}

// create answers a valid message: 201 with Twilio's message resource.
func (tw *Twilio) create(w http.ResponseWriter, _ *http.Request, body []byte) int {
	form, _ := url.ParseQuery(string(body))
	sid := "SM" + randomHex(16)
	now := time.Now().UTC().Format(time.RFC1123Z)
	b, _ := json.Marshal(map[string]any{
		"sid": sid, "account_sid": tw.AccountSID, "api_version": "2010-04-01", "status": "queued",
		"to": form.Get("To"), "from": form.Get("From"), "body": form.Get("Body"),
		"messaging_service_sid": nilIfEmpty(form.Get("MessagingServiceSid")), "direction": "outbound-api",
		"num_segments": "1", "num_media": "0", "date_created": now, "date_updated": now,
		"uri": "/2010-04-01/Accounts/" + tw.AccountSID + "/Messages/" + sid + ".json",
	})
	tw.mu.Lock()
	tw.messages = append(tw.messages, TwilioMessage{SID: sid, To: form.Get("To"), From: form.Get("From"), Body: form.Get("Body"),
		MessagingServiceSID: form.Get("MessagingServiceSid"), StatusCallback: form.Get("StatusCallback")})
	tw.mu.Unlock()
	writeJSON(w, http.StatusCreated, b)
	return http.StatusCreated
}

// Messages are the messages the fake accepted, in order, with the SIDs it
// gave them.
func (tw *Twilio) Messages() []TwilioMessage {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	return slices.Clone(tw.messages)
}

// Sign is Twilio's X-Twilio-Signature of a POST of form to rawURL:
// base64(HMAC-SHA1(auth token, URL + each parameter's name and value,
// sorted by name)).
func Sign(authToken, rawURL string, form url.Values) string {
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	slices.Sort(names)
	payload := rawURL
	for _, k := range names {
		payload += k + form.Get(k)
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(payload))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Post sends form to rawURL as Twilio does (form-encoded, signed with the
// account's auth token) and returns the status answered.
func (tw *Twilio) Post(t testing.TB, rawURL string, form url.Values) int {
	t.Helper()
	return PostSigned(t, rawURL, form, Sign(tw.AuthToken, rawURL, form))
}

// PostSigned sends form to rawURL with the given X-Twilio-Signature (a
// forged one, say) and returns the status answered.
func PostSigned(t testing.TB, rawURL string, form url.Values, signature string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatalf("providertest: twilio callback: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", signature)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("providertest: twilio callback to %s: %v", rawURL, err)
	}
	_ = res.Body.Close()
	return res.StatusCode
}

// StatusCallback is the form Twilio posts to a message's status callback
// when its status becomes status ("sent", "delivered", "undelivered",
// "failed"); errorCode is Twilio's error code for a failure, "" otherwise.
func (tw *Twilio) StatusCallback(m TwilioMessage, status, errorCode string) url.Values {
	f := url.Values{"AccountSid": {tw.AccountSID}, "MessageSid": {m.SID}, "SmsSid": {m.SID}, "SmsStatus": {status},
		"MessageStatus": {status}, "To": {m.To}, "From": {m.From}, "ApiVersion": {"2010-04-01"}}
	if m.MessagingServiceSID != "" {
		f.Set("MessagingServiceSid", m.MessagingServiceSID)
	}
	if errorCode != "" {
		f.Set("ErrorCode", errorCode)
	}
	return f
}

// Inbound is the form Twilio posts to a number's messaging webhook when
// from texts body to the number to.
func (tw *Twilio) Inbound(from, to, body string) url.Values {
	sid := "SM" + randomHex(16)
	return url.Values{"AccountSid": {tw.AccountSID}, "MessageSid": {sid}, "SmsMessageSid": {sid}, "SmsSid": {sid},
		"SmsStatus": {"received"}, "From": {from}, "To": {to}, "Body": {body}, "NumMedia": {"0"},
		"NumSegments": {"1"}, "ApiVersion": {"2010-04-01"}}
}

func twilioError(status int, msg string) []byte {
	b, _ := json.Marshal(map[string]any{"code": 20000 + status, "message": msg, "more_info": "https://www.twilio.com/docs/errors", "status": status})
	return b
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
