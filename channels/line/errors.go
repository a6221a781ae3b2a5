package line

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/tabiji/tabiji/channels"
)

// rawMessage passes a LINE message object through the SDK byte for byte:
// decoding it into the SDK's typed structs and encoding it again would add
// zero values the author never wrote (flex "flex":0, "wrap":false), which
// change how LINE lays the message out.
type rawMessage json.RawMessage

// GetType implements messaging_api.MessageInterface.
func (r rawMessage) GetType() string {
	var t struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(r, &t)
	return t.Type
}

// MarshalJSON returns the message as given.
func (r rawMessage) MarshalJSON() ([]byte, error) { return r, nil }

// messages checks that each message is a JSON object with a type.
func messages(raw []json.RawMessage) ([]messaging_api.MessageInterface, error) {
	if len(raw) == 0 || len(raw) > 5 {
		return nil, &channels.PermanentError{Reason: fmt.Sprintf("line: a request carries 1 to 5 messages, not %d", len(raw))}
	}
	out := make([]messaging_api.MessageInterface, len(raw))
	for i, r := range raw {
		m := rawMessage(r)
		if !json.Valid(r) || m.GetType() == "" {
			return nil, &channels.PermanentError{Reason: fmt.Sprintf("line: message %d is not a JSON object with a type", i)}
		}
		out[i] = m
	}
	return out, nil
}

// result classifies the SDK's answer. The SDK returns an error for every
// non-2xx status and leaves the response (with its body) for us to read.
func result(step string, res *http.Response, err error) (channels.Result, error) {
	if res == nil {
		return channels.Result{}, fmt.Errorf("line: %s: %w", step, err)
	}
	switch code := res.StatusCode; {
	case code/100 == 2 && err == nil:
		return channels.Result{ProviderID: res.Header.Get("X-Line-Request-Id")}, nil
	case code == http.StatusConflict:
		return channels.Result{ProviderID: res.Header.Get("X-Line-Accepted-Request-Id"), AlreadyAccepted: true}, nil
	case code == http.StatusTooManyRequests:
		return channels.Result{}, &channels.RateLimitError{Status: code, RetryAfter: retryAfter(res.Header)}
	case code == 400 || code == 401 || code == 403:
		return channels.Result{}, &channels.PermanentError{Status: code, Reason: reason(res)}
	default: // LINE answered without accepting: sending again cannot duplicate
		return channels.Result{}, fmt.Errorf("line: %s: %w", step, &channels.TransientError{Status: code, Reason: reason(res)})
	}
}

// reason is LINE's error message with its details.
func reason(res *http.Response) string {
	body, _ := io.ReadAll(res.Body)
	var e messaging_api.ErrorResponse
	if json.Unmarshal(body, &e) != nil || e.Message == "" {
		return strings.TrimSpace(string(body))
	}
	parts := []string{e.Message}
	for _, d := range e.Details {
		parts = append(parts, d.Property+": "+d.Message)
	}
	return strings.Join(parts, "; ")
}

// retryAfter reads Retry-After (seconds); LINE documents none for 429, so
// a minute is assumed.
func retryAfter(h http.Header) time.Duration {
	if secs, err := strconv.Atoi(h.Get("Retry-After")); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	return time.Minute
}
