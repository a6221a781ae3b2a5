package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/fcm"
	"github.com/tabiji/tabiji/channels/line"
	"github.com/tabiji/tabiji/channels/outbox"
	"github.com/tabiji/tabiji/channels/sendgrid"
	"github.com/tabiji/tabiji/store"
)

// ChannelFlags configure the message providers. A channel without
// credentials delivers to the development outbox. `tabiji dev` and
// `tabiji worker` hand them to the Send activity (see Delivery).
type ChannelFlags struct {
	PublicURL                string `name:"public-url" env:"TABIJI_PUBLIC_URL" help:"Public base URL of the API, for unsubscribe links in messages (tabiji dev: its own address)."`
	EmailFrom                string `name:"email-from" env:"TABIJI_EMAIL_FROM" help:"Sender address of emails whose content is inline in the journey (stored templates name their own)."`
	SendGridAPIKey           string `name:"sendgrid-api-key" env:"SENDGRID_API_KEY" help:"SendGrid API key (mail send): email goes through SendGrid."`
	SendGridBaseURL          string `name:"sendgrid-base-url" env:"SENDGRID_BASE_URL" help:"SendGrid API base URL (default https://api.sendgrid.com)."`
	SendGridWebhookPublicKey string `name:"sendgrid-webhook-public-key" env:"SENDGRID_WEBHOOK_PUBLIC_KEY" help:"Public key (base64) of SendGrid's signed Event Webhook."`
	SendGridSandbox          bool   `name:"sendgrid-sandbox" env:"SENDGRID_SANDBOX" help:"Send every email in SendGrid's sandbox mode (validated, never delivered)."`
	LINEChannelAccessToken   string `name:"line-channel-access-token" env:"LINE_CHANNEL_ACCESS_TOKEN" help:"LINE channel access token: LINE messages go through the Messaging API."`
	LINEChannelSecret        string `name:"line-channel-secret" env:"LINE_CHANNEL_SECRET" help:"LINE channel secret, which signs LINE's webhooks."`
	LINEAPIBaseURL           string `name:"line-api-base-url" env:"LINE_API_BASE_URL" help:"LINE Messaging API base URL (default https://api.line.me)."`
	FCMCredentialsFile       string `name:"fcm-credentials-file" env:"FCM_CREDENTIALS_FILE" type:"path" help:"Firebase service account key (JSON): push goes through FCM."`
	FCMBaseURL               string `name:"fcm-base-url" env:"FCM_BASE_URL" help:"FCM API base URL (default https://fcm.googleapis.com)."`
	// EmailConfirmWindow: see activities.Options.ConfirmWithin.
	EmailConfirmWindow time.Duration `name:"email-confirm-window" env:"TABIJI_EMAIL_CONFIRM_WINDOW" default:"15m" help:"How long a retried email send waits for SendGrid's webhook to confirm an earlier attempt whose answer was lost, before settling it 'unconfirmed' (never sent twice); 0 without a webhook."`
}

// Delivery returns the Send activity's options: the senders, and what
// signs and roots the unsubscribe links.
func (f ChannelFlags) Delivery(ctx context.Context, st *store.Store, unsubscribeSecret string) (activities.Options, error) {
	senders, err := f.Senders(ctx, st)
	if err != nil {
		return activities.Options{}, err
	}
	return activities.Options{Senders: senders, UnsubscribeSecret: unsubscribeSecret,
		PublicURL: f.PublicURL, EmailFrom: f.EmailFrom,
		ConfirmWithin: map[string]time.Duration{"email": f.EmailConfirmWindow}}, nil
}

// Senders returns a sender for each channel ("email", "line", "push"): the
// provider whose credentials are set, else the development outbox over st.
func (f ChannelFlags) Senders(ctx context.Context, st *store.Store) (map[string]channels.Sender, error) {
	box := outbox.NewSender(st)
	senders := map[string]channels.Sender{"email": box, "line": box, "push": box}
	if f.SendGridAPIKey != "" {
		s, err := sendgrid.NewSender(sendgrid.Config{APIKey: f.SendGridAPIKey, BaseURL: f.SendGridBaseURL, Sandbox: f.SendGridSandbox})
		if err != nil {
			return nil, fmt.Errorf("configure email: %w", err)
		}
		senders["email"] = s
	}
	if f.LINEChannelAccessToken != "" {
		s, err := line.NewSender(line.Config{ChannelAccessToken: f.LINEChannelAccessToken, BaseURL: f.LINEAPIBaseURL})
		if err != nil {
			return nil, fmt.Errorf("configure line: %w", err)
		}
		senders["line"] = s
	}
	if f.FCMCredentialsFile != "" {
		s, err := fcm.NewSender(ctx, fcm.Config{CredentialsFile: f.FCMCredentialsFile, BaseURL: f.FCMBaseURL})
		if err != nil {
			return nil, fmt.Errorf("configure push: %w", err)
		}
		senders["push"] = s
	}
	return senders, nil
}
