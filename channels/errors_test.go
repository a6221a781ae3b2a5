package channels_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tabiji/tabiji/channels"
)

func TestErrorClasses(t *testing.T) {
	perm := fmt.Errorf("send msg_1: %w", &channels.PermanentError{Reason: "invalid address", Status: 400})
	limit := fmt.Errorf("send msg_1: %w", &channels.RateLimitError{RetryAfter: 3 * time.Second, Status: 429})
	transient := errors.New("HTTP 502")

	assert.True(t, channels.IsPermanent(perm), "wrapped permanent error")
	assert.False(t, channels.IsPermanent(limit))
	assert.False(t, channels.IsPermanent(transient))
	assert.False(t, channels.IsPermanent(nil))

	d, ok := channels.RetryAfter(limit)
	assert.True(t, ok)
	assert.Equal(t, 3*time.Second, d)
	_, ok = channels.RetryAfter(perm)
	assert.False(t, ok)
	_, ok = channels.RetryAfter(transient)
	assert.False(t, ok)

	assert.Equal(t, "send msg_1: permanent failure (HTTP 400): invalid address", perm.Error())
	assert.Equal(t, "send msg_1: rate limited (HTTP 429): retry after 3s", limit.Error())
}

// NotAccepted separates a refusal (sending again cannot duplicate) from an
// unknown outcome (the provider may have taken the message).
func TestNotAccepted(t *testing.T) {
	_, dialErr := net.Dial("tcp", "127.0.0.1:1")
	for name, tc := range map[string]struct {
		err  error
		want bool
	}{
		"Permanent": {fmt.Errorf("x: %w", &channels.PermanentError{Status: 400}), true},
		"RateLimit": {&channels.RateLimitError{Status: 429}, true},
		"5xx":       {fmt.Errorf("x: %w", &channels.TransientError{Status: 502}), true},
		"NoConnect": {fmt.Errorf("x: %w", dialErr), true},
		"Timeout":   {fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		"Reset":     {&net.OpError{Op: "read", Err: errors.New("connection reset by peer")}, false},
	} {
		if got := channels.NotAccepted(tc.err); got != tc.want {
			t.Errorf("%s: NotAccepted(%v) = %v, want %v", name, tc.err, got, tc.want)
		}
	}
}
