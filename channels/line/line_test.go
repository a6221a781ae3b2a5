package line_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/line"
	"github.com/tabiji/tabiji/channels/providertest"
)

// flex is a message whose layout depends on members being absent: the
// sender must pass it through byte for byte, not re-encode it with the
// SDK's zero values ("flex":0, "wrap":false).
const flex = `{"type":"flex","altText":"Your order","contents":{"type":"bubble","body":{"type":"box","layout":"horizontal","contents":[{"type":"text","text":"Order 42"},{"type":"text","text":"¥1,200","align":"end"}]}}}`

const text = `{"type":"text","text":"Shall we?","quickReply":{"items":[{"type":"action","action":{"type":"message","label":"Yes","text":"yes"}}]}}`

func message() channels.Message {
	return channels.Message{
		ID: "msg_1", WorkspaceID: "ws_1", CustomerID: "u_1", WorkflowID: "journey/ws_1/j/u_1", NodeID: "nudge",
		Channel: "line", To: "U4af4980629", LINE: []json.RawMessage{json.RawMessage(text), json.RawMessage(flex)},
	}
}

func setup(t *testing.T) (*providertest.LINE, *line.Sender) {
	fake := providertest.NewLINE(t)
	s, err := line.NewSender(line.Config{ChannelAccessToken: "tok", BaseURL: fake.URL})
	require.NoError(t, err)
	return fake, s
}

func TestSend(t *testing.T) {
	ctx := context.Background()
	t.Run("PushesTheMessagesAsGivenWithADeterministicRetryKey", func(t *testing.T) {
		fake, s := setup(t)
		res, err := s.Send(ctx, message())
		require.NoError(t, err)
		assert.Equal(t, channels.Result{ProviderID: "line-req-1"}, res)
		reqs := fake.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, "/v2/bot/message/push", reqs[0].Path)
		assert.Equal(t, "Bearer tok", reqs[0].Header.Get("Authorization"))
		assert.Equal(t, line.RetryKey("msg_1"), reqs[0].Header.Get("X-Line-Retry-Key"))
		var body struct {
			To       string            `json:"to"`
			Messages []json.RawMessage `json:"messages"`
		}
		reqs[0].JSON(t, &body)
		assert.Equal(t, "U4af4980629", body.To)
		require.Len(t, body.Messages, 2)
		assert.JSONEq(t, text, string(body.Messages[0]))
		assert.JSONEq(t, flex, string(body.Messages[1]))
	})
	t.Run("RetryKeyIsAUUIDv5OfTheMessageID", func(t *testing.T) {
		k := line.RetryKey("msg_1")
		assert.Equal(t, k, line.RetryKey("msg_1"))
		assert.NotEqual(t, k, line.RetryKey("msg_2"))
		assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, k)
	})
	t.Run("ASecondAttemptReusesTheKeyAndIsAlreadyAccepted", func(t *testing.T) {
		fake, s := setup(t)
		first, err := s.Send(ctx, message())
		require.NoError(t, err)
		again, err := s.Send(ctx, message())
		require.NoError(t, err)
		assert.Equal(t, channels.Result{ProviderID: first.ProviderID, AlreadyAccepted: true}, again)
		reqs := fake.Requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, reqs[0].Header.Get("X-Line-Retry-Key"), reqs[1].Header.Get("X-Line-Retry-Key"))
		assert.Equal(t, http.StatusConflict, reqs[1].Status)
	})
	t.Run("RetryAfterAServerErrorSendsOnce", func(t *testing.T) {
		fake, s := setup(t)
		fake.FailNext(http.StatusInternalServerError, nil, 1)
		_, err := s.Send(ctx, message())
		require.Error(t, err)
		assert.False(t, channels.IsPermanent(err))
		_, limited := channels.RetryAfter(err)
		assert.False(t, limited)
		assert.True(t, channels.NotAccepted(err), "a 500 says LINE did not take the message: %v", err)
		assert.True(t, channels.Deduplicates(s), "LINE's retry key makes a repeat safe")
		res, err := s.Send(ctx, message())
		require.NoError(t, err)
		assert.False(t, res.AlreadyAccepted)
		reqs := fake.Requests()
		assert.Equal(t, reqs[0].Header.Get("X-Line-Retry-Key"), reqs[1].Header.Get("X-Line-Retry-Key"))
	})
}

func TestSendErrors(t *testing.T) {
	ctx := context.Background()
	for _, code := range []int{400, 401, 403} {
		t.Run("Status"+strconv.Itoa(code)+"IsPermanentWithLINEsReason", func(t *testing.T) {
			fake, s := setup(t)
			fake.FailNext(code, nil, 1)
			_, err := s.Send(ctx, message())
			var perm *channels.PermanentError
			require.True(t, errors.As(err, &perm), "err = %v", err)
			assert.Equal(t, code, perm.Status)
			assert.Equal(t, fmt.Sprintf("scripted failure; scripted: HTTP %d", code), perm.Reason)
		})
	}
	t.Run("TooManyRequestsIsARateLimit", func(t *testing.T) {
		fake, s := setup(t)
		fake.FailNext(http.StatusTooManyRequests, map[string]string{"Retry-After": "30"}, 1)
		_, err := s.Send(ctx, message())
		d, ok := channels.RetryAfter(err)
		require.True(t, ok, "err = %v", err)
		assert.Equal(t, 30*time.Second, d)
	})
	t.Run("TooManyRequestsWithoutRetryAfterWaitsAMinute", func(t *testing.T) {
		fake, s := setup(t)
		fake.FailNext(http.StatusTooManyRequests, nil, 1)
		_, err := s.Send(ctx, message())
		d, ok := channels.RetryAfter(err)
		require.True(t, ok, "err = %v", err)
		assert.Equal(t, time.Minute, d)
	})
	t.Run("MessagesThatAreNotObjectsArePermanentAndNotSent", func(t *testing.T) {
		fake, s := setup(t)
		for _, msgs := range [][]json.RawMessage{nil, {json.RawMessage(`"hi"`)}, {json.RawMessage(`{"text":"no type"}`)}} {
			m := message()
			m.LINE = msgs
			_, err := s.Send(ctx, m)
			assert.True(t, channels.IsPermanent(err), "%s: err = %v", msgs, err)
		}
		assert.Empty(t, fake.Requests())
	})
	t.Run("TransportErrorIsTransient", func(t *testing.T) {
		fake, s := setup(t)
		fake.Close()
		_, err := s.Send(ctx, message())
		require.Error(t, err)
		assert.False(t, channels.IsPermanent(err))
	})
}

func TestMulticast(t *testing.T) {
	ctx := context.Background()
	users := make([]string, 1201)
	for i := range users {
		users[i] = fmt.Sprintf("U%05d", i)
	}
	msgs := []json.RawMessage{json.RawMessage(text)}
	t.Run("SendsInChunksOf500", func(t *testing.T) {
		fake, s := setup(t)
		results, err := s.Multicast(ctx, users, msgs, "campaign_7")
		require.NoError(t, err)
		require.Len(t, results, 3)
		reqs := fake.Requests()
		require.Len(t, reqs, 3)
		var got []string
		keys := map[string]bool{}
		for i, want := range []int{500, 500, 201} {
			var body struct {
				To []string `json:"to"`
			}
			reqs[i].JSON(t, &body)
			assert.Len(t, body.To, want)
			assert.Equal(t, "/v2/bot/message/multicast", reqs[i].Path)
			got = append(got, body.To...)
			keys[reqs[i].Header.Get("X-Line-Retry-Key")] = true
		}
		assert.Equal(t, users, got, "every user once, in order")
		assert.Len(t, keys, 3, "each chunk has its own retry key")
	})
	t.Run("RepeatingAfterAFailureResendsOnlyWhatWasNotAccepted", func(t *testing.T) {
		fake, s := setup(t)
		_, err := s.Multicast(ctx, users[:500], msgs, "campaign_7") // chunk 0 accepted
		require.NoError(t, err)
		fake.FailNext(http.StatusInternalServerError, nil, 1)
		results, err := s.Multicast(ctx, users, msgs, "campaign_7")
		require.Error(t, err, "chunk 1 fails")
		require.Len(t, results, 1)
		assert.True(t, results[0].AlreadyAccepted)
		results, err = s.Multicast(ctx, users, msgs, "campaign_7")
		require.NoError(t, err)
		assert.Equal(t, []bool{true, false, false}, []bool{results[0].AlreadyAccepted, results[1].AlreadyAccepted, results[2].AlreadyAccepted})
	})
}

func TestQuota(t *testing.T) {
	fake, s := setup(t)
	fake.SetQuota(1000)
	_, err := s.Multicast(context.Background(), []string{"U1", "U2", "U3"}, []json.RawMessage{json.RawMessage(text)}, "k")
	require.NoError(t, err)
	q, err := s.Quota(context.Background())
	require.NoError(t, err)
	assert.Equal(t, line.Quota{Type: "limited", Limit: 1000, Consumed: 3}, q)
	reqs := fake.Requests()
	assert.Equal(t, "/v2/bot/message/quota", reqs[1].Path)
	assert.Equal(t, "/v2/bot/message/quota/consumption", reqs[2].Path)
}

func TestSendMessageTypes(t *testing.T) {
	ctx := context.Background()
	msgs := map[string]string{
		"buttons":  `{"type":"template","altText":"Cart","template":{"type":"buttons","thumbnailImageUrl":"https://cdn.example/a.jpg","title":"Tea","text":"Still thinking?","actions":[{"type":"uri","label":"Open","uri":"https://shop.example/cart"}]}}`,
		"confirm":  `{"type":"template","altText":"Confirm","template":{"type":"confirm","text":"Keep it?","actions":[{"type":"postback","label":"Yes","data":"a=yes"},{"type":"message","label":"No","text":"no"}]}}`,
		"carousel": `{"type":"template","altText":"Picks","template":{"type":"carousel","columns":[{"text":"Green","actions":[{"type":"uri","label":"Open","uri":"https://shop.example/g"}]},{"text":"Black","actions":[{"type":"uri","label":"Open","uri":"https://shop.example/b"}]}]}}`,
		"imagemap": `{"type":"imagemap","baseUrl":"https://cdn.example/sale","altText":"Sale","baseSize":{"width":1040,"height":1040},"actions":[{"type":"uri","linkUri":"https://shop.example/sale","area":{"x":0,"y":0,"width":1040,"height":1040}}]}`,
		"sticker":  `{"type":"sticker","packageId":"446","stickerId":"1988"}`,
	}
	for name, msg := range msgs {
		t.Run("PushesA"+name+"MessageLINEsDescriptionAccepts", func(t *testing.T) {
			fake, s := setup(t)
			m := message()
			m.LINE = []json.RawMessage{json.RawMessage(msg)}
			_, err := s.Send(ctx, m)
			require.NoError(t, err)
			require.Empty(t, fake.Invalid())
			reqs := fake.Requests()
			require.Len(t, reqs, 1)
			var body struct{ Messages []json.RawMessage }
			reqs[0].JSON(t, &body)
			assert.JSONEq(t, msg, string(body.Messages[0]))
		})
	}
	t.Run("TheFakeRefusesATemplateLINEsDescriptionDoesNot", func(t *testing.T) {
		fake := providertest.NewLINE(&recorder{TB: t})
		s, err := line.NewSender(line.Config{ChannelAccessToken: "tok", BaseURL: fake.URL})
		require.NoError(t, err)
		m := message()
		m.LINE = []json.RawMessage{json.RawMessage(`{"type":"template","altText":"a","template":{"type":"confirm","actions":[]}}`)}
		_, err = s.Send(ctx, m)
		require.Error(t, err)
		require.Len(t, fake.Invalid(), 1)
		assert.Contains(t, fake.Invalid()[0], "text")
	})
}

// recorder is a testing.TB whose Errorf records instead of failing: the
// fake's refusal is what the test expects.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
