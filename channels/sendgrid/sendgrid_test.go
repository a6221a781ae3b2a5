package sendgrid_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/sendgrid"
)

func message() channels.Message {
	return channels.Message{
		ID: "msg_1", WorkspaceID: "ws_1", CustomerID: "u_1", WorkflowID: "journey/ws_1/j/u_1", NodeID: "welcome",
		Channel: "email", To: "ann@example.com", Categories: []string{"welcome", "onboarding"},
		Email: &channels.Email{
			From: "hello@shop.example", FromName: "Shop", ReplyTo: "help@shop.example", Subject: "Welcome, Ann",
			HTML:           "<html><head><style>p{}</style></head><body><h1>Hi Ann</h1><p>See <a href=\"https://shop.example/new\">new things</a>.</p></body></html>",
			UnsubscribeURL: "https://t.example/u/abc",
		},
	}
}

// body is the part of the Mail Send body the tests read.
type body struct {
	Personalizations []struct {
		To         []struct{ Email, Name string } `json:"to"`
		CustomArgs map[string]string              `json:"custom_args"`
	} `json:"personalizations"`
	From       struct{ Email, Name string }   `json:"from"`
	ReplyTo    struct{ Email string }         `json:"reply_to"`
	Subject    string                         `json:"subject"`
	Content    []struct{ Type, Value string } `json:"content"`
	Categories []string                       `json:"categories"`
	Headers    map[string]string              `json:"headers"`
	Mail       struct {
		Sandbox *struct{ Enable bool } `json:"sandbox_mode"`
	} `json:"mail_settings"`
}

func setup(t *testing.T, sandbox bool) (*providertest.Server, *sendgrid.Sender) {
	fake := providertest.NewSendGrid(t)
	s, err := sendgrid.NewSender(sendgrid.Config{APIKey: "SG.test", BaseURL: fake.URL, Sandbox: sandbox})
	require.NoError(t, err)
	return fake, s
}

func TestSend(t *testing.T) {
	ctx := context.Background()
	t.Run("SendsEveryFieldAndReturnsTheMessageID", func(t *testing.T) {
		fake, s := setup(t, false)
		res, err := s.Send(ctx, message())
		require.NoError(t, err)
		assert.Equal(t, channels.Result{ProviderID: "sg-msg-1"}, res)
		reqs := fake.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, "Bearer SG.test", reqs[0].Header.Get("Authorization"))
		var b body
		reqs[0].JSON(t, &b)
		require.Len(t, b.Personalizations, 1)
		assert.Equal(t, "ann@example.com", b.Personalizations[0].To[0].Email)
		assert.Equal(t, "hello@shop.example", b.From.Email)
		assert.Equal(t, "Shop", b.From.Name)
		assert.Equal(t, "help@shop.example", b.ReplyTo.Email)
		assert.Equal(t, "Welcome, Ann", b.Subject)
		require.Len(t, b.Content, 2)
		assert.Equal(t, "text/plain", b.Content[0].Type, "SendGrid wants text/plain first")
		assert.Equal(t, "Hi Ann\n\nSee new things (https://shop.example/new).", b.Content[0].Value)
		assert.Equal(t, "text/html", b.Content[1].Type)
		assert.Equal(t, []string{"onboarding", "welcome"}, b.Categories)
		assert.Equal(t, map[string]string{"message_id": "msg_1", "workflow_id": "journey/ws_1/j/u_1", "node_id": "welcome", "workspace_id": "ws_1"}, b.Personalizations[0].CustomArgs)
		assert.Equal(t, map[string]string{"List-Unsubscribe": "<https://t.example/u/abc>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}, b.Headers)
		assert.Nil(t, b.Mail.Sandbox)
	})
	t.Run("CarriesTheConsentTopicInCustomArgs", func(t *testing.T) {
		fake, s := setup(t, false)
		m := message()
		m.Topic = "promotions"
		_, err := s.Send(ctx, m)
		require.NoError(t, err)
		var b body
		fake.Requests()[0].JSON(t, &b)
		assert.Equal(t, "promotions", b.Personalizations[0].CustomArgs["topic"], "the webhook's group (un)subscribe reads the topic back")
	})
	t.Run("KeepsAGivenTextPartSendsEachCategoryOnceAndOmitsUnsubscribeHeadersWithoutAURL", func(t *testing.T) {
		fake, s := setup(t, false)
		m := message()
		m.Email.Text, m.Email.UnsubscribeURL = "Hi Ann, in plain words.", ""
		m.Categories = []string{"b", "a", "b"}
		_, err := s.Send(ctx, m)
		require.NoError(t, err)
		var b body
		fake.Requests()[0].JSON(t, &b)
		assert.Equal(t, "Hi Ann, in plain words.", b.Content[0].Value)
		assert.Equal(t, []string{"a", "b"}, b.Categories, "sorted, each once")
		assert.Empty(t, b.Headers)
	})
	t.Run("SetsSandboxModeFromTheConfigOrTheMessage", func(t *testing.T) {
		fake, s := setup(t, true)
		_, err := s.Send(ctx, message())
		require.NoError(t, err)
		var b body
		fake.Requests()[0].JSON(t, &b)
		require.NotNil(t, b.Mail.Sandbox)
		assert.True(t, b.Mail.Sandbox.Enable)

		fake, s = setup(t, false)
		m := message()
		m.Email.Sandbox = true
		_, err = s.Send(ctx, m)
		require.NoError(t, err)
		fake.Requests()[0].JSON(t, &b)
		assert.True(t, b.Mail.Sandbox.Enable)
	})
}

func TestSendErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("ServerErrorIsTransient", func(t *testing.T) {
		fake, s := setup(t, false)
		fake.FailNext(http.StatusInternalServerError, nil, 1)
		_, err := s.Send(ctx, message())
		require.Error(t, err)
		assert.False(t, channels.IsPermanent(err))
		_, limited := channels.RetryAfter(err)
		assert.False(t, limited)
		assert.True(t, channels.NotAccepted(err), "a 500 says SendGrid did not take the message: %v", err)
		res, err := s.Send(ctx, message())
		require.NoError(t, err, "the retry succeeds")
		assert.NotEmpty(t, res.ProviderID)
	})
	for _, code := range []int{400, 401, 403, 413} {
		t.Run("Status"+strconv.Itoa(code)+"IsPermanentWithSendGridsReason", func(t *testing.T) {
			fake, s := setup(t, false)
			fake.FailNext(code, nil, 1)
			_, err := s.Send(ctx, message())
			var perm *channels.PermanentError
			require.True(t, errors.As(err, &perm), "err = %v", err)
			assert.Equal(t, code, perm.Status)
			assert.Equal(t, "scripted failure (HTTP "+strconv.Itoa(code)+")", perm.Reason)
		})
	}
	t.Run("TooManyRequestsWaitsUntilXRateLimitReset", func(t *testing.T) {
		fake, s := setup(t, false)
		reset := time.Now().Add(90 * time.Second).Unix()
		fake.FailNext(http.StatusTooManyRequests, map[string]string{"X-RateLimit-Reset": strconv.FormatInt(reset, 10)}, 1)
		_, err := s.Send(ctx, message())
		d, ok := channels.RetryAfter(err)
		require.True(t, ok, "err = %v", err)
		assert.InDelta(t, 90, d.Seconds(), 2)
	})
	t.Run("TooManyRequestsFallsBackToRetryAfter", func(t *testing.T) {
		fake, s := setup(t, false)
		fake.FailNext(http.StatusTooManyRequests, map[string]string{"Retry-After": "7"}, 1)
		_, err := s.Send(ctx, message())
		d, ok := channels.RetryAfter(err)
		require.True(t, ok, "err = %v", err)
		assert.Equal(t, 7*time.Second, d)
	})
	t.Run("TransportErrorIsTransient", func(t *testing.T) {
		fake, s := setup(t, false)
		fake.Close()
		_, err := s.Send(ctx, message())
		require.Error(t, err)
		assert.False(t, channels.IsPermanent(err))
		assert.True(t, channels.NotAccepted(err), "no connection was made: %v", err)
	})
	t.Run("MessageWithoutEmailIsPermanent", func(t *testing.T) {
		_, s := setup(t, false)
		m := message()
		m.Email = nil
		_, err := s.Send(ctx, m)
		assert.True(t, channels.IsPermanent(err))
		m = message()
		m.Email.HTML = ""
		_, err = s.Send(ctx, m)
		assert.True(t, channels.IsPermanent(err), "an email with neither HTML nor text")
	})
}

func TestHTMLToText(t *testing.T) {
	got := sendgrid.HTMLToText(`<p>One  two</p><script>alert(1)</script><ul><li>a</li><li>b</li></ul>Line<br>break &amp; more`)
	assert.Equal(t, "One two\n\na\nb\n\nLine\nbreak & more", strings.TrimSpace(got))
}
