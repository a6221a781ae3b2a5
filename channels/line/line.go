// Package line sends LINE messages through the Messaging API with the
// official line-bot-sdk-go v8 client.
package line

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/tabiji/tabiji/channels"
)

// DefaultBaseURL is the Messaging API host.
const DefaultBaseURL = "https://api.line.me"

// MulticastLimit is the most recipients one multicast request may name.
const MulticastLimit = 500

// retryNamespace is the fixed UUIDv5 namespace of Tabiji's retry keys: the
// same message ID always gives the same X-Line-Retry-Key.
var retryNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://tabiji.dev/line/x-line-retry-key"))

// RetryKey is the X-Line-Retry-Key of a message: a UUIDv5 of its ID, so a
// retried activity reuses the key and LINE answers 409 instead of sending
// the message twice.
func RetryKey(messageID string) string {
	return uuid.NewSHA1(retryNamespace, []byte(messageID)).String()
}

// Config configures the LINE sender.
type Config struct {
	ChannelAccessToken string
	BaseURL            string // DefaultBaseURL when empty; a fake server in tests
	// HTTPClient is used for requests; a client with a 30 s timeout when nil.
	HTTPClient *http.Client
}

// Sender sends LINE messages.
type Sender struct {
	cfg Config
}

// NewSender returns a LINE sender.
func NewSender(cfg Config) (*Sender, error) {
	if cfg.ChannelAccessToken == "" {
		return nil, fmt.Errorf("line: a channel access token is required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if _, err := messaging_api.NewMessagingApiAPI(cfg.ChannelAccessToken, messaging_api.WithEndpoint(cfg.BaseURL)); err != nil {
		return nil, fmt.Errorf("line: check base URL: %w", err)
	}
	return &Sender{cfg: cfg}, nil
}

// api returns a client bound to ctx. The SDK keeps the context on the client
// (WithContext mutates it), so each call gets its own client to stay safe
// under concurrent activities.
func (s *Sender) api(ctx context.Context) *messaging_api.MessagingApiAPI {
	c, _ := messaging_api.NewMessagingApiAPI(s.cfg.ChannelAccessToken,
		messaging_api.WithEndpoint(s.cfg.BaseURL), messaging_api.WithHTTPClient(s.cfg.HTTPClient))
	return c.WithContext(ctx)
}

// Deduplicates says LINE drops a repeat of an accepted push: every push
// carries the X-Line-Retry-Key of its message ID, and a repeat is answered
// 409 (taken as accepted), so a send whose outcome is unknown is sent again.
func (s *Sender) Deduplicates() bool { return true }

// Send pushes m.LINE to the user m.To with the message's retry key. The
// provider ID is LINE's request ID (x-line-request-id, or on a 409 the
// x-line-accepted-request-id of the request that was accepted first).
func (s *Sender) Send(ctx context.Context, m channels.Message) (channels.Result, error) {
	msgs, err := messages(m.LINE)
	if err != nil {
		return channels.Result{}, err
	}
	req := &messaging_api.PushMessageRequest{To: m.To, Messages: msgs}
	res, _, err := s.api(ctx).PushMessageWithHttpInfo(req, RetryKey(m.ID)) //nolint:bodyclose // the SDK reads the body and closes it (or reads it to EOF)
	return result(fmt.Sprintf("push %s", m.ID), res, err)
}

// Multicast sends the same messages to many users in requests of at most
// MulticastLimit recipients. Chunk i carries the retry key derived from
// retryKey and i, so calling Multicast again with the same arguments after
// a failure resends nothing LINE already accepted (those chunks answer
// AlreadyAccepted). It returns one Result per chunk sent and stops at the
// first error.
func (s *Sender) Multicast(ctx context.Context, to []string, msgs []json.RawMessage, retryKey string) ([]channels.Result, error) {
	parsed, err := messages(msgs)
	if err != nil {
		return nil, err
	}
	var results []channels.Result
	for i := 0; i*MulticastLimit < len(to); i++ {
		chunk := to[i*MulticastLimit : min(len(to), (i+1)*MulticastLimit)]
		req := &messaging_api.MulticastRequest{To: chunk, Messages: parsed}
		res, _, err := s.api(ctx).MulticastWithHttpInfo(req, RetryKey(retryKey+"/"+strconv.Itoa(i))) //nolint:bodyclose // the SDK reads the body and closes it (or reads it to EOF)
		r, err := result(fmt.Sprintf("multicast %s chunk %d", retryKey, i), res, err)
		if err != nil {
			return results, err
		}
		results = append(results, r)
	}
	return results, nil
}

// Quota is the month's message quota and how much of it is used.
type Quota struct {
	Type     string // "limited" or "none"
	Limit    int64  // messages a month when Type is "limited"
	Consumed int64  // messages sent this month
}

// Quota reads the monthly quota and its consumption.
func (s *Sender) Quota(ctx context.Context) (Quota, error) {
	res, q, err := s.api(ctx).GetMessageQuotaWithHttpInfo() //nolint:bodyclose // the SDK reads the body and closes it (or reads it to EOF)
	if _, err := result("read quota", res, err); err != nil {
		return Quota{}, err
	}
	res, c, err := s.api(ctx).GetMessageQuotaConsumptionWithHttpInfo() //nolint:bodyclose // the SDK reads the body and closes it (or reads it to EOF)
	if _, err := result("read quota consumption", res, err); err != nil {
		return Quota{}, err
	}
	return Quota{Type: string(q.Type), Limit: q.Value, Consumed: c.TotalUsage}, nil
}
