package channels

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// Error implements error.
func (e *PermanentError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("permanent failure (HTTP %d): %s", e.Status, e.Reason)
	}
	return "permanent failure: " + e.Reason
}

// Error implements error.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("rate limited (HTTP %d): retry after %s", e.Status, e.RetryAfter)
}

// IsPermanent reports whether err (or any error it wraps) is a
// *PermanentError: retrying the same send cannot succeed.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// RetryAfter returns the delay a *RateLimitError in err's chain asks for and
// true, or zero and false when err is not a rate limit.
func RetryAfter(err error) (time.Duration, bool) {
	var r *RateLimitError
	if errors.As(err, &r) {
		return r.RetryAfter, true
	}
	return 0, false
}

// Error implements error.
func (e *TransientError) Error() string {
	return fmt.Sprintf("provider unavailable (HTTP %d): %s", e.Status, e.Reason)
}

// NotAccepted reports whether err says for certain that the provider did not
// take the message: it answered with a refusal (*PermanentError,
// *RateLimitError, *TransientError), or the connection was never made. Any
// other error leaves the outcome unknown.
func NotAccepted(err error) bool {
	var (
		p  *PermanentError
		r  *RateLimitError
		tr *TransientError
		op *net.OpError
	)
	switch {
	case errors.As(err, &p), errors.As(err, &r), errors.As(err, &tr):
		return true
	case errors.As(err, &op):
		return op.Op == "dial"
	}
	return false
}
