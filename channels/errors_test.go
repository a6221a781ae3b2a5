package channels_test

import (
	"errors"
	"fmt"
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
