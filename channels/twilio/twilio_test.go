package twilio_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/twilio"
	"github.com/tabiji/tabiji/phone"
)

func message() channels.Message {
	return channels.Message{ID: "msg_1", WorkspaceID: "ws_1", CustomerID: "u_1", Channel: "sms", To: "+819012345678",
		SMS: &channels.SMS{Body: "ご注文ありがとうございます"}, StatusCallback: "https://tabiji.example/webhooks/twilio/ws_1?message=msg_1"}
}

func setup(t *testing.T, cfg twilio.Config) (*providertest.Twilio, *twilio.Sender) {
	fake := providertest.NewTwilio(t)
	cfg.AccountSID, cfg.AuthToken, cfg.BaseURL = fake.AccountSID, fake.AuthToken, fake.URL
	s, err := twilio.NewSender(cfg)
	require.NoError(t, err)
	return fake, s
}

func TestSend(t *testing.T) {
	ctx := context.Background()
	t.Run("PostsTheMessageFromTheNumberWithItsStatusCallback", func(t *testing.T) {
		fake, s := setup(t, twilio.Config{From: "+815012345678"})
		res, err := s.Send(ctx, message())
		require.NoError(t, err)
		got := fake.Messages()
		require.Len(t, got, 1)
		assert.Equal(t, providertest.TwilioMessage{SID: res.ProviderID, To: "+819012345678", From: "+815012345678",
			Body: "ご注文ありがとうございます", StatusCallback: "https://tabiji.example/webhooks/twilio/ws_1?message=msg_1"}, got[0])
		assert.Regexp(t, `^SM[0-9a-f]{32}$`, res.ProviderID)
	})
	t.Run("SendsThroughAMessagingServiceWhenOneIsSet", func(t *testing.T) {
		fake, s := setup(t, twilio.Config{From: "TABIJI", MessagingServiceSID: "MG0123456789abcdef0123456789abcdef"})
		_, err := s.Send(ctx, message())
		require.NoError(t, err)
		got := fake.Messages()
		require.Len(t, got, 1)
		assert.Equal(t, "MG0123456789abcdef0123456789abcdef", got[0].MessagingServiceSID)
		assert.Empty(t, got[0].From)
	})
	t.Run("AMessageWithoutABodyIsPermanentAndNotSent", func(t *testing.T) {
		fake, s := setup(t, twilio.Config{From: "+815012345678"})
		m := message()
		m.SMS = nil
		_, err := s.Send(ctx, m)
		assert.True(t, channels.IsPermanent(err), "%v", err)
		assert.Empty(t, fake.Requests())
	})
	t.Run("ErrorsFallIntoTheirClasses", func(t *testing.T) {
		fake, s := setup(t, twilio.Config{From: "+815012345678"})
		fake.FailNext(http.StatusBadRequest, nil, 1)
		fake.FailNext(http.StatusTooManyRequests, nil, 1)
		fake.FailNext(http.StatusServiceUnavailable, nil, 1)
		_, err := s.Send(ctx, message())
		assert.True(t, channels.IsPermanent(err), "400: %v", err)
		_, err = s.Send(ctx, message())
		d, limited := channels.RetryAfter(err)
		assert.True(t, limited && d > 0, "429: %v", err)
		_, err = s.Send(ctx, message())
		var tr *channels.TransientError
		assert.True(t, errors.As(err, &tr) && channels.NotAccepted(err), "503: %v", err)
	})
	t.Run("AnAnswerThatNeverComesLeavesTheOutcomeUnknown", func(t *testing.T) {
		fake, s := setup(t, twilio.Config{From: "+815012345678"})
		h := fake.HoldNext()
		cctx, cancel := context.WithCancel(ctx)
		go func() { <-h.Arrived(); cancel() }()
		_, err := s.Send(cctx, message())
		require.Error(t, err)
		assert.False(t, channels.NotAccepted(err), "a call cut short may have been taken: %v", err)
		h.Release()
	})
}

func TestAddress(t *testing.T) {
	s, err := twilio.NewSender(twilio.Config{AccountSID: "AC0", AuthToken: "t", From: "+15005550006", Region: "US"})
	require.NoError(t, err)
	got, err := s.Address("(415) 555-2671")
	assert.NoError(t, err)
	assert.Equal(t, "+14155552671", got)
	jp, _ := twilio.NewSender(twilio.Config{AccountSID: "AC0", AuthToken: "t", From: "+15005550006"})
	got, err = jp.Address("090-1234-5678")
	assert.NoError(t, err)
	assert.Equal(t, "+819012345678", got, "numbers without a country code are Japanese by default")
	_, err = jp.Address("12")
	assert.ErrorIs(t, err, phone.ErrInvalid)
}

func TestNewSenderNeedsCredentialsAndASender(t *testing.T) {
	for _, cfg := range []twilio.Config{{AuthToken: "t", From: "+1"}, {AccountSID: "AC", From: "+1"}, {AccountSID: "AC", AuthToken: "t"}} {
		_, err := twilio.NewSender(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
}
