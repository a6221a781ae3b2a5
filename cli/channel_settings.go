package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/tabiji/tabiji/channels/settings"
)

// ChannelsCmd is `tabiji channels`: the workspace's provider settings per
// channel through a running API. Secrets are write-only: they show as set,
// with a fingerprint.
type ChannelsCmd struct {
	List   ChannelsListCmd   `cmd:"" help:"List each channel's provider, whether it sends through it or the outbox, and where each setting comes from."`
	Show   ChannelsShowCmd   `cmd:"" help:"Show one channel's settings (secrets as set/unset and a fingerprint)."`
	Set    ChannelsSetCmd    `cmd:"" help:"Set some of a channel's settings for the workspace; the others keep their values. A secret given as - is read from stdin."`
	Delete ChannelsDeleteCmd `cmd:"" help:"Delete the workspace's settings of a channel: the server's environment applies again."`
}

// ChannelsListCmd is `tabiji channels list`.
type ChannelsListCmd struct {
	APIClientFlags
}

// Run prints every channel's settings.
func (c *ChannelsListCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/channels", nil)
	if err != nil {
		return fmt.Errorf("list channel settings: %w", err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var out struct{ Channels []settings.View }
	if err := decodeAnswer(raw, &out); err != nil {
		return err
	}
	return printSettings(rc.stdout, out.Channels...)
}

// ChannelsShowCmd is `tabiji channels show CHANNEL`.
type ChannelsShowCmd struct {
	APIClientFlags
	Channel string `arg:"" enum:"email,line,push,sms" help:"email, line, push or sms."`
}

// Run prints one channel's settings.
func (c *ChannelsShowCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/channels/"+c.Channel, nil)
	if err != nil {
		return fmt.Errorf("show %s settings: %w", c.Channel, err)
	}
	return printView(rc, api.output, raw)
}

// ChannelsSetCmd is `tabiji channels set CHANNEL --flag=value…`.
type ChannelsSetCmd struct {
	APIClientFlags
	Channel            string `arg:"" enum:"email,line,push,sms" help:"email, line, push or sms."`
	APIKey             string `name:"api-key" help:"email: SendGrid API key (secret; - reads it from stdin)."`
	WebhookPublicKey   string `name:"webhook-public-key" help:"email: public key (base64) of SendGrid's Signed Event Webhook."`
	ChannelAccessToken string `name:"channel-access-token" help:"line: channel access token (secret; - reads it from stdin)."`
	ChannelSecret      string `name:"channel-secret" help:"line: channel secret, which signs LINE's webhooks (secret; - reads it from stdin)."`
	RelayURLs          string `name:"relay-urls" help:"line: the shop's other webhook endpoints, comma-separated (at most 5), that get every verified LINE webhook re-signed (the API's relayUrls; clear it with PUT /v1/channels/line {\"relayUrls\": \"\"})."`
	ServiceAccountFile string `name:"service-account-file" type:"existingfile" help:"push: Firebase service account key file (JSON)."`
	AccountSID         string `name:"account-sid" help:"sms: Twilio account SID (AC…)."`
	AuthToken          string `name:"auth-token" help:"sms: Twilio auth token, which also signs Twilio's webhooks (secret; - reads it from stdin)."`
	FromNumber         string `name:"from-number" help:"sms: sending number (E.164, as +815012345678) or alphanumeric sender ID."`
	MessagingService   string `name:"messaging-service-sid" help:"sms: Twilio Messaging Service (MG…) that sends instead of a from number."`
	DefaultRegion      string `name:"default-region" help:"sms: region (JP, US, …) of customers' numbers written without a country code (JP when unset)."`
}

// Run sends the settings given.
func (c *ChannelsSetCmd) Run(rc *runContext) error {
	values, err := c.values(os.Stdin)
	if err != nil {
		return err
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodPut, "/v1/channels/"+c.Channel, values)
	if err != nil {
		return fmt.Errorf("set %s settings: %w", c.Channel, err)
	}
	return printView(rc, api.output, raw)
}

// values are the flags given, by API field name; a secret given as "-" is
// the first line of stdin.
func (c *ChannelsSetCmd) values(stdin io.Reader) (map[string]string, error) {
	v := map[string]string{}
	for name, val := range map[string]string{
		settings.APIKey: c.APIKey, settings.WebhookPublicKey: c.WebhookPublicKey, settings.ChannelAccessToken: c.ChannelAccessToken,
		settings.ChannelSecret: c.ChannelSecret, settings.RelayURLs: c.RelayURLs, settings.AccountSID: c.AccountSID, settings.AuthToken: c.AuthToken,
		settings.FromNumber: c.FromNumber, settings.MessagingServiceSID: c.MessagingService, settings.DefaultRegion: c.DefaultRegion,
	} {
		if val != "" {
			v[name] = val
		}
	}
	if c.ServiceAccountFile != "" {
		raw, err := os.ReadFile(c.ServiceAccountFile)
		if err != nil {
			return nil, fmt.Errorf("read --service-account-file: %w", err)
		}
		v[settings.ServiceAccount] = string(raw)
	}
	var fromStdin []string
	for name, val := range v {
		if val == "-" {
			fromStdin = append(fromStdin, name)
		}
	}
	if len(fromStdin) > 1 {
		return nil, errors.New("only one setting can be read from stdin (-)")
	}
	if len(fromStdin) == 1 {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read %s from stdin: %w", fromStdin[0], err)
		}
		v[fromStdin[0]] = strings.TrimRight(line, "\r\n")
	}
	if len(v) == 0 {
		return nil, errors.New("give at least one setting, as --api-key (see tabiji channels set --help)")
	}
	return v, nil
}

// ChannelsDeleteCmd is `tabiji channels delete CHANNEL`.
type ChannelsDeleteCmd struct {
	APIClientFlags
	Channel string `arg:"" enum:"email,line,push,sms" help:"email, line, push or sms."`
}

// Run deletes the workspace's settings of the channel.
func (c *ChannelsDeleteCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	if _, err := api.call(rc.ctx, http.MethodDelete, "/v1/channels/"+c.Channel, nil); err != nil {
		return fmt.Errorf("delete %s settings: %w", c.Channel, err)
	}
	fmt.Fprintf(rc.stdout, "deleted the workspace's %s settings: the server's environment applies\n", c.Channel)
	return nil
}

func printView(rc *runContext, output string, raw json.RawMessage) error {
	if output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var v settings.View
	if err := decodeAnswer(raw, &v); err != nil {
		return err
	}
	return printSettings(rc.stdout, v)
}

// printSettings prints one line per setting: a secret as its fingerprint.
func printSettings(w io.Writer, views ...settings.View) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANNEL\tSENDS THROUGH\tSETTING\tVALUE\tFROM")
	for _, v := range views {
		names := make([]string, 0, len(v.Settings))
		for name := range v.Settings {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			f := v.Settings[name]
			shown := f.Value
			switch {
			case !f.Set:
				shown, f.Source = "-", "-"
			case f.Secret:
				shown = "set (" + f.Fingerprint + ")"
			}
			if f.Ignored != "" {
				f.Source += " (a workspace value is stored and ignored: operator configuration)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.Channel, v.SendsThrough, name, shown, f.Source)
		}
	}
	return tw.Flush()
}
