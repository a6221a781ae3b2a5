package providertest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabiji/tabiji/channels/providertest"
)

// recorder stands in for the test so the fake's t.Errorf can be observed
// instead of failing this test.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func post(t *testing.T, url, auth, body string, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	return res
}

const validMail = `{"personalizations":[{"to":[{"email":"a@example.com"}]}],"from":{"email":"b@example.com"},"subject":"s","content":[{"type":"text/plain","value":"v"}]}`

func TestSendGridChecksEveryRequest(t *testing.T) {
	cases := map[string]struct{ auth, body, want string }{
		"MissingSubject":         {"Bearer k", `{"personalizations":[{"to":[{"email":"a@example.com"}]}],"from":{"email":"b@example.com"},"content":[{"type":"text/plain","value":"v"}]}`, "subject"},
		"RecipientNotEmail":      {"Bearer k", strings.Replace(validMail, "a@example.com", "not an address", 1), "email"},
		"CategoriesAsText":       {"Bearer k", strings.Replace(validMail, `"subject"`, `"categories":"promo","subject"`, 1), "categories"},
		"NoAuthorization":        {"", validMail, "Authorization"},
		"SubstitutionNotAString": {"Bearer k", strings.Replace(validMail, `"to":`, `"substitutions":{"-a-":1},"to":`, 1), "must be a string"},
		"SubstitutionsOverTheLimit": {"Bearer k", strings.Replace(validMail, `"to":`,
			`"substitutions":{"-a-":"`+strings.Repeat("x", providertest.SubstitutionLimit-3)+`","-b-":"y"},"to":`, 1), "over the 10000"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{TB: t}
			fake := providertest.NewSendGrid(rec)
			res := post(t, fake.URL+"/v3/mail/send", c.auth, c.body)
			assert.Equal(t, http.StatusBadRequest, res.StatusCode)
			require.Len(t, rec.errors, 1)
			assert.Contains(t, rec.errors[0], c.want)
			assert.Empty(t, fake.Requests(), "an invalid request is not recorded as accepted")
		})
	}
	t.Run("AcceptsAValidRequest", func(t *testing.T) {
		fake := providertest.NewSendGrid(t)
		res := post(t, fake.URL+"/v3/mail/send", "Bearer k", validMail)
		assert.Equal(t, http.StatusAccepted, res.StatusCode)
		assert.Equal(t, "sg-msg-1", res.Header.Get("X-Message-Id"))
		require.Len(t, fake.Requests(), 1)
	})
	t.Run("AcceptsSubstitutionsUpToTheLimitAndAppliesThem", func(t *testing.T) {
		fake := providertest.NewSendGrid(t)
		body := strings.Replace(strings.Replace(validMail, `"value":"v"`, `"value":"-a- and -b-"`, 1), `"to":`,
			`"substitutions":{"-a-":"`+strings.Repeat("x", providertest.SubstitutionLimit-7)+`","-b-":"y"},"to":`, 1)
		assert.Equal(t, http.StatusAccepted, post(t, fake.URL+"/v3/mail/send", "Bearer k", body).StatusCode)
		mails := providertest.Mails(t, fake.Requests()[0])
		require.Len(t, mails, 1)
		assert.Equal(t, strings.Repeat("x", providertest.SubstitutionLimit-7)+" and y", mails[0].Content["text/plain"])
		assert.Equal(t, "a@example.com", mails[0].To)
	})
	t.Run("ScriptedFaultsComeInOrderThenSuccess", func(t *testing.T) {
		fake := providertest.NewSendGrid(t)
		fake.FailNext(http.StatusInternalServerError, nil, 2)
		fake.FailNext(http.StatusTooManyRequests, map[string]string{"Retry-After": "3"}, 1)
		var got []int
		for range 4 {
			res := post(t, fake.URL+"/v3/mail/send", "Bearer k", validMail)
			got = append(got, res.StatusCode)
			if res.StatusCode == http.StatusTooManyRequests {
				assert.Equal(t, "3", res.Header.Get("Retry-After"))
			}
		}
		assert.Equal(t, []int{500, 500, 429, 202}, got)
	})
	t.Run("AHeldRequestIsTakenAndAnsweredOnlyOnRelease", func(t *testing.T) {
		fake := providertest.NewSendGrid(t)
		held := fake.HoldNext()
		answered := make(chan int, 1)
		go func() { answered <- post(t, fake.URL+"/v3/mail/send", "Bearer k", validMail).StatusCode }()
		<-held.Arrived()
		require.Len(t, fake.Requests(), 1)
		assert.Equal(t, http.StatusAccepted, fake.Requests()[0].Status, "recorded as taken before any answer")
		select {
		case code := <-answered:
			t.Fatalf("answered %d before the release", code)
		default:
		}
		held.Release()
		assert.Equal(t, http.StatusAccepted, <-answered)
		assert.Equal(t, http.StatusAccepted, post(t, fake.URL+"/v3/mail/send", "Bearer k", validMail).StatusCode, "the next is not held")
	})
	t.Run("AHeldRequestWhoseClientLeftIsStillRecorded", func(t *testing.T) {
		fake := providertest.NewSendGrid(t)
		held := fake.HoldNext()
		ctx, cancel := context.WithCancel(context.Background())
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, fake.URL+"/v3/mail/send", strings.NewReader(validMail))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer k")
		done := make(chan error, 1)
		go func() {
			res, err := http.DefaultClient.Do(req)
			if err == nil {
				res.Body.Close()
			}
			done <- err
		}()
		<-held.Arrived()
		cancel()
		require.Error(t, <-done, "the client gave up without an answer")
		held.Release()
		require.Len(t, fake.Requests(), 1)
	})
}

const validPush = `{"to":"U1","messages":[{"type":"text","text":"hi"}]}`

func TestLINEChecksEveryRequest(t *testing.T) {
	cases := map[string]struct{ path, body, key, want string }{
		"NoMessages":          {"/v2/bot/message/push", `{"to":"U1","messages":[]}`, "", "messages"},
		"SixMessages":         {"/v2/bot/message/push", `{"to":"U1","messages":[` + strings.Repeat(`{"type":"text","text":"a"},`, 5) + `{"type":"text","text":"a"}]}`, "", "messages"},
		"NullRecipient":       {"/v2/bot/message/push", `{"to":null,"messages":[{"type":"text","text":"hi"}]}`, "", "to"},
		"RetryKeyNotAUUID":    {"/v2/bot/message/push", validPush, "not-a-uuid", "X-Line-Retry-Key"},
		"MulticastToIsString": {"/v2/bot/message/multicast", `{"to":"U1","messages":[{"type":"text","text":"hi"}]}`, "", "to"},
		"UnknownPath":         {"/v2/bot/message/pushh", validPush, "", "no matching operation"},
		"TextWithoutText":     {"/v2/bot/message/push", `{"to":"U1","messages":[{"type":"text"}]}`, "", "text"},
		"UnknownMessageType":  {"/v2/bot/message/push", `{"to":"U1","messages":[{"type":"txt","text":"hi"}]}`, "", "txt"},
		"DeepFlexBadAlign":    {"/v2/bot/message/push", `{"to":"U1","messages":[{"type":"flex","altText":"a","contents":{"type":"bubble","body":{"type":"box","layout":"vertical","contents":[{"type":"box","layout":"horizontal","contents":[{"type":"text","text":"x","align":"middle"}]}]}}}]}`, "", "body.messages[0].contents.body.contents[0].contents[0]"},
		"QuickReplyBadAction": {"/v2/bot/message/push", `{"to":"U1","messages":[{"type":"text","text":"hi","quickReply":{"items":[{"type":"action","action":{"type":"teleport"}}]}}]}`, "", "teleport"},
		"FlexWithoutAltText":  {"/v2/bot/message/push", `{"to":"U1","messages":[{"type":"flex","contents":{"type":"bubble"}}]}`, "", "altText"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{TB: t}
			fake := providertest.NewLINE(rec)
			var headers []string
			if c.key != "" {
				headers = []string{"X-Line-Retry-Key", c.key}
			}
			res := post(t, fake.URL+c.path, "Bearer tok", c.body, headers...)
			assert.Equal(t, http.StatusBadRequest, res.StatusCode)
			require.Len(t, rec.errors, 1)
			assert.Contains(t, rec.errors[0], c.want)
		})
	}
	t.Run("AnswersConflictForARetryKeyAlreadyAccepted", func(t *testing.T) {
		fake := providertest.NewLINE(t)
		key := "123e4567-e89b-12d3-a456-426614174000"
		first := post(t, fake.URL+"/v2/bot/message/push", "Bearer tok", validPush, "X-Line-Retry-Key", key)
		again := post(t, fake.URL+"/v2/bot/message/push", "Bearer tok", validPush, "X-Line-Retry-Key", key)
		other := post(t, fake.URL+"/v2/bot/message/push", "Bearer tok", validPush, "X-Line-Retry-Key", "123e4567-e89b-12d3-a456-426614174001")
		assert.Equal(t, []int{200, 409, 200}, []int{first.StatusCode, again.StatusCode, other.StatusCode})
		assert.Equal(t, first.Header.Get("X-Line-Request-Id"), again.Header.Get("X-Line-Accepted-Request-Id"))
	})
	t.Run("AScriptedFailureDoesNotUseUpTheRetryKey", func(t *testing.T) {
		fake := providertest.NewLINE(t)
		key := "123e4567-e89b-12d3-a456-426614174000"
		fake.FailNext(http.StatusInternalServerError, nil, 1)
		failed := post(t, fake.URL+"/v2/bot/message/push", "Bearer tok", validPush, "X-Line-Retry-Key", key)
		retried := post(t, fake.URL+"/v2/bot/message/push", "Bearer tok", validPush, "X-Line-Retry-Key", key)
		assert.Equal(t, []int{500, 200}, []int{failed.StatusCode, retried.StatusCode})
	})
}

func TestSpecsDirHonoursTheEnvironment(t *testing.T) {
	t.Setenv("TABIJI_SPECS_DIR", "/elsewhere")
	assert.Equal(t, "/elsewhere", providertest.SpecsDir(t))
}

func TestFCMChecksEveryRequest(t *testing.T) {
	send := "/v1/projects/" + providertest.FCMProject + "/messages:send"
	cases := map[string]struct{ path, auth, body, want string }{
		"NoTarget":        {send, "Bearer fcm-fake-access-token", `{"message":{"notification":{"title":"t"}}}`, "exactly one"},
		"TwoTargets":      {send, "Bearer fcm-fake-access-token", `{"message":{"token":"a","topic":"b"}}`, "exactly one"},
		"DataNotStrings":  {send, "Bearer fcm-fake-access-token", `{"message":{"token":"a","data":{"n":1}}}`, "message.data"},
		"UnknownMember":   {send, "Bearer fcm-fake-access-token", `{"message":{"token":"a","priority":"high"}}`, "message.priority"},
		"LegacyTopLevel":  {send, "Bearer fcm-fake-access-token", `{"to":"a","notification":{"title":"t"}}`, "body"},
		"WrongToken":      {send, "Bearer other", `{"message":{"token":"a"}}`, "Authorization"},
		"OtherProject":    {"/v1/projects/other/messages:send", "Bearer fcm-fake-access-token", `{"message":{"token":"a"}}`, "want POST"},
		"NotificationInt": {send, "Bearer fcm-fake-access-token", `{"message":{"token":"a","notification":{"title":1}}}`, "message.notification"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{TB: t}
			fake := providertest.NewFCM(rec)
			res := post(t, fake.URL+c.path, c.auth, c.body)
			assert.Equal(t, http.StatusBadRequest, res.StatusCode)
			require.Len(t, rec.errors, 1)
			assert.Contains(t, rec.errors[0], c.want)
		})
	}
	t.Run("AcceptsAValidRequest", func(t *testing.T) {
		fake := providertest.NewFCM(t)
		res := post(t, fake.URL+send, "Bearer fcm-fake-access-token", `{"message":{"token":"a","notification":{"title":"t","body":"b"},"data":{"k":"v"}}}`)
		assert.Equal(t, http.StatusOK, res.StatusCode)
		require.Len(t, fake.Requests(), 1)
	})
}

func TestTwilioChecksEveryRequest(t *testing.T) {
	postForm := func(t *testing.T, fake *providertest.Twilio, account, user, pass string, form url.Values) int {
		req, err := http.NewRequest(http.MethodPost, fake.URL+"/2010-04-01/Accounts/"+account+"/Messages.json", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(user, pass)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	valid := func() url.Values {
		return url.Values{"To": {"+819012345678"}, "From": {"+815012345678"}, "Body": {"hi"}}
	}
	cases := map[string]struct {
		change func(url.Values)
		want   string
	}{
		"ToNotE164":        {func(f url.Values) { f.Set("To", "090-1234-5678") }, "To"},
		"NoTo":             {func(f url.Values) { f.Del("To") }, "To"},
		"UnknownParameter": {func(f url.Values) { f.Set("Priority", "high") }, "Priority"},
		"CallbackNotAURL":  {func(f url.Values) { f.Set("StatusCallback", "/webhooks/twilio") }, "StatusCallback"},
		"BadServiceSID":    {func(f url.Values) { f.Set("MessagingServiceSid", "MG1") }, "MessagingServiceSid"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{TB: t}
			fake := providertest.NewTwilio(rec)
			form := valid()
			c.change(form)
			assert.Equal(t, http.StatusBadRequest, postForm(t, fake, fake.AccountSID, fake.AccountSID, fake.AuthToken, form))
			require.Len(t, rec.errors, 1)
			assert.Contains(t, rec.errors[0], c.want)
		})
	}
	t.Run("RefusesAnotherAccountsCredentials", func(t *testing.T) {
		rec := &recorder{TB: t}
		fake := providertest.NewTwilio(rec)
		assert.Equal(t, http.StatusBadRequest, postForm(t, fake, fake.AccountSID, fake.AccountSID, "wrong", valid()))
		require.Len(t, rec.errors, 1)
		assert.Contains(t, rec.errors[0], "Authorization")
	})
	t.Run("AcceptsAValidRequest", func(t *testing.T) {
		fake := providertest.NewTwilio(t)
		assert.Equal(t, http.StatusCreated, postForm(t, fake, fake.AccountSID, fake.AccountSID, fake.AuthToken, valid()))
		require.Len(t, fake.Messages(), 1)
		assert.Equal(t, "+819012345678", fake.Messages()[0].To)
	})
}
