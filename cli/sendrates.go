package cli

import (
	"fmt"

	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/worker"
)

// SendRateFlags are the sends per second each channel's task queue allows,
// enforced by Temporal across all workers (0: unlimited). The defaults:
// email 100/s stays well inside SendGrid's v3 Mail Send limits and a new
// sender reputation; LINE 2,000/s is the Messaging API's per-channel limit
// for push messages ("Other API endpoints" in its rate-limit table); push
// 10,000/s is FCM HTTP v1's 600,000 messages per minute per project; SMS
// 10/s: Twilio takes more calls than that but sends each number's messages
// at its own pace (a long code about 1 segment/s, a short code 100) and
// drops what waits in its queue past the validity period, so the rate is
// set to what the account's senders deliver.
type SendRateFlags struct {
	SendRateEmail float64 `name:"send-rate-email" env:"TABIJI_SEND_RATE_EMAIL" default:"100" help:"Email sends per second, across all workers (0: unlimited)."`
	SendRateLINE  float64 `name:"send-rate-line" env:"TABIJI_SEND_RATE_LINE" default:"2000" help:"LINE sends per second, across all workers (0: unlimited)."`
	SendRatePush  float64 `name:"send-rate-push" env:"TABIJI_SEND_RATE_PUSH" default:"10000" help:"Push sends per second, across all workers (0: unlimited)."`
	SendRateSMS   float64 `name:"send-rate-sms" env:"TABIJI_SEND_RATE_SMS" default:"10" help:"SMS sends per second, across all workers (0: unlimited); at most what the sending numbers or messaging service take."`
}

// Rates are the flags by channel; the dev outbox is never limited.
func (f SendRateFlags) Rates() worker.Rates {
	return worker.Rates{"email": f.SendRateEmail, "line": f.SendRateLINE, "push": f.SendRatePush, "sms": f.SendRateSMS}
}

// check refuses a negative rate, which Temporal would not take as a limit.
func (f SendRateFlags) check() error {
	for ch, r := range f.Rates() {
		if r < 0 {
			return fmt.Errorf("--send-rate-%s is %v: it must be 0 (unlimited) or more", ch, r)
		}
	}
	return nil
}

// startSendWorkers starts one send worker per channel beside the journey
// worker on taskQueue, running acts (delivering as the journey worker's
// do); the returned function stops them.
func startSendWorkers(tc client.Client, acts *activities.Activities, taskQueue string, f SendRateFlags) (func(), error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	stop, err := worker.StartAll(worker.NewSendWorkers(tc, acts, taskQueue, f.Rates()))
	if err != nil {
		return nil, fmt.Errorf("start send workers: %w", err)
	}
	return stop, nil
}
