package fcm_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/fcm"
	"github.com/tabiji/tabiji/channels/providertest"
)

func message() channels.Message {
	return channels.Message{
		ID: "msg_1", WorkspaceID: "ws_1", CustomerID: "u_1", NodeID: "nudge", Channel: "push", To: "tok-abc",
		Push: &channels.Push{
			Title: "Back in stock", Body: "Your size is here", ImageURL: "https://shop.example/i.png",
			DeepLink: "shop://item/42", Data: map[string]string{"item": "42"},
		},
	}
}

func setup(t *testing.T) (*providertest.FCM, *fcm.Sender) {
	fake := providertest.NewFCM(t)
	s, err := fcm.NewSender(context.Background(), fcm.Config{CredentialsFile: fake.CredentialsFile(t), BaseURL: fake.URL})
	require.NoError(t, err)
	return fake, s
}

func TestSend(t *testing.T) {
	ctx := context.Background()
	t.Run("SendsTheNotificationToTheToken", func(t *testing.T) {
		fake, s := setup(t)
		res, err := s.Send(ctx, message())
		require.NoError(t, err)
		assert.Equal(t, channels.Result{ProviderID: "projects/tabiji-test/messages/1"}, res)
		reqs := fake.Requests()
		require.Len(t, reqs, 1)
		var body struct {
			Message struct {
				Token        string
				Notification struct{ Title, Body, Image string }
				Data         map[string]string
			}
		}
		reqs[0].JSON(t, &body)
		assert.Equal(t, "tok-abc", body.Message.Token)
		assert.Equal(t, struct{ Title, Body, Image string }{"Back in stock", "Your size is here", "https://shop.example/i.png"}, body.Message.Notification)
		assert.Equal(t, map[string]string{"item": "42", "deep_link": "shop://item/42", "tabiji_message_id": "msg_1"}, body.Message.Data)
	})
	t.Run("AnUnregisteredTokenIsPermanentAndToBeRemoved", func(t *testing.T) {
		fake, s := setup(t)
		fake.Unregister("tok-abc")
		res, err := s.Send(ctx, message())
		assert.True(t, res.RemoveAddress)
		assert.True(t, channels.IsPermanent(err), "err = %v", err)
		var gone *fcm.UnregisteredTokenError
		require.True(t, errors.As(err, &gone))
		assert.Equal(t, http.StatusNotFound, gone.Status)
	})
	t.Run("InvalidArgumentIsPermanentButKeepsTheToken", func(t *testing.T) {
		fake, s := setup(t)
		fake.FailNext(http.StatusBadRequest, nil, 1)
		res, err := s.Send(ctx, message())
		assert.False(t, res.RemoveAddress)
		assert.True(t, channels.IsPermanent(err), "err = %v", err)
	})
	t.Run("QuotaExceededIsARateLimit", func(t *testing.T) {
		fake, s := setup(t)
		fake.FailNext(http.StatusTooManyRequests, map[string]string{"Retry-After": "12"}, 1)
		_, err := s.Send(ctx, message())
		d, ok := channels.RetryAfter(err)
		require.True(t, ok, "err = %v", err)
		assert.Equal(t, 12*time.Second, d)
	})
	t.Run("InternalErrorIsTransient", func(t *testing.T) {
		fake, s := setup(t)
		fake.FailNext(http.StatusInternalServerError, nil, 1)
		_, err := s.Send(ctx, message())
		require.Error(t, err)
		assert.False(t, channels.IsPermanent(err))
		_, limited := channels.RetryAfter(err)
		assert.False(t, limited)
		_, err = s.Send(ctx, message())
		assert.NoError(t, err)
	})
	t.Run("MessageWithoutPushIsPermanent", func(t *testing.T) {
		_, s := setup(t)
		m := message()
		m.Push = nil
		_, err := s.Send(ctx, m)
		assert.True(t, channels.IsPermanent(err))
	})
}

// The SDK itself retries 503 (and network errors) up to four times with
// exponential backoff before the error reaches the caller.
func TestTheSDKRetriesUnavailable(t *testing.T) {
	fake, s := setup(t)
	fake.FailNext(http.StatusServiceUnavailable, nil, 1)
	_, err := s.Send(context.Background(), message())
	require.NoError(t, err)
	reqs := fake.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, []int{503, 200}, []int{reqs[0].Status, reqs[1].Status})
}
