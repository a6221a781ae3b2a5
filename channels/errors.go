package channels

import (
	"errors"
	"fmt"
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
