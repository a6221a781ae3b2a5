package twilio

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/tabiji/tabiji/channels"
)

// Twilio error codes that say the number itself is no good: it is
// suppressed, as an unregistered push token is.
var invalidNumber = map[int]bool{
	21211: true, // invalid 'To' phone number
	21614: true, // 'To' number is not a valid mobile number
}

// rateLimitWait is how long to wait after a 429: Twilio's answer carries no
// Retry-After.
const rateLimitWait = time.Second

// classify turns the SDK's error into the channels error classes. status
// is the HTTP status the API answered (0 when no answer came): an error the
// SDK could not decode still tells by it whether Twilio refused the message.
func classify(id string, err error, status int) error {
	var rest *twclient.TwilioRestError
	if errors.As(err, &rest) {
		status = rest.Status
	}
	switch {
	case status == http.StatusTooManyRequests:
		return &channels.RateLimitError{Status: status, RetryAfter: rateLimitWait}
	case status >= 400 && status < 500:
		return &channels.PermanentError{Status: status, Reason: reason(rest, err)}
	case status >= 500:
		return fmt.Errorf("twilio: send %s: %w", id, &channels.TransientError{Status: status, Reason: reason(rest, err)})
	}
	return fmt.Errorf("twilio: send %s: %w", id, err) // no answer: the outcome is unknown
}

// badNumber says whether Twilio refused the number itself.
func badNumber(err error) bool {
	var rest *twclient.TwilioRestError
	return errors.As(err, &rest) && invalidNumber[rest.Code]
}

func reason(rest *twclient.TwilioRestError, err error) string {
	if rest == nil {
		return err.Error()
	}
	return fmt.Sprintf("Twilio error %d: %s", rest.Code, rest.Message)
}
